"""Start each chapter's downloadable notebook with the cell that installs `cnncourse`.

sphinx-book-theme offers the executed notebook of a MyST chapter as an .ipynb
download (it copies it to `_sources/` while writing the page). Opened on Colab
or in a Jupyter without the course package, its first import would fail; with
this cell before the first code cell, it runs there. The page itself does not show the cell.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from cnncourse import install_cell


def add_install_cell(path: Path) -> bool:
    """Put the install cell before the notebook's first code cell, once; True if it changed."""
    notebook = nbformat.read(path, as_version=4)
    if not install_cell.insert(notebook, nbformat.v4.new_code_cell(install_cell.source())):
        return False
    nbformat.write(notebook, path)
    return True


def _patch_download(app, pagename, templatename, context, doctree):
    if not context.get("ipynb_source"):
        return
    source = Path(app.env.doc2path(pagename))
    if source.suffix == ".ipynb":
        return  # an assignment's notebook carries the cell in its source
    add_install_cell(Path(app.outdir) / "_sources" / context["ipynb_source"])


def setup(app):
    # After sphinx-book-theme has copied the notebook (default priority 500).
    app.connect("html-page-context", _patch_download, priority=901)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
