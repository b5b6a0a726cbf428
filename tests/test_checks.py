"""cnncourse.grading.checks: the helpers test cells trust, whatever the student's kernel did.

Fast tests, in this process: values are compared as plain data (an object that equals
everything passes nothing), patched NumPy/math/builtins fail every helper with the
flag, an unanswered question says so, and the Keras helpers judge behaviour (any
accuracy name, Sequential and functional models alike, any iterable of batches).
"""

from __future__ import annotations

import builtins
import math

import numpy as np
import pytest

from cnncourse.grading import checks


class Agree(int):
    """An int that claims to equal anything, as a cheating answer returns."""

    def __eq__(self, other):
        return True

    __hash__ = int.__hash__


def test_equal_compares_plain_values_and_says_what_it_got():
    checks.equal(np.int64(3), 3, "n")
    checks.equal([1, np.float64(2.0)], (1, 2), "pair")
    with pytest.raises(AssertionError, match=r"n: expected 30, your code returned 0"):
        checks.equal(Agree(0), 30, "n")

    class Yes:
        def __eq__(self, other):
            return True

    with pytest.raises(AssertionError, match="plain data"):
        checks.equal(Yes(), 3, "n")


def test_integer_number_and_close():
    assert checks.integer(4.0, "n") == 4 and type(checks.integer(np.int32(4), "n")) is int
    with pytest.raises(AssertionError, match="whole number"):
        checks.integer(14.5, "n")
    assert checks.number(np.float32(0.5), "x") == 0.5
    checks.close([1.0, 2.0], np.array([1.0, 2.0 + 1e-12]), "x", atol=1e-9)
    with pytest.raises(AssertionError, match="1 of 2 values differ"):
        checks.close([1.0, 2.0], [1.0, 3.0], "x")
    with pytest.raises(AssertionError, match="expected shape"):
        checks.close([1.0], [1.0, 2.0], "x")
    assert checks.is_close([np.nan], [np.nan]) is False


@pytest.mark.parametrize(
    "owner, name, fake",
    [
        (np, "allclose", lambda *args, **kwargs: True),
        (np.testing, "assert_allclose", lambda *args, **kwargs: None),
        (math, "isclose", lambda *args, **kwargs: True),
        (builtins, "abs", lambda value: 0),
    ],
)
def test_a_patched_tool_fails_every_helper_with_the_flag(monkeypatch, owner, name, fake):
    monkeypatch.setattr(owner, name, fake)
    with pytest.raises(checks.TamperingError, match=checks.FLAG):
        checks.equal(1, 1, "n")
    with pytest.raises(checks.TamperingError, match=name):
        with checks.test("anything"):
            pass


def test_a_watched_library_is_checked_too(monkeypatch):
    import scipy.signal

    checks.watch(scipy.signal)
    monkeypatch.setattr(scipy.signal, "correlate2d", lambda *args, **kwargs: 0)
    with pytest.raises(checks.TamperingError, match="correlate2d"):
        checks.verify()


def test_test_cell_code_ignores_shadowed_builtins():
    """A test cell run in a namespace where `int` and `abs` agree with anything still fails a wrong answer."""
    namespace = {"int": lambda value: Agree(0), "abs": lambda value: 0, "conv_output_size": lambda n, k, p=0, s=1: 0}
    cell = (
        "from cnncourse.grading import checks\n"
        "with checks.test('conv_output_size'):\n"
        "    checks.equal(checks.integer(conv_output_size(28, 5, 2, 2), 'x'), 14, 'conv_output_size(28, 5, 2, 2)')\n"
    )
    with pytest.raises(AssertionError, match="expected 14, your code returned 0"):
        exec(cell, namespace)


