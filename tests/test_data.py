"""The data hub (cnncourse.data.hub): registry, verified download, cache, mirrors, the stand-in switch, folders.

Downloads are served by small HTTP servers on 127.0.0.1; no test reaches any
other address. The data sets' own tests are test_mnist_data.py,
test_beewasp_data.py and test_cifar10_data.py.
"""

from __future__ import annotations

import hashlib
import http.server
import re
import socket
import threading
import time
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from local_mirror import closed_port, leftovers, use_real_data

from cnncourse import data
from cnncourse.data import hub

ROOT = Path(__file__).resolve().parents[1]
PAYLOAD = b"the real data set, byte for byte\n" * 1000
PAYLOAD_SHA256 = hashlib.sha256(PAYLOAD).hexdigest()


class _Handler(http.server.BaseHTTPRequestHandler):
    """/good serves PAYLOAD; /corrupt serves other bytes; /truncated announces more than it sends; else 404."""

    def do_GET(self):
        body = {"/good": PAYLOAD, "/corrupt": PAYLOAD[:-1] + b"X", "/truncated": PAYLOAD[:1000]}.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        announced = len(PAYLOAD) if self.path == "/truncated" else len(body)
        self.send_header("Content-Length", str(announced))
        self.end_headers()
        self.wfile.write(body)
        self.server.requests += 1

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.requests = 0
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _url(server, path):
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    return use_real_data(monkeypatch, tmp_path / "cache")


@pytest.fixture
def source(monkeypatch, server):
    """A registered test data set served by the local server."""
    entry = data.DataSource(
        name="testset",
        url=_url(server, "/good"),
        filename="testset.bin",
        sha256=PAYLOAD_SHA256,
        size=len(PAYLOAD),
        description="the test set",
        standin_description="the test set's stand-in",
    )
    monkeypatch.setitem(data.REGISTRY, entry.name, entry)
    return entry


# --------------------------------------------------------------------------- verified download


def test_verified_download_lands_in_the_cache_readable_by_every_user(cache, source):
    path = data.fetch("testset")
    assert path == cache / "testset.bin"
    assert path.read_bytes() == PAYLOAD
    assert path.stat().st_mode & 0o444 == 0o444, "a sandboxed grading kernel (another user) must read it"
    assert leftovers(cache) == ["testset.bin"], "no temporary file is left"


def test_cached_file_is_used_without_downloading_again(cache, source, server):
    data.fetch("testset")
    before = server.requests
    data.fetch("testset")
    assert server.requests == before


@pytest.mark.parametrize("path", ["/corrupt", "/truncated"])
def test_bad_download_is_caught_and_leaves_nothing(cache, source, server, monkeypatch, path):
    monkeypatch.setenv(source.mirror_env, _url(server, path))
    with pytest.raises(data.ChecksumError, match="checksum mismatch|truncated"):
        data.fetch("testset")
    assert leftovers(cache) == [], "a bad download left a file behind"


def test_truncated_download_is_caught_without_a_checksum(cache, source, server, monkeypatch):
    """A file verified by its structure (no SHA-256) still never keeps a short download."""
    monkeypatch.setitem(data.REGISTRY, "testset", replace(source, sha256=None))
    monkeypatch.setenv(source.mirror_env, _url(server, "/truncated"))
    with pytest.raises(data.ChecksumError, match="truncated"):
        data.fetch("testset")
    assert leftovers(cache) == []


def test_corrupted_cache_file_is_replaced(cache, source):
    cache.mkdir()
    (cache / "testset.bin").write_bytes(b"bit rot")
    assert data.fetch("testset").read_bytes() == PAYLOAD


def test_the_mirror_variable_wins_over_the_public_url(cache, source, server, monkeypatch):
    monkeypatch.setitem(data.REGISTRY, "testset", replace(source, url=f"http://127.0.0.1:{closed_port()}/gone"))
    monkeypatch.setenv(source.mirror_env, _url(server, "/good"))
    assert source.mirror_env == "CNNCOURSE_TESTSET_URL"
    assert data.fetch("testset").read_bytes() == PAYLOAD


