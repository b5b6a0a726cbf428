"""Read what a chapter computed from its executed notebook.

myst-nb's ``glue(name, value, display=False)`` stores the value as a display
output of the cell that called it: the output's ``metadata["scrapbook"]["name"]``
is the name, and its ``data`` holds the value's representations under keys
prefixed with ``metadata["scrapbook"]["mime_prefix"]`` (for example
``application/papermill.record/text/plain``). That is what a notebook executed
with ``jupytext --execute`` or nbclient contains.

The book build moves these outputs out of the notebook: it writes the executed
notebook to ``_build/jupyter_execute/<page>.ipynb`` *without* them (and without
the cells tagged ``remove-cell``) and stores every glued output, prefix removed,
in ``<page>.glue.json`` next to it, as {name: output}. The functions here read
both, so a test can check the numbers a page printed without running anything
again.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat

__all__ = ["glued_outputs", "glued_value"]


def _unprefixed(output: dict) -> dict:
    prefix = output.get("metadata", {}).get("scrapbook", {}).get("mime_prefix", "")
    return {
        mime[len(prefix) :] if prefix and mime.startswith(prefix) else mime: data
        for mime, data in output.get("data", {}).items()
    }


def glued_outputs(notebook_path) -> dict[str, dict]:
    """Every glued value of a notebook, as {name: {mime type: data}} with the prefix removed.

    Reads the glue outputs left in the notebook and, when the book build wrote
    one, the ``.glue.json`` file beside it.
    """
    notebook_path = Path(notebook_path)
    found: dict[str, dict] = {}
    notebook = nbformat.read(notebook_path, as_version=4)
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name is not None:
                found[name] = _unprefixed(output)
    sidecar = notebook_path.with_suffix(".glue.json")
    if sidecar.exists():
        for name, output in json.loads(sidecar.read_text()).items():
            found[name] = _unprefixed(output)
    return found


def glued_value(notebook_path, name: str):
    """The value glued under ``name`` in an executed notebook.

    Numbers, strings, lists and the like come back as Python objects (the
    ``text/plain`` representation, read with :func:`ast.literal_eval`); a value
    whose representation is not a literal (a figure, a NumPy scalar written as
    ``np.float64(...)``) raises ``ValueError`` so that a test never compares
    against a string by mistake. A name that was never glued raises ``KeyError``.
    """
    outputs = glued_outputs(notebook_path)
    if name not in outputs:
        raise KeyError(f"{name!r} is not glued in {notebook_path}; glued names: {sorted(outputs)}")
    data = outputs[name]
    if "application/json" in data:
        return data["application/json"]
    text = data.get("text/plain")
    if text is None:
        raise ValueError(f"{name!r} in {notebook_path} has no text/plain representation: {sorted(data)}")
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise ValueError(f"{name!r} in {notebook_path} is not a Python literal: {text[:200]!r}") from None
