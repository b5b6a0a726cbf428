"""The bee-vs-wasp photos of the CNN homework, verified by their structure.

The public archive unpacks to ``data/train/{bee,wasp}`` and
``data/test/{bee,wasp}`` (JPEGs of varied sizes); :func:`load_beewasp` returns
the folder that holds ``train/`` and ``test/``.

No checksum is published for the archive, and none could be computed where
this loader was written (no network). The archive is verified by its
structure instead: the layout, the exact image counts, and every image
decoding as a JPEG. The SHA-256 of the first archive that passes is recorded
in a manifest next to it (``beewasp-data.zip.json``), and every later
extraction checks the cached archive against that record.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from cnncourse import standins
from cnncourse.data.hub import (
    ChecksumError,
    DataSource,
    build_folder,
    cache_dir,
    fetch,
    readable_by_all,
    register,
    safe_extract_zip,
    sha256_of,
    use_standins,
)

BEEWASP_CLASSES = standins.BEEWASP_CLASSES
BEEWASP_COUNTS = {"train": 3677, "test": 918}  # images per split in the real archive
BEEWASP_DIR = "beewasp"  # cache_dir()/beewasp/data/{train,test}/{bee,wasp}
SPLITS = ("train", "test")
_STANDIN_TRAIN, _STANDIN_TEST = standins.beewasp_standin_size(standins.BEEWASP_DEFAULT_TRAIN)

BEEWASP = register(
    DataSource(
        name="beewasp",
        url="https://github.com/SVizor42/ML_Zoomcamp/releases/download/bee-wasp-data/data.zip",
        filename="beewasp-data.zip",
        sha256=None,  # verified by its structure, see the module's docstring
        size=None,
        description=(
            f"the real bee-vs-wasp photos ({BEEWASP_COUNTS['train']:,} training and {BEEWASP_COUNTS['test']:,} "
            "test JPEGs of varied sizes, from the ML Zoomcamp course's public archive)"
        ),
        standin_description=(
            "the offline stand-in for the bee-vs-wasp photos: generated pictures of plump, "
            "broad-striped bees and slender, thin-striped wasps in the real folder layout "
            f"({_STANDIN_TRAIN} training and {_STANDIN_TEST} test JPEGs "
            "of varied sizes by default)"
        ),
    )
)


def load_beewasp(expected: dict[str, int] | None = None) -> Path:
    """The folder that holds ``train/{bee,wasp}`` and ``test/{bee,wasp}`` JPEGs.

    Real data: the archive is downloaded once into the cache (a mirror can be
    given in ``CNNCOURSE_BEEWASP_URL``), extracted safely, and verified (layout,
    exact counts ``expected``, every image a JPEG) before it is used; the
    SHA-256 of the first verified archive is recorded in a manifest that later
    extractions check. A cached folder is re-counted on every load and
    re-extracted if anything is missing.

    Stand-in (``CNNCOURSE_DATA=standin``): a generated folder in the same layout,
    made once per size (``CNNCOURSE_BEEWASP_STANDIN_SIZE`` training images,
    120 by default) and kept in the cache.
    """
    if use_standins():
        return _standin()
    expected = BEEWASP_COUNTS if expected is None else expected
    target = cache_dir() / BEEWASP_DIR
    root = _cached_folder(target, expected)
    if root is not None:
        return root
    if target.exists():
        shutil.rmtree(target)  # incomplete or tampered with: extract again
    archive = _archive()
    try:
        root = extract_beewasp(archive, target, expected)
    except ChecksumError:
        archive.unlink(missing_ok=True)  # a wrong archive is never used twice
        raise
    if _read_manifest() is None:
        _write_manifest(archive, {split: sum(c.values()) for split, c in beewasp_counts(root).items()})
    return root


# --------------------------------------------------------------------------- checks


def beewasp_counts(root: Path) -> dict[str, dict[str, int]]:
    """Images per split and class under ``root`` (the folder holding train/ and test/)."""
    root = Path(root)
    return {
        split: {
            name: sum(1 for p in (root / split / name).glob("*") if p.is_file() and not p.name.startswith("."))
            for name in BEEWASP_CLASSES
        }
        for split in SPLITS
    }


def verify_beewasp_folder(root: Path, expected: dict[str, int] | None = None, decode: bool = True) -> None:
    """Check the layout, the image count of each split and (``decode``) that every image is a JPEG.

    Raises :class:`ChecksumError` with what is wrong. ``expected`` maps each
    split to its number of images (the real archive's by default).
    """
    root = Path(root)
    expected = BEEWASP_COUNTS if expected is None else expected
    for split in SPLITS:
        for name in BEEWASP_CLASSES:
            if not (root / split / name).is_dir():
                raise ChecksumError(f"{root}: the folder {split}/{name} is missing")
    counts = beewasp_counts(root)
    for split, count in expected.items():
        if sum(counts[split].values()) != count or min(counts[split].values()) == 0:
            raise ChecksumError(f"{root}: {split}/ holds {counts[split]} images, expected {count} in all")
    if decode:
        for split in expected:
            for name in BEEWASP_CLASSES:
                for path in sorted((root / split / name).iterdir()):
                    if not path.name.startswith("."):
                        _check_jpeg(path)


def _check_jpeg(path: Path) -> None:
    """Decode ``path`` (at an eighth of its size, which still reads every block) or raise ChecksumError."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            if image.format != "JPEG":
                raise ChecksumError(f"{path}: a {image.format} file, not a JPEG")
            image.draft("RGB", (image.width // 8 + 1, image.height // 8 + 1))
            image.load()  # a truncated file fails here
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


def _cached_folder(target: Path, expected: dict[str, int]) -> Path | None:
    """The cached, extracted folder if its layout and counts are still right (images are not decoded again)."""
    root = _data_root(target) if target.is_dir() else None
    if root is None:
        return None
    try:
        verify_beewasp_folder(root, expected, decode=False)
    except ChecksumError:
        return None
    readable_by_all(target)
    return root


# --------------------------------------------------------------------------- archive and manifest


def extract_beewasp(archive: Path, target: Path, expected: dict[str, int] | None = None) -> Path:
    """Extract and verify the archive into ``target`` atomically; return the folder holding train/ and test/.

    The archive is unpacked into a temporary folder next to ``target``, checked
    (:func:`verify_beewasp_folder`) and only then renamed to ``target``. A
    failed check deletes the temporary folder and raises :class:`ChecksumError`.
    """

    def unpack(tmp: Path) -> Path:
        safe_extract_zip(archive, tmp)
        root = _data_root(tmp)
        if root is None:
            raise ChecksumError(f"{archive}: no folder with train/ and test/ inside (expected data/train, data/test)")
        verify_beewasp_folder(root, expected)
        return root.relative_to(tmp)

    return Path(target) / build_folder(target, unpack)


def beewasp_manifest_path() -> Path:
    """Where the SHA-256 of the first verified archive is recorded."""
    return cache_dir() / f"{BEEWASP.filename}.json"


def _read_manifest() -> dict | None:
    path = beewasp_manifest_path()
    return json.loads(path.read_text()) if path.exists() else None


def _write_manifest(archive: Path, counts: dict) -> None:
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


def _archive() -> Path:
    """The cached archive, downloaded if needed and checked against the manifest if there is one."""
    manifest = _read_manifest()
    cached = cache_dir() / BEEWASP.filename
    if cached.exists() and manifest and sha256_of(cached) != manifest["sha256"]:
        cached.unlink()  # not the archive recorded before: fetch it again
    archive = fetch(BEEWASP.name)
    if manifest and sha256_of(archive) != manifest["sha256"]:
        archive.unlink()
        raise ChecksumError(
            f"the downloaded bee/wasp archive is not the one recorded in {beewasp_manifest_path()} "
            f"(SHA-256 {manifest['sha256']}); it was deleted. If the archive really changed, delete the "
            "manifest and load again."
        )
    return archive


# --------------------------------------------------------------------------- stand-in


def _standin() -> Path:
    """The generated stand-in folder of the current size, made once and kept in the cache."""
    n_train, _ = standins.beewasp_standin_size()
    target = cache_dir() / f"beewasp-standin-v{standins.BEEWASP_GENERATOR_VERSION}-{n_train}"
    if (target / "data").is_dir():
        readable_by_all(target)
    else:
        build_folder(target, lambda tmp: standins.write_beewasp_folder(tmp / "data", n_train))
    return target / "data"
