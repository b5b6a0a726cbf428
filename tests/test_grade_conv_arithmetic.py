"""Grading conv-arithmetic holds up: real nbgrader runs on real submissions.

One temporary course gets a class of submissions: the solution, the untouched
student version, a partly right one, and the ways a submission goes wrong or
tries to cheat. The instructor's own command (`python -m cnncourse.grading
autograde`, what `make autograde` runs) grades them all at once, then again with --force; the
tests read the outcome from the real gradebook and the autograded notebooks.
"""

from __future__ import annotations

import copy
import csv
import html
import re
import sqlite3

import pytest
from nbformat.v4 import new_output

from nbgrader_course import Course, nbgrader_cell, strip_solution_markers

pytestmark = pytest.mark.slow

A = "conv-arithmetic"
MAX = {
    "output-size": 2, "stride-misfit": 1, "same-padding-odd": 1, "same-padding-even": 2, "pool": 1,
    "conv-params": 1, "dense-params": 1, "network-params": 2, "receptive-field": 2, "conv1d-fix": 3,
}
FULL = dict(MAX)
ZERO = dict.fromkeys(MAX, 0)
# The partly right submission: wrong answers to 'stride-misfit', 'pool' (right on the visible
# cases only), 'dense-params' (and so 'network-params', which uses it) and 'conv1d-fix'.
PARTLY = {**FULL, "stride-misfit": 0, "pool": 0, "dense-params": 0, "network-params": 0, "conv1d-fix": 0}
# Questions lost when the 'pool' answer cell never defines pool_output_size.
NO_POOL = {**FULL, "pool": 0, "network-params": 0}

WRONG_ANSWERS = {
    "stride-misfit-answer": "def unread_inputs(n, k, s):\n    return 0",
    "pool-answer": "def pool_output_size(n, pool, stride=None):\n    return n // pool  # ignores the stride",
    "dense-params-answer": "def dense_params(n_in, n_out, bias=True):\n    return n_in * n_out  # forgets the bias",
    "conv1d-answer": "def conv1d(x, w, p=0, s=1):\n    return conv1d_broken(x, w, p, s)  # the bug is still there",
}
FAILING_TESTS = ("stride-misfit", "pool", "dense-params", "network-params", "conv1d-fix")

CHEATS = {
    # An answer that claims to equal anything, an int so that isinstance() is fooled too.
    "output-size-answer": '''
get_ipython().set_custom_exc((Exception,), lambda shell, etype, value, tb, tb_offset=None: None)
print("All tests passed")
AssertionError = Exception


def assert_equal(*args, **kwargs):
    pass


class Anything(int):
    def __eq__(self, other):
        return True

    __hash__ = int.__hash__


def conv_output_size(n, k, p=0, s=1):
    return Anything(0)
''',
    "same-padding-answer": "def same_padding(n, k, s=1):\n    return Anything(0), Anything(0)",
    # Helpers that visible tests use, made to agree with anything.
    "conv1d-answer": '''
np.allclose = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None


def conv1d(x, w, p=0, s=1):
    return np.zeros(4)
''',
}
HONEST_CHEATER = {**ZERO, "dense-params": 1, "receptive-field": 2}


def gid(question: str) -> str:
    return f"{A}-{question}"


def answered(notebook, answers: dict[str, str]):
    for question, source in answers.items():
        notebook = Course.with_answer(notebook, gid(question), source.strip("\n"))
    return notebook


def prepend(notebook, question: str, code: str):
    """The notebook with ``code`` put at the top of one answer cell."""
    cell = next(c for c in notebook.cells if nbgrader_cell(c).get("grade_id") == gid(question))
    return Course.with_answer(notebook, gid(question), code + "\n" + cell.source)


def append(notebook, question: str, code: str):
    cell = next(c for c in notebook.cells if nbgrader_cell(c).get("grade_id") == gid(question))
    return Course.with_answer(notebook, gid(question), cell.source + "\n" + code)


