"""The numbers typed into the homework notebooks' instructions are right.

The student notebooks are not executed by the book, so they cannot glue their
numbers; ``notebook_numbers.STATEMENTS`` lists each sentence with a number and
where the number comes from, and these tests compare the two.
"""

import copy

import pytest

from notebook_numbers import CIFAR10_QUESTION, FILTERS_SECTION, STATEMENTS, release, section_points, stated_section_points


@pytest.fixture(scope="module")
def notebooks():
    return {a: release(a) for a in sorted({s.assignment for s in STATEMENTS})}


@pytest.mark.parametrize("statement", STATEMENTS, ids=lambda s: f"{s.assignment}:{s.pattern[:40]}")
def test_statement_is_right(statement, notebooks):
    assert statement.problems(notebooks[statement.assignment]) == []


@pytest.mark.parametrize(("assignment", "heading"), [("cifar10", CIFAR10_QUESTION), ("filters", FILTERS_SECTION)])
def test_headings_state_their_points(assignment, heading, notebooks):
    """'(N points)' in a heading is what the graded cells under it award."""
    stated = stated_section_points(notebooks[assignment], heading)
    assert len(stated) >= 5
    assert stated == section_points(notebooks[assignment], heading)


def _with_text_replaced(notebook, old, new):
    changed = copy.deepcopy(notebook)
    cells = [c for c in changed.cells if c.cell_type == "markdown" and old in c.source]
    assert len(cells) == 1
    cells[0].source = cells[0].source.replace(old, new)
    return changed


@pytest.mark.parametrize(
    ("assignment", "old", "new"),
    [
        ("cifar10", "worth 26 points", "worth 27 points"),
        ("cifar10", "45,000 training", "44,000 training"),
        ("conv-arithmetic", "Nine short questions", "Ten short questions"),
        ("filters", "4 for correlation", "5 for correlation"),
        ("beewasp", "- 896\n", "- 869\n"),
    ],
)
def test_a_wrong_number_is_caught(assignment, old, new, notebooks):
    """The checks can fail: change one typed number and its statement reports it."""
    wrong = _with_text_replaced(notebooks[assignment], old, new)
    statements = [s for s in STATEMENTS if s.assignment == assignment]
    assert all(s.problems(notebooks[assignment]) == [] for s in statements)
    assert any(s.problems(wrong) for s in statements)


def test_a_heading_with_wrong_points_is_caught(notebooks):
    wrong = _with_text_replaced(notebooks["filters"], "## 1. Correlation from scratch (4 points)",
                                "## 1. Correlation from scratch (3 points)")
    assert stated_section_points(wrong, FILTERS_SECTION) != section_points(wrong, FILTERS_SECTION)
