"""course.yml, read by its one loader: assignments with their limits and due dates, roster, gradebook."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from cnncourse.grading.course import CourseError, load_course
from cnncourse.grading.kernel import kernel_environment, thread_settings
from cnncourse.grading.progress import Progress


def write(tmp_path, text: str):
    (tmp_path / "course.yml").write_text(textwrap.dedent(text))
    return load_course(tmp_path)


def test_due_dates_are_read_in_the_course_time_zone_or_their_own(tmp_path):
    course = write(tmp_path, """
        course_id: c
        timezone: Europe/Berlin
        assignments:
          - {name: a, timeout: 5, due: "2027-01-15 23:59"}
          - {name: b, timeout: 5, due: "2027-07-01 08:00 America/New_York"}
          - {name: c, timeout: 5}
    """)
    a, b, c = course.assignments
    assert a.due_utc == dt.datetime(2027, 1, 15, 22, 59)  # CET is UTC+1 in winter
    assert b.due_utc == dt.datetime(2027, 7, 1, 12, 0)  # EDT is UTC-4 in summer
    assert c.due is None and c.due_utc is None


def test_time_limits_and_the_gradebook_url(tmp_path):
    course = write(tmp_path, """
        course_id: c
        gradebook: sqlite:///grades/gradebook.db
        assignments:
          - {name: a, timeout: 5, time_limit: 60}
          - {name: b, timeout: 30}
    """)
    assert [x.time_limit for x in course.assignments] == [60, 4 * 30 + 60]
    assert course.gradebook_url == f"sqlite:///{tmp_path.resolve() / 'grades' / 'gradebook.db'}"
    other = write(tmp_path, "course_id: c\ngradebook: postgresql://grader@db/course\n")
    assert other.gradebook_url == "postgresql://grader@db/course"


@pytest.mark.parametrize("entry, message", [
    ("{name: a, timeout: 5, time_limit: 2}", "'a' needs a time_limit in whole seconds, at least its timeout"),
    ("{name: a, timeout: 5, due: next friday}", "'a' has due 'next friday'; write it as 'YYYY-MM-DD HH:MM'"),
    ("{name: a, timeout: 5, due: '2027-01-15 23:59 Mars/Olympus'}", "timezone 'Mars/Olympus' is not a time zone"),
    ("{name: A, timeout: 5}", "assignment name 'A' must be lower-case"),
    ("{name: a, timeout: soon}", "'a' needs a timeout in whole seconds"),
])
def test_mistakes_in_course_yml_are_named(tmp_path, entry, message):
    with pytest.raises(CourseError, match=message.replace("(", r"\(")):
        write(tmp_path, f"course_id: c\nassignments:\n  - {entry}\n")


def test_a_gradebook_that_is_not_a_url_is_refused(tmp_path):
    with pytest.raises(CourseError, match="must be a database URL"):
        write(tmp_path, "course_id: c\ngradebook: gradebook.db\n")


def test_each_kernel_gets_its_workers_share_of_the_cores():
    assert thread_settings(1)["OMP_NUM_THREADS"] == "1"
    assert thread_settings(1)["TF_NUM_INTRAOP_THREADS"] == "1"
    assert thread_settings(1)["TF_NUM_INTEROP_THREADS"] == "1"
    env = kernel_environment({"CNNCOURSE_GRADING_THREADS": "2", "PATH": "/bin"})
    assert env["OPENBLAS_NUM_THREADS"] == "2" and env["PATH"] == "/bin"


def test_progress_in_a_log_is_a_plain_line(tmp_path):
    with open(tmp_path / "log.txt", "w+") as log:
        progress = Progress(3, stream=log, every=3600)
        progress.update(failed=False)  # too soon for a line
        progress.update(failed=True)
        progress.update(failed=False)  # the last one always prints
        log.seek(0)
        lines = log.read().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("autograde: 3/3 done, 1 failed, 0:00 elapsed, about 0:00 left")
