"""The bee/wasp data (cnncourse.data.beewasp): the stand-in and the real loader's download, extraction and checks.

The real archive is never fetched here: a small archive built by each test is
served by a local HTTP server on 127.0.0.1 and reached through the
CNNCOURSE_BEEWASP_URL mirror override.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
from local_mirror import closed_port, leftovers, serving, use_real_data
from PIL import Image

from cnncourse import data, standins

SMALL = {"train": 4, "test": 2}  # images per split in the archives these tests build


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """A private cache folder, real data selected, no proxy between the loader and 127.0.0.1."""
    monkeypatch.delenv(standins.BEEWASP_SIZE_ENV, raising=False)
    return use_real_data(monkeypatch, tmp_path / "cache")


# ------------------------------------------------------------------ the stand-in


@pytest.fixture
def standin(cache, monkeypatch) -> Path:
    monkeypatch.setenv("CNNCOURSE_DATA", "standin")
    monkeypatch.setenv(standins.BEEWASP_SIZE_ENV, "24")
    return data.load_beewasp()


def image_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_standin_has_the_real_layout_and_file_type(standin):
    assert (standin / "train").is_dir() and (standin / "test").is_dir()
    assert data.beewasp_counts(standin) == {"train": {"bee": 12, "wasp": 12}, "test": {"bee": 4, "wasp": 4}}
    data.verify_beewasp_folder(standin, {"train": 24, "test": 8})  # every file decodes as a JPEG
    for path in image_files(standin):
        assert path.suffix == ".jpg" and path.parent.parent.parent == standin
        with Image.open(path) as image:
            assert image.format == "JPEG" and image.mode == "RGB"


def test_standin_images_have_varied_sizes(standin):
    sizes = set()
    for path in image_files(standin):
        with Image.open(path) as image:
            sizes.add(image.size)
    low, high = standins.BEEWASP_SIDE_RANGE
    assert all(low <= side <= high for size in sizes for side in size)
    assert len({w for w, _ in sizes}) >= 10 and len({h for _, h in sizes}) >= 10
    assert any(w != h for w, h in sizes)


def test_standin_is_deterministic(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    standins.write_beewasp_folder(first, n_train=12)
    standins.write_beewasp_folder(second, n_train=12)
    files = image_files(first)
    assert [p.relative_to(first) for p in files] == [p.relative_to(second) for p in image_files(second)]
    assert all(p.read_bytes() == (second / p.relative_to(first)).read_bytes() for p in files)
    # An image does not depend on the size of the set it belongs to.
    small, _ = standins.beewasp_image(0, "train", 5)
    assert np.array_equal(small, standins.beewasp_image(0, "train", 5)[0])
    assert not np.array_equal(small, standins.beewasp_image(1, "train", 5)[0])


def test_standin_is_made_once_per_size(standin, monkeypatch):
    stamp = (standin / "train" / "bee" / "bee00000.jpg").stat().st_mtime_ns
    assert data.load_beewasp() == standin
    assert (standin / "train" / "bee" / "bee00000.jpg").stat().st_mtime_ns == stamp
    monkeypatch.setenv(standins.BEEWASP_SIZE_ENV, "30")
    bigger = data.load_beewasp()
    assert bigger != standin
    assert {split: sum(c.values()) for split, c in data.beewasp_counts(bigger).items()} == {"train": 30, "test": 10}
    assert not list(standin.parent.parent.glob("*.tmp-*")), "no temporary folder is left behind"


def test_standin_size_knob(monkeypatch):
    monkeypatch.delenv(standins.BEEWASP_SIZE_ENV, raising=False)
    assert standins.beewasp_standin_size() == (standins.BEEWASP_DEFAULT_TRAIN, standins.BEEWASP_DEFAULT_TRAIN // 3)
    monkeypatch.setenv(standins.BEEWASP_SIZE_ENV, "300")
    assert standins.beewasp_standin_size() == (300, 100)
    assert standins.beewasp_standin_size(60) == (60, 20), "the argument wins over the environment"
    monkeypatch.setenv(standins.BEEWASP_SIZE_ENV, "many")
    with pytest.raises(ValueError, match=standins.BEEWASP_SIZE_ENV):
        standins.beewasp_standin_size()
    with pytest.raises(ValueError):
        standins.beewasp_standin_size(2)


def _features(n: int):
    """Mean colour and a histogram of edge strengths of ``n`` stand-in pictures, with their labels."""
    colours, edges, labels = [], [], []
    for index in range(n):
        pixels, name = standins.beewasp_image(0, "train", index)
        colours.append(pixels.reshape(-1, 3).mean(axis=0))
        grey = np.asarray(Image.fromarray(pixels).convert("L").resize((150, 150)), float)
        strength = np.concatenate([np.abs(np.diff(grey, axis=0)).ravel(), np.abs(np.diff(grey, axis=1)).ravel()])
        histogram = np.histogram(strength, bins=[0, 4, 8, 16, 32, 64, 128, 256])[0] / strength.size
        edges.append(np.log(histogram + 1e-4))
        labels.append(standins.BEEWASP_CLASSES.index(name))
    return np.array(colours), np.array(edges), np.array(labels)


def test_classes_differ_in_pattern_not_in_mean_colour():
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    colours, edges, labels = _features(200)
    assert labels.mean() == 0.5

    def accuracy(features):
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
        return cross_val_score(model, features, labels, cv=5).mean()

    assert accuracy(colours) < 0.65, "the mean colour of a picture should not give its class away"
    assert accuracy(edges) > 0.85, "the stripe pattern (sharp thin stripes or broad soft ones) tells the classes apart"


# ------------------------------------------------------------------ extraction (safe extraction itself: test_data.py)


def jpeg_bytes(seed: int) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 256, (20 + seed, 24, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG")
    return buffer.getvalue()


def build_archive(path: Path, counts=SMALL, extra: dict[str, bytes] | None = None, salt: int = 0) -> Path:
    """A zip in the real archive's layout: data/<split>/<class>/<n>.jpg."""
    with zipfile.ZipFile(path, "w") as bundle:
        index = 0
        for split, count in counts.items():
            for i in range(count):
                name = standins.BEEWASP_CLASSES[i % 2]
                bundle.writestr(f"data/{split}/{name}/{i}.jpg", jpeg_bytes(index + salt))
                index += 1
        for member, content in (extra or {}).items():
            bundle.writestr(member, content)
    return path


