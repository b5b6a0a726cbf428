"""The bee-vs-wasp homework, graded by the real nbgrader on the offline stand-in.

One course copy, four submissions, one `nbgrader autograde` run (module-scoped
fixture): the solution, the untouched student version, the seed's Q5/Q6 mistake
(reading the test loss and accuracy from the first training's history), and a
model re-created before the augmented training. Each must score exactly what
the tests below say, grade id by grade id.

A fast test runs one graded cell in this process: the seed's other mistake
(the dense layer's count as the answer to Q2) fails the Q2 test, the right
answer passes it.
"""

from __future__ import annotations

import contextlib
import io

import nbformat
import pytest

from nbgrader_course import ROOT, Course, nbgrader_cell, strip_solution_markers

ASSIGNMENT = "beewasp"
SOURCE = ROOT / "source_notebooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"

SEED_Q5 = """
q5 = float(np.mean(history.history["val_loss"]))
q5_option = closest_option(q5, Q5_OPTIONS)
"""
SEED_Q6 = """
q6 = float(np.mean(history.history["val_accuracy"][-5:]))
q6_option = closest_option(q6, Q6_OPTIONS)
"""
RECREATED_MODEL = """
model = keras.Sequential(
    [
        keras.Input(shape=(150, 150, 3)),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ]
)
model.compile(
    optimizer=keras.optimizers.SGD(learning_rate=0.002, momentum=0.8),
    loss="binary_crossentropy",
    metrics=["accuracy"],
)
history_aug = model.fit(train_aug_ds, epochs=10, validation_data=test_ds)
"""


def source_cells() -> dict[str, nbformat.NotebookNode]:
    notebook = nbformat.read(SOURCE, as_version=4)
    return {nbgrader_cell(cell)["grade_id"]: cell for cell in notebook.cells}


# ------------------------------------------------------------------ the notebook itself


def test_source_notebook_follows_the_conventions():
    notebook = nbformat.read(SOURCE, as_version=4)
    assert notebook.metadata.kernelspec.name == "python3"
    ids = [nbgrader_cell(cell).get("grade_id") for cell in notebook.cells]
    assert all(ids) and len(ids) == len(set(ids))
    assert all(i.startswith(f"{ASSIGNMENT}-") for i in ids)
    for cell in notebook.cells:
        meta = nbgrader_cell(cell)
        assert cell.cell_type == "markdown" or not cell.get("outputs"), "stored without outputs"
        if meta.get("grade"):
            assert meta["locked"] and isinstance(meta["points"], int) and 1 <= meta["points"] <= 3
        if meta.get("solution"):
            assert "### BEGIN SOLUTION" in cell.source


def run_cells(namespace: dict, *sources: str) -> None:
    for source in sources:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(source, "<cell>", "exec"), namespace)


def test_q2_test_rejects_the_dense_layer_count():
    """The seed marks the first dense layer's 11,214,912 parameters as Q2's answer: that fails."""
    cells = source_cells()
    namespace: dict = {}
    run_cells(
        namespace,
        "import numpy as np\nimport keras\nfrom keras import layers",
        strip_solution_markers(cells["beewasp-closest-code"].source),
        strip_solution_markers(cells["beewasp-model-code"].source).replace("model.summary()", ""),
        cells["beewasp-q2-options"].source,
        strip_solution_markers(cells["beewasp-q2-code"].source),
    )
    run_cells(namespace, cells["beewasp-q2"].source)  # the right answer passes
    namespace["q2"] = namespace["q2_option"] = 11_214_912
    with pytest.raises(AssertionError, match="first dense layer"):
        run_cells(namespace, cells["beewasp-q2"].source)


# ------------------------------------------------------------------ graded by nbgrader


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> tuple[Course, dict[str, dict[str, float]]]:
    course = Course(tmp_path_factory.mktemp("course"), [ASSIGNMENT])
    course.generate(ASSIGNMENT)
    solved = course.solved_release(ASSIGNMENT)
    course.submit(ASSIGNMENT, "solution", solved)
    course.submit(ASSIGNMENT, "untouched", course.release_notebook(ASSIGNMENT))
    seed_mistake = course.with_answer(solved, "beewasp-q5-code", SEED_Q5)
    seed_mistake = course.with_answer(seed_mistake, "beewasp-q6-code", SEED_Q6)
    course.submit(ASSIGNMENT, "seed_q5_q6", seed_mistake)
    course.submit(ASSIGNMENT, "recreated", course.with_answer(solved, "beewasp-continue-code", RECREATED_MODEL))
    course.autograde(ASSIGNMENT)  # with the per-cell time limit of course.yml
    return course, course.scores(ASSIGNMENT)


def expected_scores(course: Course, lost: set[str] = frozenset()) -> dict[str, float]:
    maximum = course.max_scores(ASSIGNMENT)
    assert lost <= set(maximum)
    return {grade_id: (0.0 if grade_id in lost else points) for grade_id, points in maximum.items()}


@pytest.mark.slow
def test_every_submission_was_graded(graded):
    course, scores = graded
    assert set(scores) == {"solution", "untouched", "seed_q5_q6", "recreated"}, course.log.read_text()[-4000:]
    assert sum(course.max_scores(ASSIGNMENT).values()) == 14


@pytest.mark.slow
def test_solution_gets_full_marks(graded):
    course, scores = graded
    assert scores["solution"] == expected_scores(course)


@pytest.mark.slow
def test_untouched_student_version_gets_zero(graded):
    course, scores = graded
    assert scores["untouched"] == expected_scores(course, lost=set(course.max_scores(ASSIGNMENT)))


@pytest.mark.slow
def test_seed_q5_q6_mistake_loses_exactly_those_points(graded):
    course, scores = graded
    assert scores["seed_q5_q6"] == expected_scores(course, lost={"beewasp-q5", "beewasp-q6"})


@pytest.mark.slow
def test_recreated_model_loses_exactly_the_continuation_point(graded):
    course, scores = graded
    assert scores["recreated"] == expected_scores(course, lost={"beewasp-continue"})
