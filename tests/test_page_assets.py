"""Light pages: no 1.5 MB icon script, icon fonts cut to the icons in use, MathJax trimmed.

The weights themselves are measured by `make bench-book` (a benchmark, not a
test); these checks make sure the trimming did not lose anything a page shows.
"""

from __future__ import annotations

import re
import sys

import pytest
from fontTools.ttLib import TTFont

from conftest import ROOT

sys.path.insert(0, str(ROOT / "book" / "_ext"))
import page_assets  # noqa: E402

pytestmark = pytest.mark.book


def _pages(built_book):
    return sorted((built_book / "html").rglob("*.html"))


def test_no_page_loads_the_full_icon_script(built_book):
    loading = [p.name for p in _pages(built_book) if "scripts/fontawesome.js" in p.read_text()]
    assert not loading, f"pages that still load fontawesome.js: {loading}"


def test_the_cut_icon_fonts_hold_every_icon_a_page_or_style_uses(built_book):
    static = built_book / "html" / "_static"
    css = (static / "styles" / "pydata-sphinx-theme.css").read_text()
    used = set()
    for page in _pages(built_book):
        used.update(page_assets.ICON_CLASS.findall(page.read_text()))
    points = page_assets.icon_codepoints(css)
    drawn = {points[name] for name in used if name in points}
    assert {"fa-bars", "fa-list", "fa-github"} <= used and drawn, "the header's icons were not found"
    drawn |= page_assets.css_codepoints((static / "styles" / "sphinx-book-theme.css").read_text())
    glyphs = set()
    for stem in page_assets.ICON_FONTS:
        glyphs |= set(TTFont(static / "fonts" / f"{stem}-used.woff").getBestCmap())
    assert drawn <= glyphs, f"icons missing from the cut fonts: {sorted(hex(c) for c in drawn - glyphs)}"
    faces = (static / page_assets.ICON_CSS).read_text()
    assert all(f"fonts/{stem}-used.woff" in faces for stem in page_assets.ICON_FONTS)


def test_pages_with_math_load_only_the_vendored_trimmed_mathjax(built_book):
    page = (built_book / "html" / "book" / "02-cnn" / "padding-stride.html").read_text()
    scripts = re.findall(r'<script[^>]+src="([^"]*mathjax[^"]*)"', page)
    assert scripts and all("_static/mathjax/startup.js" in s for s in scripts), scripts
    assert not (ROOT / "book" / "_static" / "mathjax" / "tex-svg-full.js").exists()


def test_figures_lose_no_visible_detail_when_lightened(tmp_path):
    import numpy as np
    from PIL import Image

    grey = np.random.default_rng(0).integers(0, 256, size=(160, 200), dtype=np.uint8)  # a grey photo's worth of levels
    path = tmp_path / "figure.png"
    Image.fromarray(np.dstack([grey, grey, grey, np.full_like(grey, 255)])).save(path)
    assert page_assets.lighter_png(path)
    with Image.open(path) as image:
        assert image.mode == "P"
        assert np.array_equal(np.asarray(image.convert("L")), grey), "a grey figure changed"
    assert not page_assets.lighter_png(path), "a lightened figure is lightened again"
