"""The bee-vs-wasp homework notebook itself.

How it grades (the solution, the untouched release, the seed's Q5/Q6 mistake, a
model re-created before the augmented training, other correct styles, tampering)
is tests/corpus/beewasp.py, graded by tests/test_corpus.py. Here: the notebook's
conventions, and one graded cell run in this process: the seed's other mistake
(the dense layer's count as the answer to Q2) fails the Q2 test, the right answer
passes it.
"""

from __future__ import annotations

import contextlib
import io

import nbformat
import pytest

from nbgrader_course import ROOT, nbgrader_cell, strip_solution_markers

ASSIGNMENT = "beewasp"
SOURCE = ROOT / "source_notebooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"


def source_cells() -> dict[str, nbformat.NotebookNode]:
    notebook = nbformat.read(SOURCE, as_version=4)
    return {nbgrader_cell(cell)["grade_id"]: cell for cell in notebook.cells}


# ------------------------------------------------------------------ the notebook itself


def run_cells(namespace: dict, *sources: str) -> None:
    for source in sources:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(source, "<cell>", "exec"), namespace)


def test_q2_test_rejects_the_dense_layer_count():
    """The seed marks the first dense layer's 11,214,912 parameters as Q2's answer: that fails."""
    cells = source_cells()
    namespace: dict = {}
    run_cells(
        namespace,
        "import numpy as np\nimport keras\nfrom keras import layers",
        strip_solution_markers(cells["beewasp-closest-code"].source),
        strip_solution_markers(cells["beewasp-model-code"].source).replace("model.summary()", ""),
        cells["beewasp-q2-options"].source,
        strip_solution_markers(cells["beewasp-q2-code"].source),
    )
    run_cells(namespace, cells["beewasp-q2"].source)  # the right answer passes
    namespace["q2"] = namespace["q2_option"] = 11_214_912
    with pytest.raises(AssertionError, match="first dense layer"):
        run_cells(namespace, cells["beewasp-q2"].source)
