"""A corpus of submissions for every graded notebook, as data that any grading harness can grade.

Each case is a :class:`Case`: the assignment, a name, the answers it changes (grade id ->
the source of that cell, applied to the *solved* student version, as
``tests/nbgrader_course.Course.with_answer`` does), and the exact points each graded cell
must get. Correct solutions in other styles must get full marks; each slip must lose
exactly the cells that check it; each tampering case must lose the cells whose verdict
the tampering tried to change (and every test cell that runs after it, which reports the
submission as flagged).

Modules: ``conv_arithmetic``, ``filters``, ``cifar10`` and ``beewasp``, each with a
``MAX`` dict (grade id -> points) and a ``CASES`` list that starts with the
:func:`contract` of every graded assignment (solution: full marks; untouched: 0) and
goes on with the assignment's typical mistakes and the cells each must lose.
:func:`all_cases` lists every case; ``tests/test_corpus.py`` grades them with the
instructor's command (`make autograde`), one run per assignment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


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


def all_cases() -> list[Case]:
    from . import beewasp, cifar10, conv_arithmetic, filters

    return [*conv_arithmetic.CASES, *filters.CASES, *cifar10.CASES, *beewasp.CASES]
