"""Pages that read well: code without glue plumbing, captions as alt text, tables with
room between their cells and numbers on the right, figures that stack on a phone.

The first checks read the built HTML; the layout checks measure it in Chromium.
`book/_ext/readable.py` and `book/_static/course.css` do the work.
"""

from __future__ import annotations

import re
import sys

import pytest

from conftest import ROOT
from test_book import EXECUTED, page, toc_files
from test_browser import site  # noqa: F401  (the fixture serving the built HTML)
from test_navigation import LAPTOP, PHONE, chromium

sys.path.insert(0, str(ROOT / "book" / "_ext"))
import readable  # noqa: E402

pytestmark = pytest.mark.book

FILE_NAME = re.compile(r"\.(png|jpe?g|svg|gif|webp)$|^[\w./-]+_\d+\.\w+$", re.IGNORECASE)
GRID_PAGE = "book/02-cnn/padding-stride"  # three figures in one grid row
TABLE_PAGE = "book/02-cnn/parameters"


def test_strip_glue_keeps_the_code_around_it():
    source = (
        "from myst_nb import glue\n"
        "import numpy as np\n"
        "x = np.ones(3); glue('n', x.size, display=False)\n"
        "for name in 'ab':\n"
        "    glue(f'v-{name}', 1, display=False)\n"
        "glue('total', x.sum(),\n"
        "     display=False)\n"
        "print(x)\n"
    )
    assert readable.strip_glue(source) == "import numpy as np\nx = np.ones(3)\nprint(x)\n"
    assert readable.strip_glue("glue('only', 1, display=False)\n").strip() == ""
    assert readable.strip_glue("%matplotlib inline\nglue('x', 1)\n") == "%matplotlib inline\nglue('x', 1)\n"


def test_number_columns_are_found_and_pandas_index_row_is_folded():
    html = (
        "<table><thead><tr><th></th><th>params</th><th>shape</th></tr>"
        "<tr><th>layer</th><th></th><th></th></tr></thead>"
        "<tbody><tr><th>conv</th><td>18,496</td><td>(26, 26, 32)</td></tr>"
        "<tr><th>dense</th><td>0.5 %</td><td>(10,)</td></tr></tbody></table>"
    )
    two_levels = (
        "<table><thead><tr><th></th><th></th><th>p</th></tr><tr><th>kernel</th><th>mode</th><th></th></tr></thead>"
        "<tbody><tr><th>a</th><th>b</th><td>1</td></tr></tbody></table>"
    )
    folded = readable._html_tables(two_levels)
    assert folded.count("<tr>") == 2 and "<th>kernel</th><th>mode</th>" in folded, folded
    out = readable._html_tables(html)
    assert out.count("<tr>") == 3, out
    assert '<th class="num">params</th>' in out and '<td class="num">18,496</td>' in out
    assert "<th>layer</th>" in out and '<td>(26, 26, 32)</td>' in out


@pytest.mark.parametrize("docname", EXECUTED)
def test_no_visible_code_calls_glue(built_book, docname):
    code = [pre.get_text() for pre in page(built_book, docname).select(".cell_input pre")]
    glued = [c for c in code if re.search(r"\bglue\(|from myst_nb import glue\b", c)]
    assert not glued, f"{docname}: code cells show glue plumbing:\n" + "\n---\n".join(glued[:3])


@pytest.mark.parametrize("docname", toc_files())
def test_images_have_their_caption_or_words_as_alt_text(built_book, docname):
    soup = page(built_book, docname)
    for figure in soup.select("article figure"):
        caption = figure.find("figcaption")
        for image in figure.find_all("img"):
            alt = image.get("alt", "")
            assert alt and not FILE_NAME.search(alt), f"{docname}: {image.get('src')} has alt {alt!r}"
            if caption is not None:
                words = set(caption.get_text(" ").split())
                shared = [w for w in alt.split() if w in words]
                assert len(shared) >= 0.8 * len(alt.split()), f"{docname}: alt {alt!r} is not the caption {words!r}"
    for image in soup.select("article img"):
        assert not FILE_NAME.search(image.get("alt", "")), f"{docname}: {image.get('src')} has a file name as alt text"


@pytest.mark.parametrize("docname", EXECUTED)
def test_tables_have_one_header_row(built_book, docname):
    for table in page(built_book, docname).select("article table"):
        if table.thead is not None:
            assert len(table.thead.find_all("tr")) == 1, f"{docname}: a table with {len(table.thead.find_all('tr'))} header rows"


@pytest.mark.browser
def test_table_cells_are_padded_and_numbers_right_aligned(site):
    driver = chromium(LAPTOP)
    try:
        driver.get(f"{site}/{TABLE_PAGE}.html")
        cells = driver.execute_script(
            """return Array.from(document.querySelectorAll('article table td')).map(td => {
                const s = getComputedStyle(td);
                return [td.classList.contains('num'), parseFloat(s.paddingLeft), parseFloat(s.paddingRight), s.textAlign, td.textContent.trim()];
            });"""
        )
    finally:
        driver.quit()
    assert cells, f"{TABLE_PAGE}: no table"
    assert all(left >= 6 and right >= 6 for _, left, right, _, _ in cells), "table cells without padding"
    numbers = [c for c in cells if c[0]]
    assert numbers, f"{TABLE_PAGE}: no number column found"
    assert all(align == "right" for _, _, _, align, _ in numbers)
    assert all(align != "right" for num, _, _, align, _ in cells if not num)


@pytest.mark.browser
def test_figures_of_a_grid_stack_on_a_phone(site):
    for size, stacked in ((PHONE, True), (LAPTOP, False)):
        driver = chromium(size)
        try:
            driver.get(f"{site}/{GRID_PAGE}.html")
            boxes = driver.execute_script(
                """const row = document.querySelector('article .sd-row');
                return Array.from(row.querySelectorAll('figure img')).map(i => {
                    const r = i.getBoundingClientRect(); return [r.left, r.top, r.width];});"""
            )
            viewport = driver.execute_script("return window.innerWidth")
        finally:
            driver.quit()
        assert len(boxes) >= 2, f"{GRID_PAGE}: no grid of figures"
        tops = [top for _, top, _ in boxes]
        if stacked:
            assert len(set(tops)) == len(tops), f"on a phone the figures share a line: {boxes}"
            assert min(w for _, _, w in boxes) > 0.6 * viewport, f"figures narrower than 60 % of a {viewport} px screen: {boxes}"
        else:
            assert max(tops) - min(tops) < 5, f"on a laptop the grid's figures are not side by side: {boxes}"
