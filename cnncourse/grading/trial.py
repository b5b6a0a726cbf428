"""A real nbgrader course in a temporary folder, for the tests and benchmarks that grade submissions.

Nothing here mocks nbgrader: a trial copies the course configuration and source
notebooks into a fresh folder, runs the real `nbgrader` commands there, and reads
the scores back from the real SQLite gradebook.

Typical use, in a session-scoped fixture (grading is the slow part, so each
assignment is autograded once per test session, all its submissions at once)::

    course = Course(tmp_path_factory.mktemp("course"), ["filters"])
    course.generate("filters")
    course.submit("filters", "solution", course.solved_release("filters"))
    course.submit("filters", "untouched", course.release_notebook("filters"))
    course.autograde("filters")
    course.scores("filters")["solution"]  # {grade_id: points, ...}

`autograde` runs `nbgrader autograde` itself, with the assignment's per-cell time
limit from course.yml: the serial reference. `tool("autograde", ...)` runs the
instructor's command line (`python -m cnncourse.grading`, what `make autograde`
runs) on the temporary course instead.
"""

from __future__ import annotations

import copy
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import nbformat

from cnncourse.grading.course import find_course_root, load_course

BIN = Path(sys.executable).parent
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
COURSE_FILES = ("nbgrader_config.py", "course.yml")


