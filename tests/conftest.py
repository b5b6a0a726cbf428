"""Fixtures shared by the test suite.

The expensive things happen once per session: the book is built once (with the
jupyter-cache, so an unchanged book re-executes nothing), and each assignment is
autograded once in its own module-scoped fixture.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from cnncourse.bookbuild import build_command

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BUILD_DIR = ROOT / "_build"

# Tests always run on the offline stand-ins, whatever the caller's shell says.
os.environ["CNNCOURSE_DATA"] = "standin"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture(scope="session")
def book_build() -> subprocess.CompletedProcess:
    """Build the whole book once per session and keep the build's output."""
    env = dict(os.environ, CNNCOURSE_DATA="standin", PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    return subprocess.run(build_command(ROOT), cwd=ROOT, env=env, capture_output=True, text=True)


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory):
    """grade(assignment) -> GradedClass: every corpus case of the assignment, graded once per session.

    One throwaway course per assignment gets each case of tests/corpus/ as a student of
    its own; the instructor's command (what `make autograde` runs: the engine, one worker
    per core) grades them all in one run, and `make feedback`'s command gives each one
    its feedback page. Training homework takes minutes, so this happens once, on first use.
    """
    from corpus import all_cases
    from nbgrader_course import Course

    cache: dict[str, GradedClass] = {}

    def grade(assignment: str) -> GradedClass:
        if assignment not in cache:
            course = Course(tmp_path_factory.mktemp(f"class-{assignment}"), [assignment])
            course.generate(assignment)
            start = {"solved": course.solved_release(assignment), "release": course.release_notebook(assignment)}
            cases = [case for case in all_cases() if case.assignment == assignment]
            for case in cases:
                notebook = start[case.start]
                for grade_id, source in case.answers.items():
                    notebook = course.with_answer(notebook, grade_id, source.strip("\n"))
                course.submit(assignment, case.student, notebook)
            autograde = course.tool("autograde", assignment)
            feedback = course.tool("feedback", assignment)
            cache[assignment] = GradedClass(course, autograde, feedback, course.scores(assignment), cases)
        return cache[assignment]

    return grade


@dataclass
class GradedClass:
    course: object  # cnncourse.grading.trial.Course
    autograde: subprocess.CompletedProcess
    feedback: subprocess.CompletedProcess
    scores: dict[str, dict[str, float]]  # student -> grade id -> points, from the gradebook
    cases: list


@pytest.fixture(scope="session")
def built_book(book_build) -> Path:
    """The `_build` folder of a successful book build (html/ and jupyter_execute/)."""
    if book_build.returncode != 0:
        pytest.fail(f"the book build failed (exit {book_build.returncode}):\n{book_build.stdout[-6000:]}\n{book_build.stderr[-6000:]}")
    return BUILD_DIR
