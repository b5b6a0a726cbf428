"""Finding your way through the book on a phone and on a laptop, in a real Chromium.

At 390 × 844 (a phone) the sidebars are hidden: the ☰ button must open the
book's contents and the contents button the page's sections, and a link in them
must lead somewhere. At 1366 × 900 (a laptop) the contents sit in a sidebar that
☰ collapses and brings back. Every page must load without a console error.
"""

from __future__ import annotations

import shutil
import tempfile

import pytest

from test_book import toc_files
from test_browser import CHROMIUM_FLAGS, site  # noqa: F401  (the fixture serving the built HTML)

pytestmark = [pytest.mark.book, pytest.mark.browser]

PHONE = (390, 844)
LAPTOP = (1366, 900)
PAGE = "book/02-cnn/parameters"  # a long chapter with sections, in the middle of the book
WAIT_S = 10


def chromium(size: tuple[int, int]):
    """A headless Chromium with a window of `size` that keeps the page's console messages."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium_path, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium_path and driver_path):
        pytest.fail("Chromium is not installed: run `make browser` (Debian packages chromium and chromium-driver)")
    profile = tempfile.mkdtemp(prefix="cnncourse-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium_path
    flags = [f for f in CHROMIUM_FLAGS if not f.startswith("--window-size=")]
    for flag in (*flags, f"--window-size={size[0]},{size[1]}", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(60)
    driver.set_window_size(*size)
    driver.profile_dir = profile
    return driver


@pytest.fixture(scope="module")
def phone():
    driver = chromium(PHONE)
    yield driver
    driver.quit()
    shutil.rmtree(driver.profile_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def laptop():
    driver = chromium(LAPTOP)
    yield driver
    driver.quit()
    shutil.rmtree(driver.profile_dir, ignore_errors=True)


def wait_until(driver, condition, message):
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, WAIT_S).until(lambda d: condition(d))
    except TimeoutException:
        pytest.fail(message)


def visible_button(driver, selector):
    """The one button matching `selector` that the reader can see (themes keep hidden copies)."""
    shown = [b for b in driver.find_elements("css selector", selector) if b.is_displayed()]
    assert len(shown) == 1, f"{len(shown)} visible buttons match {selector!r} at {driver.get_window_size()}"
    return shown[0]


def visible_links(driver, container_selector):
    links = driver.find_elements("css selector", f"{container_selector} a[href]")
    return [a for a in links if a.is_displayed() and a.rect["width"] > 0]


def is_shown(driver, selector) -> bool:
    """True when the element takes room on the screen and is not hidden or transparent."""
    return driver.execute_script(
        """const e = document.querySelector(arguments[0]);
        if (!e) return false;
        const s = getComputedStyle(e), r = e.getBoundingClientRect();
        return s.visibility !== 'hidden' && s.display !== 'none' && Number(s.opacity) > 0.1
               && r.width > 50 && r.right > 0 && r.left < window.innerWidth;""",
        selector,
    )


def test_phone_menu_opens_the_contents_and_a_link_leads_there(phone, site):
    phone.get(f"{site}/{PAGE}.html")
    assert not is_shown(phone, "#pst-primary-sidebar"), "on a phone the book's contents start hidden"
    visible_button(phone, ".primary-toggle").click()
    wait_until(phone, lambda d: len(visible_links(d, "dialog[open]")) > 5,
               "☰ on a phone does not open the book's contents")
    target = next(a for a in visible_links(phone, "dialog[open]") if "pooling" in a.get_attribute("href"))
    href = target.get_attribute("href")
    target.click()
    wait_until(phone, lambda d: d.current_url.split("#")[0] == href.split("#")[0],
               f"following {href} from the phone menu does not open it")
    assert "pooling" in phone.title.lower() or phone.find_element("css selector", "h1").is_displayed()


def test_phone_contents_button_lists_the_sections_of_the_page(phone, site):
    phone.get(f"{site}/{PAGE}.html")
    visible_button(phone, ".secondary-toggle").click()
    wait_until(phone, lambda d: len(visible_links(d, "dialog[open]")) > 2,
               "the contents button on a phone does not open the list of sections")
    link = visible_links(phone, "dialog[open]")[1]
    fragment = link.get_attribute("href").split("#", 1)[1]
    link.click()
    wait_until(phone, lambda d: d.current_url.endswith(f"#{fragment}"),
               f"the section link #{fragment} in the phone contents leads nowhere")


def test_laptop_menu_collapses_and_reopens_the_sidebar(laptop, site):
    laptop.get(f"{site}/{PAGE}.html")
    assert is_shown(laptop, "#pst-primary-sidebar"), "on a laptop the contents sidebar starts open"
    toggle = visible_button(laptop, ".primary-toggle")
    toggle.click()
    wait_until(laptop, lambda d: not is_shown(d, "#pst-primary-sidebar"), "☰ on a laptop does not collapse the sidebar")
    assert not laptop.find_elements("css selector", "dialog[open]"), "☰ on a laptop opened a dialog instead"
    visible_button(laptop, ".primary-toggle").click()
    wait_until(laptop, lambda d: is_shown(d, "#pst-primary-sidebar"), "☰ on a laptop does not bring the sidebar back")
    link = next(a for a in visible_links(laptop, "#pst-primary-sidebar") if "im2col" in a.get_attribute("href"))
    href = link.get_attribute("href")
    link.click()
    wait_until(laptop, lambda d: d.current_url.split("#")[0] == href.split("#")[0],
               f"following {href} from the sidebar does not open it")


def console_errors(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_no_page_logs_a_console_error(site, size):
    driver = chromium(size)
    try:
        errors = {}
        for docname in toc_files():
            driver.get(f"{site}/{docname}.html")
            driver.execute_script("return document.readyState")
            found = console_errors(driver)
            if found:
                errors[docname] = found
    finally:
        driver.quit()
        shutil.rmtree(driver.profile_dir, ignore_errors=True)
    assert not errors, "console errors:\n" + "\n".join(f"{d}: {m}" for d, ms in errors.items() for m in ms)


def test_sidebar_titles_are_unique(built_book):
    """Two entries with one title (a homework page and its notebook) leave a reader guessing."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup((built_book / "html" / f"{PAGE}.html").read_text(), "html.parser")
    titles = [" ".join(a.get_text().split()) for a in soup.select("#pst-primary-sidebar nav.bd-links a")]
    assert len(titles) == len(toc_files()), f"the sidebar lists {len(titles)} pages: {titles}"
    repeated = sorted({t for t in titles if titles.count(t) > 1})
    assert not repeated, f"titles listed twice in the sidebar: {repeated}"
