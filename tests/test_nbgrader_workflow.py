"""The course's nbgrader set-up, across every assignment that exists.

* release/ is exactly what `nbgrader generate_assignment` makes of source_notebooks/;
* no solution and no hidden test reaches release/;
* source notebooks carry no outputs, and every nbgrader cell has a unique grade id,
  small integer points where it is graded, and is locked where it holds tests;
* course.yml, the one file that lists assignments and students, is well formed.
"""

from __future__ import annotations

import json
import re

import nbformat
import pytest
from traitlets.config.loader import PyFileConfigLoader

from cnncourse.grading.course import CourseError, load_course
from cnncourse.grading.job import failure_reason
from nbgrader_course import ROOT, Course, nbgrader_cell

MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


COURSE = load_course(ROOT)
ASSIGNMENTS = [a.name for a in COURSE.available()]


def source(name: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "source_notebooks" / name / f"{name}.ipynb", as_version=4)


def split_regions(text: str) -> tuple[list[str], list[str]]:
    """(lines outside, lines inside) the solution and hidden-test regions, stripped, markers left out."""
    outside, inside, depth = [], [], 0
    for line in text.splitlines():
        if "### BEGIN SOLUTION" in line or "### BEGIN HIDDEN TESTS" in line:
            depth += 1
        elif "### END SOLUTION" in line or "### END HIDDEN TESTS" in line:
            depth -= 1
        else:
            (inside if depth else outside).append(line.strip())
    return outside, inside


def test_course_yml_lists_assignments_and_students():
    assert COURSE.course_id == "cnn-course"
    assert "conv-arithmetic" in ASSIGNMENTS
    assert all(a.timeout >= 1 for a in COURSE.assignments)
    assert len({s.id for s in COURSE.students}) == len(COURSE.students) > 0


def test_course_yml_errors_name_the_problem(tmp_path):
    (tmp_path / "course.yml").write_text("course_id: x\nassignments:\n  - name: a\n    timeout: soon\n")
    with pytest.raises(CourseError, match="'a' needs a timeout in whole seconds"):
        load_course(tmp_path)


def test_every_released_folder_is_an_assignment_of_course_yml():
    released = {p.name for p in (ROOT / "release").iterdir() if p.is_dir()}
    missing, stale = sorted(set(ASSIGNMENTS) - released), sorted(released - set(ASSIGNMENTS))
    assert not missing, f"release/ lacks {', '.join(missing)}: run `make release` and commit release/"
    assert not stale, (f"release/ holds {', '.join(stale)}, which course.yml does not list with a source "
                       "notebook: remove it or add it to course.yml")


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    """Every assignment's student version, generated afresh by the real nbgrader."""
    course = Course(tmp_path_factory.mktemp("release-check"), ASSIGNMENTS)
    # One nbgrader run for all of them ('*': every folder of source_notebooks/) saves its start-up.
    course.nbgrader("generate_assignment", "*", "--force")
    return course.root / "release"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_release_is_what_nbgrader_generates_from_the_source(regenerated, name):
    committed, fresh = ROOT / "release" / name, regenerated / name
    files = sorted({p.relative_to(committed) for p in committed.rglob("*") if p.is_file()}
                   | {p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file()})
    differ = [str(f) for f in files
              if not (committed / f).is_file() or not (fresh / f).is_file()
              or (committed / f).read_bytes() != (fresh / f).read_bytes()]
    assert differ == [], (
        f"release/{name}/ is not what nbgrader generates from source_notebooks/{name}/ "
        f"(differs: {', '.join(differ)}). Run `make release` and commit release/."
    )


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_no_solution_or_hidden_test_reaches_release(name):
    regions = [split_regions(cell.source) for cell in source(name).cells]
    shown = {line for outside, _ in regions for line in outside}
    # A secret line is one the student version has no reason to show anywhere.
    secret = {line for _, inside in regions for line in inside if len(line) > 3 and line not in shown}
    assert secret, f"{name} has no solution or hidden-test lines to look for"
    released = list((ROOT / "release" / name).rglob("*"))
    assert released, f"release/{name}/ is empty: run `make release`"
    for path in released:
        if not path.is_file():
            continue
        text = path.read_text(errors="replace")
        assert not [m for m in MARKERS if m in text], f"{path} contains an nbgrader marker"
        if path.suffix == ".ipynb":
            lines = {line.strip() for c in nbformat.reads(text, as_version=4).cells for line in c.source.splitlines()}
            leaks = sorted(secret & lines)
            assert leaks == [], f"{path} shows solution or hidden-test lines: {leaks[:3]}"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_source_notebooks_are_stored_without_outputs(name):
    nb = source(name)
    assert nb.metadata.kernelspec.name == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{name}: run `nbgrader` on a clean copy: " \
                f"a cell has outputs ({cell.source[:40]!r})"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_graded_cells_have_an_id_points_and_a_lock(name):
    nb = source(name)
    graded = 0
    for cell in nb.cells:
        meta = nbgrader_cell(cell)
        if not meta:
            continue
        grade_id = meta.get("grade_id", "")
        assert re.fullmatch(rf"{re.escape(name)}-[a-z0-9][a-z0-9-]*", grade_id), \
            f"{name}: grade id {grade_id!r} is not '{name}-<question>'"
        assert meta.get("schema_version") == 3, grade_id
        if meta.get("solution") and cell.cell_type == "code":
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source, grade_id
        if "BEGIN HIDDEN TESTS" in cell.source:
            assert meta.get("grade"), f"{grade_id}: hidden tests belong in a graded test cell"
        if meta.get("grade"):
            graded += 1
            points = meta.get("points")
            assert isinstance(points, int) and 1 <= points <= 10, f"{grade_id}: points {points!r}"
            if not meta.get("solution"):
                assert meta.get("locked"), f"{grade_id}: a test cell must be locked (read-only)"
    assert graded > 0, f"{name} has no graded cell"


