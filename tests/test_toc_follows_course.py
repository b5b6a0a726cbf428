"""course.yml is the one list of assignments: the book's Homework part follows it."""

import yaml

from cnncourse.grading.course import load_course
from nbgrader_course import ROOT


def homework_part() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    part = next(p for p in toc["parts"] if p.get("caption") == "Homework")
    return [chapter["file"] for chapter in part["chapters"]]


def test_the_homework_part_lists_each_assignment_of_course_yml_in_order():
    expected = ["book/04-homework/about"]
    for assignment in load_course(ROOT).available():
        expected += [f"book/04-homework/{assignment.name}", f"release/{assignment.name}/{assignment.name}"]
    assert homework_part() == expected, (
        "_toc.yml's Homework part must list, after about, each assignment of course.yml in its order: "
        "its page book/04-homework/<a> and its notebook release/<a>/<a>"
    )
