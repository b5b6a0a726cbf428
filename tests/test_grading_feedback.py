"""Feedback shows a student their own work and no hidden test, whatever the notebook does.

A small class of conv-arithmetic submissions that try to see the hidden tests
(printing the kernel's input history, an error that quotes its caller), that
quote the hidden-test markers in their own code, that print or write far too
much, and one that is another assignment's notebook, graded and given feedback
with the instructor's commands (what `make autograde` and `make feedback` run).
"""

from __future__ import annotations

import html
import re
from types import SimpleNamespace

import nbformat
import pytest

from nbgrader_course import Course, nbgrader_cell

pytestmark = pytest.mark.slow

A = "conv-arithmetic"
OWN_MARKER_CODE = "# BEGIN HIDDEN TESTS? no, my own notes\nmy_note = 'kept as I wrote it'\n# END HIDDEN TESTS"


def answer(notebook, question: str, extra: str, before: bool = False):
    cell = next(c for c in notebook.cells if nbgrader_cell(c).get("grade_id") == f"{A}-{question}")
    source = extra + "\n" + cell.source if before else cell.source + "\n" + extra
    return Course.with_answer(notebook, f"{A}-{question}", source)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = Course(tmp_path_factory.mktemp("feedback"), [A, "filters"])
    course.generate(A)
    solution = course.solved_release(A)
    course.submit(A, "solution", solution)
    course.submit(A, "prints-history", answer(solution, "conv1d-answer", "print(In)\nprint(_ih)\nIn"))
    quoting = ("import inspect\n\n\ndef pool_output_size(n, pool, stride=None):\n"
               "    raise ValueError(repr(inspect.stack()[1].code_context))")
    course.submit(A, "quotes-its-caller", Course.with_answer(solution, f"{A}-pool-answer", quoting))
    course.submit(A, "own-markers", answer(solution, "pool-answer", OWN_MARKER_CODE))
    course.submit(A, "prints-too-much", answer(solution, "pool-answer", "for _ in range(500):\n    print('x' * 100_000)"))
    course.submit(A, "writes-files", answer(solution, "pool-answer",
                                            "with open('weights.bin', 'wb') as f:\n    f.write(bytes(5_000_000))"))
    course.generate("filters")
    course.submit(A, "other-assignment", course.release_notebook("filters"))
    return SimpleNamespace(course=course, autograde=course.tool("autograde", A), feedback=course.tool("feedback", A))


def hidden_lines(course: Course) -> list[str]:
    lines = []
    for cell in course.source_notebook(A).cells:
        for region in cell.source.split("### BEGIN HIDDEN TESTS")[1:]:
            lines += [line.strip() for line in region.split("### END HIDDEN TESTS")[0].splitlines()
                      if len(line.strip()) >= 6]
    return lines


def page_text(course: Course, student: str) -> str:
    page = (course.root / "feedback" / student / A / f"{A}.html").read_text()
    return html.unescape(re.sub(r"<[^>]+>", "", page))


GRADED = ["solution", "prints-history", "quotes-its-caller", "own-markers", "prints-too-much", "writes-files"]


def test_every_graded_submission_gets_its_feedback_page(graded):
    course = graded.course
    assert graded.feedback.returncode == 0, graded.feedback.stdout[-3000:]
    for student in GRADED:
        assert (course.root / "feedback" / student / A / f"{A}.html").exists(), student


@pytest.mark.parametrize("student", GRADED)
def test_no_hidden_test_line_reaches_any_feedback_page(graded, student):
    course = graded.course
    lines = hidden_lines(course)
    assert len(lines) > 30
    text = page_text(course, student)
    leaks = [line for line in lines if line in text]
    assert leaks == [], leaks[:3]


def test_a_students_own_lines_between_markers_are_shown_as_written(graded):
    assert "my_note = 'kept as I wrote it'" in page_text(graded.course, "own-markers")


def test_output_is_limited_in_characters_and_written_files_stay_out(graded):
    course = graded.course
    autograded = course.root / "autograded" / "prints-too-much" / A / f"{A}.ipynb"
    assert autograded.stat().st_size < 1_000_000
    page = course.root / "feedback" / "prints-too-much" / A / f"{A}.html"
    assert page.stat().st_size < 2_000_000
    assert "Output truncated" in page_text(course, "prints-too-much")
    for folder in ("autograded", "feedback"):
        assert not list((course.root / folder / "writes-files").rglob("weights.bin")), folder


def test_another_assignments_notebook_is_not_graded(graded):
    course, report = graded.course, graded.autograde.stdout
    line = next(line for line in report.splitlines() if line.strip().startswith("other-assignment"))
    assert "FAILED: not this assignment's notebook" in line, line
    assert "other-assignment" not in course.scores(A)
    notebook = nbformat.read(course.root / "submitted" / "other-assignment" / A / f"{A}.ipynb", as_version=4)
    assert any(nbgrader_cell(c).get("grade_id", "").startswith("filters-") for c in notebook.cells)
