"""What a homework notebook asks, read from its released (student) version.

The homework pages of the book describe each assignment with numbers that come
from the notebook itself (how many questions, test cells and points), so the
page and the notebook can never disagree.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from cnncourse.grading.course import find_course_root
_QUESTION_HEADING = re.compile(r"^##\s+(.+?)\s*$", re.MULTILINE)
_NUMBERED_QUESTION = re.compile(r"^#{2,4}\s+Question\s+\d+\b", re.MULTILINE)
_NUMBERED_SECTION = re.compile(r"^##\s+\d+\.\s", re.MULTILINE)
_POINTS_SUFFIX = re.compile(r"\s*\(\d+ points?\)$")


def release_notebook(assignment: str, root: Path | None = None) -> Path:
    """Path of the student version of an assignment, as nbgrader generated it.

    ``root`` is the course folder; by default the one at or above the current folder.
    """
    path = Path(root or find_course_root()) / "release" / assignment / f"{assignment}.ipynb"
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: run `make release`")
    return path


def question_table(assignment: str, root: Path | None = None):
    """One row per graded section (a `##` heading): its autograded test cells and points.

    A section may hold several questions (the CIFAR-10 notebook numbers its
    questions in `###` headings inside the sections). Sections without a graded
    cell (reading, optional exercises) are left out.
    Returns a pandas DataFrame indexed by the question's heading.
    """
    import pandas as pd

    notebook = nbformat.read(release_notebook(assignment, root), as_version=4)
    rows: list[dict] = []
    current = None
    for cell in notebook.cells:
        heading = _QUESTION_HEADING.search(cell.source) if cell.cell_type == "markdown" else None
        if heading:
            current = {"question": _POINTS_SUFFIX.sub("", heading.group(1)), "test cells": 0, "points": 0}
            rows.append(current)
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and current is not None:
            current["test cells"] += 1
            current["points"] += int(meta.get("points", 0))
    table = pd.DataFrame([row for row in rows if row["test cells"]], columns=["question", "test cells", "points"])
    return table.set_index("question")


def question_count(assignment: str, root: Path | None = None) -> int:
    """How many questions the notebook asks, as its headings number them.

    A notebook that heads its questions "Question 1", "Question 2", ... (inside
    larger sections) has that many; one whose numbered sections are the
    questions ("## 1. Output size") has one per numbered section.
    """
    notebook = nbformat.read(release_notebook(assignment, root), as_version=4)
    text = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    questions = _NUMBERED_QUESTION.findall(text)
    return len(questions) if questions else len(_NUMBERED_SECTION.findall(text))