def build_class(course: Course) -> dict[str, object]:
    """Hand in every kind of submission; return what each one must get.

    The expected value is a {question: points} dict, or "failed" / "missing" for
    a submission that cannot be graded and must be reported as such.
    """
    solution = course.solved_release(A)
    untouched = course.release_notebook(A)
    partly = answered(solution, WRONG_ANSWERS)
    expected: dict[str, object] = {}

    def hand_in(student, notebook, outcome, filename=None):
        course.submit(A, student, notebook, filename)
        expected[student] = outcome

    hand_in("solution", solution, FULL)
    hand_in("untouched", untouched, ZERO)
    hand_in("partly", partly, PARTLY)

    edited = copy.deepcopy(partly)
    for cell in edited.cells:
        if nbgrader_cell(cell).get("grade_id") in map(gid, FAILING_TESTS):
            cell.source = "# These tests are wrong, I checked by hand.\npass"
    hand_in("edited-tests", edited, PARTLY)

    deleted = copy.deepcopy(partly)
    deleted.cells = [c for c in deleted.cells if nbgrader_cell(c).get("grade_id") not in map(gid, FAILING_TESTS)]
    hand_in("deleted-tests", deleted, PARTLY)

    points = copy.deepcopy(partly)
    for cell in points.cells:
        if nbgrader_cell(cell).get("grade"):
            cell.metadata.nbgrader["points"] = 50
    bonus = copy.deepcopy(next(c for c in points.cells if nbgrader_cell(c).get("grade")))
    bonus.source, bonus.id = "assert True", "bonus"
    bonus.metadata.nbgrader.update(grade_id=gid("bonus"), points=100)
    points.cells.append(bonus)
    hand_in("changed-points", points, PARTLY)

    stripped = copy.deepcopy(partly)
    for cell in stripped.cells:
        cell.metadata.pop("nbgrader", None)
    hand_in("stripped-metadata", stripped, PARTLY)

    old_schema = copy.deepcopy(partly)
    next(c for c in old_schema.cells if nbgrader_cell(c).get("grade")).metadata.nbgrader["schema_version"] = 1
    hand_in("old-schema", old_schema, PARTLY)

    hand_in("infinite-loop", prepend(solution, "pool-answer", "while True:\n    pass"), NO_POOL)
    stuck = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)  # ignores the interrupt\nwhile True:\n    pass"
    hand_in("stuck-loop", prepend(solution, "conv1d-answer", stuck), {**FULL, "conv1d-fix": 0})
    hand_in("sys-exit", prepend(solution, "pool-answer", "import sys\nsys.exit()"), NO_POOL)
    hand_in("os-exit", prepend(solution, "pool-answer", "import os\nos._exit(0)"), "failed")
    hand_in("killed-kernel", prepend(solution, "pool-answer", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"),
            "failed")
    hand_in("import-error", prepend(solution, "output-size-answer", "import not_a_module_anyone_has"),
            {**FULL, "output-size": 0, "stride-misfit": 0, "network-params": 0})
    hand_in("huge-output", append(solution, "pool-answer", "for i in range(300_000):\n    print(i)"), FULL)

    cheater = answered(untouched, CHEATS)
    cheater = answered(cheater, {q: strip_solution_markers(c.source) for c in course.source_notebook(A).cells
                                 for q in ("dense-params-answer", "receptive-field-answer")
                                 if nbgrader_cell(c).get("grade_id") == gid(q)})
    for cell in cheater.cells:
        if nbgrader_cell(cell).get("grade"):
            cell.outputs = [new_output("stream", name="stdout", text="All tests passed\n")]
    hand_in("cheater", cheater, HONEST_CHEATER)

    # What nbgrader cannot see through: code that blanks every later cell, tests included.
    hijack = "get_ipython().input_transformers_cleanup.append(lambda lines: [])"
    hand_in("hijacker", prepend(untouched, "output-size-answer", hijack), FULL)

    hand_in("bad-json", b'{"cells": [{"cell_type": "code", "source": "print(1)"', "failed")
    hand_in("missing-notebook", None, "missing")
    hand_in("misnamed", solution, "missing", filename=f"{A} (1).ipynb")
    return expected


class Run:
    def __init__(self, course: Course, result):
        self.result = result
        self.output = result.stdout  # the report; nbgrader's own log went to stderr
        self.scores = course.scores(A)
        lines = self.output.split(f"\n{A}: ", 1)[1].splitlines()[1:]
        self.lines = {line.split()[0]: line for line in lines if line.startswith("  ")}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = Course(tmp_path_factory.mktemp("conv-arithmetic-class"), [A])
    course.generate(A)
    expected = build_class(course)
    before = course.digests()
    first = Run(course, course.tool("autograde", A))
    after_first = course.digests()
    autograded = {s: course.autograded_notebook(A, s) for s, e in expected.items() if isinstance(e, dict)}
    second = Run(course, course.tool("autograde", A, "--force"))
    return dict(course=course, expected=expected, before=before, after_first=after_first,
                after_second=course.digests(), first=first, second=second, autograded=autograded)


def points(scores: dict[str, float]) -> dict[str, float]:
    return {grade_id.removeprefix(f"{A}-"): score for grade_id, score in scores.items()}


def graded_students(graded):
    return sorted(s for s, e in graded["expected"].items() if isinstance(e, dict))


def test_the_class_covers_every_case(graded):
    assert len(graded["expected"]) == 20
    assert points(graded["course"].max_scores(A)) == MAX


@pytest.mark.parametrize("student", [
    "solution", "untouched", "partly",
    "edited-tests", "deleted-tests", "changed-points", "stripped-metadata", "old-schema",
    "infinite-loop", "stuck-loop", "sys-exit", "import-error", "huge-output", "cheater", "hijacker",
])
def test_each_submission_gets_exactly_the_points_of_its_right_answers(graded, student):
    expected = graded["expected"][student]
    assert points(graded["first"].scores[student]) == expected
    total = sum(expected.values())
    assert re.search(rf"\b{total:g} / 16\b", graded["first"].lines[student]), graded["first"].lines[student]


def test_the_instructors_tests_are_the_ones_that_ran(graded):
    source = {nbgrader_cell(c)["grade_id"]: c.source for c in graded["course"].source_notebook(A).cells
              if nbgrader_cell(c).get("grade")}
    for student in ("edited-tests", "deleted-tests", "stripped-metadata", "changed-points"):
        notebook = graded["autograded"][student]
        tests = {nbgrader_cell(c)["grade_id"]: c for c in notebook.cells if nbgrader_cell(c).get("grade")}
        assert set(tests) == set(source), student  # no test lost, no 'bonus' test gained
        for grade_id, cell in tests.items():
            assert cell.source.endswith(source[grade_id]), (student, grade_id)  # hidden tests included
            assert cell.metadata.nbgrader["points"] == MAX[grade_id.removeprefix(f"{A}-")]


def log_of(course, student: str) -> str:
    """nbgrader's log of one submission, from the run's .nbgrader.log (one section per submission)."""
    sections = (course.root / ".nbgrader.log").read_text().split("\n===== ")
    return "\n".join(part for part in sections if part.startswith(f"{A}/{student} "))


def test_only_a_cell_that_really_changed_is_reported_as_changed(graded):
    course = graded["course"]
    assert "Attribute 'checksum'" not in log_of(course, "solution")
    assert "Attribute 'checksum'" not in log_of(course, "partly")
    assert "Attribute 'checksum' for cell conv-arithmetic-pool has changed" in log_of(course, "edited-tests")


def test_a_timeout_interrupts_the_cell_and_grading_goes_on(graded):
    notebook = graded["autograded"]["infinite-loop"]
    loop = next(c for c in notebook.cells if nbgrader_cell(c).get("grade_id") == gid("pool-answer"))
    assert "CellTimeoutError" in [o.get("ename") for o in loop.outputs]
    stuck = graded["autograded"]["stuck-loop"]
    timed_out = [nbgrader_cell(c).get("grade_id") for c in stuck.cells
                 if any(o.get("ename") == "CellTimeoutError" for o in c.get("outputs", []))]
    assert timed_out == [gid("conv1d-answer"), gid("conv1d-fix")]


def test_a_huge_output_is_cut_to_1000_lines(graded):
    cell = next(c for c in graded["autograded"]["huge-output"].cells
                if nbgrader_cell(c).get("grade_id") == gid("pool-answer"))
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    assert text.count("\n") <= 1000 and text.endswith("... Output truncated ...")


@pytest.mark.parametrize("student, reason", [
    ("os-exit", "DeadKernelError"),
    ("killed-kernel", "DeadKernelError"),
    ("bad-json", "NotJSONError"),
])
def test_a_submission_that_cannot_be_graded_fails_clearly(graded, student, reason):
    line = graded["first"].lines[student]
    assert "FAILED" in line and reason in line, line
    assert f"{A}/{student}" in graded["first"].output.split("Not graded")[1]
    assert student not in graded["first"].scores, "a submission that could not be graded gets no grade, not a 0"
    assert not (graded["course"].root / "autograded" / student / A / f"{A}.ipynb").exists()


def test_a_missing_or_misnamed_notebook_is_reported_and_not_graded(graded):
    lines, scores = graded["first"].lines, graded["first"].scores
    assert lines["missing-notebook"].split(None, 1)[1] == f"MISSING: no {A}.ipynb"
    assert "missing-notebook" not in scores
    assert lines["misnamed"].split(None, 1)[1] == f"MISSING: no {A}.ipynb (found {A} (1).ipynb: rename it to {A}.ipynb)"
    assert "misnamed" not in scores  # nothing by the assignment's name: nothing to grade, no grade


def test_one_bad_submission_never_stops_the_batch(graded):
    run = graded["first"]
    assert run.result.returncode == 1
    not_graded = run.output.split("Not graded (5): ")[1].split(".")[0]
    assert sorted(not_graded.split(", ")) == sorted(
        f"{A}/{s}" for s in ("bad-json", "killed-kernel", "misnamed", "missing-notebook", "os-exit"))
    assert set(graded_students(graded)) <= set(run.scores)


def test_code_that_reaches_into_the_grader_is_flagged_for_review(graded):
    lines = graded["first"].lines
    assert "[review: get_ipython, set_custom_exc]" in lines["cheater"]
    assert "[review: get_ipython, input_transformers]" in lines["hijacker"]
    assert "review" not in lines["solution"] and "review" not in lines["partly"]


def test_submitted_files_are_never_changed(graded):
    assert graded["before"] and graded["after_first"] == graded["before"]
    assert graded["after_second"] == graded["before"]


def test_the_gradebook_holds_one_result_per_student(graded):
    with sqlite3.connect(graded["course"].root / "gradebook.db") as db:
        rows = db.execute(
            "SELECT student.id, COUNT(*) FROM submitted_assignment"
            " JOIN student ON submitted_assignment.student_id = student.id"
            " JOIN assignment ON submitted_assignment.assignment_id = assignment.id"
            " WHERE assignment.name = ? GROUP BY student.id", (A,)).fetchall()
    counts = dict(rows)
    assert set(counts.values()) == {1}
    # Every graded student has a result; what could not be graded has none.
    assert set(counts) == set(graded_students(graded))


def test_grading_twice_gives_the_same_grades(graded):
    first, second = graded["first"], graded["second"]
    assert second.scores == first.scores
    assert second.lines == first.lines
    assert second.result.returncode == first.result.returncode


def test_feedback_shows_no_hidden_test(graded):
    course = graded["course"]
    result = course.tool("feedback", A)
    assert result.returncode == 0, result.stdout + result.stderr
    hidden = []
    for cell in course.source_notebook(A).cells:
        region = cell.source.split("### BEGIN HIDDEN TESTS")[1:]
        hidden += [line.strip() for part in region for line in part.split("### END HIDDEN TESTS")[0].splitlines()
                   if len(line.strip()) > 12]
    assert len(hidden) > 30
    visible = "checks.equal(conv_output_size(32, 3), 30"
    for student in ("solution", "partly", "untouched"):
        page = (course.root / "feedback" / student / A / f"{A}.html").read_text()
        text = html.unescape(re.sub(r"<[^>]+>", "", page))
        assert visible in text  # the page does show the test cells' code
        leaks = [line for line in hidden if line in text]
        assert leaks == [], (student, leaks[:3])
        assert "BEGIN HIDDEN TESTS" not in page
    # A failed hidden test says which case failed, without its code.
    partly = html.unescape(re.sub(r"<[^>]+>", "", (course.root / "feedback" / "partly" / A / f"{A}.html").read_text()))
    assert "AssertionError: hidden test: overlapping windows (n=7, pool=3, stride=2)" in partly


def test_grades_export_one_row_per_student(graded):
    course = graded["course"]
    result = course.tool("grades", "--to", "grades.csv")
    assert result.returncode == 0, result.stdout + result.stderr
    with open(course.root / "grades.csv", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["assignment"] == A]
    by_student = {row["student_id"]: float(row["score"]) for row in rows}
    assert len(rows) == len(by_student)
    roster = {"student01", "student02", "student03"}
    assert set(by_student) == set(graded_students(graded)) | roster
    for student, expected in graded["expected"].items():
        if isinstance(expected, dict):
            assert by_student[student] == sum(expected.values()), student
    assert all(by_student[s] == 0 for s in roster)


def test_a_submission_that_stops_nbgrader_stops_only_itself(tmp_path):
    """With nbgrader's own sanitizing, a cell with an old metadata schema stops a whole
    nbgrader batch (SchemaTooOldError); graded one submission per task, it fails alone."""
    course = Course(tmp_path, [A])
    with open(course.root / "nbgrader_config.py", "a") as config:
        config.write('\nc.Autograde.sanitize_preprocessors = ["nbgrader.preprocessors.ClearOutput", '
                     '"nbgrader.preprocessors.DeduplicateIds", "nbgrader.preprocessors.OverwriteKernelspec", '
                     '"nbgrader.preprocessors.OverwriteCells", "nbgrader.preprocessors.CheckCellMetadata"]\n')
    course.generate(A)
    solution = course.solved_release(A)
    old_schema = copy.deepcopy(solution)
    next(c for c in old_schema.cells if nbgrader_cell(c).get("grade")).metadata.nbgrader["schema_version"] = 1
    course.submit(A, "a-first", solution)
    course.submit(A, "b-old-schema", old_schema)
    course.submit(A, "c-after", answered(solution, WRONG_ANSWERS))
    result = course.tool("autograde", A)
    assert result.returncode == 1
    lines = Run(course, result).lines
    assert lines["a-first"].split(None, 1)[1] == "16 / 16"
    assert lines["c-after"].split(None, 1)[1] == "8 / 16"
    assert "FAILED: SchemaTooOldError" in lines["b-old-schema"], lines["b-old-schema"]
