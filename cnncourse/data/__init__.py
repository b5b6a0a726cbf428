"""The course's data sets: one loader each, real or stand-in.

Every loader has two paths:

* the real one: the public file is downloaded once into a cache folder and
  verified (SHA-256 where the file is fixed, structure where it is not); a
  corrupt or truncated download is deleted and reported, never used;
* the offline stand-in (:mod:`cnncourse.standins`), chosen for every loader at
  once by setting ``CNNCOURSE_DATA=standin``.

Without the switch and without network, a loader fails at once with a message
that says what to do, instead of hanging.

The package has one generic module and one module per data set:

:mod:`.hub`
    the registry (name, URL, SHA-256 or structural check, size), the cache
    folder, the verified download (through pooch), the stand-in switch, and
    the pieces every cached folder needs (safe extraction, atomic creation,
    readable by every user);
one module per data set (:mod:`.mnist`, :mod:`.beewasp`, :mod:`.cifar10`)
    what the data set registers, and how its verified file becomes what its
    loader returns. Each gets its file through :func:`fetch`.

Environment variables:

``CNNCOURSE_DATA``
    ``standin`` for the offline stand-ins; unset, empty or ``real`` for the
    real data.
``CNNCOURSE_CACHE``
    cache folder (default ``~/.cache/cnncourse``).
``CNNCOURSE_<NAME>_URL``
    a mirror for one data set: ``CNNCOURSE_MNIST_URL``, ``CNNCOURSE_BEEWASP_URL``,
    ``CNNCOURSE_CIFAR10_URL``; the checksum still applies.
"""

from cnncourse.data.hub import (
    CACHE_ENV,
    DATA_ENV,
    DOWNLOAD_TIMEOUT_S,
    REGISTRY,
    ChecksumError,
    DataSource,
    DataUnavailableError,
    cache_dir,
    describe,
    fetch,
    register,
    safe_extract_zip,
    use_standins,
)
from cnncourse.data.mnist import MNIST, MNIST_COUNTS, load_mnist
from cnncourse.data.beewasp import (
    BEEWASP,
    BEEWASP_CLASSES,
    BEEWASP_COUNTS,
    beewasp_counts,
    beewasp_manifest_path,
    extract_beewasp,
    load_beewasp,
    verify_beewasp_folder,
)
from cnncourse.data.cifar10 import (
    CIFAR10,
    CIFAR10_ARCHIVE_BYTES,
    CIFAR10_COUNTS,
    CIFAR10_IMAGES_PER_CLASS,
    cifar10_validation_size,
    load_cifar10,
)

__all__ = [
    "BEEWASP",
    "BEEWASP_CLASSES",
    "BEEWASP_COUNTS",
    "CACHE_ENV",
    "CIFAR10",
    "CIFAR10_ARCHIVE_BYTES",
    "CIFAR10_COUNTS",
    "CIFAR10_IMAGES_PER_CLASS",
    "DATA_ENV",
    "DOWNLOAD_TIMEOUT_S",
    "MNIST",
    "MNIST_COUNTS",
    "REGISTRY",
    "ChecksumError",
    "DataSource",
    "DataUnavailableError",
    "beewasp_counts",
    "beewasp_manifest_path",
    "cache_dir",
    "cifar10_validation_size",
    "describe",
    "extract_beewasp",
    "fetch",
    "load_beewasp",
    "load_cifar10",
    "load_mnist",
    "register",
    "safe_extract_zip",
    "use_standins",
    "verify_beewasp_folder",
]
