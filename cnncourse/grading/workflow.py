"""The instructor's commands: release, autograde, feedback, grades, sync.

``release``, ``feedback`` and ``grades`` are nbgrader's own commands run in the
course folder. ``autograde`` is the engine: every submission is one task
(:mod:`cnncourse.grading.job`) run on a Dask cluster
(:mod:`cnncourse.grading.engine`); this process alone writes ``autograded/``
and the gradebook, one submission at a time as results come in, so an
interrupted run leaves a consistent gradebook and the next run grades only
what is left.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import sandbox
from .course import COURSE_FILE, Assignment, Course, CourseError
from .job import CONFIG_FILE, Job, Result, assignment_gradebook, read_folder, record, write_autograded
from .kernel import THREADS_VARIABLE
from .progress import Progress, clock

BIN = Path(sys.executable).parent
# What a grading kernel must see as the instructor's process sees it (data set choice, mirrors, logs).
PASSED_ENV_PREFIXES = ("CNNCOURSE_", "TF_CPP_MIN_LOG_LEVEL", "PYTHONHASHSEED")


# ---------------------------------------------------------------- nbgrader's own commands


def nbgrader(course: Course, *args: str, quiet: bool = False) -> subprocess.CompletedProcess:
    """Run one nbgrader command in the course folder; echo its output unless quiet."""
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    print(f"$ nbgrader {' '.join(args)}", flush=True)
    result = subprocess.run([str(BIN / "nbgrader"), *args], cwd=course.root, env=env, capture_output=True, text=True)
    if not quiet:
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
    return result


def gradebook(course: Course):
    """nbgrader's gradebook of the course (imported late: nbgrader is slow to import)."""
    from nbgrader.api import Gradebook

    return Gradebook(course.gradebook_url, course.course_id or None)


def release(course: Course, names: list[str]) -> int:
    """`nbgrader generate_assignment` of each assignment: the student version in release/."""
    listed = {a.name for a in course.assignments}
    for folder in sorted((course.root / "source_notebooks").glob("*")):
        if folder.is_dir() and folder.name not in listed:
            print(f"warning: source_notebooks/{folder.name}/ is not listed in course.yml, so it is not released")
    failed = [a.name for a in course.selected(names)
              if nbgrader(course, "generate_assignment", a.name, "--force").returncode != 0]
    if failed:
        print(f"release failed for: {', '.join(failed)}")
        return 1
    sync_due_dates(course)
    write_homework_part(course)
    return 0


HOMEWORK_CAPTION = "  - caption: Homework\n"


def homework_part(course: Course) -> str:
    """The book's Homework part (the last of _toc.yml): the about page, then each assignment of course.yml.

    Each assignment has its page, book/04-homework/<name>.md, and its student
    notebook, release/<name>/<name>.ipynb, in course.yml's order.
    """
    lines = [HOMEWORK_CAPTION, "    chapters:\n", "      - file: book/04-homework/about\n"]
    for assignment in course.available():
        name = assignment.name
        lines += [f"      - file: book/04-homework/{name}\n", f"      - file: release/{name}/{name}\n",
                  f"        title: {json.dumps('Student notebook: ' + assignment.title)}\n"]
    return "".join(lines)


def write_homework_part(course: Course) -> None:
    """Rewrite _toc.yml's Homework part from course.yml, leaving the parts before it as they are."""
    toc = course.root / "_toc.yml"
    if not toc.exists():
        return  # a course without the book
    text = toc.read_text()
    if HOMEWORK_CAPTION not in text:
        raise CourseError(f"{toc} has no Homework part ({HOMEWORK_CAPTION.strip()!r}) to fill from {COURSE_FILE}")
    start = text.index(HOMEWORK_CAPTION)
    if "\n  - caption:" in text[start + len(HOMEWORK_CAPTION):]:
        raise CourseError(f"{toc}: the Homework part must be the last part, since {COURSE_FILE} writes it")
    updated = text[:start] + homework_part(course)
    if updated != text:
        toc.write_text(updated)
        print(f"{toc.name}: the Homework part now follows {COURSE_FILE}")


def feedback(course: Course, names: list[str]) -> int:
    """`nbgrader generate_feedback`: HTML for each autograded submission, hidden tests removed."""
    status, done = 0, []
    for assignment in course.selected(names):
        if not list((course.root / "autograded").glob(f"*/{assignment.name}/{assignment.name}.ipynb")):
            continue
        if nbgrader(course, "generate_feedback", assignment.name, "--force").returncode != 0:
            status = 1
        done.append(assignment.name)
    if done:
        print(f"Feedback for {', '.join(done)} is in {course.root / 'feedback'}/<student>/<assignment>/.")
    else:
        print("No feedback to make: nothing is autograded yet (run `make autograde` first).")
    return status


