"""Fixtures shared by the test suite.

The expensive things happen once per session: the book is built once (with the
jupyter-cache, so an unchanged book re-executes nothing), and each assignment is
autograded once in its own module-scoped fixture.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cnncourse.bookbuild import build_command

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BUILD_DIR = ROOT / "_build"

# Tests always run on the offline stand-ins, whatever the caller's shell says.
os.environ["CNNCOURSE_DATA"] = "standin"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture(scope="session")
def book_build() -> subprocess.CompletedProcess:
    """Build the whole book once per session and keep the build's output."""
    env = dict(os.environ, CNNCOURSE_DATA="standin", PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    return subprocess.run(build_command(ROOT), cwd=ROOT, env=env, capture_output=True, text=True)


@pytest.fixture(scope="session")
def built_book(book_build) -> Path:
    """The `_build` folder of a successful book build (html/ and jupyter_execute/)."""
    if book_build.returncode != 0:
        pytest.fail(f"the book build failed (exit {book_build.returncode}):\n{book_build.stdout[-6000:]}\n{book_build.stderr[-6000:]}")
    return BUILD_DIR