def test_extract_beewasp_is_atomic(tmp_path):
    archive = build_archive(tmp_path / "good.zip")
    root = data.extract_beewasp(archive, tmp_path / "beewasp", SMALL)
    assert root == tmp_path / "beewasp" / "data"
    assert {s: sum(c.values()) for s, c in data.beewasp_counts(root).items()} == SMALL
    assert sorted(p.name for p in tmp_path.iterdir()) == ["beewasp", "good.zip"]


# ------------------------------------------------------------------ download through a local mirror


@pytest.fixture
def mirror(tmp_path, cache, monkeypatch):
    """A local HTTP server on 127.0.0.1 serving tmp_path/served/; the loader's mirror points at it."""
    served = tmp_path / "served"
    served.mkdir()
    with serving(served) as server:
        monkeypatch.setenv(data.BEEWASP.mirror_env, server.url("data.zip"))
        yield served


def test_download_extract_verify_and_record(mirror, cache):
    served = build_archive(mirror / "data.zip")
    root = data.load_beewasp(expected=SMALL)
    assert root == cache / "beewasp" / "data"
    assert {s: sum(c.values()) for s, c in data.beewasp_counts(root).items()} == SMALL
    manifest = json.loads(data.beewasp_manifest_path().read_text())
    assert manifest["sha256"] == hashlib.sha256(served.read_bytes()).hexdigest()
    assert manifest["counts"] == SMALL and manifest["bytes"] == served.stat().st_size
    assert leftovers(cache) == ["beewasp", "beewasp-data.zip", "beewasp-data.zip.json"]
    for cached in (cache / "beewasp", cache / "beewasp-data.zip"):  # a sandboxed grading kernel reads them
        assert cached.stat().st_mode & 0o444 == 0o444, f"{cached} is private"
    # Later loads use the cache: no download needed.
    served.unlink()
    assert data.load_beewasp(expected=SMALL) == root
    # A damaged folder is extracted again from the cached archive.
    next((root / "train" / "bee").iterdir()).unlink()
    assert data.load_beewasp(expected=SMALL) == root
    assert {s: sum(c.values()) for s, c in data.beewasp_counts(root).items()} == SMALL


