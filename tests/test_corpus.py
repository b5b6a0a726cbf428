"""The contract of every graded assignment, and its corpus: exact points for every cell of every case.

For each assignment of course.yml, the session fixture ``graded_class`` (conftest.py)
hands in every case of tests/corpus/ as a student of its own and grades them with the
instructor's command, once. Each case is then one test: its per-cell scores must be
exactly the case's (the solution full marks, the untouched release 0, each typical
mistake losing exactly its cells), the cells it names must show the message it names
(and, for tampering, the flag of cnncourse.grading.checks), and no line of a hidden
test may appear in any student's feedback page. That release/ is what nbgrader
generates from the source, with no solution or hidden test in it, is
tests/test_nbgrader_workflow.py's part of the contract.

Select one assignment with ``-k conv-arithmetic`` (then only that one is graded).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
import pytest

from corpus import Case, all_cases, mistakes
from nbgrader_course import ROOT, Course, nbgrader_cell

from cnncourse.grading.course import load_course
from cnncourse.grading.checks import FLAG

pytestmark = pytest.mark.slow

CASES = all_cases()


def hidden_lines(course: Course, assignment: str) -> list[str]:
    """Every line (longer than a few characters) between the hidden-test markers of the source notebook."""
    lines = []
    for cell in course.source_notebook(assignment).cells:
        for part in cell.source.split("### BEGIN HIDDEN TESTS")[1:]:
            lines += [line.strip() for line in part.split("### END HIDDEN TESTS")[0].splitlines() if len(line.strip()) > 12]
    return lines


def submitted_text(course: Course, assignment: str, student: str) -> str:
    """The source of every cell the student handed in: what the student saw or wrote anyway."""
    path = course.root / "submitted" / student / assignment / f"{assignment}.ipynb"
    return "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells)


def cell_output(course: Course, assignment: str, student: str, grade_id: str) -> str:
    """Everything a graded cell of the autograded notebook printed or raised, as text."""
    notebook = course.autograded_notebook(assignment, student)
    (cell,) = [c for c in notebook.cells if nbgrader_cell(c).get("grade_id") == grade_id]
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", ""))
        parts.append(f"{output.get('ename', '')}: {output.get('evalue', '')}")
        parts += output.get("traceback", [])
    return re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(parts))


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_case_gets_exactly_its_scores(graded_class, case: Case):
    graded = graded_class(case.assignment)
    course, scores, student = graded.course, graded.scores, case.student
    assert student in scores, f"{case.id} was not graded; see {course.log}"
    assert set(case.expected) == set(course.max_scores(case.assignment)), "the case must list every graded cell"
    got = scores[student]
    wrong = {grade_id: (points, got.get(grade_id)) for grade_id, points in case.expected.items() if got.get(grade_id) != points}
    details = {grade_id: cell_output(course, case.assignment, student, grade_id)[-600:] for grade_id in wrong}
    assert not wrong, f"{case.id}: (expected, got) {wrong}\n{details}"
    for grade_id in case.flagged:
        assert FLAG in cell_output(course, case.assignment, student, grade_id), f"{case.id}: {grade_id} is not flagged"
    for grade_id, text in case.messages.items():
        assert text in cell_output(course, case.assignment, student, grade_id), f"{case.id}: {grade_id} does not say {text!r}"


def test_every_assignment_of_course_yml_has_its_contract():
    for assignment in load_course(ROOT).available():
        names = {case.name for case in CASES if case.assignment == assignment.name}
        assert {"solution", "untouched"} <= names, f"{assignment.name}: the contract cases are missing"


def test_every_corpus_module_is_an_assignment_of_course_yml():
    """A module whose name matches no assignment would be left out without a word."""
    assignments = {assignment.name.replace("-", "_"): assignment.name for assignment in load_course(ROOT).available()}
    for module in (Path(__file__).parent / "corpus").glob("*.py"):
        if module.stem == "__init__":
            continue
        assert module.stem in assignments, f"tests/corpus/{module.name} names no assignment of course.yml"
        assert {case.assignment for case in mistakes(assignments[module.stem])} == {assignments[module.stem]}


@pytest.mark.parametrize("assignment", sorted({case.assignment for case in CASES}))
def test_no_hidden_test_line_in_any_feedback_page(graded_class, assignment):
    graded = graded_class(assignment)
    course, scores = graded.course, graded.scores
    assert graded.feedback.returncode == 0, graded.feedback.stdout[-3000:]
    hidden = hidden_lines(course, assignment)
    assert hidden, "the assignment has hidden tests"
    for student in scores:
        page = course.root / "feedback" / student / assignment / f"{assignment}.html"
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))
        seen = submitted_text(course, assignment, student)
        leaks = [line for line in hidden if line in text and line not in seen]
        assert leaks == [], (student, leaks[:3])