def test_a_mirror_without_the_file_is_unavailable_not_corrupt(cache, source, server, monkeypatch):
    monkeypatch.setenv(source.mirror_env, _url(server, "/missing"))
    with pytest.raises(data.DataUnavailableError, match="404") as error:
        data.fetch("testset")
    assert not isinstance(error.value, data.ChecksumError)
    assert leftovers(cache) == []


def test_offline_without_switch_fails_fast_with_advice(cache, source, monkeypatch):
    monkeypatch.delenv(data.DATA_ENV, raising=False)
    monkeypatch.setenv(source.mirror_env, f"http://127.0.0.1:{closed_port()}/testset.bin")
    with pytest.raises(data.DataUnavailableError) as error:
        data.fetch("testset")
    message = str(error.value)
    assert f"{data.DATA_ENV}=standin" in message
    assert source.mirror_env in message and "testset.bin" in message and str(cache) in message
    assert leftovers(cache) == []


def test_a_silent_server_fails_after_the_timeout_instead_of_hanging(cache, source, monkeypatch):
    """A server that accepts the connection and never answers: the download gives up after its timeout."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # the kernel completes the handshake; nobody ever reads or writes
    monkeypatch.setattr(hub, "DOWNLOAD_TIMEOUT_S", 0.5)
    monkeypatch.setenv(source.mirror_env, f"http://127.0.0.1:{silent.getsockname()[1]}/testset.bin")
    start = time.monotonic()
    try:
        with pytest.raises(data.DataUnavailableError, match="CNNCOURSE_DATA=standin"):
            data.fetch("testset")
    finally:
        silent.close()
    assert time.monotonic() - start < 10
    assert leftovers(cache) == []


# --------------------------------------------------------------------------- registry and switch


def test_switch_values(monkeypatch):
    for value, expected in [("standin", True), ("STANDIN", True), ("", False), ("real", False)]:
        monkeypatch.setenv(data.DATA_ENV, value)
        assert data.use_standins() is expected
    monkeypatch.setenv(data.DATA_ENV, "fake")
    with pytest.raises(ValueError, match="standin"):
        data.use_standins()


def test_registry_rejects_duplicate_names():
    with pytest.raises(ValueError, match="registered twice"):
        data.register(data.MNIST)


def test_every_data_set_is_registered_with_a_public_url_and_a_check():
    assert {"beewasp", "cifar10", "mnist"} <= set(data.REGISTRY)
    for source in data.REGISTRY.values():
        assert source.url.startswith("https://"), source
        assert source.sha256 is None or re.fullmatch(r"[0-9a-f]{64}", source.sha256), source
        assert source.size is None or source.size > 0, source


def test_descriptions_come_from_the_registry(monkeypatch):
    for name, source in data.REGISTRY.items():
        monkeypatch.setenv(data.DATA_ENV, "standin")
        assert data.describe(name) == source.standin_description and "stand-in" in data.describe(name)
        monkeypatch.setenv(data.DATA_ENV, "real")
        assert data.describe(name) == source.description and "stand-in" not in data.describe(name)


def test_every_documented_mirror_variable_belongs_to_a_data_set():
    """README and the package name mirror variables; each one is a registered data set's (and so honoured)."""
    mirrors = {source.mirror_env for source in data.REGISTRY.values()}
    for text in ((ROOT / "README.md").read_text(), data.__doc__):
        named = set(re.findall(r"CNNCOURSE_[A-Z0-9]+_URL", text))
        assert named and named <= mirrors, named - mirrors
    assert mirrors <= set(re.findall(r"CNNCOURSE_[A-Z0-9]+_URL", data.__doc__)), "the package names every mirror"
    readme = (ROOT / "README.md").read_text()
    assert mirrors <= set(re.findall(r"CNNCOURSE_[A-Z0-9]+_URL", readme)), "README names every mirror"
    loaders = {f"load_{name}()" for name in data.REGISTRY}
    assert {loader for loader in loaders if loader not in readme} == set(), "README's table lists every loader"


