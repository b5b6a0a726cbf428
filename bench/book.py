"""Time the book build: a full build from nothing, then a rebuild with no change.

    make bench-book

Builds into a fresh temporary folder (the repository's own `_build/` and its
cache are left alone), with the same command and data as `make book`.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def timed_build(output: Path) -> float:
    command = [str(BIN / "jupyter-book"), "build", str(ROOT), "--path-output", str(output), "-W", "-n", "--keep-going"]
    env = dict(os.environ, CNNCOURSE_DATA=os.environ.get("CNNCOURSE_DATA", "standin"))
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"the build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return elapsed


def main() -> None:
    output = Path(tempfile.mkdtemp(prefix="cnncourse-bench-book-"))
    try:
        full = timed_build(output)
        rebuild = timed_build(output)
    finally:
        shutil.rmtree(output, ignore_errors=True)
    pages = len(list((ROOT / "book").rglob("*.md")))
    print(f"bench-book: {pages} pages on {os.cpu_count()} CPU cores, data: {os.environ.get('CNNCOURSE_DATA') or 'real'}")
    print(f"  full build (every chapter executed): {full:7.1f} s")
    print(f"  rebuild with no change:              {rebuild:7.1f} s")


if __name__ == "__main__":
    main()
