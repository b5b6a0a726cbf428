"""The data layer: verified downloads, the stand-in switch, and failing fast offline.

Downloads are served by a small HTTP server on 127.0.0.1; no test reaches any
other address.
"""

from __future__ import annotations

import hashlib
import http.server
import socket
import threading

import numpy as np
import pytest

from cnncourse import data

PAYLOAD = b"the real data set, byte for byte\n" * 1000
PAYLOAD_SHA256 = hashlib.sha256(PAYLOAD).hexdigest()


class _Handler(http.server.BaseHTTPRequestHandler):
    """/good serves PAYLOAD; /corrupt serves other bytes; /truncated announces more than it sends."""

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
    monkeypatch.setenv(data.CACHE_ENV, str(tmp_path))
    return tmp_path


@pytest.fixture
def source(monkeypatch, server):
    """A registered test data set served by the local server."""
    entry = data.DataSource(
        name="testset",
        url=_url(server, "/good"),
        filename="testset.bin",
        sha256=PAYLOAD_SHA256,
        description="the test set",
        standin_description="the test set's stand-in",
    )
    monkeypatch.setitem(data.REGISTRY, entry.name, entry)
    return entry


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_verified_download_lands_in_the_cache(cache, source):
    path = data.fetch("testset")
    assert path == cache / "testset.bin"
    assert path.read_bytes() == PAYLOAD


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
    assert list(cache.iterdir()) == [], "a bad download left a file behind"


def test_corrupted_cache_file_is_replaced(cache, source):
    (cache / "testset.bin").write_bytes(b"bit rot")
    assert data.fetch("testset").read_bytes() == PAYLOAD


def test_offline_without_switch_fails_fast_with_advice(cache, source, monkeypatch):
    monkeypatch.delenv(data.DATA_ENV, raising=False)
    monkeypatch.setenv(source.mirror_env, f"http://127.0.0.1:{_closed_port()}/testset.bin")
    with pytest.raises(data.DataUnavailableError) as error:
        data.fetch("testset")
    message = str(error.value)
    assert f"{data.DATA_ENV}=standin" in message
    assert source.mirror_env in message and "testset.bin" in message
    assert list(cache.iterdir()) == []


def test_mnist_offline_without_switch_fails_with_advice(cache, monkeypatch):
    monkeypatch.delenv(data.DATA_ENV, raising=False)
    monkeypatch.setenv(data.MNIST.mirror_env, f"http://127.0.0.1:{_closed_port()}/mnist.npz")
    with pytest.raises(data.DataUnavailableError, match="CNNCOURSE_DATA=standin"):
        data.load_mnist()


def test_switch_values(monkeypatch):
    for value, expected in [("standin", True), ("STANDIN", True), ("", False), ("real", False)]:
        monkeypatch.setenv(data.DATA_ENV, value)
        assert data.use_standins() is expected
    monkeypatch.setenv(data.DATA_ENV, "fake")
    with pytest.raises(ValueError, match="standin"):
        data.use_standins()


def test_switch_selects_the_mnist_standin(monkeypatch, cache):
    monkeypatch.setenv(data.DATA_ENV, "standin")
    (x_train, y_train), (x_test, y_test) = data.load_mnist()
    assert x_train.shape[1:] == (28, 28) and x_train.dtype == np.uint8
    assert y_train.dtype == np.uint8 and set(np.unique(y_train)) == set(range(10))
    assert len(x_train) + len(x_test) == 1797  # scikit-learn's digits, all of them
    assert x_train.max() == 255 and x_train.min() == 0
    assert list(cache.iterdir()) == [], "the stand-in touched the download cache"
    assert "stand-in" in data.describe("mnist")
    # deterministic: the same split every time
    (x_again, _), _ = data.load_mnist()
    np.testing.assert_array_equal(x_train, x_again)


def test_registry_rejects_duplicate_names():
    with pytest.raises(ValueError, match="registered twice"):
        data.register(data.MNIST)
