"""Keep on each page only the scripts and styles the book uses, all served by the book.

Jupyter Book always loads sphinx-thebe, the "live code" button's library. This
book has no such button (Binder, JupyterHub and Colab run it instead), and
sphinx-thebe declares its `const THEBE_JS_URL` in an inline script that Sphinx
writes into every page twice, so every page logged
``SyntaxError: Identifier 'THEBE_JS_URL' has already been declared``; the
library itself would come from a public CDN. Its script and style are left out.
"""

from __future__ import annotations

from pathlib import PurePosixPath

THEBE_FILES = {"sphinx-thebe.js", "sphinx-thebe.css"}


def _is_thebe(asset) -> bool:
    filename = str(getattr(asset, "filename", None) or "")
    body = (getattr(asset, "attributes", None) or {}).get("body", "")
    return PurePosixPath(filename.split("?")[0]).name in THEBE_FILES or "THEBE_JS_URL" in body


def _drop_thebe(app, pagename, templatename, context, doctree):
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if not _is_thebe(asset)]


def setup(app):
    # After every extension has added its files (default priority 500).
    app.connect("html-page-context", _drop_thebe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
