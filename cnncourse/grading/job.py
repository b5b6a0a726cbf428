"""One submission in, its grades out: the task a grading worker runs.

A :class:`Job` is plain data: the course's nbgrader configuration, the
assignment's instructor data (a small gradebook holding only this assignment's
cells, and the non-notebook files of its source folder) and the bytes of one
student's submitted folder. :func:`grade_one` lays them out in a scratch course
folder, runs nbgrader's own ``Autograde`` there with the course's
configuration, and returns a :class:`Result`: the autograded notebook, every
cell's score and the log. Nothing is shared with the instructor's disk, so the
same function runs in a local worker process or on another machine; only the
instructor's process writes ``autograded/`` and the gradebook
(:func:`record`).
"""

from __future__ import annotations

import contextlib
import copy
import fnmatch
import logging
import os
import re
import shutil
import socket
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .course import COURSE_FILE
from .kernel import THREADS_VARIABLE, kill_running_kernels
from .preprocessors import RESTORED

CONFIG_FILE = "nbgrader_config.py"
IGNORED = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".DS_Store"]
_EXCEPTION_LINE = re.compile(r"^\s*(?:[\w.]+\.)?(?P<name>\w*(?:Error|Exception|Exit|Interrupt))\b:?\s*(?P<msg>.*)$")
_RESTORED_LINE = re.compile(rf"{RESTORED} (\S+):")
# A dead kernel is worth one more try on another worker; a broken notebook is not.
_RETRY_ON = ("DeadKernelError",)


@dataclass(frozen=True)
class Grade:
    """One graded cell of a graded notebook, as nbgrader's autograde left it."""

    auto_score: float | None
    max_score: float
    needs_manual_grade: bool


@dataclass
class Job:
    assignment: str
    student: str
    config: str  # nbgrader_config.py
    course_yml: str  # course.yml without the roster
    gradebook: bytes  # SQLite gradebook with this assignment's cells only
    instructor_files: dict[str, bytes]  # non-notebook files of source_notebooks/<assignment>/
    files: dict[str, bytes]  # submitted/<student>/<assignment>/, relative paths
    timeout: int  # seconds per cell
    time_limit: int  # seconds for the whole submission
    env: dict[str, str] = field(default_factory=dict)  # CNNCOURSE_DATA and the like, for the kernel

    @property
    def key(self) -> str:
        return f"{self.assignment}/{self.student}"


@dataclass
class Result:
    assignment: str
    student: str
    status: str  # "graded" or "failed"
    reason: str = ""
    timestamp: datetime | None = None
    grades: dict[str, dict[str, Grade]] = field(default_factory=dict)  # notebook -> grade id -> Grade
    comments: dict[str, dict[str, str | None]] = field(default_factory=dict)  # notebook -> cell -> comment
    late_penalty: dict[str, float | None] = field(default_factory=dict)  # notebook -> points
    files: dict[str, bytes] = field(default_factory=dict)  # what goes to autograded/<student>/<assignment>/
    restored: list[str] = field(default_factory=list)  # locked cells put back
    log: str = ""
    seconds: float = 0.0
    worker: str = ""
    retry: bool = False  # the kernel died: worth one more try elsewhere

    @property
    def key(self) -> str:
        return f"{self.assignment}/{self.student}"

    @property
    def score(self) -> float:
        return sum(g.auto_score or 0.0 for cells in self.grades.values() for g in cells.values())

    @property
    def max_score(self) -> float:
        return sum(g.max_score for cells in self.grades.values() for g in cells.values())

    def cell_scores(self) -> dict[str, float]:
        """grade id -> points, over every notebook of the submission."""
        return {name: g.auto_score for cells in self.grades.values() for name, g in cells.items()}


# ---------------------------------------------------------------- the instructor's side


@contextlib.contextmanager
def quiet_gradebook():
    """Silence SQLAlchemy's warnings about nbgrader's sessions: the same few lines for every submission."""
    from sqlalchemy.exc import SAWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)
        yield


