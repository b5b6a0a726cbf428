"""Every graded assignment of course.yml follows the course's conventions for a source notebook.

What a new assignment must respect before it is graded (CONTRIBUTING.md, "Add an
assignment"), checked for each assignment course.yml lists, so that adding one needs
no new test file. How each assignment grades is tests/test_corpus.py; that release/
is what nbgrader generates, with no solution or hidden test in it, is
tests/test_nbgrader_workflow.py. The per-assignment files (tests/test_grade_<a>.py)
keep only what is particular to one assignment.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from cnncourse.grading.course import load_course
from nbgrader_course import ROOT, nbgrader_cell

ASSIGNMENTS = [assignment.name for assignment in load_course(ROOT).available()]
POINTS_IN_A_HEADING = re.compile(r"^#+ (?P<title>.*)\((?P<points>\d+) points?\)\s*$")


def source_notebook(assignment: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "source_notebooks" / assignment / f"{assignment}.ipynb", as_version=4)


def graded_cells(notebook) -> list[dict]:
    return [nbgrader_cell(cell) for cell in notebook.cells if nbgrader_cell(cell).get("grade")]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_is_stored_without_outputs_for_the_python3_kernel(assignment):
    notebook = source_notebook(assignment)
    assert notebook.metadata.kernelspec.name == "python3"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{assignment}: store the source without outputs"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_cells_have_unique_prefixed_ids_and_every_cell_but_an_answer_is_locked(assignment):
    cells = [nbgrader_cell(cell) for cell in source_notebook(assignment).cells if nbgrader_cell(cell)]
    ids = [meta["grade_id"] for meta in cells]
    assert len(ids) == len(set(ids)), f"{assignment}: grade ids must be unique"
    assert all(grade_id.startswith(f"{assignment}-") for grade_id in ids), f"{assignment}: grade ids are <assignment>-<question>"
    for meta in cells:
        assert meta["solution"] or meta["locked"], f"{meta['grade_id']} must be an answer cell or locked"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_test_cells_are_locked_and_worth_small_whole_points(assignment):
    graded = graded_cells(source_notebook(assignment))
    assert graded, f"{assignment} has no graded cell"
    for meta in graded:
        assert meta["locked"] and not meta["solution"], f"{meta['grade_id']} is a test cell and must be locked"
        assert isinstance(meta["points"], int) and 1 <= meta["points"] <= 5, meta["grade_id"]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_answer_cells_mark_their_solution(assignment):
    for cell in source_notebook(assignment).cells:
        meta = nbgrader_cell(cell)
        if meta.get("solution"):
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source, meta["grade_id"]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_headings_do_not_skip_levels(assignment):
    """The student version is a page of the book: one title, and no level skipped."""
    levels = [len(match.group(1)) for cell in source_notebook(assignment).cells if cell.cell_type == "markdown"
              for match in re.finditer(r"^(#+) ", cell.source, re.M)]
    assert levels[0] == 1 and levels.count(1) == 1, f"{assignment}: one # title, first"
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), (assignment, levels)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_points_a_heading_states_are_its_test_cells_points(assignment):
    """A heading ending in "(n points)" is worth the points of the test cells up to the next such heading."""
    notebook = source_notebook(assignment)
    stated, counted, current = {}, {}, None
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for match in filter(None, map(POINTS_IN_A_HEADING.match, cell.source.splitlines())):
                current = match.group("title").strip()
                stated[current], counted[current] = int(match.group("points")), 0
        elif nbgrader_cell(cell).get("grade") and current is not None:
            counted[current] += nbgrader_cell(cell)["points"]
    assert stated == counted
    worth = re.search(r"worth (\d+) points", notebook.cells[0].source)
    if worth:
        assert int(worth.group(1)) == sum(meta["points"] for meta in graded_cells(notebook))
