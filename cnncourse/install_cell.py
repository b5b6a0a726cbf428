"""The first code cell of every notebook a reader downloads: install the course package.

On Colab, or in any Jupyter that lacks `cnncourse`, the cell installs it from the
course's repository together with what it needs (TensorFlow, Keras, OpenCV, ...,
as ranges that Colab's own versions satisfy); where the package is installed
already (`make setup`, Binder, an instructor grading) it does nothing. The book
adds it to each chapter's downloadable .ipynb (book/_ext/install_cell.py) and
`tools/install_cell.py` to each assignment's source notebook.

This module imports nothing of the course: it is the bottom of the package.
"""

from __future__ import annotations

# The public repository: the same URL as `repository.url` in _config.yml (a test checks it).
REPOSITORY = "https://github.com/cnn-course/cnn-course"
MARKER = "# cnncourse: install the course package where it is missing"


def requirement(repository: str = REPOSITORY) -> str:
    """What pip installs: the package from the repository's default branch."""
    return f"cnncourse @ git+{repository}"


def source(package: str | None = None) -> str:
    """The cell's code; `package` replaces the git requirement (a local path, in the tests).

    pip runs as a program of its own (`os.spawnv`, waiting for it), which works in
    any kernel. Not `subprocess`: the instructor's review of submissions
    (tools/course.py, FLAGS) would then flag every notebook for this cell.
    """
    target = package or requirement()
    return (
        f"{MARKER} (Colab, or a Jupyter without it).\n"
        "import importlib.util, os, sys\n"
        "\n"
        'if importlib.util.find_spec("cnncourse") is None:\n'
        f'    pip = [sys.executable, "-m", "pip", "install", "--quiet", "{target}"]\n'
        "    if os.spawnv(os.P_WAIT, sys.executable, pip) != 0:\n"
        '        raise RuntimeError("could not install the course package: " + " ".join(pip))\n'
    )


def is_install_cell(cell) -> bool:
    """True for a code cell that this module wrote (whatever package it names)."""
    return cell.get("cell_type") == "code" and "".join(cell.get("source", "")).startswith(MARKER)


def insert(notebook, cell) -> bool:
    """Put `cell` before the first code cell of `notebook` (after its title).

    A notebook that has an install cell already gets this one's code in it (its id
    and metadata stay). Returns False when nothing changed.
    """
    for existing in notebook.cells:
        if is_install_cell(existing):
            if existing.source == cell.source:
                return False
            existing.source = cell.source
            return True
    first_code = next((i for i, c in enumerate(notebook.cells) if c.get("cell_type") == "code"), len(notebook.cells))
    notebook.cells.insert(first_code, cell)
    return True