def grades(course: Course, to: str) -> int:
    """`nbgrader export`: one CSV row per student and assignment, with lateness."""
    sync_roster(course)
    sync_due_dates(course)
    result = nbgrader(course, "export", f"--to={to}")
    if result.returncode == 0:
        print(f"Grades written to {Path(course.root, to)}")
    return result.returncode


def sync(course: Course) -> int:
    """Roster, assignments and due dates of course.yml -> the gradebook."""
    sync_roster(course)
    sync_assignments(course, [a.name for a in course.available()])
    sync_due_dates(course)
    print(f"Gradebook knows {len(course.students)} student(s) of the roster and "
          f"{', '.join(sorted(known_assignments(course))) or 'no assignment'}.")
    return 0


# ---------------------------------------------------------------- the gradebook


def sync_roster(course: Course) -> None:
    """Add or update every student of course.yml in the gradebook."""
    with gradebook(course) as gb:
        for s in course.students:
            gb.update_or_create_student(s.id, first_name=s.first_name, last_name=s.last_name, email=s.email)


def known_assignments(course: Course) -> set[str]:
    """Assignments whose notebooks the gradebook knows."""
    with gradebook(course) as gb:
        return {a.name for a in gb.assignments if a.notebooks}


def sync_assignments(course: Course, names: list[str]) -> None:
    """Record in the gradebook the assignments it does not know yet, leaving release/ alone.

    Autograding needs the instructor's cells (tests, checksums, points) in the
    gradebook; `nbgrader generate_assignment` is what puts them there, so it runs
    into a scratch folder instead of release/.
    """
    missing = [name for name in names if name not in known_assignments(course)]
    for name in missing:
        with tempfile.TemporaryDirectory(prefix="release-") as scratch:
            result = nbgrader(course, "generate_assignment", name, "--force",
                              f"--CourseDirectory.release_directory={scratch}", quiet=True)
        if result.returncode != 0:
            sys.stderr.write(result.stdout + result.stderr)
            raise CourseError(f"nbgrader generate_assignment {name} failed")


def sync_due_dates(course: Course) -> None:
    """The due date of each assignment the gradebook knows, from course.yml (None where it gives none)."""
    with gradebook(course) as gb:
        known = {a.name for a in gb.assignments}
        for assignment in course.assignments:
            if assignment.name in known:
                gb.update_or_create_assignment(assignment.name, duedate=assignment.due_utc)


# ---------------------------------------------------------------- autograde


@dataclass
class Outcome:
    """What the report says of one submission."""

    student: str
    status: str  # "graded", "failed", "missing"
    detail: str = ""
    flags: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    score: float = 0.0
    max_score: float = 0.0


def submissions(course: Course, name: str) -> dict[str, Path]:
    """Student id -> submitted/<student>/<name>/ for every student folder of the assignment."""
    return {p.parent.name: p for p in sorted((course.root / "submitted").glob(f"*/{name}")) if p.is_dir()}


def read_timestamp(folder: Path) -> tuple[bool, str]:
    """(usable, text) of a submission's timestamp.txt; a missing file is usable (no time recorded)."""
    from nbgrader.utils import parse_utc

    path = folder / "timestamp.txt"
    if not path.exists():
        return True, ""
    text = path.read_text(errors="replace").strip()
    try:
        parse_utc(text) if text else None
    except (ValueError, OverflowError):
        return False, text
    return True, text


def up_to_date(course: Course, assignment: str, student: str, folder: Path) -> bool:
    """True when autograded/ already holds this submission, graded from the same timestamp.txt."""
    graded = course.root / "autograded" / student / assignment
    if not (graded / f"{assignment}.ipynb").exists():
        return False
    before = graded / "timestamp.txt"
    now = folder / "timestamp.txt"
    return (before.read_bytes() if before.exists() else b"") == (now.read_bytes() if now.exists() else b"")


