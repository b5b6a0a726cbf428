"""The CIFAR-10 homework grades itself: full marks, zero, and exactly the points a mistake costs.

One module-scoped fixture copies the course into a temporary folder, generates
the student version with the real nbgrader, hands in four submissions and
autogrades them all at once, on the offline stand-in:

* ``solution``: the student version answered as the source notebook answers it;
* ``untouched``: the student version as released;
* ``last_epoch``: the solution, except that ``load_best_and_evaluate`` never
  loads the checkpoint, so the test set is evaluated with the last epoch's
  weights instead of the best ones;
* ``eight_names``: the solution, except that ``class_names`` stops at eight
  names, as the seed notebook's list does.

The fast tests check the notebook itself: metadata, points, and that the
solution's model is the course's ``cifar10_cnn``. That release/ is what nbgrader
generates, with no solution or hidden test in it, is checked for every
assignment at once in test_nbgrader_workflow.py.
"""

from __future__ import annotations

import re
import time

import nbformat
import pytest

from nbgrader_course import ROOT, Course, nbgrader_cell, strip_solution_markers

ASSIGNMENT = "cifar10"
SOURCE = ROOT / "source_notebooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
RELEASE = ROOT / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"

# The label order of CIFAR-10 (https://www.cs.toronto.edu/~kriz/cifar.html). Kept
# here and in the notebook's hidden test only: the question asks students for it.
CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

EIGHT_NAMES = 'class_names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse"]\n'
LOAD_LINE = "    model.load_weights(checkpoint_path)\n"

# The graded cells each mistake must fail; every other cell keeps its points.
FAILS = {
    "last_epoch": {"cifar10-best-checkpoint"},
    "eight_names": {"cifar10-class-names"},
}
TOTAL_POINTS = 26


def source_notebook():
    return nbformat.read(SOURCE, as_version=4)


def answer_source(grade_id: str) -> str:
    (cell,) = [c for c in source_notebook().cells if nbgrader_cell(c).get("grade_id") == grade_id]
    return strip_solution_markers(cell.source)


def last_epoch_answer() -> str:
    """The solution of the evaluation cell without the line that loads the checkpoint."""
    solved = answer_source("cifar10-best-answer") + "\n"
    assert LOAD_LINE in solved, "the solution no longer loads the checkpoint with this line; update the test"
    return solved.replace(LOAD_LINE, "    # (forgot to load the checkpoint: evaluates the last epoch's weights)\n")


# --------------------------------------------------------------------------- the notebook itself


def test_graded_cells_have_unique_ids_points_and_locks():
    cells = [cell for cell in source_notebook().cells if nbgrader_cell(cell)]
    ids = [nbgrader_cell(cell)["grade_id"] for cell in cells]
    assert len(ids) == len(set(ids)), "grade ids must be unique"
    assert all(grade_id.startswith(f"{ASSIGNMENT}-") for grade_id in ids)
    graded = [nbgrader_cell(cell) for cell in cells if nbgrader_cell(cell).get("grade")]
    assert len(graded) == 15  # Question 2 is two cells of one point each: scaling, then one-hot encoding
    for meta in graded:
        assert meta["locked"] and not meta["solution"], f"{meta['grade_id']} is a test cell and must be locked"
        assert isinstance(meta["points"], int) and 1 <= meta["points"] <= 3, meta["grade_id"]
    assert sum(meta["points"] for meta in graded) == TOTAL_POINTS
    for cell in cells:
        meta = nbgrader_cell(cell)
        assert meta["solution"] or meta["locked"], f"{meta['grade_id']} must be a solution cell or locked"
    # The only cell without nbgrader metadata is the optional, ungraded experiment.
    free = [cell for cell in source_notebook().cells if not nbgrader_cell(cell)]
    assert len(free) == 1 and "not graded" in free[0].source


def test_source_notebook_is_clean():
    notebook = source_notebook()
    assert notebook.metadata.kernelspec.name == "python3"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "store the source without outputs"
            # students build the model themselves: the notebook never imports the course's models
            assert "cnncourse.models" not in cell.source and "cifar10_cnn" not in cell.source


def test_points_in_the_headings_match_the_metadata():
    """Each question's heading says "(n points)": n is the sum of its test cells' points."""
    total, stated, current = {}, {}, None
    for cell in source_notebook().cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^### Question (\d+):.*\((\d+) points?\)", cell.source, re.M)
            if match:
                current = match.group(1)
                stated[current] = int(match.group(2))
                total[current] = 0
        elif nbgrader_cell(cell).get("grade") and current:
            total[current] += nbgrader_cell(cell)["points"]
    assert len(stated) == 13 and stated == total
    intro = source_notebook().cells[0].source
    assert f"worth {TOTAL_POINTS} points" in intro


