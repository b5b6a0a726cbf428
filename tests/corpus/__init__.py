"""A corpus of submissions for every graded notebook, as data that any grading harness can grade.

Each case is a :class:`Case`: the assignment, a name, the answers it changes (grade id ->
the source of that cell, applied to the *solved* student version, as
``tests/nbgrader_course.Course.with_answer`` does), and the exact points each graded cell
must get. Correct solutions in other styles must get full marks; each slip must lose
exactly the cells that check it; each tampering case must lose the cells whose verdict
the tampering tried to change (and every test cell that runs after it, which reports the
submission as flagged).

Every assignment of course.yml gets the :func:`contract` (solution: full marks;
untouched: 0) with no file of its own. A module named after the assignment
(``conv_arithmetic`` for conv-arithmetic) adds its ``MISTAKES``: other correct
styles, typical slips and tampering, with the cells each must lose, scored
against :func:`maximum_points` (the points of the source notebook's test cells).
:func:`all_cases` lists every case; ``tests/test_corpus.py`` grades them with the
instructor's command (`make autograde`), one run per assignment.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Case:
    """One submission: the solved release with ``answers`` put in, and the points it must get."""

    assignment: str
    name: str
    answers: dict[str, str]
    expected: dict[str, float]
    #: Grade ids whose test output must say the submission is flagged (checks.FLAG).
    flagged: frozenset[str] = field(default_factory=frozenset)
    #: Text that must appear in the output of a graded cell: {grade_id: text}.
    messages: dict[str, str] = field(default_factory=dict)
    #: What the answers are put into: the solved student version, or the student version as released.
    start: str = "solved"

    @property
    def id(self) -> str:
        return f"{self.assignment}/{self.name}"

    @property
    def student(self) -> str:
        """The student id the case is handed in as."""
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower())


def scores(maximum: dict[str, int], lost: set[str] | frozenset[str] = frozenset()) -> dict[str, float]:
    """The exact per-cell scores of a submission that loses the cells in ``lost`` and keeps the others."""
    unknown = set(lost) - set(maximum)
    if unknown:
        raise KeyError(f"no graded cells {sorted(unknown)}")
    return {grade_id: 0.0 if grade_id in lost else float(points) for grade_id, points in maximum.items()}


def contract(assignment: str, maximum: dict[str, int]) -> list[Case]:
    """What every graded assignment must do: the solution gets full marks, the untouched release 0."""
    return [
        Case(assignment, "solution", {}, scores(maximum)),
        Case(assignment, "untouched", {}, scores(maximum, set(maximum)), start="release"),
    ]


def maximum_points(assignment: str) -> dict[str, int]:
    """grade id -> points of every test cell of the assignment's source notebook."""
    import nbformat

    notebook = nbformat.read(ROOT / "source_notebooks" / assignment / f"{assignment}.ipynb", as_version=4)
    cells = (cell.get("metadata", {}).get("nbgrader", {}) for cell in notebook.cells)
    return {meta["grade_id"]: meta["points"] for meta in cells if meta.get("grade")}


def mistakes(assignment: str) -> list[Case]:
    """The cases of the corpus module named after ``assignment``; none when it has no module."""
    module = f"{__name__}.{assignment.replace('-', '_')}"
    if importlib.util.find_spec(module) is None:
        return []
    return list(importlib.import_module(module).MISTAKES)


def all_cases() -> list[Case]:
    """The contract and the mistakes of every assignment of course.yml, in its order."""
    from cnncourse.grading.course import load_course

    cases = []
    for assignment in load_course(ROOT).available():
        cases += [*contract(assignment.name, maximum_points(assignment.name)), *mistakes(assignment.name)]
    return cases
