"""The generic half of the data layer: registry, cache, verified download, stand-in switch.

Every data set registers a :class:`DataSource` here and gets its file through
:func:`fetch`, which hands the download, the checksum and the cache to pooch.
The data set's own module (:mod:`.mnist`, for one) only turns the verified file into what its loader returns.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

DATA_ENV = "CNNCOURSE_DATA"
CACHE_ENV = "CNNCOURSE_CACHE"
# Seconds a connection may stay silent (to connect, or between two reads): long
# enough for a slow mirror, short enough that no network means a quick failure.
DOWNLOAD_TIMEOUT_S = 30

T = TypeVar("T")


class DataUnavailableError(RuntimeError):
    """A data set could not be had: no network, a refused download, a bad mirror."""


class ChecksumError(DataUnavailableError):
    """A downloaded file is not the one the registry describes (corrupt, truncated or another file)."""


@dataclass(frozen=True)
class DataSource:
    """Where a data set comes from and how to recognise the right file.

    ``sha256`` is the checksum of the downloaded file. ``None`` says that no
    checksum is known and the data set's module verifies the file by its
    structure instead (bee/wasp: layout, counts, every image a JPEG).
    ``size`` is the file's length in bytes (``None`` where it is not known);
    the offline message names it, so that a reader knows what a load downloads.
    ``description`` and ``standin_description`` are what :func:`describe` says.
    """

    name: str
    url: str
    filename: str
    sha256: str | None
    size: int | None
    description: str
    standin_description: str

    @property
    def mirror_env(self) -> str:
        """The variable that points this data set at a mirror: ``CNNCOURSE_<NAME>_URL``."""
        return f"CNNCOURSE_{self.name.upper()}_URL"

    def resolved_url(self) -> str:
        """The mirror, if one is given, or the public URL."""
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
    """One sentence, from the registry, naming the data a loader returns right now (for the pages)."""
    source = REGISTRY[name]
    return source.standin_description if use_standins() else source.description


def cache_dir() -> Path:
    """The folder that keeps downloads between runs (created on first use)."""
    folder = Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "cnncourse")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, as the registry and pooch write it."""
    import pooch

    return pooch.file_hash(str(path), alg="sha256")


# --------------------------------------------------------------------------- download


def fetch(name: str) -> Path:
    """Path to the verified file of a registered data set, downloading it if needed.

    pooch streams the file into a temporary file in the cache and renames it
    only once its SHA-256 matches, so a corrupt or truncated download never
    reaches the cache; a cached file whose checksum no longer matches is
    downloaded again. Errors become :class:`ChecksumError` (wrong bytes) or
    :class:`DataUnavailableError` (no network, a refused or failed request).
    """
    import pooch
    import requests

    source = REGISTRY[name]
    url = source.resolved_url()
    downloader = pooch.HTTPDownloader(timeout=DOWNLOAD_TIMEOUT_S, progressbar=_progressbar(source))
    try:
        with _quiet_pooch():
            path = pooch.retrieve(
                url, known_hash=source.sha256, fname=source.filename, path=cache_dir(), downloader=downloader
            )
    except requests.exceptions.ChunkedEncodingError as error:  # fewer bytes than the server announced
        raise ChecksumError(f"{url}: download truncated ({error}); nothing was kept") from error
    except requests.exceptions.RequestException as error:
        raise DataUnavailableError(_offline_message(source, url, error)) from error
    except ValueError as error:  # pooch's checksum mismatch, or an address it cannot download from
        if "hash" not in str(error):
            raise DataUnavailableError(_offline_message(source, url, error)) from error
        raise ChecksumError(
            f"{url}: checksum mismatch, the downloaded file is corrupt, truncated or not the expected one "
            f"(expected SHA-256 {source.sha256}); it was deleted"
        ) from error
    path = Path(path)
    readable_by_all(path)  # pooch's temporary files are private to their owner
    return path


LONG_DOWNLOAD_BYTES = 5_000_000  # a file this large (or of unknown size) shows a progress bar


def _progressbar(source: DataSource) -> bool:
    """A progress bar for a long download, where tqdm is installed (the course's environment has it)."""
    import importlib.util

    long = source.size is None or source.size >= LONG_DOWNLOAD_BYTES
    return long and importlib.util.find_spec("tqdm") is not None


@contextmanager
def _quiet_pooch():
    """Silence pooch's log lines (its advice on ``known_hash`` is for pooch users, not for students)."""
    import pooch

    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _offline_message(source: DataSource, url: str, reason: object) -> str:
    size = f", {source.size / 1e6:.0f} MB" if source.size else ""
    return (
        f"Could not download the {source.name} data set from {url} ({reason}).\n"
        f"To work offline, set {DATA_ENV}=standin to use its stand-in; "
        f"to use the real data, connect to the network, give a mirror in {source.mirror_env}, "
        f"or put the file {source.filename}{size} in {cache_dir()}."
    )


# --------------------------------------------------------------------------- cached folders


def readable_by_all(path: Path) -> None:
    """Let every user read a cached file or folder, as any cache is read.

    ``tempfile.mkdtemp`` and pooch's temporary files are private (0700, 0600);
    a grading kernel runs as another, unprivileged user
    (cnncourse.grading.sandbox) and reads the cache, read-only, from there. A
    file or folder cached before this rule is mended on its next load.
    """
    wanted = 0o755 if path.is_dir() else 0o444
    mode = path.stat().st_mode
    if (mode & wanted) != wanted:
        try:
            path.chmod(mode | wanted)
        except OSError:
            pass  # someone else's cache, or a read-only view of it: it stays as its owner left it


def build_folder(target: Path, build: Callable[[Path], T]) -> T:
    """Make the folder ``target`` atomically: ``build`` fills a temporary folder, which is then renamed.

    The temporary folder lies next to ``target``, so the rename is atomic; if
    ``build`` raises, it is deleted and ``target`` is untouched. If another
    process made ``target`` meanwhile, theirs is kept. Returns what ``build``
    returns.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{target.name}.tmp-", dir=target.parent))
    try:
        result = build(tmp)
        try:
            os.replace(tmp, target)
        except OSError:
            if not target.is_dir():
                raise
        readable_by_all(target)
        return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def safe_extract_zip(archive: Path, dest: Path) -> None:
    """Extract a zip archive into ``dest``, refusing any member that would land outside it.

    Every member is checked before anything is written: an absolute name, a
    ``..`` that climbs out of ``dest``, or a symbolic link makes the whole
    archive fail with :class:`ChecksumError`. A file that is not a valid zip
    archive (corrupt, truncated) fails the same way.
    """
    dest = Path(dest).resolve()
    dest.mkdir(parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(archive) as bundle:
            for member in bundle.infolist():
                _check_member(archive, dest, member)
            bad = bundle.testzip()
            if bad is not None:
                raise ChecksumError(f"{archive}: member {bad!r} is corrupt (CRC mismatch)")
            bundle.extractall(dest)
    except zipfile.BadZipFile as error:
        raise ChecksumError(f"{archive}: not a valid zip archive ({error})") from error


def _check_member(archive: Path, dest: Path, member: zipfile.ZipInfo) -> None:
    """Refuse a member that is absolute, climbs out of ``dest`` or is a symbolic link."""
    name = member.filename
    escapes = name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":")
    if escapes or not (dest / name).resolve().is_relative_to(dest):
        raise ChecksumError(f"{archive}: refused member {name!r}, whose path escapes the target folder")
    if stat.S_ISLNK(member.external_attr >> 16):
        raise ChecksumError(f"{archive}: refused member {name!r}, a symbolic link")
