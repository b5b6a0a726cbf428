"""Build a few pages of the book on their own, with the book's real configuration.

    .venv/bin/python tools/preview.py book/01-convolution/conv1d.md [more pages...]

Copies the configuration into a private folder under /tmp, writes a table of
contents with the intro and the given pages, and runs the same
build as `make book` (cnncourse.bookbuild). Several contributors (or
helpers) can preview at once without touching `_build/`.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

from cnncourse.bookbuild import build_command

ROOT = Path(__file__).resolve().parents[1]


def main(pages: list[str]) -> int:
    work = Path(tempfile.mkdtemp(prefix="cnncourse-preview-"))
    for name in ("_config.yml", "book", "release"):
        source = ROOT / name
        if source.exists():
            (work / name).symlink_to(source)
    chapters = "\n".join(f"      - file: {Path(p).with_suffix('').as_posix()}" for p in pages)
    (work / "_toc.yml").write_text(
        f"format: jb-book\nroot: book/intro\nparts:\n  - caption: Preview\n    chapters:\n{chapters}\n"
    )
    result = subprocess.run(build_command(work), cwd=work)
    print(f"preview: {work / '_build/html/index.html'} (exit {result.returncode})")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
