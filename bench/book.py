"""Time the book build, then weigh its pages as a reader's browser loads them.

    make bench-book                                    # build twice, then weigh that build
    .venv/bin/python -m bench.book --weights-only [DIR]   # weigh an existing build (default _build/html)

Builds into a fresh temporary folder (the repository's own `_build/` and its
cache are left alone), with the same command and data as `make book`: a full
build from nothing, then a rebuild with no change. Then headless Chromium opens
every page of the table of contents with its cache off, waits until MathJax has
typeset, fonts and images have loaded, and adds up the bytes it transferred
(served by Python's http.server: once as the files are stored, once with text
files gzip-compressed as GitHub Pages sends them). Budgets, on the stored bytes:
a typical chapter under 1.5 MB, the heaviest page under 3 MB.
"""

import argparse
import functools
import gzip
import http.server
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from cnncourse.bookbuild import build_command

ROOT = Path(__file__).resolve().parents[1]


def timed_build(output: Path) -> float:
    command = build_command(ROOT, output)
    env = dict(os.environ, CNNCOURSE_DATA=os.environ.get("CNNCOURSE_DATA", "standin"))
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"the build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return elapsed


TYPICAL_BUDGET_MB = 1.5
HEAVIEST_BUDGET_MB = 3.0
_SETTLE_JS = """
const done = arguments[arguments.length - 1];
const math = window.MathJax && MathJax.startup && MathJax.startup.promise;
const images = Array.from(document.images).map(i => i.complete ? null : new Promise(r => { i.onload = i.onerror = r; }));
Promise.all([math || null, document.fonts.ready, ...images]).then(() => setTimeout(() => done(
  [performance.getEntriesByType("navigation")[0].transferSize]
    .concat(performance.getEntriesByType("resource").map(e => e.transferSize))
    .reduce((a, b) => a + b, 0)), 300));
"""


def toc_pages() -> list[str]:
    sys.path.insert(0, str(ROOT / "tests"))
    from test_book import toc_files

    return toc_files()


COMPRESSIBLE = {".html", ".css", ".js", ".svg", ".json", ".txt"}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _Gzip(_Quiet):
    """Sends text files gzip-compressed, as GitHub Pages and most static hosts do."""

    def do_GET(self):
        path = Path(self.translate_path(self.path))
        if path.suffix not in COMPRESSIBLE or not path.is_file() or "gzip" not in self.headers.get("Accept-Encoding", ""):
            return super().do_GET()
        body = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def page_weights(html: Path, compress: bool = False) -> dict[str, int]:
    """Bytes Chromium transfers to show each page of the table of contents, cache off."""
    sys.path.insert(0, str(ROOT / "tests"))
    from test_navigation import LAPTOP, chromium

    handler = _Gzip if compress else _Quiet
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(html)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    site = f"http://127.0.0.1:{server.server_address[1]}"
    driver = chromium(LAPTOP)
    weights = {}
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
        driver.set_script_timeout(60)
        for docname in toc_pages():
            driver.get(f"{site}/{docname}.html")
            weights[docname] = driver.execute_async_script(_SETTLE_JS)
    finally:
        driver.quit()
        shutil.rmtree(driver.profile_dir, ignore_errors=True)
        server.shutdown()
    return weights


def report_weights(weights: dict[str, int], compressed: dict[str, int]) -> bool:
    """Print every page's weight and the two budgets (on the uncompressed bytes); True when both hold."""
    mb = {page: size / 1e6 for page, size in weights.items()}
    chapters = [size for page, size in mb.items() if page.startswith("book/")]
    typical = statistics.median(chapters)
    heaviest = max(mb, key=mb.get)
    print("  page weights, transferred by Chromium with its cache off: as stored | text gzip-compressed")
    for page, size in sorted(mb.items(), key=lambda item: -item[1]):
        print(f"    {size:6.2f} MB | {compressed[page] / 1e6:5.2f} MB  {page}")
    ok_typical, ok_heaviest = typical < TYPICAL_BUDGET_MB, mb[heaviest] < HEAVIEST_BUDGET_MB
    print(f"  typical chapter (median of {len(chapters)}): {typical:5.2f} MB  (budget {TYPICAL_BUDGET_MB} MB: {'ok' if ok_typical else 'OVER'})")
    print(f"  heaviest page: {mb[heaviest]:5.2f} MB, {heaviest}  (budget {HEAVIEST_BUDGET_MB} MB: {'ok' if ok_heaviest else 'OVER'})")
    return ok_typical and ok_heaviest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights-only", nargs="?", const=str(ROOT / "_build" / "html"), metavar="DIR",
                        help="only weigh the pages of an existing build (default: _build/html)")
    args = parser.parse_args()
    if args.weights_only:
        print(f"bench-book: page weights of {args.weights_only}")
        html = Path(args.weights_only)
        sys.exit(0 if report_weights(page_weights(html), page_weights(html, compress=True)) else 1)
    output = Path(tempfile.mkdtemp(prefix="cnncourse-bench-book-"))
    try:
        full = timed_build(output)
        rebuild = timed_build(output)
        weights = page_weights(output / "_build" / "html")
        compressed = page_weights(output / "_build" / "html", compress=True)
    finally:
        shutil.rmtree(output, ignore_errors=True)
    pages = len(list((ROOT / "book").rglob("*.md")))
    print(f"bench-book: {pages} pages on {os.cpu_count()} CPU cores, data: {os.environ.get('CNNCOURSE_DATA') or 'real'}")
    print(f"  full build (every chapter executed): {full:7.1f} s")
    print(f"  rebuild with no change:              {rebuild:7.1f} s")
    sys.exit(0 if report_weights(weights, compressed) else 1)


if __name__ == "__main__":
    main()
