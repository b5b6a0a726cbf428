"""The instructor's nbgrader workflow, driven by course.yml.

    python tools/course.py release              # student versions of every assignment -> release/
    python tools/course.py autograde [NAME...]  # grade what is in submitted/ (new or changed only)
    python tools/course.py autograde --force    # grade everything again
    python tools/course.py feedback [NAME...]   # HTML feedback -> feedback/<student>/<assignment>/
    python tools/course.py grades [--to FILE]   # CSV of every student's scores (default grades.csv)
    python tools/course.py sync                 # roster and assignments -> gradebook.db

`make release | autograde | feedback | grades` call these. Each command is a thin
wrapper over the real nbgrader command line, run in the course folder (the one
that holds nbgrader_config.py and course.yml; `--root` picks another). What this
script adds is what nbgrader leaves to the instructor:

* the assignment list, each assignment's per-cell time limit and the roster come
  from course.yml, the one file to edit;
* autograde never stops at one bad submission: nbgrader grades the batch, and if
  it aborts half-way the students it did not reach are graded one by one;
* it ends with one line per submission (score, or why it failed), flags code
  that reaches into the grader (see FLAGS) for a human look, and exits 1 when
  any submission could not be graded, naming it.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NBGRADER = BIN / "nbgrader"

# Code in a submission that can defeat in-kernel tests or touch the grader's
# machine. Finding one proves nothing; it is worth a look before grades go out.
FLAGS = {
    "get_ipython": "reaches into IPython (can hide errors or rewrite later cells)",
    "set_custom_exc": "installs an exception handler",
    "input_transformers": "rewrites the cells that follow",
    "builtins": "changes Python's builtins",
    "sys.modules": "replaces modules",
    "os._exit": "kills the kernel",
    "sys.exit": "exits the kernel",
    "signal": "uses signals",
    "ctypes": "uses ctypes",
    "subprocess": "runs programs",
    "os.system": "runs programs",
    "gradebook": "mentions the gradebook",
    "nbgrader": "mentions nbgrader",
    "source_notebooks": "reads the instructor's notebooks",
}
FLAG_PATTERN = re.compile("|".join(re.escape(word) for word in FLAGS))
ERROR_START = re.compile(r"There was an error processing assignment: (?P<path>.+?)\s*$")
EXCEPTION_LINE = re.compile(r"^\s+(?:[\w.]+\.)?(?P<name>\w*(?:Error|Exception|Exit|Interrupt))\b:?\s*(?P<msg>.*)$")


class CourseError(Exception):
    """course.yml or the course folder is not what the workflow needs."""


# ---------------------------------------------------------------- course.yml


@dataclass(frozen=True)
class Assignment:
    name: str
    timeout: int  # seconds each cell may run when autograding
    extra: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Student:
    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""


@dataclass
class Course:
    root: Path
    course_id: str
    assignments: list[Assignment]
    students: list[Student]

    def assignment(self, name: str) -> Assignment:
        for assignment in self.assignments:
            if assignment.name == name:
                return assignment
        raise CourseError(f"{name!r} is not an assignment in {self.root / 'course.yml'}")

    def source_notebook(self, name: str) -> Path:
        return self.root / "source_notebooks" / name / f"{name}.ipynb"

    def available(self) -> list[Assignment]:
        """The assignments of course.yml that have a source notebook, in course.yml's order."""
        return [a for a in self.assignments if self.source_notebook(a.name).exists()]


def load_course(root: Path = ROOT) -> Course:
    """Read and check course.yml: the assignment list, time limits and roster."""
    path = Path(root) / "course.yml"
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise CourseError(f"cannot read {path}: {error}") from None
    if not isinstance(data, dict):
        raise CourseError(f"{path} must be a mapping with course_id, assignments and students")

    assignments, names = [], set()
    for entry in data.get("assignments") or []:
        name, timeout = entry.get("name"), entry.get("timeout")
        if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
            raise CourseError(f"{path}: assignment name {name!r} must be lower-case letters, digits and '-'")
        if name in names:
            raise CourseError(f"{path}: assignment {name!r} is listed twice")
        if not isinstance(timeout, int) or isinstance(timeout, bool) or timeout < 1:
            raise CourseError(f"{path}: assignment {name!r} needs a timeout in whole seconds (got {timeout!r})")
        names.add(name)
        extra = {k: v for k, v in entry.items() if k not in ("name", "timeout")}
        assignments.append(Assignment(name, timeout, extra))

    students, ids = [], set()
    for entry in data.get("students") or []:
        student_id = str(entry.get("id", ""))
        if not re.fullmatch(r"[A-Za-z0-9._-]+", student_id):
            raise CourseError(f"{path}: student id {student_id!r} must be letters, digits, '.', '_' or '-'")
        if student_id in ids:
            raise CourseError(f"{path}: student {student_id!r} is listed twice")
        ids.add(student_id)
        students.append(Student(student_id, *(str(entry.get(k, "")) for k in ("first_name", "last_name", "email"))))

    return Course(Path(root), str(data.get("course_id", "")), assignments, students)


# ---------------------------------------------------------------- nbgrader