def read_folder(folder: Path, ignore: list[str] = IGNORED, skip_notebooks: bool = False) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path, leaving out what nbgrader ignores."""
    files = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(fnmatch.fnmatch(part, pattern) for part in relative.parts for pattern in ignore):
            continue
        if path.is_file() and not (skip_notebooks and path.suffix == ".ipynb"):
            files[str(relative)] = path.read_bytes()
    return files


def assignment_gradebook(gradebook_url: str, course_id: str, assignment: str) -> bytes:
    """A SQLite gradebook holding one assignment's notebooks and cells, and nothing about students.

    This is what nbgrader's autograde needs from the instructor's gradebook
    (the tests with their hidden parts, checksums, points and the due date),
    copied through nbgrader's own API so that any database nbgrader supports
    can be the source.
    """
    from nbgrader.api import Gradebook

    with tempfile.TemporaryDirectory(prefix="cnncourse-template-") as scratch:
        path = Path(scratch) / "gradebook.db"
        with Gradebook(gradebook_url, course_id or None) as source:
            _empty_gradebook(path, source)
            with Gradebook(f"sqlite:///{path}", course_id or None) as copy:
                _copy_assignment(source, copy, assignment)
        return path.read_bytes()


def _empty_gradebook(path: Path, like) -> None:
    """nbgrader's tables and schema version, as in ``like``, in a new SQLite file.

    nbgrader would run the `alembic` command to learn its schema version for a
    new gradebook; the instructor's gradebook already says it.
    """
    from nbgrader.api import Base
    from sqlalchemy import create_engine, text

    version = like.db.execute(text("SELECT version_num FROM alembic_version")).scalar()
    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
        connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": version})
    engine.dispose()


def _copy_assignment(source, copy, assignment: str) -> None:
    """The assignment, its notebooks and every instructor cell of ``source``, into ``copy``."""
    original = source.find_assignment(assignment)
    copy.update_or_create_assignment(assignment, duedate=original.duedate)
    for notebook in original.notebooks:
        copy.update_or_create_notebook(notebook.name, assignment)
        for cell in notebook.source_cells:
            copy.update_or_create_source_cell(
                cell.name, notebook.name, assignment, cell_type=cell.cell_type,
                locked=cell.locked, source=cell.source, checksum=cell.checksum)
        for cell in notebook.grade_cells:
            copy.update_or_create_grade_cell(cell.name, notebook.name, assignment,
                                             max_score=cell.max_score, cell_type=cell.cell_type)
        for cell in notebook.solution_cells:
            copy.update_or_create_solution_cell(cell.name, notebook.name, assignment)
        for cell in notebook.task_cells:
            copy.update_or_create_task_cell(cell.name, notebook.name, assignment,
                                            max_score=cell.max_score, cell_type=cell.cell_type)


def record(gb, result: Result) -> None:
    """Write one graded submission into the instructor's gradebook ``gb``, as nbgrader's autograde would.

    The caller writes autograded/ only after this returns: a submission whose
    recording was interrupted has no autograded notebook, so the next run
    grades it again and overwrites what was half written.
    """
    with quiet_gradebook():
        gb.update_or_create_student(result.student)
        extra = {"timestamp": result.timestamp} if result.timestamp else {}
        submission = gb.update_or_create_submission(result.assignment, result.student, **extra)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                done = result.grades.get(notebook.name, {}).get(grade.name)
                if done is None:
                    continue
                grade.auto_score = done.auto_score
                # as nbgrader: a score a grader gave by hand, or none at all, needs a look
                grade.needs_manual_grade = grade.manual_score is not None or done.auto_score is None
            for comment in notebook.comments:
                comments = result.comments.get(notebook.name, {})
                if comment.name in comments:
                    comment.auto_comment = comments[comment.name]
            if notebook.name in result.late_penalty:
                notebook.late_submission_penalty = result.late_penalty[notebook.name]
        gb.db.commit()


def write_autograded(folder: Path, result: Result) -> None:
    """Replace ``folder`` (autograded/<student>/<assignment>/) with the result's files, all at once."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    for relative, data in result.files.items():
        target = staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    if folder.exists():
        shutil.rmtree(folder)
    staging.rename(folder)


# ---------------------------------------------------------------- the worker's side


def grade_one(job: Job) -> Result:
    """Autograde one submission in a scratch course folder; never raises for a bad submission."""
    started = time.monotonic()
    _leave_the_parents_process_group()
    with tempfile.TemporaryDirectory(prefix=f"cnncourse-grade-{job.student}-") as scratch:
        root = Path(scratch)
        _lay_out(root, job)
        with _environment(job.env):
            outcome, timed_out = _autograde(root, job)
        result = _collect(root, job, outcome, timed_out)
    result.seconds = time.monotonic() - started
    result.worker = f"{socket.gethostname()} (pid {os.getpid()})"
    return result


def _leave_the_parents_process_group() -> None:
    """Put this worker in a session of its own.

    A kernel that signals its parent's process group then reaches this worker
    alone (which Dask restarts), not the instructor's process that started it.
    """
    try:
        if os.getpgid(0) != os.getpid():
            os.setsid()
    except OSError:
        pass  # already a group leader, or not allowed: nothing to gain


