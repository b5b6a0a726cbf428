"""CIFAR-10: the University of Toronto's public archive (checked by its SHA-256), or generated scenes offline.

The verified ``cifar-10-python.tar.gz`` is read as it is, without unpacking
it: its five training batches and its test batch are pickled dictionaries
whose ``data`` is an (N, 3072) uint8 array (the red, green and blue planes of
each 32×32 image) and whose ``labels`` list the classes 0-9. They are
unpickled by an unpickler that rebuilds numpy arrays and nothing else.

Labels 0-9 name the classes in the order given on the CIFAR-10 page; the
homework asks students to write that list themselves, so it is deliberately
not exported here.
"""

from __future__ import annotations

import pickle
import tarfile
from pathlib import Path

import numpy as np

from cnncourse import standins
from cnncourse.data.hub import ChecksumError, DataSource, fetch, register, use_standins

CIFAR10_COUNTS = {"train": 50_000, "test": 10_000}  # images per split in the real archive
CIFAR10_IMAGES_PER_CLASS = 6_000  # images of each of the ten classes, training and test together
CIFAR10_VALIDATION_SHARE = 10  # the homework validates on a tenth of the training images: 5,000 of the real 50,000
_BATCHES = {"train": [f"data_batch_{i}" for i in range(1, 6)], "test": ["test_batch"]}
_FOLDER = "cifar-10-batches-py"  # the archive's one top folder

CIFAR10 = register(
    DataSource(
        name="cifar10",
        url="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
        filename="cifar-10-python.tar.gz",
        # The archive's SHA-256, as keras.datasets.cifar10 checks it.
        sha256="6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
        size=170_498_071,
        description=(
            f"the real CIFAR-10 data set ({CIFAR10_COUNTS['train']:,} training and {CIFAR10_COUNTS['test']:,} "
            "test colour images of 32×32 pixels in ten classes, from the University of Toronto)"
        ),
        standin_description=(
            "the offline stand-in for CIFAR-10: generated 32×32 colour scenes in ten classes, each an object "
            f"of a class-specific shape on a class-specific background ({standins.CIFAR10_DEFAULT_TRAIN:,} training "
            f"and {standins.CIFAR10_DEFAULT_TEST:,} test images by default; set {standins.CIFAR10_SIZE_ENV} to change that)"
        ),
    )
)
CIFAR10_ARCHIVE_BYTES = CIFAR10.size  # what the first load downloads


def cifar10_validation_size(n_train: int) -> int:
    """How many of ``n_train`` training images the CIFAR-10 homework holds out for validation: a tenth.

    A share rather than a count, so that the stand-in keeps the real split's proportions.
    """
    return n_train // CIFAR10_VALIDATION_SHARE


def load_cifar10(n_train: int | None = None, n_test: int | None = None):
    """CIFAR-10 as ((x_train, y_train), (x_test, y_test)).

    Images are (N, 32, 32, 3) uint8, labels (N, 1) uint8 in 0-9, as
    ``keras.datasets.cifar10.load_data()`` returns them.

    Real data: 50,000 training and 10,000 test images, downloaded once into
    the course's cache (a mirror can be given in ``CNNCOURSE_CIFAR10_URL``);
    ``n_train`` and ``n_test`` keep only the first images of each split (for
    quick runs). Without network this raises :class:`DataUnavailableError` at once.

    Stand-in (``CNNCOURSE_DATA=standin``): generated scenes,
    ``n_train``/``n_test`` images (defaults: the real counts at a twentieth, 2,500
    and 500, or ``CNNCOURSE_CIFAR10_STANDIN_SIZE``).
    """
    if use_standins():
        return standins.cifar10_scenes(n_train, n_test)
    (x_train, y_train), (x_test, y_test) = read_cifar10_archive(fetch(CIFAR10.name))
    return (x_train[:n_train], y_train[:n_train]), (x_test[:n_test], y_test[:n_test])


def read_cifar10_archive(path: Path):
    """The training and test arrays of a ``cifar-10-python.tar.gz``, read in one pass over the archive."""
    wanted = {f"{_FOLDER}/{name}" for names in _BATCHES.values() for name in names}
    batches = {}
    with tarfile.open(path, "r:gz") as archive:
        for member in archive:
            if member.name in wanted and member.isfile():
                batches[member.name.rsplit("/", 1)[1]] = _read_batch(archive.extractfile(member))
    missing = [name for names in _BATCHES.values() for name in names if name not in batches]
    if missing:
        raise ChecksumError(f"{path}: no {', '.join(missing)} in {_FOLDER}/, not a CIFAR-10 archive")
    return tuple(_join([batches[name] for name in _BATCHES[split]]) for split in ("train", "test"))


def _read_batch(handle) -> tuple[np.ndarray, np.ndarray]:
    """One pickled batch as (N, 32, 32, 3) uint8 images and (N, 1) uint8 labels."""
    batch = _ArrayUnpickler(handle, encoding="bytes").load()
    images = np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    labels = np.asarray(batch[b"labels"], dtype=np.uint8).reshape(-1, 1)
    return images, labels


def _join(batches: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """The batches of one split as one array of images and one of labels, in batch order."""
    return np.concatenate([x for x, _ in batches]), np.concatenate([y for _, y in batches])


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickles numpy arrays and plain Python values, refusing every other global.

    The batches were pickled by Python 2 with numpy 1 (``numpy.core``), which
    numpy 2 calls ``numpy._core``.
    """

    _ALLOWED = {("numpy", "ndarray"), ("numpy", "dtype"), ("numpy._core.multiarray", "_reconstruct")}

    def find_class(self, module, name):
        module = module.replace("numpy.core", "numpy._core", 1) if module.startswith("numpy.core") else module
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"refused to unpickle {module}.{name} from a CIFAR-10 batch")
        return super().find_class(module, name)
