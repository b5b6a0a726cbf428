"""A corpus of submissions for every graded notebook, as data that any grading harness can grade.

Each case is a :class:`Case`: the assignment, a name, the answers it changes (grade id ->
the source of that cell, applied to the *solved* student version, as
``tests/nbgrader_course.Course.with_answer`` does), and the exact points each graded cell
must get. Correct solutions in other styles must get full marks; each slip must lose
exactly the cells that check it; each tampering case must lose the cells whose verdict
the tampering tried to change (and every test cell that runs after it, which reports the
submission as flagged).

Modules: ``conv_arithmetic``, ``filters``, ``cifar10`` and ``beewasp``, each with a
``MAX`` dict (grade id -> points) and a ``CASES`` list. ``ALL`` lists every case.
``tests/test_corpus.py`` grades them with the real nbgrader.
"""

from __future__ import annotations

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

    @property
    def id(self) -> str:
        return f"{self.assignment}/{self.name}"


def scores(maximum: dict[str, int], lost: set[str] | frozenset[str] = frozenset()) -> dict[str, float]:
    """The exact per-cell scores of a submission that loses the cells in ``lost`` and keeps the others."""
    unknown = set(lost) - set(maximum)
    if unknown:
        raise KeyError(f"no graded cells {sorted(unknown)}")
    return {grade_id: 0.0 if grade_id in lost else float(points) for grade_id, points in maximum.items()}


def all_cases() -> list[Case]:
    from . import beewasp, cifar10, conv_arithmetic, filters

    return [*conv_arithmetic.CASES, *filters.CASES, *cifar10.CASES, *beewasp.CASES]
