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
    except (TimeoutError, urllib.error.URLError, ConnectionError, http.client.HTTPException) as error:
        reason = getattr(error, "reason", error)
        raise DataUnavailableError(_offline_message(source, url, reason)) from error


# --------------------------------------------------------------------------- MNIST

MNIST_COUNTS = {"train": 60_000, "test": 10_000}  # images per split in the real mnist.npz

MNIST = register(
    DataSource(
        name="mnist",
        url="https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
        filename="mnist.npz",
        sha256="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
        description=(
            f"the real MNIST data set ({MNIST_COUNTS['train']:,} training and {MNIST_COUNTS['test']:,} "
            "test images of 28×28 pixels)"
        ),
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


# =========================================================================== Bees and wasps
# The bee-vs-wasp photos of the CNN homework: a zip archive that unpacks to
# data/train/{bee,wasp} and data/test/{bee,wasp} (JPEGs of varied sizes).
# load_beewasp() returns the folder that holds train/ and test/.

BEEWASP = register(
    DataSource(
        name="beewasp",
        url="https://github.com/SVizor42/ML_Zoomcamp/releases/download/bee-wasp-data/data.zip",
        filename="beewasp-data.zip",
        # No checksum is published for this archive, and none could be computed
        # where this loader was written (no network). The archive is verified by
        # its structure instead: the layout, the exact image counts below, and
        # every image decoding as a JPEG. The SHA-256 of the first archive that
        # passes is recorded in a manifest next to it (beewasp-data.zip.json), and
        # every later extraction checks the cached archive against that record.
        sha256=None,
        description=(
            "the real bee-vs-wasp photos (3,677 training and 918 test JPEGs of varied sizes, "
            "from the ML Zoomcamp course's public archive)"
        ),
        standin_description=(
            "the offline stand-in for the bee-vs-wasp photos: generated pictures of plump, "
            "broad-striped bees and slender, thin-striped wasps in the real folder layout "
            "(120 training and 40 test JPEGs of varied sizes by default)"
        ),
        extract="zip",
    )
)

BEEWASP_CLASSES = standins.BEEWASP_CLASSES
BEEWASP_COUNTS = {"train": 3677, "test": 918}  # images per split in the real archive
BEEWASP_DIR = "beewasp"  # cache_dir()/beewasp/data/{train,test}/{bee,wasp}
_JPEG_SUFFIXES = (".jpg", ".jpeg")


def beewasp_manifest_path() -> Path:
    """Where the SHA-256 of the first verified archive is recorded."""
    return cache_dir() / f"{BEEWASP.filename}.json"


def safe_extract_zip(archive: Path, dest: Path) -> None:
    """Extract a zip archive into ``dest``, refusing any member that would land outside it.

    Every member is checked before anything is written: an absolute name, a
    ``..`` that climbs out of ``dest``, or a symbolic link makes the whole
    archive fail with :class:`ChecksumError`. A file that is not a valid zip
    archive (corrupt, truncated) fails the same way.
    """
    import stat
    import zipfile

    dest = Path(dest).resolve()
    dest.mkdir(parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(archive) as bundle:
            for member in bundle.infolist():
                name = member.filename
                target = (dest / name).resolve()
                if (
                    name.startswith(("/", "\\"))
                    or (len(name) > 1 and name[1] == ":")
                    or not target.is_relative_to(dest)
                ):
                    raise ChecksumError(f"{archive}: refused member {name!r}, whose path escapes the target folder")
                if stat.S_ISLNK(member.external_attr >> 16):
                    raise ChecksumError(f"{archive}: refused member {name!r}, a symbolic link")
            bad = bundle.testzip()
            if bad is not None:
                raise ChecksumError(f"{archive}: member {bad!r} is corrupt (CRC mismatch)")
            bundle.extractall(dest)
    except zipfile.BadZipFile as error:
        raise ChecksumError(f"{archive}: not a valid zip archive ({error})") from error


def beewasp_counts(root: Path) -> dict[str, dict[str, int]]:
    """Images per split and class under ``root`` (the folder holding train/ and test/)."""
    root = Path(root)
    return {
        split: {
            name: sum(1 for p in (root / split / name).glob("*") if p.is_file() and not p.name.startswith("."))
            for name in BEEWASP_CLASSES
        }
        for split in ("train", "test")
    }


def verify_beewasp_folder(root: Path, expected: dict[str, int] | None = None, decode: bool = True) -> None:
    """Check the layout, the image count of each split and (``decode``) that every image is a JPEG.

    Raises :class:`ChecksumError` with what is wrong. ``expected`` maps each
    split to its number of images (the real archive's by default).
    """
    from PIL import Image

    root = Path(root)
    expected = BEEWASP_COUNTS if expected is None else expected
    for split in ("train", "test"):
        for name in BEEWASP_CLASSES:
            if not (root / split / name).is_dir():
                raise ChecksumError(f"{root}: the folder {split}/{name} is missing")
    counts = beewasp_counts(root)
    for split, count in expected.items():
        found = sum(counts[split].values())
        if found != count or min(counts[split].values()) == 0:
            raise ChecksumError(f"{root}: {split}/ holds {counts[split]} images, expected {count} in all")
    if not decode:
        return
    for split in expected:
        for name in BEEWASP_CLASSES:
            for path in sorted((root / split / name).iterdir()):
                if path.name.startswith("."):
                    continue
                try:
                    with Image.open(path) as image:
                        if image.format != "JPEG":
                            raise ChecksumError(f"{path}: a {image.format} file, not a JPEG")
                        image.draft("RGB", (image.width // 8 + 1, image.height // 8 + 1))
                        image.load()  # decodes every block: a truncated file fails here
                except ChecksumError:
                    raise
                except Exception as error:
                    raise ChecksumError(f"{path}: not a readable JPEG ({error})") from error


def _data_root(folder: Path) -> Path | None:
    """The folder holding train/ and test/ inside an extracted archive (``data/`` or the top)."""
    for candidate in (folder / "data", folder):
        if (candidate / "train").is_dir() and (candidate / "test").is_dir():
            return candidate
    return None


def _move_into_place(tmp: Path, target: Path) -> None:
    """Rename a finished temporary folder to ``target``; if another process got there first, keep theirs."""
    try:
        os.replace(tmp, target)
    except OSError:
        if not target.is_dir():
            raise
    _readable_by_all(target)


def _readable_by_all(folder: Path) -> None:
    """Let every user read a cached data folder, as any cache is read.

    ``tempfile.mkdtemp`` makes its folder private (0700); a grading kernel runs
    as another, unprivileged user (cnncourse.grading.sandbox) and reads the
    cache, read-only, from there. A folder cached before this rule is mended
    on its next load.
    """
    mode = folder.stat().st_mode
    if (mode & 0o055) != 0o055:
        try:
            folder.chmod(mode | 0o755)
        except OSError:
            pass  # someone else's cache, or a read-only view of it: it stays as its owner left it


def extract_beewasp(archive: Path, target: Path, expected: dict[str, int] | None = None) -> Path:
    """Extract and verify the archive into ``target`` atomically; return the folder holding train/ and test/.

    The archive is unpacked into a temporary folder next to ``target``, checked
    (:func:`verify_beewasp_folder`) and only then renamed to ``target``. A
    failed check deletes the temporary folder and raises :class:`ChecksumError`.
    """
    import tempfile

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{target.name}.tmp-", dir=target.parent))
    try:
        safe_extract_zip(archive, tmp)
        root = _data_root(tmp)
        if root is None:
            raise ChecksumError(f"{archive}: no folder with train/ and test/ inside (expected data/train, data/test)")
        verify_beewasp_folder(root, expected)
        relative = root.relative_to(tmp)
        _move_into_place(tmp, target)
        return target / relative
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _read_manifest() -> dict | None:
    import json

    path = beewasp_manifest_path()
    return json.loads(path.read_text()) if path.exists() else None


def _write_manifest(archive: Path, counts: dict) -> None:
    import json

    record = {
        "url": BEEWASP.resolved_url(),
        "file": archive.name,
        "bytes": archive.stat().st_size,
        "sha256": sha256_of(archive),
        "counts": counts,
    }
    partial = beewasp_manifest_path().with_suffix(".json.part")
    partial.write_text(json.dumps(record, indent=2) + "\n")
    partial.replace(beewasp_manifest_path())


def _beewasp_archive() -> Path:
    """The cached archive, downloaded if needed and checked against the manifest if there is one."""
    manifest = _read_manifest()
    cached = cache_dir() / BEEWASP.filename
    if cached.exists() and manifest and sha256_of(cached) != manifest["sha256"]:
        cached.unlink()  # not the archive recorded before: fetch it again
    archive = fetch("beewasp")
    if manifest and sha256_of(archive) != manifest["sha256"]:
        archive.unlink()
        raise ChecksumError(
            f"the downloaded bee/wasp archive is not the one recorded in {beewasp_manifest_path()} "
            f"(SHA-256 {manifest['sha256']}); it was deleted. If the archive really changed, delete the "
            "manifest and load again."
        )
    return archive


def _beewasp_standin() -> Path:
    n_train, _ = standins.beewasp_standin_size()
    target = cache_dir() / f"beewasp-standin-v{standins.BEEWASP_GENERATOR_VERSION}-{n_train}"
    if (target / "data").is_dir():
        _readable_by_all(target)
    else:
        import tempfile

        tmp = Path(tempfile.mkdtemp(prefix=f"{target.name}.tmp-", dir=cache_dir()))
        try:
            standins.write_beewasp_folder(tmp / "data", n_train)
            _move_into_place(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return target / "data"


def load_beewasp(expected: dict[str, int] | None = None) -> Path:
    """The folder that holds ``train/{bee,wasp}`` and ``test/{bee,wasp}`` JPEGs.

    Real data: the archive is downloaded once into the cache (a mirror can be
    given in ``CNNCOURSE_BEEWASP_URL``), extracted safely, and verified (layout,
    exact counts, every image a JPEG) before it is used; the SHA-256 of the
    first verified archive is recorded in a manifest that later extractions
    check. A cached folder is re-counted on every load and re-extracted if
    anything is missing.

    Stand-in (``CNNCOURSE_DATA=standin``): a generated folder in the same layout,
    made once per size (``CNNCOURSE_BEEWASP_STANDIN_SIZE`` training images,
    120 by default) and kept in the cache.
    """
    if use_standins():
        return _beewasp_standin()
    expected = BEEWASP_COUNTS if expected is None else expected
    target = cache_dir() / BEEWASP_DIR
    root = _data_root(target) if target.is_dir() else None
    if root is not None:
        try:
            verify_beewasp_folder(root, expected, decode=False)
            _readable_by_all(target)
            return root
        except ChecksumError:
            pass
    if target.exists():
        shutil.rmtree(target)  # incomplete or tampered with: extract again
    archive = _beewasp_archive()
    try:
        root = extract_beewasp(archive, target, expected)
    except ChecksumError:
        archive.unlink(missing_ok=True)  # a wrong archive is never used twice
        raise
    if _read_manifest() is None:
        _write_manifest(archive, {split: sum(c.values()) for split, c in beewasp_counts(root).items()})
    return root


# =========================================================================== CIFAR-10
# CIFAR-10 comes through Keras' own loader, keras.datasets.cifar10.load_data():
# it downloads the public archive into Keras' cache (~/.keras/datasets, or
# $KERAS_HOME/datasets), checks its SHA-256 and extracts it. This section only
# makes that loader fail fast and clearly when the archive cannot be had.
#
# Labels 0-9 name the classes in the order given on the CIFAR-10 page; the
# homework asks students to write that list themselves, so it is deliberately
# not exported here.

CIFAR10_COUNTS = {"train": 50_000, "test": 10_000}  # images per split in the real archive
CIFAR10_IMAGES_PER_CLASS = 6_000  # images of each of the ten classes, training and test together
CIFAR10_ARCHIVE_BYTES = 170_498_071  # size of cifar-10-python.tar.gz, what the first load downloads
CIFAR10_VALIDATION_SHARE = 10  # the homework validates on a tenth of the training images: 5,000 of the real 50,000


def cifar10_validation_size(n_train: int) -> int:
    """How many of ``n_train`` training images the CIFAR-10 homework holds out for validation: a tenth.

    A share rather than a count, so that the stand-in keeps the real split's proportions.
    """
    return n_train // CIFAR10_VALIDATION_SHARE

CIFAR10 = register(
    DataSource(
        name="cifar10",
        url="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
        filename="cifar-10-python.tar.gz",
        # The archive's SHA-256, as keras.datasets.cifar10 checks it.
        sha256="6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
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


def _keras_datasets_dir() -> Path:
    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras") / "datasets"


def _cifar10_unavailable(reason: object) -> str:
    return (
        f"Could not download CIFAR-10 with keras.datasets.cifar10.load_data() from {CIFAR10.url} ({reason}).\n"
        f"To work offline, set {DATA_ENV}=standin to use its stand-in; to use the real data, connect to the "
        f"network and load again (Keras keeps the archive in {_keras_datasets_dir()} once it has it)."
    )


def _load_cifar10_with_keras():
    """keras.datasets.cifar10.load_data(), with a bounded wait and clear errors.

    Keras downloads with ``urlretrieve``, which has no timeout of its own: the
    socket default timeout is set for the call so that a silent network cannot
    hang it. Keras turns network errors into a bare ``Exception("URL fetch
    failure ...")`` and a checksum mismatch into ``ValueError``; both become
    this module's errors.
    """
    from keras.datasets import cifar10

    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)
    try:
        return cifar10.load_data()
    except ValueError as error:
        raise ChecksumError(
            f"the CIFAR-10 archive Keras downloaded is corrupt or not the expected one ({error}). "
            f"Load again to download it afresh, or set {DATA_ENV}=standin to work offline."
        ) from error
    except (OSError, http.client.HTTPException) as error:  # URLError, timeouts, refused connections
        raise DataUnavailableError(_cifar10_unavailable(getattr(error, "reason", error))) from error
    except Exception as error:
        if type(error) is Exception and "URL fetch failure" in str(error):
            raise DataUnavailableError(_cifar10_unavailable(error)) from error
        raise
    finally:
        socket.setdefaulttimeout(previous)


def load_cifar10(n_train: int | None = None, n_test: int | None = None):
    """CIFAR-10 as ((x_train, y_train), (x_test, y_test)).

    Images are (N, 32, 32, 3) uint8, labels (N, 1) uint8 in 0-9, as
    ``keras.datasets.cifar10.load_data()`` returns them.

    Real data: 50,000 training and 10,000 test images; ``n_train`` and
    ``n_test`` keep only the first images of each split (for quick runs).
    Without network this raises :class:`DataUnavailableError` at once.

    Stand-in (``CNNCOURSE_DATA=standin``): generated scenes,
    ``n_train``/``n_test`` images (defaults: the real counts at a twentieth, 2,500
    and 500, or ``CNNCOURSE_CIFAR10_STANDIN_SIZE``).
    """
    if use_standins():
        return standins.cifar10_scenes(n_train, n_test)
    (x_train, y_train), (x_test, y_test) = _load_cifar10_with_keras()
    return (x_train[:n_train], y_train[:n_train]), (x_test[:n_test], y_test[:n_test])