@pytest.mark.parametrize(
    "problem",
    ["missing image", "not a jpeg", "no data folder", "not a zip"],
)
def test_failed_check_leaves_nothing_behind(mirror, cache, problem):
    path = mirror / "data.zip"
    if problem == "missing image":
        build_archive(path, counts={"train": 3, "test": 2})
    elif problem == "not a jpeg":
        build_archive(path, extra={"data/train/bee/fake.jpg": b"not an image at all"}, counts={"train": 3, "test": 2})
    elif problem == "no data folder":
        with zipfile.ZipFile(path, "w") as bundle:
            bundle.writestr("photos/readme.txt", "nothing here")
    else:
        path.write_bytes(b"PK\x03\x04 truncated " * 50)
    with pytest.raises(data.ChecksumError):
        data.load_beewasp(expected=SMALL)
    assert leftovers(cache) == [], "no archive, folder, temporary folder or manifest is left"


def test_archive_that_differs_from_the_record_is_refused(mirror, cache):
    build_archive(mirror / "data.zip")
    data.load_beewasp(expected=SMALL)
    recorded = data.beewasp_manifest_path().read_text()
    # The mirror now serves another archive (same structure, other bytes); the cache is cleared.
    build_archive(mirror / "data.zip", salt=100)
    for name in ("beewasp", "beewasp-data.zip"):
        target = cache / name
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink()
    with pytest.raises(data.ChecksumError, match="recorded"):
        data.load_beewasp(expected=SMALL)
    assert leftovers(cache) == ["beewasp-data.zip.json"]
    assert data.beewasp_manifest_path().read_text() == recorded


def test_offline_without_the_switch_fails_with_a_clear_message(cache, monkeypatch):
    monkeypatch.delenv("CNNCOURSE_DATA", raising=False)
    monkeypatch.setenv(data.BEEWASP.mirror_env, f"http://127.0.0.1:{closed_port()}/data.zip")
    with pytest.raises(data.DataUnavailableError) as failure:
        data.load_beewasp()
    message = str(failure.value)
    assert "CNNCOURSE_DATA=standin" in message and data.BEEWASP.mirror_env in message
    assert not isinstance(failure.value, data.ChecksumError)
    assert leftovers(cache) == []


def test_registry_entry():
    """No checksum is published: the archive is verified by its structure (the tests above unpack and check it)."""
    source = data.REGISTRY["beewasp"]
    assert source.url == "https://github.com/SVizor42/ML_Zoomcamp/releases/download/bee-wasp-data/data.zip"
    assert source.sha256 is None and source.mirror_env == "CNNCOURSE_BEEWASP_URL"
    assert data.BEEWASP_COUNTS == {"train": 3677, "test": 918}
    assert "3,677 training and 918 test" in source.description


def test_cached_folders_are_readable_by_every_user(standin, cache):
    """Grading kernels run as an unprivileged user and read the cache: no folder of it is private."""
    folder = standin.parent  # the stand-in's cache folder, made from a private temporary one
    assert folder.stat().st_mode & 0o055 == 0o055
    folder.chmod(0o700)  # a cache made before the rule
    assert data.load_beewasp() == standin
    assert folder.stat().st_mode & 0o055 == 0o055
