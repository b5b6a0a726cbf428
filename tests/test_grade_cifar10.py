"""The CIFAR-10 homework notebook itself, and what its solution reports when graded.

How it grades (full marks, zero, the checkpoint never loaded, eight class names,
other correct styles, slips, tampering) is tests/corpus/cifar10.py, graded by
tests/test_corpus.py; the last test here reads the solution's run from that
grading. The fast tests check the notebook itself: metadata, points, and that
the solution's model is the course's ``cifar10_cnn``. That release/ is what nbgrader
generates, with no solution or hidden test in it, is checked for every
assignment at once in test_nbgrader_workflow.py.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from cnncourse import standins
from cnncourse.data import cifar10_validation_size
from nbgrader_course import ROOT, nbgrader_cell, strip_solution_markers

ASSIGNMENT = "cifar10"
SOURCE = ROOT / "source_notebooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
RELEASE = ROOT / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"

# The label order of CIFAR-10 (https://www.cs.toronto.edu/~kriz/cifar.html). Kept
# here and in the notebook's hidden test only: the question asks students for it.
CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


TOTAL_POINTS = 26


def source_notebook():
    return nbformat.read(SOURCE, as_version=4)


def answer_source(grade_id: str) -> str:
    (cell,) = [c for c in source_notebook().cells if nbgrader_cell(c).get("grade_id") == grade_id]
    return strip_solution_markers(cell.source)


# --------------------------------------------------------------------------- the notebook itself
# (the conventions every source notebook follows are tests/test_assignments.py)


def test_fifteen_test_cells_for_thirteen_questions_and_one_free_experiment():
    notebook = source_notebook()
    graded = [nbgrader_cell(cell) for cell in notebook.cells if nbgrader_cell(cell).get("grade")]
    assert len(graded) == 15  # Question 2 is two cells of one point each: scaling, then one-hot encoding
    assert sum(meta["points"] for meta in graded) == TOTAL_POINTS
    questions = {m.group(1) for cell in notebook.cells if cell.cell_type == "markdown"
                 for m in re.finditer(r"^### Question (\d+):", cell.source, re.M)}
    assert len(questions) == 13
    # The only cell without nbgrader metadata is the optional, ungraded experiment.
    free = [cell for cell in notebook.cells if not nbgrader_cell(cell)]
    assert len(free) == 1 and "not graded" in free[0].source


def test_students_build_the_model_themselves():
    """The notebook never imports the course's model: the question is to write it."""
    for cell in source_notebook().cells:
        assert "cnncourse.models" not in cell.source and "cifar10_cnn" not in cell.source


def test_class_names_live_only_in_the_solution_and_the_hidden_test():
    """The release never gives the class list away; the hidden test checks the true order."""
    release = nbformat.read(RELEASE, as_version=4)
    for cell in release.cells:
        assert '"automobile", "bird"' not in cell.source, "the release must not contain the class list"
    (hidden,) = [c for c in source_notebook().cells if nbgrader_cell(c).get("grade_id") == "cifar10-class-names"]
    assert repr(CIFAR10_CLASSES).replace("'", '"') in hidden.source
    for module in (ROOT / "cnncourse" / "data").glob("*.py"):
        assert "CIFAR10_CLASSES" not in module.read_text(), module


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


# --------------------------------------------------------------------------- the solution's run


@pytest.mark.slow
def test_solution_run_reports_its_answers(graded_class):
    """The solution's run on the stand-in (graded with the corpus): the split sizes, a trained model, a best epoch."""
    notebook = graded_class(ASSIGNMENT).course.autograded_notebook(ASSIGNMENT, "solution")
    text = "".join(
        output.get("text", "") for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
    )
    n_train, n_test = standins.CIFAR10_DEFAULT_TRAIN, standins.CIFAR10_DEFAULT_TEST
    n_valid = cifar10_validation_size(n_train)
    assert f"{n_train - n_valid:,} training, {n_valid:,} validation and {n_test:,} test images" in text
    match = re.search(r"The checkpoint kept epoch (\d+) of (\d+)\. Test loss [\d.]+, test accuracy ([\d.]+)%", text)
    assert match, "the evaluation cell printed nothing"
    best, epochs, accuracy = int(match.group(1)), int(match.group(2)), float(match.group(3))
    assert 1 <= best <= epochs
    # Ten equally frequent classes: chance is 10 %. The stand-in is learnable in a few epochs.
    assert accuracy > 40, f"the solution reaches only {accuracy} % on the stand-in"
