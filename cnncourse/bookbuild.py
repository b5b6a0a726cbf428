"""The one way the book is built, for `make book`, the tests, the benchmark and page previews.

    python -m cnncourse.bookbuild [SOURCE] [--output DIR]

Warnings are errors (``-W``), references are checked nitpickily (``-n``) and every
problem is listed before the build fails (``--keep-going``). ``SOURCE`` is the
folder holding ``_config.yml`` and ``_toc.yml`` (the repository root by default);
the HTML goes to ``<output>/_build/html``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def build_command(source: Path | str, output: Path | str | None = None) -> list[str]:
    """The jupyter-book command line that builds ``source`` into ``output`` (default: ``source``)."""
    source = Path(source)
    return [str(BIN / "jupyter-book"), "build", str(source), "--path-output", str(Path(output or source)),
            "-W", "-n", "--keep-going"]


def forget_stale_pages(source: Path | str, output: Path | str | None = None) -> bool:
    """Delete the built HTML when ``_toc.yml`` or ``_config.yml`` changed after it was built.

    Sphinx rewrites only the pages whose source changed, so after a new entry in
    the table of contents every other page would keep its old sidebar. The
    execution cache (``_build/.jupyter_cache``) stays: nothing is executed again.
    Returns whether anything was deleted.
    """
    html = Path(output or source) / "_build" / "html"
    built = html / ".buildinfo"  # Sphinx writes it at the end of every build that writes pages
    settings = [Path(source) / name for name in ("_toc.yml", "_config.yml")]
    if not built.exists() or all(path.stat().st_mtime <= built.stat().st_mtime for path in settings if path.exists()):
        return False
    shutil.rmtree(html)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cnncourse.bookbuild", description=__doc__.split("\n\n")[0])
    parser.add_argument("source", nargs="?", default=".", type=Path, help="the book's root (default: .)")
    parser.add_argument("--output", type=Path, default=None, help="where _build/ goes (default: the source)")
    args = parser.parse_args(argv)
    if forget_stale_pages(args.source, args.output):
        print("_toc.yml or _config.yml changed: every page is written again (nothing is executed again)")
    return subprocess.run(build_command(args.source, args.output)).returncode


if __name__ == "__main__":
    sys.exit(main())