def test_headings_do_not_skip_levels():
    """The student version is a page of the book: one title, and no level skipped."""
    levels = [
        len(match.group(1))
        for cell in source_notebook().cells
        if cell.cell_type == "markdown"
        for match in re.finditer(r"^(#+) ", cell.source, re.M)
    ]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels


def test_class_names_live_only_in_the_solution_and_the_hidden_test():
    """The release never gives the class list away; the hidden test checks the true order."""
    release = nbformat.read(RELEASE, as_version=4)
    for cell in release.cells:
        assert '"automobile", "bird"' not in cell.source, "the release must not contain the class list"
    (hidden,) = [c for c in source_notebook().cells if nbgrader_cell(c).get("grade_id") == "cifar10-class-names"]
    assert repr(CIFAR10_CLASSES).replace("'", '"') in hidden.source
    assert "CIFAR10_CLASSES" not in (ROOT / "cnncourse" / "data.py").read_text()


def test_solution_model_is_the_course_model():
    """The model the solution builds is cnncourse.models.cifar10_cnn, layer by layer."""
    keras = pytest.importorskip("keras")
    from cnncourse.models import cifar10_cnn

    namespace = {"keras": keras}
    exec(answer_source("cifar10-model-answer").replace("model.summary()", ""), namespace)
    ours, reference = namespace["model"], cifar10_cnn()
    assert ours.count_params() == reference.count_params() == 541_094
    assert [type(layer).__name__ for layer in ours.layers] == [type(layer).__name__ for layer in reference.layers]
    assert [layer.count_params() for layer in ours.layers] == [layer.count_params() for layer in reference.layers]
    shapes = lambda model: [tuple(layer.output.shape) for layer in model.layers]  # noqa: E731
    assert shapes(ours) == shapes(reference)


# --------------------------------------------------------------------------- grading


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = Course(tmp_path_factory.mktemp("course"), [ASSIGNMENT])
    course.generate(ASSIGNMENT)
    solved = course.solved_release(ASSIGNMENT)
    course.submit(ASSIGNMENT, "solution", solved)
    course.submit(ASSIGNMENT, "untouched", course.release_notebook(ASSIGNMENT))
    course.submit(ASSIGNMENT, "last_epoch", Course.with_answer(solved, "cifar10-best-answer", last_epoch_answer()))
    course.submit(ASSIGNMENT, "eight_names", Course.with_answer(solved, "cifar10-class-names-answer", EIGHT_NAMES))
    start = time.perf_counter()
    course.autograde(ASSIGNMENT)  # with course.yml's per-cell time limit
    print(f"\nautograde of 4 cifar10 submissions: {time.perf_counter() - start:.1f} s")
    return course, course.scores(ASSIGNMENT), course.max_scores(ASSIGNMENT)


def cell_errors(course: Course, student: str, grade_id: str) -> str:
    notebook = course.autograded_notebook(ASSIGNMENT, student)
    (cell,) = [c for c in notebook.cells if nbgrader_cell(c).get("grade_id") == grade_id]
    return "".join(f"{o.get('ename', '')}: {o.get('evalue', '')}\n" for o in cell.outputs if o.output_type == "error")


@pytest.mark.slow
def test_solution_gets_full_marks(graded):
    course, scores, max_scores = graded
    assert sum(max_scores.values()) == TOTAL_POINTS
    failing = {g: cell_errors(course, "solution", g) for g, s in scores["solution"].items() if s != max_scores[g]}
    assert scores["solution"] == max_scores, failing


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
def test_the_mistakes_fail_with_a_message_that_names_them(graded):
    course, _, _ = graded
    assert "ten classes" in cell_errors(course, "eight_names", "cifar10-class-names")
    assert "checkpoint" in cell_errors(course, "last_epoch", "cifar10-best-checkpoint").lower()


@pytest.mark.slow
def test_solution_run_reports_its_answers(graded):
    """The solution's run on the stand-in: the real split sizes' logic, a trained model, a best epoch."""
    course, _, _ = graded
    notebook = course.autograded_notebook(ASSIGNMENT, "solution")
    text = "".join(
        output.get("text", "") for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
    )
    assert "2,000 training, 5,000 validation and 1,000 test images" in text
    match = re.search(r"The checkpoint kept epoch (\d+) of (\d+)\. Test loss [\d.]+, test accuracy ([\d.]+)%", text)
    assert match, "the evaluation cell printed nothing"
    best, epochs, accuracy = int(match.group(1)), int(match.group(2)), float(match.group(3))
    assert 1 <= best <= epochs
    # Ten equally frequent classes: chance is 10 %. The stand-in is learnable in a few epochs.
    assert accuracy > 40, f"the solution reaches only {accuracy} % on the stand-in"
