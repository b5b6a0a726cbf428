"""Give each assignment's source notebook the cell that installs `cnncourse` (Colab).

    .venv/bin/python tools/install_cell.py [assignment ...]   # default: every one
    .venv/bin/nbgrader generate_assignment <assignment> --force  # then, for each

Adds `cnncourse.install_cell.source()` as a new, locked, ungraded code cell before
the notebook's first code cell, and leaves every other cell (ids, metadata) as it
is. A notebook that has the cell already gets its current code, nothing else.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

from cnncourse import install_cell

ROOT = Path(__file__).resolve().parents[1]


def add_to(assignment: str) -> bool:
    path = ROOT / "source_notebooks" / assignment / f"{assignment}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    cell = nbformat.v4.new_code_cell(install_cell.source())
    cell.metadata["nbgrader"] = {
        "grade": False,
        "grade_id": f"{assignment}-install-course-package",
        "locked": True,
        "schema_version": 3,
        "solution": False,
        "task": False,
    }
    if not install_cell.insert(notebook, cell):
        return False
    nbformat.write(notebook, path)
    return True


def main(assignments: list[str]) -> None:
    names = assignments or sorted(p.name for p in (ROOT / "source_notebooks").iterdir() if p.is_dir())
    for name in names:
        print(f"{name}: {'install cell written' if add_to(name) else 'has the current install cell'}")


if __name__ == "__main__":
    main(sys.argv[1:])