def test_grade_ids_are_unique_across_the_course():
    seen: dict[str, str] = {}
    for name in ASSIGNMENTS:
        for cell in source(name).cells:
            grade_id = nbgrader_cell(cell).get("grade_id")
            if grade_id:
                assert grade_id not in seen, f"grade id {grade_id} is in {seen[grade_id]} and {name}"
                seen[grade_id] = name


def test_conv_arithmetic_does_not_need_tensorflow():
    nb = source("conv-arithmetic")
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert not re.search(r"^\s*(import|from)\s+(tensorflow|keras)\b", code, re.MULTILINE)
    graded = [c for c in nb.cells if nbgrader_cell(c).get("grade")]
    assert len(graded) == 10
    assert all("BEGIN HIDDEN TESTS" in c.source for c in graded)


def test_stored_notebooks_are_valid_json():
    for name in ASSIGNMENTS:
        for folder in ("source_notebooks", "release"):
            path = ROOT / folder / name / f"{name}.ipynb"
            json.loads(path.read_text())
            nbformat.validate(nbformat.read(path, as_version=4))


def test_a_failure_is_reported_by_the_last_exception_nbgrader_logged():
    log = "\n".join([
        "[ERROR] There was an error processing assignment: /c/submitted/bob/a",
        "[ERROR] Traceback (most recent call last):",
        "    nbclient.exceptions.DeadKernelError: Kernel died",
        "[ERROR] nbgrader.converters.base.NbGraderException: Please see the error log",
    ])
    assert failure_reason(log) == "DeadKernelError: Kernel died"
    assert failure_reason("[INFO] nothing went wrong") == "not graded; see the log"


def test_config_sets_what_an_instructor_needs():
    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    assert config.CourseDirectory.course_id == COURSE.course_id
    assert config.CourseDirectory.db_url == COURSE.gradebook_url == f"sqlite:///{ROOT / 'gradebook.db'}"
    folders = {name: config.CourseDirectory[f"{name}_directory"] for name in
               ("source", "release", "submitted", "autograded", "feedback")}
    assert folders == {"source": "source_notebooks", "release": "release", "submitted": "submitted",
                       "autograded": "autograded", "feedback": "feedback"}
    plugins = "cnncourse.grading.preprocessors."
    assert plugins + "GradebookCells" in config.Autograde.sanitize_preprocessors
    assert plugins + "GradingExecute" in config.Autograde.autograde_preprocessors
    assert plugins + "PassIfNoError" in config.Autograde.autograde_preprocessors
    assert plugins + "FeedbackWithoutHiddenTests" in config.GenerateFeedback.preprocessors
    assert config.Execute.interrupt_on_timeout is True
    ignored = (ROOT / ".gitignore").read_text()
    for student_data in ("gradebook.db", "/submitted/", "/autograded/", "/feedback/"):
        assert student_data in ignored, f"{student_data} holds student data: .gitignore must list it"