def nbgrader(course: Course, *args: str, quiet: bool = False) -> subprocess.CompletedProcess:
    """Run one nbgrader command in the course folder; echo its output unless quiet."""
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    print(f"$ nbgrader {' '.join(args)}", flush=True)
    result = subprocess.run([str(NBGRADER), *args], cwd=course.root, env=env, capture_output=True, text=True)
    if not quiet:
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
    return result


def gradebook(course: Course):
    """nbgrader's gradebook of the course (imported late: nbgrader is slow to import)."""
    from nbgrader.api import Gradebook

    return Gradebook("sqlite:///" + str(course.root / "gradebook.db"), course.course_id or None)


def sync_roster(course: Course) -> None:
    """Add or update every student of course.yml in the gradebook (`nbgrader db student import`)."""
    if not course.students:
        return
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "first_name", "last_name", "email"])
        for s in course.students:
            writer.writerow([s.id, s.first_name, s.last_name, s.email])
    try:
        result = nbgrader(course, "db", "student", "import", handle.name, quiet=True)
        if result.returncode != 0:
            sys.stderr.write(result.stdout + result.stderr)
            raise CourseError("nbgrader could not import the roster of course.yml")
    finally:
        os.unlink(handle.name)


def known_assignments(course: Course) -> set[str]:
    """Assignments whose notebooks the gradebook knows (a fresh clone has no gradebook)."""
    if not (course.root / "gradebook.db").exists():
        return set()
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
            result = nbgrader(
                course, "generate_assignment", name, "--force",
                f"--CourseDirectory.release_directory={scratch}", quiet=True,
            )
        if result.returncode != 0:
            sys.stderr.write(result.stdout + result.stderr)
            raise CourseError(f"nbgrader generate_assignment {name} failed")


# ---------------------------------------------------------------- commands


def release(course: Course, names: list[str]) -> int:
    """`nbgrader generate_assignment` of each assignment: the student version in release/."""
    extra = sorted(p.name for p in (course.root / "source_notebooks").glob("*") if p.is_dir()
                   and p.name not in {a.name for a in course.assignments})
    for name in extra:
        print(f"warning: source_notebooks/{name}/ is not listed in course.yml, so it is not released")
    failed = []
    for assignment in selected(course, names):
        if nbgrader(course, "generate_assignment", assignment.name, "--force").returncode != 0:
            failed.append(assignment.name)
    if failed:
        print(f"release failed for: {', '.join(failed)}")
        return 1
    return 0


@dataclass
class Outcome:
    student: str
    status: str  # "graded", "failed", "missing"
    detail: str = ""
    flags: list[str] = field(default_factory=list)


def submissions(course: Course, name: str) -> dict[str, Path]:
    """Student id -> submitted/<student>/<name>/ for every student folder of the assignment."""
    return {p.parent.name: p for p in sorted((course.root / "submitted").glob(f"*/{name}")) if p.is_dir()}


def parse_failures(output: str) -> dict[str, str]:
    """Student id -> reason, for each submission nbgrader reported as failed."""
    failures, student, reason = {}, None, ""
    for line in output.splitlines() + ["[end]"]:
        start = ERROR_START.search(line)
        if start or (student and line.startswith("[") and "Traceback (most recent call last)" not in line):
            if student:
                failures[student] = reason or "see .nbgrader.log"
            student, reason = (Path(start.group("path")).parent.name, "") if start else (None, "")
            continue
        match = EXCEPTION_LINE.match(line) if student else None
        if match:
            reason = f"{match.group('name')}: {match.group('msg')}".rstrip(": ")
    return failures


def last_error(output: str) -> str:
    """The first line of the last error nbgrader logged (for errors that stop a whole batch)."""
    errors = [line.split("]", 1)[1].strip() for line in output.splitlines()
              if line.startswith("[") and "| ERROR]" in line and "]" in line]
    return errors[-1] if errors else ""


def flagged(notebook: Path) -> list[str]:
    """The FLAGS words found in a submission's code cells."""
    try:
        cells = json.loads(notebook.read_text(errors="replace")).get("cells", [])
        code = "\n".join("".join(c.get("source", "")) for c in cells if c.get("cell_type") == "code")
    except (ValueError, AttributeError, OSError):
        return []
    return sorted(set(FLAG_PATTERN.findall(code)))


