"""course.yml is the one list of assignments: the book's Homework part is written from it."""

import pytest

from cnncourse.grading.course import CourseError, load_course
from cnncourse.grading.workflow import HOMEWORK_CAPTION, homework_part, write_homework_part
from nbgrader_course import ROOT


def test_the_homework_part_is_what_make_release_writes_from_course_yml():
    toc = (ROOT / "_toc.yml").read_text()
    assert toc[toc.index(HOMEWORK_CAPTION):] == homework_part(load_course(ROOT)), (
        "_toc.yml's Homework part must list, after about, each assignment of course.yml in its order "
        "(its page book/04-homework/<a> and its notebook release/<a>/<a>): run `make release`"
    )


def test_each_assignment_has_its_page_and_its_student_notebook():
    for assignment in load_course(ROOT).available():
        assert (ROOT / "book" / "04-homework" / f"{assignment.name}.md").exists(), assignment.name
        assert (ROOT / "release" / assignment.name / f"{assignment.name}.ipynb").exists(), assignment.name


def test_release_writes_the_homework_part_and_leaves_the_rest(tmp_path):
    toc = (ROOT / "_toc.yml").read_text()
    before = toc[:toc.index(HOMEWORK_CAPTION)]
    (tmp_path / "_toc.yml").write_text(before + HOMEWORK_CAPTION + "    chapters:\n      - file: book/04-homework/about\n")
    (tmp_path / "course.yml").write_text(
        "course_id: c\nassignments:\n  - {name: second, title: Second one, timeout: 5, time_limit: 60}\n"
        "  - {name: first, timeout: 5, time_limit: 60}\n  - {name: unwritten, timeout: 5, time_limit: 60}\n")
    for name in ("first", "second"):
        (tmp_path / "source_notebooks" / name).mkdir(parents=True)
        (tmp_path / "source_notebooks" / name / f"{name}.ipynb").write_text("{}")
    write_homework_part(load_course(tmp_path))
    written = (tmp_path / "_toc.yml").read_text()
    assert written.startswith(before)
    assert written[len(before):].splitlines()[3:] == [
        "      - file: book/04-homework/second", "      - file: release/second/second",
        '        title: "Student notebook: Second one"',
        "      - file: book/04-homework/first", "      - file: release/first/first",
        '        title: "Student notebook: first"',
    ]


def test_a_part_after_homework_is_never_overwritten(tmp_path):
    toc = HOMEWORK_CAPTION + "    chapters:\n      - file: book/04-homework/about\n  - caption: Appendix\n"
    (tmp_path / "_toc.yml").write_text(toc)
    (tmp_path / "course.yml").write_text("course_id: c\nassignments: []\n")
    with pytest.raises(CourseError, match="last part"):
        write_homework_part(load_course(tmp_path))
    assert (tmp_path / "_toc.yml").read_text() == toc
