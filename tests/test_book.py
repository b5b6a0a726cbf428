"""The book builds with warnings as errors, every chapter executes, and the pages
carry what readers of a course book expect (search, downloads, launch buttons)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from bs4 import BeautifulSoup

from cnncourse.bookbuild import build_command
from conftest import BIN, ROOT

pytestmark = pytest.mark.book

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
REPO_URL = CONFIG["repository"]["url"]
BRANCH = CONFIG["repository"].get("branch", "main")


def toc_files() -> list[str]:
    """Every file the table of contents lists, root first, without extension."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return files


def source_of(docname: str) -> Path | None:
    """The source file of a page, or None if the toc names a file that does not exist."""
    for suffix in (".md", ".ipynb"):
        path = ROOT / f"{docname}{suffix}"
        if path.exists():
            return path
    return None


def is_executed_notebook(docname: str) -> bool:
    """MyST notebooks (a jupytext header) are executed; release/ notebooks are shown as they are."""
    path = source_of(docname)
    return path is not None and path.suffix == ".md" and path.read_text().startswith("---\njupytext:")


def is_ipynb_page(docname: str) -> bool:
    path = source_of(docname)
    return path is not None and path.suffix == ".ipynb"


EXECUTED = [d for d in toc_files() if is_executed_notebook(d)]
NOTEBOOK_PAGES = [d for d in toc_files() if is_executed_notebook(d) or is_ipynb_page(d)]


def page(built_book: Path, docname: str) -> BeautifulSoup:
    return BeautifulSoup((built_book / "html" / f"{docname}.html").read_text(), "html.parser")


def test_toc_lists_existing_files_only():
    missing = [d for d in toc_files() if source_of(d) is None]
    assert not missing, f"_toc.yml lists files that do not exist: {missing}"


def test_book_builds_with_warnings_as_errors(book_build):
    output = book_build.stdout + book_build.stderr
    assert book_build.returncode == 0, output[-5000:]
    # Sphinx ends with "build succeeded." only when there was no warning at all
    # (otherwise "build succeeded, N warnings." or "build finished with problems").
    assert re.search(r"build succeeded\.", output), "the build printed warnings"


def test_every_page_is_built(built_book):
    missing = [d for d in toc_files() if not (built_book / "html" / f"{d}.html").exists()]
    assert not missing


@pytest.fixture(scope="module")
def execution_cache(built_book):
    from jupyter_cache import get_cache

    return get_cache(built_book / ".jupyter_cache")


@pytest.mark.parametrize("docname", EXECUTED)
def test_chapter_executed_without_errors(built_book, execution_cache, docname):
    """The page's current code ran to the end: jupyter-cache keeps successful runs only.

    (The cache, not ``_build/jupyter_execute``, is the witness: on a cache hit
    myst-nb 1.4 writes the notebook there without its outputs.)
    """
    from myst_nb.core.read import read_myst_markdown_notebook

    notebook = read_myst_markdown_notebook(source_of(docname).read_text(), add_source_map=True)
    assert any(cell.cell_type == "code" for cell in notebook.cells), f"{docname} has no code to execute"
    try:
        execution_cache.match_cache_notebook(notebook)
    except KeyError:
        pytest.fail(f"{docname}: no successful execution of its current code in the build's cache")
    html = page(built_book, docname)
    # an executed result shows as a cell output, or pasted into the text and figures by glue
    assert html.select(".cell_output, .pasted-text, figure img"), f"{docname}: the page shows no executed output"
    assert not html.select(".output.traceback"), f"{docname}: the page shows an error traceback"


def test_rebuild_without_changes_executes_nothing(built_book):
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    rebuild = subprocess.run(build_command(ROOT), cwd=ROOT, env=env, capture_output=True, text=True)
    output = rebuild.stdout + rebuild.stderr
    assert rebuild.returncode == 0, output[-3000:]
    assert "Executing" not in output and "Executed" not in output, "an unchanged book re-executed a notebook"


def test_search_page_and_index(built_book):
    assert (built_book / "html" / "search.html").exists()
    index = (built_book / "html" / "searchindex.js").read_text()
    for term in ("convolut", "stride", "pad"):
        assert term in index, f"the search index does not know {term!r}"


def test_mathjax_is_served_locally(built_book):
    soup = page(built_book, EXECUTED[0])
    sources = [s.get("src", "") for s in soup.find_all("script")]
    mathjax = [s for s in sources if "mathjax" in s.lower()]
    assert mathjax and all(not urlparse(s).netloc for s in mathjax), mathjax
    served = built_book / "html" / "_static" / "mathjax"
    assert any("mathjax/startup.js" in s for s in mathjax), mathjax  # _config.yml's mathjax_path
    assert (served / "startup.js").exists() and (served / "core.js").exists()


def _links(soup: BeautifulSoup) -> list[str]:
    return [a["href"] for a in soup.find_all("a", href=True)]


def _header_links(soup: BeautifulSoup, kind: str) -> list[str]:
    """Links of one header dropdown of the theme: 'launch', 'download' or 'source'."""
    return [a["href"] for menu in soup.select(f".dropdown-{kind}-buttons") for a in menu.find_all("a", href=True)]


@pytest.mark.parametrize("docname", NOTEBOOK_PAGES)
def test_download_and_launch_buttons(built_book, docname):
    soup = page(built_book, docname)
    suffix = source_of(docname).suffix
    repo_path = urlparse(REPO_URL).path.strip("/")  # org/repo
    downloads = _header_links(soup, "download")
    assert any(h.endswith(f"_sources/{docname}.ipynb") for h in downloads), f"{docname}: no .ipynb download button"
    launch = _header_links(soup, "launch")
    binder = [h for h in launch if "mybinder.org" in h]
    assert binder == [f"https://mybinder.org/v2/gh/{repo_path}/{BRANCH}?urlpath=lab/tree/{docname}{suffix}"]
    colab = [h for h in launch if "colab.research.google.com" in h]
    if suffix == ".ipynb":
        assert colab == [f"https://colab.research.google.com/github/{repo_path}/blob/{BRANCH}/{docname}.ipynb"]
    else:
        assert colab == [], f"{docname}: Colab cannot open MyST notebooks, but the page offers it"


def test_repository_buttons_use_the_configured_url(built_book):
    soup = page(built_book, EXECUTED[0])
    links = _links(soup)
    assert REPO_URL in links
    assert any(h.startswith(f"{REPO_URL}/edit/{BRANCH}/") for h in links)
    assert any(h.startswith(f"{REPO_URL}/issues/new") for h in links)


def test_glued_numbers_are_rendered(built_book):
    """Pages never show a glue key instead of its value."""
    for docname in EXECUTED:
        text = (built_book / "html" / f"{docname}.html").read_text()
        assert "{glue:" not in text and "glue:text" not in text, f"{docname} shows an unrendered glue role"