class Autograder:
    """Everything one `autograde` run needs to know of the course, read once."""

    def __init__(self, course: Course):
        self.course = course
        self.config = (course.root / CONFIG_FILE).read_text()
        spec = yaml.safe_load((course.root / COURSE_FILE).read_text())
        spec.pop("students", None)  # workers need the settings, not the roster
        self.course_yml = yaml.safe_dump(spec, sort_keys=False)
        self.env = {k: v for k, v in os.environ.items()
                    if k.startswith(PASSED_ENV_PREFIXES) and k != THREADS_VARIABLE}  # cores: the worker's business

    def instructor_data(self, assignment: Assignment) -> InstructorData:
        """What the workers need of the assignment, and what the report needs to judge its submissions."""
        from .preprocessors import released_source

        template = assignment_gradebook(self.course.gradebook_url, self.course.course_id, assignment.name)
        files = read_folder(self.course.root / "source_notebooks" / assignment.name, skip_notebooks=True)
        with gradebook(self.course) as gb:
            cells = [cell for notebook in gb.find_assignment(assignment.name).notebooks
                     for cell in notebook.source_cells]
            locked = {released_source(cell.source) for cell in cells if cell.locked}
            names = {cell.name for cell in cells}
        return InstructorData(template, files, locked, names)

    def job(self, assignment: Assignment, student: str, folder: Path, data: InstructorData,
            timestamp_ok: bool) -> Job:
        files = read_folder(folder)
        if not timestamp_ok:
            files.pop("timestamp.txt", None)
        return Job(assignment.name, student, self.config, self.course_yml, data.gradebook, data.files, files,
                   assignment.timeout, assignment.time_limit, self.env)


@dataclass
class InstructorData:
    """What grading one assignment needs from the instructor, read once per run."""

    gradebook: bytes  # a gradebook holding only this assignment's cells
    files: dict[str, bytes]  # non-notebook files of source_notebooks/<assignment>/
    locked_sources: set[str]  # the locked cells as released (not the student's code)
    cell_names: set[str]  # grade ids of the assignment's instructor cells


def foreign_notebook(data: bytes, cell_names: set[str]) -> str:
    """Why a submitted notebook is not this assignment's, or '' when it may be.

    A notebook whose nbgrader cells all carry grade ids the assignment does not
    have was released for another assignment (or made up): grading it would give
    a meaningless score. One with no nbgrader metadata at all (stripped by an
    editor) is graded: the instructor's cells are put back.
    """
    import nbformat

    try:
        notebook = nbformat.reads(data.decode("utf-8", errors="replace"), as_version=4)
    except Exception:
        return ""  # not a notebook: grading says so
    ids = {meta.get("grade_id") for cell in notebook.cells
           if isinstance(meta := cell.get("metadata", {}).get("nbgrader"), dict) and meta.get("grade_id")}
    if not ids or ids & cell_names:
        return ""
    example = sorted(map(str, ids))[0]
    return f"not this assignment's notebook: none of its graded cells (such as {example!r}) belongs to it"


def autograde(course: Course, names: list[str], force: bool, workers: int | None = None,
              scheduler: str | None = None) -> int:
    """Grade every submission of the named assignments; print the report; 1 if any was not graded."""
    from . import engine

    # No silent downgrade: stop here, saying why, unless --no-sandbox. A cluster's workers
    # check for themselves: a kernel they cannot sandbox fails, with the reason.
    if not scheduler:
        sandbox.require()
    assignments = [a for a in course.selected(names) if submissions(course, a.name)]
    if not assignments:
        print("Nothing to grade: no submitted/<student>/<assignment>/ folder for the assignments of course.yml.")
        return 0
    outcomes: dict[str, dict[str, Outcome]] = {}
    started = time.monotonic()
    interrupted = False
    with engine.cluster(workers, scheduler) as (client, local):  # workers start while the jobs are made
        sync_roster(course)
        sync_assignments(course, [a.name for a in assignments])
        sync_due_dates(course)
        jobs = prepare(course, Autograder(course), assignments, outcomes, force)
        where = f"the Dask cluster at {scheduler}" if scheduler else \
            f"{workers or engine.default_workers()} local worker process(es)"
        print(f"autograde: {len(jobs)} submission(s) to grade on {where}", flush=True)
        print(f"autograde: {sandbox_line()}", flush=True)
        progress = Progress(len(jobs))
        try:
            with gradebook(course) as gb:  # this process alone writes it, one submission at a time
                for result in engine.run(client, jobs, local):
                    _keep(course, gb, result, outcomes[result.assignment][result.student])
                    progress.update(failed=result.status != "graded")
        except KeyboardInterrupt:
            interrupted = True
        finally:
            progress.close()
    print(f"autograde took {clock(time.monotonic() - started)} for {len(jobs)} submission(s)")

    _fill_scores(course, outcomes)
    problems = []
    for assignment in assignments:
        mine = outcomes[assignment.name]
        print_report(assignment.name, mine)
        problems += [f"{assignment.name}/{o.student}" for o in mine.values() if o.status != "graded"]
    if not sandbox.enabled():
        print(f"\n{sandbox_line()}")
    if interrupted:
        print("\nInterrupted: every submission reported as graded above is in the gradebook; "
              "run `make autograde` again to grade the rest.")
        return 130
    if problems:
        print(f"\nNot graded ({len(problems)}): {', '.join(problems)}. Every other submission was graded;"
              " the reasons are above.")
        return 1
    return 0


