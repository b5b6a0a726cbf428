"""The filters lab grades itself: full marks, zero, and exactly the points a mistake costs.

One module-scoped fixture copies the course into a temporary folder, generates
the student version with the real nbgrader, hands in four submissions and
autogrades them all at once:

* ``solution``: the student version answered as the source notebook answers it;
* ``untouched``: the student version as released;
* ``forgot_flip``: the solution, except that ``convolve2d`` does not flip the kernel;
* ``uint8_clipping``: the solution, except that ``sobel_gradients`` filters the
  uint8 photo with ``ddepth=-1``, so negative responses are clipped to 0.
"""

from __future__ import annotations

import re
import time

import nbformat
import pytest

from nbgrader_course import ROOT, Course, nbgrader_cell

ASSIGNMENT = "filters"
SOURCE = ROOT / "source_notebooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
RELEASE = ROOT / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"

FORGOT_FLIP = '''
def convolve2d(image, kernel, padding=0, stride=1):
    return correlate2d(image, kernel, padding=padding, stride=stride)  # no flip
'''

UINT8_CLIPPING = '''
def sobel_gradients(image):
    gx = cv2.filter2D(image, -1, SOBEL_X)  # ddepth=-1: uint8 in, uint8 out
    gy = cv2.filter2D(image, -1, SOBEL_Y)
    magnitude = np.hypot(gx, gy)
    return gx, gy, magnitude
'''

# The graded cells each mistake must fail; every other cell keeps its points.
FAILS = {
    "forgot_flip": {"filters-convolve2d", "filters-flip-sobel"},
    "uint8_clipping": {"filters-sobel-gradients", "filters-gradient-magnitude"},
}


def source_cells():
    return [cell for cell in nbformat.read(SOURCE, as_version=4).cells]


# --------------------------------------------------------------------------- the notebook itself


def test_graded_cells_have_unique_ids_points_and_locks():
    cells = [cell for cell in source_cells() if nbgrader_cell(cell)]
    ids = [nbgrader_cell(cell)["grade_id"] for cell in cells]
    assert len(ids) == len(set(ids)), "grade ids must be unique"
    assert all(grade_id.startswith(f"{ASSIGNMENT}-") for grade_id in ids)
    graded = [nbgrader_cell(cell) for cell in cells if nbgrader_cell(cell).get("grade")]
    assert len(graded) >= 10
    for meta in graded:
        assert meta["locked"], f"{meta['grade_id']} is a test cell and must be locked"
        assert isinstance(meta["points"], int) and 1 <= meta["points"] <= 5, meta["grade_id"]
    # every cell that is not a solution cell is locked (instructions, provided code, tests)
    for cell in cells:
        meta = nbgrader_cell(cell)
        assert meta["solution"] or meta["locked"], f"{meta['grade_id']} must be a solution cell or locked"


def test_source_notebook_is_clean_and_light():
    notebook = nbformat.read(SOURCE, as_version=4)
    assert notebook.metadata.kernelspec.name == "python3"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "store the source without outputs"
            # the lab must grade in seconds: no deep-learning framework
            assert not re.search(r"^\s*(import|from)\s+(tensorflow|keras|torch)\b", cell.source, re.M)


def test_points_in_the_headings_match_the_metadata():
    """Each question's heading says "(n points)": n is the sum of its test cells' points."""
    total, stated, current = {}, {}, None
    for cell in source_cells():
        if cell.cell_type == "markdown":
            match = re.search(r"^## (\d+)\..*\((\d+) points?\)", cell.source, re.M)
            if match:
                current = match.group(1)
                stated[current] = int(match.group(2))
                total[current] = 0
        elif nbgrader_cell(cell).get("grade") and current:
            total[current] += nbgrader_cell(cell)["points"]
    assert stated and stated == total


def test_student_version_runs_without_the_course_package():
    """The lab runs on Colab as released: the student version never imports cnncourse."""
    release = nbformat.read(RELEASE, as_version=4)
    assert not [cell for cell in release.cells if "cnncourse" in cell.source]


# --------------------------------------------------------------------------- grading


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = Course(tmp_path_factory.mktemp("course"), [ASSIGNMENT])
    course.generate(ASSIGNMENT)
    solved = course.solved_release(ASSIGNMENT)
    course.submit(ASSIGNMENT, "solution", solved)
    course.submit(ASSIGNMENT, "untouched", course.release_notebook(ASSIGNMENT))
    course.submit(ASSIGNMENT, "forgot_flip", Course.with_answer(solved, "filters-convolve2d-answer", FORGOT_FLIP))
    course.submit(
        ASSIGNMENT, "uint8_clipping", Course.with_answer(solved, "filters-sobel-gradients-answer", UINT8_CLIPPING)
    )
    start = time.perf_counter()
    course.autograde(ASSIGNMENT)
    print(f"\nautograde of 4 filters submissions: {time.perf_counter() - start:.1f} s")
    return course, course.scores(ASSIGNMENT), course.max_scores(ASSIGNMENT)


@pytest.mark.slow
def test_solution_gets_full_marks(graded):
    _, scores, max_scores = graded
    assert sum(max_scores.values()) == 18
    assert scores["solution"] == max_scores


@pytest.mark.slow
def test_untouched_release_gets_zero(graded):
    _, scores, max_scores = graded
    assert scores["untouched"] == {grade_id: 0.0 for grade_id in max_scores}


@pytest.mark.slow
@pytest.mark.parametrize("student", sorted(FAILS))
def test_a_mistake_loses_exactly_the_cells_that_check_it(graded, student):
    _, scores, max_scores = graded
    expected = {grade_id: 0.0 if grade_id in FAILS[student] else points for grade_id, points in max_scores.items()}
    assert scores[student] == expected


@pytest.mark.slow
def test_the_mistakes_fail_with_the_students_message(graded):
    """The visible tests name the mistake, so feedback tells the student what went wrong."""
    course, _, _ = graded

    def errors(student, grade_id):
        notebook = course.autograded_notebook(ASSIGNMENT, student)
        (cell,) = [c for c in notebook.cells if nbgrader_cell(c).get("grade_id") == grade_id]
        return "".join(o.get("evalue", "") for o in cell.outputs if o.output_type == "error")

    assert "did you flip" in errors("forgot_flip", "filters-convolve2d")
    assert "ddepth=-1" in errors("uint8_clipping", "filters-sobel-gradients")