def autograde_one(course: Course, assignment: Assignment, force: bool) -> list[Outcome]:
    """Grade every submission of one assignment; one Outcome per student folder."""
    folders = submissions(course, assignment.name)
    if not folders:
        print(f"{assignment.name}: nothing in submitted/*/{assignment.name}/")
        return []
    roster = {s.id for s in course.students}
    expected = f"{assignment.name}.ipynb"
    outcomes: dict[str, Outcome] = {}
    for student, folder in folders.items():
        if student not in roster:
            print(f"warning: {student} (submitted/{student}/) is not in course.yml's roster; graded anyway")
        if not (folder / expected).exists():
            found = sorted(p.name for p in folder.glob("*.ipynb"))
            hint = f" (found {', '.join(found)}: rename it to {expected})" if found else ""
            outcomes[student] = Outcome(student, "missing", f"no {expected}{hint}")

    args = ["autograde", assignment.name, f"--Execute.timeout={assignment.timeout}"] + (["--force"] if force else [])
    started = time.perf_counter()
    result = nbgrader(course, *args)
    failures = parse_failures(result.stdout + result.stderr)
    done = {s for s in folders if (course.root / "autograded" / s / assignment.name / expected).exists()}

    # nbgrader stops the whole batch on a few errors; grade whoever it did not reach one by one.
    unreached = [s for s in folders if s not in done and s not in failures and s not in outcomes]
    for student in unreached:
        print(f"{student}: not reached by the batch, grading it alone")
        result = nbgrader(course, *args, f"--student={student}")
        failures.update(parse_failures(result.stdout + result.stderr))
        if (course.root / "autograded" / student / assignment.name / expected).exists():
            done.add(student)
        elif student not in failures:
            failures[student] = last_error(result.stdout + result.stderr) or f"nbgrader exited {result.returncode}"

    for student, folder in folders.items():
        if student in outcomes:  # no notebook by the expected name: nbgrader cannot grade it
            continue
        if student in done:
            outcomes[student] = Outcome(student, "graded", flags=flagged(folder / expected))
        else:
            reason = failures.get(student, "not graded; see .nbgrader.log")
            outcomes[student] = Outcome(student, "failed", reason, flagged(folder / expected))
    print(f"{assignment.name}: autograde took {time.perf_counter() - started:.1f} s for {len(folders)} submission(s)")
    return [outcomes[s] for s in folders]


def report(course: Course, assignment: Assignment, outcomes: list[Outcome]) -> None:
    scores = {}
    if any(o.status == "graded" for o in outcomes):
        with gradebook(course) as gb:
            maximum = gb.find_assignment(assignment.name).max_score
            for o in outcomes:
                if o.status == "graded":
                    scores[o.student] = gb.find_submission(assignment.name, o.student).score
    print(f"\n{assignment.name}: {len(outcomes)} submission(s)")
    for o in outcomes:
        if o.status == "graded":
            line = f"  {o.student:<20} {scores[o.student]:g} / {maximum:g}"
        else:
            line = f"  {o.student:<20} {o.status.upper()}: {o.detail}"
        if o.flags:
            line += f"   [review: {', '.join(o.flags)}]"
        print(line)


def autograde(course: Course, names: list[str], force: bool) -> int:
    assignments = [a for a in selected(course, names) if submissions(course, a.name)]
    if not assignments:
        print("Nothing to grade: no submitted/<student>/<assignment>/ folder for the assignments of course.yml.")
        return 0
    sync_roster(course)
    sync_assignments(course, [a.name for a in assignments])
    problems = []
    for assignment in assignments:
        outcomes = autograde_one(course, assignment, force)
        report(course, assignment, outcomes)
        problems += [f"{assignment.name}/{o.student}" for o in outcomes if o.status != "graded"]
    if problems:
        print(f"\nNot graded ({len(problems)}): {', '.join(problems)}. Every other submission was graded;"
              " details are above and in .nbgrader.log.")
        return 1
    return 0


def feedback(course: Course, names: list[str]) -> int:
    """`nbgrader generate_feedback`: HTML for each autograded submission, hidden tests removed."""
    status, done = 0, []
    for assignment in selected(course, names):
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
    """`nbgrader export`: one CSV row per student and assignment."""
    sync_roster(course)
    result = nbgrader(course, "export", f"--to={to}")
    if result.returncode == 0:
        print(f"Grades written to {Path(course.root, to)}")
    return result.returncode


def sync(course: Course) -> int:
    sync_roster(course)
    sync_assignments(course, [a.name for a in course.available()])
    print(f"Gradebook knows {len(course.students)} student(s) of the roster and "
          f"{', '.join(sorted(known_assignments(course))) or 'no assignment'}.")
    return 0


def selected(course: Course, names: list[str]) -> list[Assignment]:
    """The named assignments (all of course.yml with a source notebook when none is named)."""
    if not names:
        return course.available()
    chosen = [course.assignment(name) for name in names]
    for a in chosen:
        if not course.source_notebook(a.name).exists():
            raise CourseError(f"{course.source_notebook(a.name)} does not exist")
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="course folder (default: this repository)")
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("release", "autograde", "feedback"):
        sub = commands.add_parser(name)
        sub.add_argument("assignments", nargs="*", help="assignments of course.yml (default: all)")
        if name == "autograde":
            sub.add_argument("--force", action="store_true", help="grade again what was already graded")
    commands.add_parser("grades").add_argument("--to", default="grades.csv", help="CSV file (default grades.csv)")
    commands.add_parser("sync")
    args = parser.parse_args(argv)
    try:
        course = load_course(args.root)
        if args.command == "release":
            return release(course, args.assignments)
        if args.command == "autograde":
            return autograde(course, args.assignments, args.force)
        if args.command == "feedback":
            return feedback(course, args.assignments)
        if args.command == "grades":
            return grades(course, args.to)
        return sync(course)
    except CourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
