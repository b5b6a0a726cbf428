"""cnncourse.bookbuild: the one build command, and pages that a new table of contents makes stale."""

import os

from cnncourse.bookbuild import build_command, forget_stale_pages


def built_book(root, toc_age: float, build_age: float):
    """A book folder whose _toc.yml and last build are ``toc_age`` and ``build_age`` seconds old."""
    html, cache = root / "_build" / "html", root / "_build" / ".jupyter_cache"
    html.mkdir(parents=True)
    cache.mkdir()
    (html / "intro.html").write_text("<html></html>")
    (cache / "global.db").write_text("executed")
    now = os.path.getmtime(root)
    for path, age in ((root / "_toc.yml", toc_age), (html / ".buildinfo", build_age)):
        path.write_text("x")
        os.utime(path, (now - age, now - age))
    return html, cache


def test_a_newer_table_of_contents_drops_the_pages_and_keeps_the_execution_cache(tmp_path):
    html, cache = built_book(tmp_path, toc_age=10, build_age=100)
    assert forget_stale_pages(tmp_path)
    assert not html.exists() and (cache / "global.db").exists()


def test_pages_built_after_the_table_of_contents_stay(tmp_path):
    html, _ = built_book(tmp_path, toc_age=100, build_age=10)
    assert not forget_stale_pages(tmp_path)
    assert (html / "intro.html").exists()


def test_nothing_built_yet_is_nothing_to_forget(tmp_path):
    (tmp_path / "_toc.yml").write_text("x")
    assert not forget_stale_pages(tmp_path)


def test_the_build_fails_on_warnings_and_checks_references(tmp_path):
    command = build_command(tmp_path, tmp_path / "out")
    assert command[1:3] == ["build", str(tmp_path)] and {"-W", "-n", "--keep-going"} <= set(command)
    assert command[command.index("--path-output") + 1] == str(tmp_path / "out")
