"""The course as course.yml describes it: the one loader, validated once.

Everything that grades, releases or reports reads the course through
:func:`load_course`: the course id, the assignments in order (with their
per-cell timeout, per-submission time limit, memory cap and due date), the roster and the
gradebook's URL. A mistake in course.yml is reported as a :class:`CourseError`
that names the file, the entry and what is expected.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from .sandbox import DEFAULT_MEMORY, parse_size

COURSE_FILE = "course.yml"
DEFAULT_GRADEBOOK = "sqlite:///gradebook.db"
_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
_STUDENT_ID = re.compile(r"[A-Za-z0-9._-]+")
MIN_MEMORY = "512 MiB"  # below this not even a kernel with numpy starts
_DUE = re.compile(r"(?P<when>\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?)\s*(?P<zone>\S+)?")


class CourseError(Exception):
    """course.yml or the course folder is not what the workflow needs."""


@dataclass(frozen=True)
class Assignment:
    """One assignment of course.yml."""

    name: str
    timeout: int  # seconds each cell may run when autograding
    time_limit: int  # seconds one whole submission may take (kernel start to last cell)
    due: dt.datetime | None = None  # aware; None when course.yml gives no due date
    memory_text: str = DEFAULT_MEMORY  # the sandbox's memory cap of one kernel, as course.yml writes it
    extra: dict = field(default_factory=dict, compare=False)  # other keys (the GPU workflow's answers)

    @property
    def due_utc(self) -> dt.datetime | None:
        """The due date as nbgrader stores it: naive, in UTC."""
        return None if self.due is None else self.due.astimezone(dt.UTC).replace(tzinfo=None)

    @property
    def title(self) -> str:
        """The short title the book's table of contents gives its student notebook."""
        return str(self.extra.get("title") or self.name)

    @property
    def memory(self) -> int:
        """The memory cap in bytes."""
        return parse_size(self.memory_text)


@dataclass(frozen=True)
class Student:
    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""


@dataclass
class Course:
    """The whole of course.yml, with the folder it lives in."""

    root: Path
    course_id: str
    assignments: list[Assignment]
    students: list[Student]
    gradebook_url: str = DEFAULT_GRADEBOOK

    def assignment(self, name: str) -> Assignment:
        for assignment in self.assignments:
            if assignment.name == name:
                return assignment
        raise CourseError(f"{name!r} is not an assignment in {self.root / COURSE_FILE}")

    def source_notebook(self, name: str) -> Path:
        return self.root / "source_notebooks" / name / f"{name}.ipynb"

    def available(self) -> list[Assignment]:
        """The assignments of course.yml that have a source notebook, in course.yml's order."""
        return [a for a in self.assignments if self.source_notebook(a.name).exists()]

    def selected(self, names: list[str]) -> list[Assignment]:
        """The named assignments, or every available one when no name is given."""
        if not names:
            return self.available()
        chosen = [self.assignment(name) for name in names]
        for assignment in chosen:
            if not self.source_notebook(assignment.name).exists():
                raise CourseError(f"{self.source_notebook(assignment.name)} does not exist")
        return chosen


def find_course_root(start: Path | str | None = None) -> Path:
    """The course folder (the one holding course.yml and source_notebooks/) at or above ``start``.

    ``start`` defaults to the current folder: a book page runs in its own
    folder below the course, a command in the course folder itself. The course
    package may be installed anywhere (from git, on Colab), so nothing is found
    relative to the package.
    """
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / COURSE_FILE).exists() and (folder / "source_notebooks").is_dir():
            return folder
    raise CourseError(f"no {COURSE_FILE} with source_notebooks/ beside it at or above {here}")


def load_course(root: Path | str) -> Course:
    """Read and check ``<root>/course.yml``."""
    root = Path(root).resolve()
    path = root / COURSE_FILE
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise CourseError(f"cannot read {path}: {error}") from None
    if not isinstance(data, dict):
        raise CourseError(f"{path} must be a mapping with course_id, assignments and students")
    zone = _zone(path, data.get("timezone", "UTC"))
    assignments = _assignments(path, data.get("assignments") or [], zone)
    students = _students(path, data.get("students") or [])
    gradebook = _gradebook_url(path, root, data.get("gradebook", DEFAULT_GRADEBOOK))
    return Course(root, str(data.get("course_id", "")), assignments, students, gradebook)


