"""The MNIST chapter trains a network that actually learned something.

The chapter (book/02-cnn/first-cnn.md) trains `cnncourse.models.mnist_cnn()`
and glues its test accuracy as `first_cnn_test_accuracy`. Nothing is trained
again here: the value is read from the notebook that the book build executed.
On the stand-in (300 test digits) the chapter's run reaches about 0.94; chance
is 0.10, and a pipeline that scrambles labels or images, forgets to scale the
pixels or does not train stays far below 0.85.
"""

import pytest

from book_outputs import glued_value

CHANCE = 0.10
THRESHOLD = 0.85


@pytest.fixture(scope="module")
def first_cnn_notebook(built_book):
    path = built_book / "jupyter_execute" / "book" / "02-cnn" / "first-cnn.ipynb"
    assert path.exists(), f"the book build did not execute the first-CNN chapter: {path} is missing"
    return path


@pytest.mark.book
def test_first_cnn_test_accuracy_is_well_above_chance(first_cnn_notebook):
    accuracy = glued_value(first_cnn_notebook, "first_cnn_test_accuracy")
    assert isinstance(accuracy, float) and 0.0 <= accuracy <= 1.0, f"not an accuracy: {accuracy!r}"
    assert accuracy >= THRESHOLD, (
        f"the first CNN reached only {accuracy:.1%} test accuracy (chance is {CHANCE:.0%}); "
        f"expected at least {THRESHOLD:.0%}"
    )


@pytest.mark.book
def test_text_shows_the_same_accuracy(first_cnn_notebook):
    accuracy = glued_value(first_cnn_notebook, "first_cnn_test_accuracy")
    assert glued_value(first_cnn_notebook, "first_cnn_test_accuracy_text") == f"{accuracy:.1%}"


@pytest.mark.book
def test_page_says_which_data_it_ran_on(first_cnn_notebook):
    from cnncourse.data import describe

    assert glued_value(first_cnn_notebook, "first_cnn_data") == describe("mnist")  # tests run on the stand-in
