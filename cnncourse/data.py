"""The course's data sets: one loader each, real or stand-in.

Every loader has two paths:

* the real one: the public file is downloaded once into a cache folder and
  verified (SHA-256 where the file is fixed, structure where it is not); a
  corrupt or truncated download is deleted and reported, never used;
* the offline stand-in (:mod:`cnncourse.standins`), chosen for every loader at
  once by setting ``CNNCOURSE_DATA=standin``.

Without the switch and without network, a loader fails at once with a message
that says what to do, instead of hanging.

Environment variables:

``CNNCOURSE_DATA``
    ``standin`` for the offline stand-ins; unset, empty or ``real`` for the
    real data.
``CNNCOURSE_CACHE``
    cache folder (default ``~/.cache/cnncourse``).
``CNNCOURSE_<NAME>_URL``
    a mirror for one data set, e.g. ``CNNCOURSE_MNIST_URL``; the checksum
    still applies.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnncourse import standins

DATA_ENV = "CNNCOURSE_DATA"
CACHE_ENV = "CNNCOURSE_CACHE"
DOWNLOAD_TIMEOUT_S = 30
_CHUNK = 1 << 20


class DataUnavailableError(RuntimeError):
    """A data set could not be had: no network, a refused download, a bad mirror."""


class ChecksumError(DataUnavailableError):
    """A downloaded file is not the one the registry describes (corrupt or truncated)."""


@dataclass(frozen=True)
class DataSource:
    """Where a data set comes from and how to recognise the right file.

    ``sha256`` is the checksum of the downloaded file; ``None`` means the file
    is verified by its structure after extraction instead (see the loader).
    ``extract`` is ``None`` for a file used as is, or ``'zip'``.
    """

    name: str
    url: str
    filename: str
    sha256: str | None
    description: str
    standin_description: str
    extract: str | None = None

    @property
    def mirror_env(self) -> str:
        return f"CNNCOURSE_{self.name.upper()}_URL"

    def resolved_url(self) -> str:
        return os.environ.get(self.mirror_env) or self.url


REGISTRY: dict[str, DataSource] = {}


def register(source: DataSource) -> DataSource:
    """Add a data source to the registry (names are unique)."""
    if source.name in REGISTRY:
        raise ValueError(f"data set {source.name!r} is registered twice")
    REGISTRY[source.name] = source
    return source


def use_standins() -> bool:
    """True when ``CNNCOURSE_DATA=standin`` asks for the offline stand-ins."""
    value = os.environ.get(DATA_ENV, "").strip().lower()
    if value in ("", "real"):
        return False
    if value == "standin":
        return True
    raise ValueError(f"{DATA_ENV} must be 'standin' or 'real' (or unset), got {value!r}")


def describe(name: str) -> str:
    """One sentence naming the data a loader returns right now (for the pages)."""
    source = REGISTRY[name]
    return source.standin_description if use_standins() else source.description


def cache_dir() -> Path:
    """The folder that keeps downloads between runs (created on first use)."""
    folder = Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "cnncourse")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _offline_message(source: DataSource, url: str, reason: object) -> str:
    return (
        f"Could not download the {source.name} data set from {url} ({reason}).\n"
        f"To work offline, set {DATA_ENV}=standin to use its stand-in; "
        f"to use the real data, connect to the network, give a mirror in {source.mirror_env}, "
        f"or put the file {source.filename} in {cache_dir()}."
    )


def download(url: str, dest: Path, sha256: str | None = None, timeout: float = DOWNLOAD_TIMEOUT_S) -> Path:
    """Download ``url`` to ``dest`` atomically, verifying length and checksum.

    The bytes go to ``dest.part`` first; only a complete file whose SHA-256
    matches is renamed to ``dest``. Anything else is deleted and reported:
    :class:`ChecksumError` for a wrong or truncated file,
    :class:`DataUnavailableError` for a network failure.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".part")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(partial, "wb") as out:
            announced = response.headers.get("Content-Length")
            shutil.copyfileobj(response, out, _CHUNK)
        received = partial.stat().st_size
        if announced is not None and received != int(announced):
            raise ChecksumError(f"{url}: download truncated ({received} of {announced} bytes)")
        if sha256 is not None:
            actual = sha256_of(partial)
            if actual != sha256:
                raise ChecksumError(
                    f"{url}: checksum mismatch, the file is corrupt or not the expected one "
                    f"(SHA-256 {actual}, expected {sha256}); it was deleted"
                )
        partial.replace(dest)
        return dest
    except http.client.IncompleteRead as error:
        raise ChecksumError(f"{url}: download truncated ({len(error.partial)} bytes received)") from error
    finally:
        partial.unlink(missing_ok=True)


def fetch(name: str) -> Path:
    """Path to the verified file of a registered data set, downloading it if needed.

    A cached file whose checksum no longer matches is deleted and fetched again.
    """
    source = REGISTRY[name]
    path = cache_dir() / source.filename
    if path.exists():
        if source.sha256 is None or sha256_of(path) == source.sha256:
            return path
        path.unlink()
    url = source.resolved_url()
    try:
        return download(url, path, source.sha256)
    except ChecksumError:
        raise
    except (urllib.error.URLError, socket.timeout, ConnectionError, http.client.HTTPException) as error:
        reason = getattr(error, "reason", error)
        raise DataUnavailableError(_offline_message(source, url, reason)) from error


# --------------------------------------------------------------------------- MNIST

MNIST = register(
    DataSource(
        name="mnist",
        url="https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
        filename="mnist.npz",
        sha256="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
        description="the real MNIST data set (60,000 training and 10,000 test images of 28×28 pixels)",
        standin_description=(
            "the offline stand-in for MNIST: scikit-learn's 1,797 real handwritten digits, "
            "upscaled from 8×8 to 28×28 pixels"
        ),
    )
)


def load_mnist():
    """MNIST as ((x_train, y_train), (x_test, y_test)): (N, 28, 28) uint8 and (N,) uint8."""
    if use_standins():
        return standins.mnist_digits()
    with np.load(fetch("mnist")) as arrays:
        return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])
