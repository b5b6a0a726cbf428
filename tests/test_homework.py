"""The homework pages' numbers come from the released notebooks: check the reader."""

import nbformat
import pytest

from cnncourse.grading.course import CourseError, find_course_root, load_course
from cnncourse.homework import question_count, question_table, release_notebook
from nbgrader_course import ROOT

ASSIGNMENTS = [a.name for a in load_course(ROOT).assignments]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_question_table_accounts_for_every_graded_cell(assignment):
    notebook = nbformat.read(release_notebook(assignment), as_version=4)
    graded = [c.metadata["nbgrader"] for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade")]
    table = question_table(assignment)
    assert int(table["test cells"].sum()) == len(graded)
    assert int(table["points"].sum()) == sum(int(g["points"]) for g in graded)
    assert len(table) >= 1 and (table["points"] > 0).all()
    assert not any("points)" in question for question in table.index)


def test_unknown_assignment_says_how_to_make_it():
    with pytest.raises(FileNotFoundError, match="make release"):
        release_notebook("no-such-assignment")


def test_the_course_is_found_from_any_folder_inside_it(tmp_path):
    assert find_course_root(ROOT / "book" / "04-homework") == ROOT
    assert release_notebook("filters", find_course_root(ROOT / "book")) == ROOT / "release" / "filters" / "filters.ipynb"
    with pytest.raises(CourseError, match="no course.yml"):
        find_course_root(tmp_path)


def test_questions_are_counted_as_the_notebooks_number_them():
    counts = {assignment: question_count(assignment) for assignment in ASSIGNMENTS}
    known = {"conv-arithmetic": 9, "filters": 6, "cifar10": 13, "beewasp": 6}  # as the notebooks number them
    assert {a: counts[a] for a in known if a in counts} == known
    for assignment in ASSIGNMENTS:
        assert counts[assignment] >= 1, f"{assignment}: no numbered question"
        assert counts[assignment] >= len(question_table(assignment)) - 1  # a section may hold several questions
