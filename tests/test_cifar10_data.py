"""CIFAR-10 data: the stand-in's layout and determinism, and the real path failing fast offline."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from cnncourse import data, standins

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def standin(monkeypatch):
    monkeypatch.setenv("CNNCOURSE_DATA", "standin")
    monkeypatch.delenv(standins.CIFAR10_SIZE_ENV, raising=False)


@pytest.fixture(scope="module")
def small():
    return standins.cifar10_scenes(600, 200)


def test_standin_has_the_layout_of_keras_load_data(standin):
    (x_train, y_train), (x_test, y_test) = data.load_cifar10()
    assert x_train.shape == (standins.CIFAR10_DEFAULT_TRAIN, 32, 32, 3) and x_train.dtype == np.uint8
    assert x_test.shape == (standins.CIFAR10_DEFAULT_TEST, 32, 32, 3) and x_test.dtype == np.uint8
    assert y_train.shape == (standins.CIFAR10_DEFAULT_TRAIN, 1) and y_train.dtype == np.uint8
    assert y_test.shape == (standins.CIFAR10_DEFAULT_TEST, 1) and y_test.dtype == np.uint8


def test_the_homework_split_of_the_standin_has_the_real_proportions():
    def split(n_train, n_test):
        n_valid = data.cifar10_validation_size(n_train)
        return (n_train - n_valid) / n_test, n_valid / n_test

    real = split(data.CIFAR10_COUNTS["train"], data.CIFAR10_COUNTS["test"])
    assert real == (4.5, 0.5)  # 45,000 training, 5,000 validation, 10,000 test
    assert split(standins.CIFAR10_DEFAULT_TRAIN, standins.CIFAR10_DEFAULT_TEST) == real
    assert data.cifar10_validation_size(data.CIFAR10_COUNTS["train"]) == 5_000


def test_standin_classes_are_balanced_and_shuffled(small):
    (_, y_train), (_, y_test) = small
    for labels in (y_train, y_test):
        counts = np.bincount(labels.ravel(), minlength=10)
        assert len(counts) == 10 and counts.max() - counts.min() <= 1
    first = y_train.ravel()[:50]
    assert len(set(first.tolist())) >= 8, "the labels should come shuffled, not sorted by class"


def test_standin_is_deterministic_and_the_test_set_does_not_depend_on_the_training_size(small):
    (x_train, y_train), (x_test, y_test) = small
    (x_train2, y_train2), (x_test2, y_test2) = standins.cifar10_scenes(600, 200)
    assert np.array_equal(x_train, x_train2) and np.array_equal(y_train, y_train2)
    assert np.array_equal(x_test, x_test2) and np.array_equal(y_test, y_test2)
    (_, _), (x_test3, y_test3) = standins.cifar10_scenes(300, 200)
    assert np.array_equal(x_test, x_test3) and np.array_equal(y_test, y_test3)
    (x_other, _), _ = standins.cifar10_scenes(600, 200, seed=1)
    assert not np.array_equal(x_train, x_other)


def test_standin_images_use_the_full_range_and_vary(small):
    (x_train, y_train), _ = small
    assert x_train.min() < 30 and x_train.max() > 225
    labels = y_train.ravel()
    for label in range(10):
        images = x_train[labels == label].astype(float)
        # no two images of a class are alike: place, size, colour and noise vary
        assert images.std(axis=0).mean() > 10, f"class {label} looks the same in every image"


def test_standin_classes_differ_in_more_than_mean_colour(small):
    """A nearest-class-mean classifier on mean colour alone must not solve it: shapes matter."""
    (x_train, y_train), (x_test, y_test) = small
    mean_colour = lambda x: x.reshape(len(x), -1, 3).mean(axis=1)  # noqa: E731
    train_features, test_features = mean_colour(x_train.astype(float)), mean_colour(x_test.astype(float))
    centroids = np.stack([train_features[y_train.ravel() == c].mean(axis=0) for c in range(10)])
    distances = ((test_features[:, None, :] - centroids[None]) ** 2).sum(axis=2)
    accuracy = np.mean(distances.argmin(axis=1) == y_test.ravel())
    assert 0.1 < accuracy < 0.8, f"mean colour alone gives {accuracy:.0%}"


def test_size_knob_by_argument_and_environment(standin, monkeypatch):
    (x_train, _), (x_test, _) = data.load_cifar10(n_train=120, n_test=40)
    assert len(x_train) == 120 and len(x_test) == 40
    monkeypatch.setenv(standins.CIFAR10_SIZE_ENV, "300")
    (x_train, _), (x_test, _) = data.load_cifar10()
    assert len(x_train) == 300 and len(x_test) == standins.CIFAR10_DEFAULT_TEST
    monkeypatch.setenv(standins.CIFAR10_SIZE_ENV, "300,50")
    assert standins.cifar10_standin_size() == (300, 50)
    assert standins.cifar10_standin_size(n_train=70) == (70, 50)
    for bad in ("many", "1,2,3", "5"):
        monkeypatch.setenv(standins.CIFAR10_SIZE_ENV, bad)
        with pytest.raises(ValueError):
            standins.cifar10_standin_size()


def test_registry_and_description(standin, monkeypatch):
    source = data.REGISTRY["cifar10"]
    assert source.url == "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    assert "stand-in" in data.describe("cifar10") and f"{standins.CIFAR10_DEFAULT_TRAIN:,}" in data.describe("cifar10")
    monkeypatch.setenv("CNNCOURSE_DATA", "real")
    assert "50,000" in data.describe("cifar10") and "10,000" in data.describe("cifar10")


def test_class_list_is_not_exported():
    """The class names are a question of the homework: the package does not hand them out."""
    assert not [name for name in dir(data) + dir(standins) if name.upper().startswith("CIFAR10_CLASS")]
    text = (os.path.join(ROOT, "cnncourse", "data.py"), os.path.join(ROOT, "cnncourse", "standins.py"))
    for path in text:
        with open(path) as handle:
            assert '"automobile", "bird"' not in handle.read(), f"{path} lists the class names"


# --------------------------------------------------------------------------- the real path


def test_real_path_is_bounded_and_turns_network_errors_into_data_unavailable(monkeypatch):
    """Keras' urlretrieve has no timeout: the loader sets one, and reports failures clearly."""
    keras_datasets = pytest.importorskip("keras.datasets")
    monkeypatch.setenv("CNNCOURSE_DATA", "real")
    seen = []

    def silent_network():
        seen.append(socket.getdefaulttimeout())
        raise TimeoutError("timed out")

    monkeypatch.setattr(keras_datasets.cifar10, "load_data", silent_network)
    before = socket.getdefaulttimeout()
    with pytest.raises(data.DataUnavailableError, match="CNNCOURSE_DATA=standin"):
        data.load_cifar10()
    assert seen == [data.DOWNLOAD_TIMEOUT_S]
    assert socket.getdefaulttimeout() == before, "the socket timeout must be put back"

    def url_failure():  # what keras.utils.get_file raises for a URLError
        raise Exception("URL fetch failure on https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz: None -- down")

    monkeypatch.setattr(keras_datasets.cifar10, "load_data", url_failure)
    with pytest.raises(data.DataUnavailableError, match="CNNCOURSE_DATA=standin"):
        data.load_cifar10()

    def corrupt():  # what get_file raises for a checksum mismatch
        raise ValueError("Incomplete or corrupted file detected.")

    monkeypatch.setattr(keras_datasets.cifar10, "load_data", corrupt)
    with pytest.raises(data.ChecksumError):
        data.load_cifar10()

    def bug():
        raise KeyError("something else")

    monkeypatch.setattr(keras_datasets.cifar10, "load_data", bug)
    with pytest.raises(KeyError):
        data.load_cifar10()


