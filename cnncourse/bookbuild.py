"""The one way the book is built, for `make book`, the tests, the benchmark and page previews.

    python -m cnncourse.bookbuild [SOURCE] [--output DIR]

Warnings are errors (``-W``), references are checked nitpickily (``-n``) and every
problem is listed before the build fails (``--keep-going``). ``SOURCE`` is the
folder holding ``_config.yml`` and ``_toc.yml`` (the repository root by default);
the HTML goes to ``<output>/_build/html``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def build_command(source: Path | str, output: Path | str | None = None) -> list[str]:
    """The jupyter-book command line that builds ``source`` into ``output`` (default: ``source``)."""
    source = Path(source)
    return [str(BIN / "jupyter-book"), "build", str(source), "--path-output", str(Path(output or source)),
            "-W", "-n", "--keep-going"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cnncourse.bookbuild", description=__doc__.split("\n\n")[0])
    parser.add_argument("source", nargs="?", default=".", type=Path, help="the book's root (default: .)")
    parser.add_argument("--output", type=Path, default=None, help="where _build/ goes (default: the source)")
    args = parser.parse_args(argv)
    return subprocess.run(build_command(args.source, args.output)).returncode


if __name__ == "__main__":
    sys.exit(main())
