"""A local mirror for the data tests: an HTTP server on 127.0.0.1 serving the files of one folder.

The loaders reach it through their ``CNNCOURSE_<NAME>_URL`` mirror variables,
so the real download path runs without any byte leaving the machine.
"""

from __future__ import annotations

import functools
import http.server
import socket
import threading
from contextlib import contextmanager
from pathlib import Path


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        self.server.requests += 1
        super().do_GET()

    def log_message(self, *args):
        pass


@contextmanager
def serving(folder: Path):
    """Serve ``folder`` on a free port of 127.0.0.1; yields the server (``.url(name)``, ``.requests``)."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.requests = 0
    server.url = lambda name: f"http://127.0.0.1:{server.server_port}/{name}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    """A port of 127.0.0.1 that nothing listens on: a connection to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def use_real_data(monkeypatch, cache: Path) -> Path:
    """Real data, a private cache folder, and no proxy between the loaders and 127.0.0.1."""
    monkeypatch.setenv("CNNCOURSE_CACHE", str(cache))
    monkeypatch.setenv("CNNCOURSE_DATA", "real")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    return cache


def leftovers(cache: Path) -> list[str]:
    """What a cache folder holds (names, sorted); nothing when it was never made."""
    return sorted(p.name for p in cache.iterdir()) if cache.exists() else []