# --------------------------------------------------------------------------- cached folders


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as bundle:
        for name, content in members.items():
            bundle.writestr(name, content)
    return path


@pytest.mark.parametrize("evil", ["../evil.txt", "data/../../evil.txt", "/tmp/evil-absolute.txt"])
def test_extraction_refuses_paths_that_escape(tmp_path, evil):
    archive = _zip(tmp_path / "evil.zip", {"data/fine.txt": b"fine", evil: b"gotcha"})
    target = tmp_path / "deep" / "target"
    with pytest.raises(data.ChecksumError, match="escapes"):
        data.safe_extract_zip(archive, target)
    assert not list(target.rglob("*")), "nothing is extracted from a refused archive"
    assert not (tmp_path / "deep" / "evil.txt").exists() and not (tmp_path / "evil.txt").exists()


def test_extraction_refuses_symbolic_links(tmp_path):
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        link = zipfile.ZipInfo("data/link")
        link.external_attr = 0o120777 << 16
        bundle.writestr(link, "/etc/passwd")
    with pytest.raises(data.ChecksumError, match="symbolic link"):
        data.safe_extract_zip(archive, tmp_path / "target")


def test_extraction_refuses_what_is_not_a_zip(tmp_path):
    archive = tmp_path / "broken.zip"
    archive.write_bytes(b"PK\x03\x04 truncated " * 50)
    with pytest.raises(data.ChecksumError, match="not a valid zip"):
        data.safe_extract_zip(archive, tmp_path / "target")


def test_extraction_keeps_the_tree(tmp_path):
    archive = _zip(tmp_path / "good.zip", {"data/a/one.txt": b"1", "data/b/two.txt": b"2"})
    data.safe_extract_zip(archive, tmp_path / "target")
    assert (tmp_path / "target" / "data" / "a" / "one.txt").read_bytes() == b"1"
    assert (tmp_path / "target" / "data" / "b" / "two.txt").read_bytes() == b"2"


def test_build_folder_is_atomic_and_readable_by_every_user(tmp_path):
    target = tmp_path / "made"

    def fail(tmp: Path):
        (tmp / "half.txt").write_text("half done")
        raise data.ChecksumError("the check failed")

    with pytest.raises(data.ChecksumError):
        hub.build_folder(target, fail)
    assert leftovers(tmp_path) == [], "a failed build leaves neither the folder nor its temporary one"

    assert hub.build_folder(target, lambda tmp: (tmp / "done.txt").write_text("done")) == 4
    assert (target / "done.txt").read_text() == "done"
    assert target.stat().st_mode & 0o055 == 0o055, "mkdtemp's folder is private; the cached one is not"
    assert leftovers(tmp_path) == ["made"]


def test_build_folder_keeps_what_another_process_made_first(tmp_path):
    target = tmp_path / "made"

    def race(tmp: Path):
        (tmp / "mine.txt").write_text("mine")
        target.mkdir()
        (target / "theirs.txt").write_text("theirs")

    hub.build_folder(target, race)
    assert leftovers(target) == ["theirs.txt"] and leftovers(tmp_path) == ["made"]


def test_readable_by_all_mends_a_private_file_and_folder(tmp_path):
    folder, file = tmp_path / "folder", tmp_path / "file"
    folder.mkdir(mode=0o700)
    file.write_bytes(b"x")
    file.chmod(0o600)
    hub.readable_by_all(folder)
    hub.readable_by_all(file)
    assert folder.stat().st_mode & 0o755 == 0o755 and file.stat().st_mode & 0o444 == 0o444