def test_real_path_slices_the_keras_arrays(monkeypatch):
    keras_datasets = pytest.importorskip("keras.datasets")
    monkeypatch.setenv("CNNCOURSE_DATA", "real")
    fake = (np.zeros((50, 32, 32, 3), np.uint8), np.zeros((50, 1), np.uint8)), (
        np.zeros((10, 32, 32, 3), np.uint8),
        np.zeros((10, 1), np.uint8),
    )
    monkeypatch.setattr(keras_datasets.cifar10, "load_data", lambda: fake)
    (x_train, y_train), (x_test, y_test) = data.load_cifar10(n_train=20, n_test=5)
    assert x_train.shape[0] == y_train.shape[0] == 20 and x_test.shape[0] == y_test.shape[0] == 5
    (x_train, _), (x_test, _) = data.load_cifar10()
    assert len(x_train) == 50 and len(x_test) == 10


def test_real_path_without_network_fails_at_once_with_what_to_do(tmp_path):
    """The real loader, with Keras' cache in an empty folder and every connection refused.

    HTTPS goes through a proxy on a local port that nothing listens on, so no
    byte leaves the machine even where there is network, and Keras' cache is an
    empty folder, so nothing can be found there either.
    """
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
    port = closed.getsockname()[1]
    proxies = ("no_proxy", "https_proxy", "http_proxy", "all_proxy")
    env = {k: v for k, v in os.environ.items() if k.lower() not in proxies}
    env.update(
        CNNCOURSE_DATA="real",
        KERAS_HOME=str(tmp_path / "keras"),
        https_proxy=f"http://127.0.0.1:{port}",
        HTTPS_PROXY=f"http://127.0.0.1:{port}",
        TF_CPP_MIN_LOG_LEVEL="3",
    )
    program = textwrap.dedent(
        """
        from cnncourse import data
        try:
            data.load_cifar10()
        except data.DataUnavailableError as error:
            print("UNAVAILABLE:", error)
        """
    )
    try:
        # The timeout only guards the test suite against a hang; the loader fails in seconds.
        result = subprocess.run(
            [sys.executable, "-c", program], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
    finally:
        closed.close()
    assert result.returncode == 0, result.stderr[-3000:]
    assert "UNAVAILABLE:" in result.stdout, result.stdout + result.stderr[-3000:]
    message = result.stdout.split("UNAVAILABLE:", 1)[1]
    assert "CNNCOURSE_DATA=standin" in message and "cifar-10-python.tar.gz" in message
    # (Keras writes its keras.json settings file into a new KERAS_HOME on import.)
    leftovers = [p for p in (tmp_path / "keras").rglob("*") if p.is_file() and p.name != "keras.json"]
    assert leftovers == [], f"a failed download left files behind: {leftovers}"
