"""CIFAR-10 data (cnncourse.data.cifar10): the stand-in, and the real path through the hub.

The real archive is never fetched: a small archive of the real layout is
served on 127.0.0.1 through CNNCOURSE_CIFAR10_URL, with the registry's
checksum set to its own where a test needs it to pass.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import tarfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from local_mirror import closed_port, leftovers, serving, use_real_data

from cnncourse import data, standins

ROOT = Path(__file__).resolve().parents[1]


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
    for path in [*(ROOT / "cnncourse" / "data").glob("*.py"), ROOT / "cnncourse" / "standins.py"]:
        assert '"automobile", "bird"' not in path.read_text(), f"{path} lists the class names"


# --------------------------------------------------------------------------- the real path


def _batch(images: np.ndarray, labels: np.ndarray) -> bytes:
    """A batch as the archive pickles it: bytes keys, (N, 3072) uint8 data in planes, a list of labels.

    The real batches are Python 2 pickles, whose byte strings need no global;
    protocol 3 writes bytes that way too (Python 3's protocol 2 would name ``_codecs.encode``).
    """
    planes = images.transpose(0, 3, 1, 2).reshape(len(images), -1)
    return pickle.dumps({b"batch_label": b"a batch", b"labels": labels.ravel().tolist(), b"data": planes}, protocol=3)


def _archive(path: Path, batches: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, content in batches.items():
            member = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            member.size = len(content)
            archive.addfile(member, io.BytesIO(content))
    return path


@pytest.fixture
def arrays():
    """Images and labels of a small CIFAR-10: five training batches of 3 images and a test batch of 4."""
    rng = np.random.default_rng(0)
    x_train, x_test = (rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8) for n in (15, 4))
    y_train, y_test = (rng.integers(0, 10, (n, 1), dtype=np.uint8) for n in (15, 4))
    return (x_train, y_train), (x_test, y_test)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    return use_real_data(monkeypatch, tmp_path / "cache")


@pytest.fixture
def mirror(tmp_path, cache, arrays, monkeypatch):
    """The small CIFAR-10 as a cifar-10-python.tar.gz of the real layout, served through CNNCOURSE_CIFAR10_URL."""
    (x_train, y_train), (x_test, y_test) = arrays
    batches = {f"data_batch_{i + 1}": _batch(x_train[3 * i : 3 * i + 3], y_train[3 * i : 3 * i + 3]) for i in range(5)}
    batches |= {"test_batch": _batch(x_test, y_test), "batches.meta": pickle.dumps({b"num_cases_per_batch": 3})}
    served = tmp_path / "served"
    served.mkdir()
    path = _archive(served / "cifar-10-python.tar.gz", batches)
    with serving(served) as server:
        monkeypatch.setenv("CNNCOURSE_CIFAR10_URL", server.url(path.name))
        yield path, server


def _trust(monkeypatch, path: Path) -> None:
    """Give the registry the served archive's own checksum (the real one only matches the real file)."""
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    monkeypatch.setitem(data.REGISTRY, "cifar10", replace(data.CIFAR10, sha256=sha256))


def test_real_path_returns_the_arrays_of_the_archive_as_keras_does(mirror, cache, arrays, monkeypatch):
    path, server = mirror
    _trust(monkeypatch, path)
    (x_train, y_train), (x_test, y_test) = data.load_cifar10()
    (x_train_in, y_train_in), (x_test_in, y_test_in) = arrays
    for got, sent in [(x_train, x_train_in), (y_train, y_train_in), (x_test, x_test_in), (y_test, y_test_in)]:
        assert got.dtype == np.uint8 and got.shape == sent.shape
        np.testing.assert_array_equal(got, sent)
    assert leftovers(cache) == ["cifar-10-python.tar.gz"]
    # The verified archive is kept: the next load does not download it again, and slices it.
    before = server.requests
    (x_train, y_train), (x_test, y_test) = data.load_cifar10(n_train=7, n_test=2)
    assert server.requests == before
    assert x_train.shape == (7, 32, 32, 3) and y_train.shape == (7, 1) and x_test.shape == (2, 32, 32, 3)
    np.testing.assert_array_equal(x_train, x_train_in[:7])


def test_real_path_refuses_an_archive_with_another_checksum(mirror, cache):
    with pytest.raises(data.ChecksumError, match="checksum mismatch"):
        data.load_cifar10()  # the registry's checksum is the real archive's, not the served one's
    assert leftovers(cache) == [], "the refused archive is not kept"


def test_an_archive_without_the_batches_is_refused(tmp_path, cache, monkeypatch):
    served = tmp_path / "served"
    served.mkdir()
    path = _archive(served / "cifar-10-python.tar.gz", {"data_batch_1": _batch(*_tiny())})
    _trust(monkeypatch, path)
    with serving(served) as server:
        monkeypatch.setenv("CNNCOURSE_CIFAR10_URL", server.url(path.name))
        with pytest.raises(data.ChecksumError, match="test_batch"):
            data.load_cifar10()


def _tiny():
    return np.zeros((1, 32, 32, 3), np.uint8), np.zeros((1, 1), np.uint8)


def test_batches_unpickle_arrays_and_nothing_else(tmp_path):
    """A batch whose pickle names any other global (here a class of the standard library) is refused."""
    from collections import OrderedDict

    from cnncourse.data.cifar10 import read_cifar10_archive

    evil = pickle.dumps(OrderedDict(data=1), protocol=3)
    batches = {f"data_batch_{i}": _batch(*_tiny()) for i in range(1, 6)} | {"test_batch": evil}
    with pytest.raises(pickle.UnpicklingError, match="OrderedDict"):
        read_cifar10_archive(_archive(tmp_path / "evil.tar.gz", batches))


def test_real_path_without_network_fails_at_once_with_what_to_do(cache, monkeypatch):
    """The public URL, with every HTTPS connection sent to a proxy on a local port that refuses it.

    So no byte leaves the machine even where there is network, and nothing can
    be found in the empty cache either.
    """
    for name in ("no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY", "CNNCOURSE_CIFAR10_URL"):
        monkeypatch.delenv(name, raising=False)
    proxy = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("https_proxy", proxy)
    monkeypatch.setenv("HTTPS_PROXY", proxy)
    start = time.monotonic()
    with pytest.raises(data.DataUnavailableError) as error:
        data.load_cifar10()
    assert time.monotonic() - start < 10, "the loader must fail at once, not hang"
    message = str(error.value)
    assert "CNNCOURSE_DATA=standin" in message and "CNNCOURSE_CIFAR10_URL" in message
    assert "cifar-10-python.tar.gz" in message and "170 MB" in message
    assert not isinstance(error.value, data.ChecksumError)
    assert leftovers(cache) == [], "a failed download left files behind"


def test_registry_entry_carries_the_archive_checksum_keras_checks():
    """The same public archive and SHA-256 as keras.datasets.cifar10, and the size the homework quotes."""
    assert data.CIFAR10.url == "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    assert data.CIFAR10.sha256 == "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
    assert data.CIFAR10_ARCHIVE_BYTES == data.CIFAR10.size == 170_498_071
