"""The built pages, as a reader's browser shows them: a real headless Chromium.

The HTML is served from 127.0.0.1; Chromium renders each chapter, and the test
checks that MathJax typeset the formulas, that executed outputs and figures are
on the page, and that no internal link is broken. It keeps a screenshot.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import tempfile
import threading
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import pytest
from bs4 import BeautifulSoup

from test_book import EXECUTED, toc_files

pytestmark = [pytest.mark.book, pytest.mark.browser]

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1600",
)
SCREENSHOT_PAGE = "book/01-convolution/conv2d"
MATHJAX_TIMEOUT_S = 30


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(built_book):
    """Serve the built HTML on a free port of 127.0.0.1 for the module."""
    handler = functools.partial(_QuietHandler, directory=str(built_book / "html"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver_path):
        pytest.fail("Chromium is not installed: run `make browser` (Debian packages chromium and chromium-driver)")
    profile = tempfile.mkdtemp(prefix="cnncourse-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _open(browser, site, docname):
    browser.get(f"{site}/{docname}.html")
    return browser


def _wait_for_mathjax(browser):
    """Wait until MathJax has loaded, then until its first typesetting pass is over."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, MATHJAX_TIMEOUT_S).until(
        lambda d: d.execute_script("return !!(window.MathJax && MathJax.startup && MathJax.startup.promise)")
    )
    browser.set_script_timeout(MATHJAX_TIMEOUT_S)
    browser.execute_async_script("MathJax.startup.promise.then(() => arguments[arguments.length - 1](true))")


@pytest.mark.parametrize("docname", EXECUTED)
def test_formulas_outputs_and_figures_render(browser, site, docname):
    _open(browser, site, docname)
    math_nodes = browser.execute_script("return document.querySelectorAll('.math').length")
    if math_nodes:
        _wait_for_mathjax(browser)
        typeset = browser.execute_script("return document.querySelectorAll('.math mjx-container').length")
        errors = browser.execute_script("return document.querySelectorAll('mjx-merror, [data-mjx-error]').length")
        assert typeset == math_nodes, f"{docname}: MathJax typeset {typeset} of {math_nodes} formulas"
        assert errors == 0, f"{docname}: MathJax reports {errors} TeX error(s)"
    outputs = browser.execute_script("return document.querySelectorAll('.cell_output, .pasted-text, figure img').length")
    assert outputs > 0, f"{docname}: no executed output on the page"
    broken_images = browser.execute_script(
        "return Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
    )
    assert not broken_images, f"{docname}: images that did not load: {broken_images}"


def test_chapters_with_figures_show_them(browser, site):
    """At least the convolution chapters show figures drawn by their code."""
    for docname in [d for d in EXECUTED if d.startswith("book/01-convolution/")]:
        _open(browser, site, docname)
        figures = browser.execute_script(
            "return Array.from(document.querySelectorAll('figure img, .cell_output img'))"
            ".filter(i => i.naturalWidth > 0).length"
        )
        assert figures > 0, f"{docname}: no figure on the page"


def _internal_links(browser, site) -> set[str]:
    hrefs = browser.execute_script("return Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
    return {h for h in hrefs if h.startswith(site)}


def test_no_internal_link_is_broken(browser, site, built_book):
    html_root = built_book / "html"
    checked: dict[str, set[str]] = {}
    broken = []
    for docname in toc_files():
        _open(browser, site, docname)
        for link in _internal_links(browser, site):
            url, fragment = urldefrag(link)
            path = urlparse(url).path.lstrip("/") or "index.html"
            target = html_root / path
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{docname} -> {link} (no such page)")
                continue
            if fragment and target.suffix == ".html":
                if path not in checked:
                    soup = BeautifulSoup(target.read_text(), "html.parser")
                    checked[path] = {tag["id"] for tag in soup.find_all(id=True)}
                if fragment not in checked[path]:
                    broken.append(f"{docname} -> {link} (no anchor #{fragment})")
    assert not broken, "broken internal links:\n" + "\n".join(sorted(set(broken)))


def test_screenshot_of_a_chapter(browser, site, built_book):
    _open(browser, site, SCREENSHOT_PAGE)
    _wait_for_mathjax(browser)
    shot = built_book / "screenshots" / f"{Path(SCREENSHOT_PAGE).name}.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000, "the screenshot is (nearly) empty"
