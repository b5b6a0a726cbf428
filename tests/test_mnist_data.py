"""MNIST (cnncourse.data.mnist): the stand-in, and the real path through a local mirror.

The real mnist.npz is never fetched: a small file of the same layout is served
on 127.0.0.1 through CNNCOURSE_MNIST_URL, with the registry's checksum set to
its own where a test needs it to pass.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

import numpy as np
import pytest
from local_mirror import closed_port, leftovers, serving, use_real_data

from cnncourse import data


@pytest.fixture
def cache(tmp_path, monkeypatch):
    return use_real_data(monkeypatch, tmp_path / "cache")


@pytest.fixture
def mirror(tmp_path, cache, monkeypatch):
    """A small mnist.npz of the real layout, served on 127.0.0.1, and the arrays it holds."""
    served = tmp_path / "served"
    served.mkdir()
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, 6, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (2, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, 2, dtype=np.uint8),
    }
    np.savez(served / "mnist.npz", **arrays)
    with serving(served) as server:
        monkeypatch.setenv(data.MNIST.mirror_env, server.url("mnist.npz"))
        yield served / "mnist.npz", arrays


def test_the_real_path_reads_the_verified_file(mirror, cache, monkeypatch):
    path, arrays = mirror
    monkeypatch.setitem(data.REGISTRY, "mnist", replace(data.MNIST, sha256=hashlib.sha256(path.read_bytes()).hexdigest()))
    (x_train, y_train), (x_test, y_test) = data.load_mnist()
    for got, name in [(x_train, "x_train"), (y_train, "y_train"), (x_test, "x_test"), (y_test, "y_test")]:
        np.testing.assert_array_equal(got, arrays[name])
    assert leftovers(cache) == ["mnist.npz"]


def test_a_file_with_another_checksum_is_refused_and_not_kept(mirror, cache):
    with pytest.raises(data.ChecksumError, match="checksum mismatch"):
        data.load_mnist()  # the registry's checksum is the real file's, not this one's
    assert leftovers(cache) == []


def test_offline_without_switch_fails_with_advice(cache, monkeypatch):
    monkeypatch.delenv(data.DATA_ENV, raising=False)
    monkeypatch.setenv(data.MNIST.mirror_env, f"http://127.0.0.1:{closed_port()}/mnist.npz")
    with pytest.raises(data.DataUnavailableError, match="CNNCOURSE_DATA=standin") as error:
        data.load_mnist()
    assert "CNNCOURSE_MNIST_URL" in str(error.value) and "11 MB" in str(error.value)


def test_switch_selects_the_mnist_standin(monkeypatch, cache):
    monkeypatch.setenv(data.DATA_ENV, "standin")
    (x_train, y_train), (x_test, y_test) = data.load_mnist()
    assert x_train.shape[1:] == (28, 28) and x_train.dtype == np.uint8
    assert y_train.dtype == np.uint8 and set(np.unique(y_train)) == set(range(10))
    assert len(x_train) + len(x_test) == 1797  # scikit-learn's digits, all of them
    assert x_train.max() == 255 and x_train.min() == 0
    assert leftovers(cache) == [], "the stand-in touched the download cache"
    assert "stand-in" in data.describe("mnist")
    # deterministic: the same split every time
    (x_again, _), _ = data.load_mnist()
    np.testing.assert_array_equal(x_train, x_again)


def test_registry_entry():
    assert data.MNIST.url == "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
    assert data.MNIST.mirror_env == "CNNCOURSE_MNIST_URL"
    assert data.MNIST_COUNTS == {"train": 60_000, "test": 10_000}