def prepare(course: Course, grader: Autograder, assignments: list[Assignment],
            outcomes: dict[str, dict[str, Outcome]], force: bool) -> list[Job]:
    """One job per submission to grade; an outcome for every submission (missing, foreign, up to date)."""
    from .flags import notebook_flags

    roster = {s.id for s in course.students}
    jobs: list[Job] = []
    for assignment in assignments:
        data = grader.instructor_data(assignment)
        outcomes[assignment.name] = mine = {}
        expected = f"{assignment.name}.ipynb"
        for student, folder in submissions(course, assignment.name).items():
            if student not in roster:
                print(f"warning: {student} (submitted/{student}/) is not in course.yml's roster; graded anyway")
            notebook = folder / expected
            if not notebook.exists():
                found = sorted(p.name for p in folder.glob("*.ipynb"))
                hint = f" (found {', '.join(found)}: rename it to {expected})" if found else ""
                mine[student] = Outcome(student, "missing", f"no {expected}{hint}")
                continue
            content = notebook.read_bytes()
            flags = notebook_flags(content, data.locked_sources)
            foreign = foreign_notebook(content, data.cell_names)
            if foreign:
                mine[student] = Outcome(student, "failed", foreign, flags)
                continue
            timestamp_ok, text = read_timestamp(folder)
            if not timestamp_ok:
                print(f"warning: {student}: submitted/{student}/{assignment.name}/timestamp.txt holds {text[:40]!r}, "
                      "which is not a time; graded as if it had none")
            if not force and up_to_date(course, assignment.name, student, folder):
                mine[student] = Outcome(student, "graded", "already graded", flags)
                continue
            mine[student] = Outcome(student, "pending", flags=flags)
            jobs.append(grader.job(assignment, student, folder, data, timestamp_ok))
    return jobs


def sandbox_line() -> str:
    """How student code runs this time, for the report."""
    if sandbox.enabled():
        return ("every kernel runs in the sandbox (no network, none of the course's files, "
                "course.yml's memory cap, a process cap, nothing left running)")
    return (f"WITHOUT A SANDBOX (--no-sandbox, {sandbox.SWITCH}=off): student code ran with your permissions, "
            "network and files")


def _keep(course: Course, gb, result: Result, outcome: Outcome) -> None:
    """Record a finished submission: the gradebook first, then autograded/ (so a file means a grade)."""
    outcome.restored = result.restored
    if result.status != "graded":
        outcome.status, outcome.detail = "failed", result.reason
        _append_log(course, result)
        return
    record(gb, result)
    write_autograded(course.root / "autograded" / result.student / result.assignment, result)
    outcome.status = "graded"
    _append_log(course, result)


def _append_log(course: Course, result: Result) -> None:
    """Keep nbgrader's log of every submission in .nbgrader.log, as a serial run would."""
    with open(course.root / ".nbgrader.log", "a") as log:
        log.write(f"\n===== {result.key} ({result.status}, {result.seconds:.1f} s on {result.worker})\n{result.log}")


def _fill_scores(course: Course, outcomes: dict[str, dict[str, Outcome]]) -> None:
    with gradebook(course) as gb:
        for name, mine in outcomes.items():
            maximum = gb.find_assignment(name).max_score
            for outcome in mine.values():
                if outcome.status == "graded":
                    outcome.score = gb.find_submission(name, outcome.student).score
                    outcome.max_score = maximum


def print_report(assignment: str, outcomes: dict[str, Outcome]) -> None:
    print(f"\n{assignment}: {len(outcomes)} submission(s)")
    for student in sorted(outcomes):
        o = outcomes[student]
        if o.status == "graded":
            line = f"  {o.student:<20} {o.score:g} / {o.max_score:g}"
        else:
            line = f"  {o.student:<20} {o.status.upper()}: {o.detail or 'interrupted before it was graded'}"
        if o.restored:
            line += f"   [restored: {', '.join(o.restored)}]"
        if o.flags:
            line += f"   [review: {', '.join(o.flags)}]"
        print(line)