def test_test_prints_a_tick_and_says_not_answered_yet(capsys):
    with checks.test("closest_option"):
        checks.equal(1, 1, "one")
    assert capsys.readouterr().out == "✓ closest_option\n"

    def stub():
        raise NotImplementedError()

    with pytest.raises(AssertionError, match="closest_option: not answered yet"):
        with checks.test("closest_option"):
            stub()
    with pytest.raises(AssertionError, match="not answered yet .'q3' is not defined"):
        with checks.test("median"):
            eval("q3", {})
    assert "✓" not in capsys.readouterr().out


@pytest.mark.parametrize("key", ["accuracy", "acc", "binary_accuracy", "bin_acc"])
def test_history_series_finds_the_accuracy_whatever_its_name(key):
    record = {"loss": [0.7, 0.6], key: [0.5, 0.6], "val_loss": [0.8, 0.7], f"val_{key}": [0.4, 0.5]}
    assert checks.history_series(record, "accuracy") == [0.5, 0.6]
    assert checks.history_series(record, "accuracy", validation=True) == [0.4, 0.5]
    assert checks.history_series(record, "loss", validation=True) == [0.8, 0.7]


def test_history_series_names_the_keys_when_there_is_no_accuracy():
    with pytest.raises(AssertionError, match=r"no training accuracy series: its keys are \['loss', 'val_loss'\]"):
        checks.history_series({"loss": [1.0], "val_loss": [1.0]}, "accuracy")


@pytest.fixture(scope="module")
def keras():
    import keras

    return keras


def test_model_layers_are_the_same_for_sequential_and_functional_models(keras):
    layers = keras.layers
    sequential = keras.Sequential(
        [keras.Input((12, 12, 3)), layers.Conv2D(4, 3, activation="relu"), layers.MaxPooling2D(2), layers.Flatten(),
         layers.Dense(2, activation="softmax")]
    )
    inputs = keras.Input((12, 12, 3))
    x = layers.Conv2D(4, (3, 3), activation="relu")(inputs)
    x = layers.Flatten()(layers.MaxPooling2D((2, 2))(x))
    functional = keras.Model(inputs, layers.Dense(2, activation="softmax")(x))
    assert [type(layer).__name__ for layer in functional.layers][0] == "InputLayer"
    found = checks.model_layers(functional)
    assert found == checks.model_layers(sequential)
    assert [layer["type"] for layer in found] == ["Conv2D", "MaxPooling2D", "Flatten", "Dense"]
    assert found[0]["kernel_size"] == (3, 3) and found[0]["output_shape"] == (10, 10, 4) and found[0]["params"] == 112


def test_first_batches_reads_any_iterable_of_batches_a_bounded_number_of_times(keras, tmp_path):
    import tensorflow as tf
    from PIL import Image
    from tensorflow.keras.preprocessing.image import ImageDataGenerator

    images = np.random.default_rng(0).random((10, 8, 8, 3)).astype("float32")
    labels = np.arange(10.0)
    dataset = tf.data.Dataset.from_tensor_slices((images, labels)).batch(4)
    assert [x.shape[0] for x, _ in checks.first_batches(dataset, 5)] == [4, 4, 2]

    class Batches(keras.utils.PyDataset):
        def __len__(self):
            return 3

        def __getitem__(self, index):
            return images[index * 4:(index + 1) * 4], labels[index * 4:(index + 1) * 4]

    assert [x.shape[0] for x, _ in checks.first_batches(Batches(), 2)] == [4, 4]

    for name in ("bee", "wasp"):
        (tmp_path / name).mkdir()
        for i in range(3):
            Image.fromarray((images[i] * 255).astype("uint8")).save(tmp_path / name / f"{i}.jpg")
    legacy = ImageDataGenerator(rescale=1 / 255).flow_from_directory(
        str(tmp_path), target_size=(8, 8), batch_size=4, class_mode="binary"
    )
    batches = checks.first_batches(legacy, 10)  # an endless iterator: read by index, once per batch
    assert [x.shape for x, _ in batches] == [(4, 8, 8, 3), (2, 8, 8, 3)]
