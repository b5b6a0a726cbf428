"""The book's controls work in the static HTML, with no kernel and nothing from elsewhere.

Chromium moves a slider of the layer explorer and types into the kernel
playground, and the page's numbers must equal what `cnncourse` computes in
Python for the same setting. No page may load a file from another origin.
"""

from __future__ import annotations

import numpy as np
import pytest

from cnncourse import filters, inpage
from test_book import toc_files
from test_browser import site  # noqa: F401  (the fixture serving the built HTML)
from test_navigation import LAPTOP, chromium

pytestmark = [pytest.mark.book, pytest.mark.browser]

EXPLORER_PAGE = "book/02-cnn/parameters"
PLAYGROUND_PAGE = "book/03-labs/playground"


@pytest.fixture(scope="module")
def driver():
    browser = chromium(LAPTOP)
    yield browser
    browser.quit()


def _explorer_lines(root):
    return [span.text for span in root.find_elements("css selector", ".cnn-live-result span")]


def _set(driver, root, name, value):
    driver.execute_script(
        "const i = arguments[0].querySelector(`input[name='${arguments[1]}']`); i.value = arguments[2];"
        "i.dispatchEvent(new Event('input', {bubbles: true}));",
        root, name, value,
    )


def test_moving_a_slider_updates_shape_and_count(driver, site):
    from selenium.webdriver.common.keys import Keys

    driver.get(f"{site}/{EXPLORER_PAGE}.html")
    root = driver.find_element("css selector", ".cnn-layer-explorer")
    start = dict(n=28, k=3, p=0, s=1, filters=32, c_in=1)
    assert _explorer_lines(root) == list(inpage.layer_summary(**start))
    slider = root.find_element("css selector", "input[name='k']")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", slider)
    slider.send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)  # k: 3 -> 5, as a reader's keyboard does it
    assert _explorer_lines(root) == list(inpage.layer_summary(**{**start, "k": 5}))
    assert root.find_element("css selector", "input[name='k'] + output").text == "5"


@pytest.mark.parametrize("setting", [
    dict(n=32, k=7, p=3, s=2, filters=64, c_in=3),
    dict(n=9, k=4, p=1, s=3, filters=8, c_in=8),
    dict(n=5, k=11, p=1, s=1, filters=256, c_in=64),  # the kernel does not fit
    dict(n=64, k=1, p=5, s=4, filters=1, c_in=1),
])
def test_the_page_computes_what_python_computes(driver, site, setting):
    driver.get(f"{site}/{EXPLORER_PAGE}.html")
    root = driver.find_element("css selector", ".cnn-layer-explorer")
    for name, value in setting.items():
        _set(driver, root, name, value)
    assert _explorer_lines(root) == list(inpage.layer_summary(**setting))


def _playground_state(driver, root):
    return driver.execute_script(
        """const r = arguments[0], span = r.querySelector('.cnn-live-result span');
        const c = r.querySelectorAll('canvas')[1], d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let hash = 0; for (let i = 0; i < d.length; i += 4) hash = (hash * 31 + d[i]) %% 1000000007;
        return [span.textContent, Number(span.dataset.min), Number(span.dataset.max), Number(span.dataset.sum), hash, c.width];""".replace("%%", "%"),
        root,
    )


def _python_result(photo, kernel):
    return filters.filter_image(inpage.playground_image(photo), np.asarray(kernel, dtype=float))


def test_typing_a_kernel_filters_the_photo_in_the_page(driver, site):
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    driver.get(f"{site}/{PLAYGROUND_PAGE}.html")
    root = driver.find_element("css selector", ".cnn-playground")
    text, low, high, total, before, width = _playground_state(driver, root)
    expected = _python_result("camera", filters.KERNELS["sharpen"])
    assert width == inpage.playground_image("camera").shape[1]
    assert np.allclose([low, high, total], [expected.min(), expected.max(), expected.sum()])

    centre = root.find_elements("css selector", ".cnn-kernel input")[4]
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", centre)
    centre.send_keys(Keys.CONTROL, "a")
    centre.send_keys("9")
    kernel = np.array(filters.KERNELS["sharpen"], dtype=float)
    kernel[1, 1] = 9
    text, low, high, total, after, _ = _playground_state(driver, root)
    expected = _python_result("camera", kernel)
    assert after != before, "the filtered photo did not change"
    assert np.allclose([low, high, total], [expected.min(), expected.max(), expected.sum()])
    assert f"add up to {kernel.sum():g}" in text

    Select(root.find_element("css selector", "select[name='preset']")).select_by_value("Sobel-x")
    Select(root.find_element("css selector", "select[name='photo']")).select_by_value("coffee")
    _, low, high, total, _, _ = _playground_state(driver, root)
    expected = _python_result("coffee", filters.KERNELS["Sobel-x"])
    assert np.allclose([low, high, total], [expected.min(), expected.max(), expected.sum()])


def test_no_page_loads_anything_from_elsewhere(driver, site):
    foreign = {}
    for docname in toc_files():
        driver.get(f"{site}/{docname}.html")
        urls = driver.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)"
            ".concat(Array.from(document.querySelectorAll('script[src], link[rel=stylesheet], img')).map(e => e.src || e.href))"
        )
        outside = sorted({u for u in urls if u and not u.startswith(site) and not u.startswith("data:")})
        if outside:
            foreign[docname] = outside
    assert not foreign, f"pages load files from elsewhere: {foreign}"