def _lay_out(root: Path, job: Job) -> None:
    (root / CONFIG_FILE).write_text(job.config)
    (root / COURSE_FILE).write_text(job.course_yml)
    (root / "gradebook.db").write_bytes(job.gradebook)
    for base, files in ((root / "source_notebooks" / job.assignment, job.instructor_files),
                        (root / "submitted" / job.student / job.assignment, job.files)):
        base.mkdir(parents=True, exist_ok=True)
        for relative, data in files.items():
            target = base / relative
            if root not in target.resolve().parents:
                continue  # a path that would leave the scratch folder
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


@contextlib.contextmanager
def _environment(extra: dict[str, str]):
    """Set ``extra`` in os.environ while one submission is graded (a worker grades one at a time)."""
    saved = {name: os.environ.get(name) for name in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


_CONFIGS: dict[str, object] = {}


def _course_config(root: Path, text: str):
    """The course's nbgrader configuration, read once per worker (every job of a run sends the same file).

    What depends on the scratch folder (root, gradebook, log) is set afresh for every job.
    """
    from traitlets.config.loader import PyFileConfigLoader

    if text not in _CONFIGS:
        _CONFIGS.clear()  # another run's course: keep one
        _CONFIGS[text] = PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
    return copy.deepcopy(_CONFIGS[text])


def _autograde(root: Path, job: Job) -> tuple[dict, bool]:
    """nbgrader's Autograde of this one submission, stopped at the submission's time limit."""
    from nbgrader.converters import Autograde
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log

    config = _course_config(root, job.config)
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
    config.Execute.timeout = job.timeout
    config.NbGrader.logfile = ""
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id, coursedir.student_id = job.assignment, job.student
    app = Autograde(coursedir=coursedir, config=config)
    app.force = True

    timed_out = threading.Event()

    def out_of_time():
        timed_out.set()
        kill_running_kernels()

    watchdog = threading.Timer(job.time_limit, out_of_time)
    watchdog.daemon = True
    logger = app.log
    level = logger.level
    logger.setLevel(logging.INFO)
    watchdog.start()
    try:
        with quiet_gradebook():
            outcome = capture_log(app)
    finally:
        watchdog.cancel()
        logger.setLevel(level)
        kill_running_kernels()  # nothing of this submission keeps running
    return outcome, timed_out.is_set()


def _collect(root: Path, job: Job, outcome: dict, timed_out: bool) -> Result:
    from nbgrader.api import Gradebook, MissingEntry

    log = outcome.get("log", "") + (outcome.get("error") or "")
    result = Result(job.assignment, job.student, "failed", log=log)
    result.restored = sorted(set(_RESTORED_LINE.findall(log)))
    folder = root / "autograded" / job.student / job.assignment
    graded = outcome.get("success") and folder.is_dir() and not timed_out
    if timed_out:
        result.reason = (f"stopped after the time limit of {job.time_limit} s for one submission "
                         "(course.yml: time_limit); the cells that ran are in the log")
    elif not graded:
        result.reason = failure_reason(log)
        result.retry = result.reason.startswith(_RETRY_ON)
    if graded:
        with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
            try:
                submission = gb.find_submission(job.assignment, job.student)
            except MissingEntry:
                result.reason = "nbgrader recorded no submission; see the log"
                return result
            result.timestamp = submission.timestamp
            for notebook in submission.notebooks:
                result.grades[notebook.name] = {
                    g.name: Grade(g.auto_score, g.max_score, bool(g.needs_manual_grade)) for g in notebook.grades}
                result.comments[notebook.name] = {c.name: c.auto_comment for c in notebook.comments}
                result.late_penalty[notebook.name] = notebook.late_submission_penalty
        kept = set(job.files) | {p.name for p in folder.glob("*.ipynb")}
        result.files = {name: data for name, data in read_folder(folder).items() if name in kept}
        result.status = "graded"
    return result


def failure_reason(log: str) -> str:
    """The last exception nbgrader logged, as 'Name: message' (or a pointer to the log)."""
    reasons = [f"{m.group('name')}: {m.group('msg')}".rstrip(": ")
               for m in map(_EXCEPTION_LINE.match, log.splitlines()) if m]
    reasons = [r for r in reasons if not r.startswith("NbGraderException")]
    return reasons[-1] if reasons else "not graded; see the log"


def worker_threads(workers_on_this_machine: int) -> dict[str, str]:
    """The environment that gives each of a machine's grading workers its share of the cores."""
    share = max(1, (os.cpu_count() or 1) // max(1, workers_on_this_machine))
    return {THREADS_VARIABLE: str(share)}