def grading_env() -> dict[str, str]:
    """Environment for nbgrader and the kernels it starts: offline data, quiet TensorFlow."""
    env = dict(os.environ)
    env.update(
        CNNCOURSE_DATA="standin",
        TF_CPP_MIN_LOG_LEVEL="3",
        PYTHONHASHSEED="0",
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    return env


def run_alone(command: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess:
    """Run a grading command in a session of its own: a submission that signals its
    grader's process group then cannot reach the test run."""
    return subprocess.run(command, cwd=cwd, env=grading_env(), capture_output=True, text=True,
                          timeout=timeout, start_new_session=True)


def nbgrader_cell(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def strip_solution_markers(source: str) -> str:
    """The solution code of a source cell, as a student who got it right would write it."""
    lines = [line for line in source.splitlines() if line.strip() not in SOLUTION_MARKERS]
    return "\n".join(lines)


class Course:
    """A throwaway copy of the course, graded by the real nbgrader."""

    def __init__(self, root: Path, assignments: Iterable[str], origin: Path | None = None):
        """Copy the configuration and the named assignments' sources of ``origin`` (the course
        folder at or above the current one) into ``root``."""
        origin = Path(origin) if origin else find_course_root()
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        for name in COURSE_FILES:
            if (origin / name).exists():
                shutil.copy2(origin / name, self.root / name)
        for assignment in assignments:
            shutil.copytree(origin / "source_notebooks" / assignment, self.root / "source_notebooks" / assignment)
        self.log = self.root / "nbgrader-commands.log"

    @classmethod
    def existing(cls, root: Path) -> Course:
        """A course folder made before (a copy of another one, say)."""
        course = cls.__new__(cls)
        course.root, course.log = Path(root), Path(root) / "nbgrader-commands.log"
        return course

    # ---------------------------------------------------------------- commands

    def run(self, command: list[str], timeout: float, check: bool) -> subprocess.CompletedProcess:
        """Run a command in the course folder, in a session of its own; its output goes to the log."""
        result = run_alone(command, self.root, timeout)
        with open(self.log, "a") as log:
            log.write(f"$ {' '.join(command)}\n{result.stdout}{result.stderr}\n[exit {result.returncode}]\n")
        if check and result.returncode != 0:
            raise RuntimeError(f"{' '.join(command[:4])} ... failed (exit {result.returncode}); see {self.log}")
        return result

    def nbgrader(self, *args: str, timeout: float = 1800, check: bool = True) -> subprocess.CompletedProcess:
        """Run one nbgrader command in the course folder."""
        return self.run([str(BIN / "nbgrader"), *args], timeout, check)

    def generate(self, assignment: str) -> Path:
        """`nbgrader generate_assignment`: the student version, in release/<assignment>/."""
        self.nbgrader("generate_assignment", assignment, "--force")
        return self.root / "release" / assignment

    def autograde(self, assignment: str, *extra: str, check: bool = True) -> subprocess.CompletedProcess:
        """nbgrader's own serial `nbgrader autograde` of every submission, with course.yml's cell timeout.

        Options in ``extra`` come last, so ``--Execute.timeout=...`` there wins.
        """
        timeout = load_course(self.root).assignment(assignment).timeout
        return self.nbgrader("autograde", assignment, "--force", f"--Execute.timeout={timeout}", *extra, check=check)

    def tool(self, *args: str, check: bool = False, timeout: float = 3600) -> subprocess.CompletedProcess:
        """Run the instructor's command line on this course (what the make targets run)."""
        return self.run([sys.executable, "-m", "cnncourse.grading", "--root", str(self.root), *args], timeout, check)

    # ---------------------------------------------------------------- notebooks

    def source_notebook(self, assignment: str) -> nbformat.NotebookNode:
        return nbformat.read(self.root / "source_notebooks" / assignment / f"{assignment}.ipynb", as_version=4)

    def release_notebook(self, assignment: str) -> nbformat.NotebookNode:
        return nbformat.read(self.root / "release" / assignment / f"{assignment}.ipynb", as_version=4)

    def solved_release(self, assignment: str) -> nbformat.NotebookNode:
        """The student version with every solution cell answered as the source answers it."""
        answers = {
            nbgrader_cell(cell)["grade_id"]: strip_solution_markers(cell.source)
            for cell in self.source_notebook(assignment).cells
            if nbgrader_cell(cell).get("solution")
        }
        notebook = self.release_notebook(assignment)
        for cell in notebook.cells:
            grade_id = nbgrader_cell(cell).get("grade_id")
            if nbgrader_cell(cell).get("solution") and grade_id in answers:
                cell.source = answers[grade_id]
        return notebook

    @staticmethod
    def with_answer(notebook: nbformat.NotebookNode, grade_id: str, source: str) -> nbformat.NotebookNode:
        """A copy of ``notebook`` whose cell ``grade_id`` holds ``source`` instead."""
        changed = copy.deepcopy(notebook)
        cells = [cell for cell in changed.cells if nbgrader_cell(cell).get("grade_id") == grade_id]
        if len(cells) != 1:
            raise KeyError(f"no single cell with grade id {grade_id!r}")
        cells[0].source = source
        return changed

    def submit(self, assignment: str, student: str, notebook, filename: str | None = None) -> Path:
        """Hand in a submission: a notebook, raw bytes (a broken file), or None (nothing).

        Writes submitted/<student>/<assignment>/<filename> as nbgrader expects it.
        """
        folder = self.root / "submitted" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "timestamp.txt").write_text("2026-11-23 12:00:00.000000 UTC")
        path = folder / (filename or f"{assignment}.ipynb")
        if isinstance(notebook, bytes):
            path.write_bytes(notebook)
        elif notebook is not None:
            nbformat.write(notebook, path)
        return path

    # ---------------------------------------------------------------- results

    def scores(self, assignment: str) -> dict[str, dict[str, float]]:
        """Points per grade id for every graded student, read from the gradebook."""
        from nbgrader.api import Gradebook

        results: dict[str, dict[str, float]] = {}
        with Gradebook(f"sqlite:///{self.root / 'gradebook.db'}") as gradebook:
            for submission in gradebook.assignment_submissions(assignment):
                for notebook in submission.notebooks:
                    results[submission.student.id] = {grade.name: grade.score for grade in notebook.grades}
        return results

    def max_scores(self, assignment: str) -> dict[str, float]:
        """Points available per grade id, from the source notebook's metadata."""
        return {
            nbgrader_cell(cell)["grade_id"]: float(nbgrader_cell(cell)["points"])
            for cell in self.source_notebook(assignment).cells
            if nbgrader_cell(cell).get("grade")
        }

    def digests(self, folder: str = "submitted") -> dict[str, str]:
        """SHA-256 of every file under a folder of the course, by relative path."""
        base = self.root / folder
        return {
            str(path.relative_to(base)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(base.rglob("*"))
            if path.is_file()
        }

    def autograded_notebook(self, assignment: str, student: str) -> nbformat.NotebookNode:
        return nbformat.read(self.root / "autograded" / student / assignment / f"{assignment}.ipynb", as_version=4)
