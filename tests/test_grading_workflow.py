"""`make autograde` as an instructor meets it: time limits, due dates, broken timestamps, Ctrl-C.

Each test grades a few conv-arithmetic submissions with the instructor's command
(`python -m cnncourse.grading`, what the make targets run) in a throwaway copy of
the course whose course.yml it adjusts.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time

import pytest
import yaml

from nbgrader_course import Course, grading_env, nbgrader_cell

pytestmark = pytest.mark.slow

A = "conv-arithmetic"
STUCK = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)  # ignores the interrupt\nwhile True:\n    pass"


def course_with(tmp_path, **settings) -> Course:
    """A fresh course whose conv-arithmetic entry in course.yml gets ``settings``."""
    course = Course(tmp_path / "course", [A])
    spec = yaml.safe_load((course.root / "course.yml").read_text())
    entry = next(a for a in spec["assignments"] if a["name"] == A)
    entry.update(settings)
    (course.root / "course.yml").write_text(yaml.safe_dump(spec, sort_keys=False))
    course.generate(A)
    return course


def stuck_in(notebook, question: str):
    cell = next(c for c in notebook.cells if nbgrader_cell(c).get("grade_id") == f"{A}-{question}")
    return Course.with_answer(notebook, f"{A}-{question}", STUCK + "\n" + cell.source)


def lines_of(result) -> dict[str, str]:
    lines = result.stdout.split(f"\n{A}: ", 1)[1].splitlines()[1:]
    return {line.split()[0]: line.split(None, 1)[1] for line in lines if line.startswith("  ")}


def test_a_submission_past_its_time_limit_is_stopped_and_the_rest_graded(tmp_path):
    course = course_with(tmp_path, timeout=5, time_limit=12)
    solution = course.solved_release(A)
    course.submit(A, "solution", solution)
    course.submit(A, "stuck", stuck_in(solution, "pool-answer"))  # every later cell waits 5 s for it
    started = time.monotonic()
    result = course.tool("autograde", A)
    elapsed = time.monotonic() - started
    lines = lines_of(result)
    assert lines["solution"] == "16 / 16"
    assert lines["stuck"].startswith("FAILED: stopped after the time limit of 12 s for one submission"), lines
    assert "stuck" not in course.scores(A)
    assert elapsed < 120, "the stuck submission must cost about its time limit, not 5 s for every cell left"


def test_lateness_comes_from_timestamps_and_the_due_date(tmp_path):
    course = course_with(tmp_path, due="2026-11-20 12:00 UTC")
    solution = course.solved_release(A)
    course.submit(A, "late", solution)  # Course.submit stamps 2026-11-23 12:00 UTC
    early = course.submit(A, "early", solution).parent
    (early / "timestamp.txt").write_text("2026-11-19 08:00:00.000000 UTC")
    broken = course.submit(A, "broken-stamp", solution).parent
    (broken / "timestamp.txt").write_text("handed in on time, honest")
    result = course.tool("autograde", A)
    assert result.returncode == 0, result.stdout[-3000:]
    assert ("warning: broken-stamp: submitted/broken-stamp/conv-arithmetic/timestamp.txt holds "
            "'handed in on time, honest', which is not a time; graded as if it had none") in result.stdout
    assert lines_of(result)["broken-stamp"] == "16 / 16"
    assert course.tool("grades", "--to", "grades.csv").returncode == 0
    with open(course.root / "grades.csv", newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle) if row["assignment"] == A}
    assert float(rows["late"]["seconds_late"]) == 3 * 24 * 3600
    assert float(rows["early"]["seconds_late"]) == 0
    assert float(rows["broken-stamp"]["seconds_late"]) == 0 and rows["broken-stamp"]["timestamp"] == ""
    assert rows["late"]["duedate"].startswith("2026-11-20 12:00")
    assert float(rows["late"]["score"]) == 16


def test_ctrl_c_keeps_the_gradebook_consistent_and_a_rerun_grades_the_rest(tmp_path):
    course = course_with(tmp_path)
    solution = course.solved_release(A)
    students = [f"s{number}" for number in range(6)]
    for student in students:
        course.submit(A, student, solution)
    command = [sys.executable, "-m", "cnncourse.grading", "--root", str(course.root), "autograde", "--workers", "1", A]
    # As from a terminal: a suite run in the background inherits SIGINT ignored, and would pass that on.
    run = subprocess.Popen(command, env=grading_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 300
    while not list((course.root / "autograded").glob(f"*/{A}/{A}.ipynb")) and time.monotonic() < deadline:
        time.sleep(0.2)
    os.kill(run.pid, signal.SIGINT)  # what Ctrl-C sends to the command
    output, _ = run.communicate(timeout=300)
    assert run.returncode == 130, output[-3000:]
    assert "Interrupted: every submission reported as graded above is in the gradebook" in output
    graded = {p.parent.parent.name for p in (course.root / "autograded").glob(f"*/{A}/{A}.ipynb")}
    assert graded and set(course.scores(A)) == graded  # a file means a grade, and a grade a file
    again = course.tool("autograde", A)
    assert again.returncode == 0, again.stdout[-3000:]
    assert f"autograde: {len(students) - len(graded)} submission(s) to grade" in again.stdout
    assert {s: sum(v.values()) for s, v in course.scores(A).items()} == dict.fromkeys(students, 16)