def _zone(path: Path, name) -> ZoneInfo:
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise CourseError(f"{path}: timezone {name!r} is not a time zone name such as 'Europe/Berlin' or 'UTC'") from None


def _assignments(path: Path, entries: list, zone: ZoneInfo) -> list[Assignment]:
    assignments, names = [], set()
    for entry in entries:
        if not isinstance(entry, dict):
            raise CourseError(f"{path}: each assignment is a mapping with name and timeout (got {entry!r})")
        name, timeout = entry.get("name"), entry.get("timeout")
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise CourseError(f"{path}: assignment name {name!r} must be lower-case letters, digits and '-'")
        if name in names:
            raise CourseError(f"{path}: assignment {name!r} is listed twice")
        if not _whole_seconds(timeout):
            raise CourseError(f"{path}: assignment {name!r} needs a timeout in whole seconds (got {timeout!r})")
        time_limit = entry.get("time_limit", 4 * timeout + 60)
        if not _whole_seconds(time_limit) or time_limit < timeout:
            raise CourseError(f"{path}: assignment {name!r} needs a time_limit in whole seconds, at least its "
                              f"timeout of {timeout} s (got {time_limit!r})")
        due = _due(path, name, entry.get("due"), zone)
        memory = _memory(path, name, entry.get("memory", DEFAULT_MEMORY))
        names.add(name)
        extra = {k: v for k, v in entry.items() if k not in ("name", "timeout", "time_limit", "due", "memory")}
        assignments.append(Assignment(name, timeout, time_limit, due, memory, extra))
    return assignments


def _whole_seconds(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _memory(path: Path, name: str, value) -> str:
    """'4 GiB' or '1536 MiB', at least MIN_MEMORY: what one grading kernel may use."""
    try:
        size = parse_size(value) if isinstance(value, str) else None
    except ValueError:
        size = None
    if size is None or size < parse_size(MIN_MEMORY):
        raise CourseError(f"{path}: assignment {name!r} has memory {value!r}; write it as a size of at least "
                          f"{MIN_MEMORY} such as '4 GiB' or '1536 MiB'")
    return " ".join(value.split())


def _due(path: Path, name: str, value, zone: ZoneInfo) -> dt.datetime | None:
    """'2026-12-15 23:59' (in the course's time zone) or '2026-12-15 23:59 Europe/Paris'."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):  # YAML read an unquoted date-time itself
        return value if value.tzinfo else value.replace(tzinfo=zone)
    match = _DUE.fullmatch(str(value).strip())
    if not match:
        raise CourseError(f"{path}: assignment {name!r} has due {value!r}; write it as "
                          "'YYYY-MM-DD HH:MM', optionally followed by a time zone name")
    when = dt.datetime.fromisoformat(match.group("when").replace(" ", "T"))
    return when.replace(tzinfo=_zone(path, match.group("zone")) if match.group("zone") else zone)


def _students(path: Path, entries: list) -> list[Student]:
    students, ids = [], set()
    for entry in entries:
        student_id = str(entry.get("id", "")) if isinstance(entry, dict) else ""
        if not _STUDENT_ID.fullmatch(student_id):
            raise CourseError(f"{path}: student id {student_id!r} must be letters, digits, '.', '_' or '-'")
        if student_id in ids:
            raise CourseError(f"{path}: student {student_id!r} is listed twice")
        ids.add(student_id)
        students.append(Student(student_id, *(str(entry.get(k, "")) for k in ("first_name", "last_name", "email"))))
    return students


def _gradebook_url(path: Path, root: Path, url) -> str:
    """Any SQLAlchemy URL nbgrader supports; a relative SQLite file is taken from the course folder."""
    if not isinstance(url, str) or "://" not in url:
        raise CourseError(f"{path}: gradebook {url!r} must be a database URL such as {DEFAULT_GRADEBOOK!r}")
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url[len(prefix):].startswith("/"):
        return prefix + str(root / url[len(prefix):])
    return url
