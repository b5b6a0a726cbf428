"""Keep on each page only the scripts and styles the book uses, all served by the book.

Jupyter Book always loads sphinx-thebe, the "live code" button's library. This
book has no such button (Binder, JupyterHub and Colab run it instead), and
sphinx-thebe declares its `const THEBE_JS_URL` in an inline script that Sphinx
writes into every page twice, so every page logged
``SyntaxError: Identifier 'THEBE_JS_URL' has already been declared``; the
library itself would come from a public CDN. Its script and style are left out,
and so are sphinx-design's on the pages that use none of its elements.

pydata-sphinx-theme draws its icons with Font Awesome's 1.5 MB `fontawesome.js`,
which carries every icon there is; its style sheet can draw the same icons from
Font Awesome's web fonts. After the build, the script tag is taken out of every
page and the two fonts are cut down to the icons the pages use (fontTools, as
`pyftsubset` does); `course-icons.css` points the fonts' names at the small ones,
and the theme's style sheet keeps only the rules of those icons.

Figures are PNG files of photographs and plots (RGBA, up to 1 MB). After the
build each is stored with a palette of 256 colours where that changes its pixels
by at most PALETTE_MEAN_ERROR grey levels on average (most figures: by none),
and without its alpha channel where that is fully opaque.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

THEBE_FILES = {"sphinx-thebe.js", "sphinx-thebe.css"}
# sphinx-design's style sheet (55 KB) and tab script, on pages without any of its elements.
DESIGN_FILES = {"sphinx-design.min.css", "design-tabs.js"}


def _is_thebe(asset) -> bool:
    filename = str(getattr(asset, "filename", None) or "")
    body = (getattr(asset, "attributes", None) or {}).get("body", "")
    return PurePosixPath(filename.split("?")[0]).name in THEBE_FILES or "THEBE_JS_URL" in body


def _name(asset) -> str:
    return PurePosixPath(str(getattr(asset, "filename", None) or "").split("?")[0]).name


def _drop_unused(app, pagename, templatename, context, doctree):
    uses_design = 'class="sd-' in context.get("body", "") or " sd-" in context.get("body", "")
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [
                asset for asset in context[key]
                if not _is_thebe(asset) and (uses_design or _name(asset) not in DESIGN_FILES)
            ]


FONTAWESOME_SCRIPT = re.compile(r'[ \t]*<script src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>\n?')
ICON_CLASS = re.compile(r"\bfa-[a-z0-9-]+")
ICON_RULE = re.compile(r'([^{}]+)\{content:"\\([0-9a-f]{4,5})"\}')
ICON_FONTS = {  # font file in the theme's vendor folder: its family and weight in the theme's CSS
    "fa-solid-900": ("Font Awesome 6 Free", 900),
    "fa-brands-400": ("Font Awesome 6 Brands", 400),
}
ICON_CSS = "course-icons.css"


def icon_codepoints(theme_css: str) -> dict[str, int]:
    """`fa-name` -> code point, from the theme's Font Awesome rules (`.fa-bars:before{content:"\\f0c9"}`)."""
    points = {}
    for selectors, code in ICON_RULE.findall(theme_css):
        for name in re.findall(r"\.(fa-[a-z0-9-]+):(?:before|after)", selectors):
            points[name] = int(code, 16)
    return points


def _keep_icon_rules(css: str, used: set[str]) -> str:
    """The style sheet without the `.fa-*:before{content:...}` rules of icons no page uses."""
    def keep(match):
        names = re.findall(r"\.(fa-[a-z0-9-]+):(?:before|after)", match.group(1))
        return match.group(0) if any(name in used for name in names) or not names else ""

    return ICON_RULE.sub(keep, css)


def css_codepoints(css: str) -> set[int]:
    """Icons a style sheet draws itself (admonitions, the contents caret): literal private-use
    characters such as pydata's `--pst-icon-*` values, and `\\fxxx` escapes outside `.fa-*` rules."""
    literal = {ord(c) for c in css if 0xE000 <= ord(c) <= 0xF8FF}
    outside_icon_rules = ICON_RULE.sub("", css)
    escaped = {int(code, 16) for code in re.findall(r'content:"\\(f[0-9a-f]{3})"', outside_icon_rules)}
    return literal | escaped


def _subset(source: Path, target: Path, codepoints: set[int]) -> None:
    from fontTools import subset

    options = subset.Options()
    options.flavor = "woff"  # zlib; woff2 would need brotli
    options.layout_features = ["*"]
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints)
    subsetter.subset(font)
    target.parent.mkdir(parents=True, exist_ok=True)
    subset.save_font(font, str(target), options)


def _lighten_icons(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    used = set()
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        lighter = FONTAWESOME_SCRIPT.sub("", text)
        if lighter != text:
            page.write_text(lighter, encoding="utf-8")
        used.update(ICON_CLASS.findall(lighter))
    static = out / "_static"
    theme_css = static / "styles" / "pydata-sphinx-theme.css"
    css = theme_css.read_text(encoding="utf-8")
    points = icon_codepoints(css)
    theme_css.write_text(_keep_icon_rules(css, used), encoding="utf-8")
    wanted = {points[name] for name in used if name in points}
    for sheet in ("styles/pydata-sphinx-theme.css", "styles/sphinx-book-theme.css"):
        wanted |= css_codepoints((static / sheet).read_text(encoding="utf-8"))
    faces = []
    for stem, (family, weight) in ICON_FONTS.items():
        _subset(static / "vendor" / "fontawesome" / "webfonts" / f"{stem}.ttf", static / "fonts" / f"{stem}-used.woff", wanted)
        faces.append(
            f'@font-face{{font-display:block;font-family:"{family}";font-style:normal;font-weight:{weight};'
            f'src:url(fonts/{stem}-used.woff) format("woff")}}'
        )
    (static / ICON_CSS).write_text(
        "/* Written by book/_ext/page_assets.py: Font Awesome cut to the icons the pages use. */\n" + "\n".join(faces) + "\n"
    )


PALETTE_MEAN_ERROR = 2.5  # grey levels (of 255), averaged over pixels and channels


def lighter_png(path: Path) -> bool:
    """Store the PNG at `path` with 256 colours (or without alpha) where that is (nearly) lossless."""
    import numpy as np
    from PIL import Image

    with Image.open(path) as image:
        if image.mode == "P":
            return False  # done before (Sphinx copies unchanged figures once)
        image.load()
    rgba = np.asarray(image.convert("RGBA"))
    if (rgba[..., 3] != 255).any():
        return False  # transparency matters here: leave the figure as it is
    rgb = image.convert("RGB")
    palette = rgb.quantize(256, dither=Image.Dither.NONE)
    error = np.abs(np.asarray(palette.convert("RGB"), dtype=float) - rgba[..., :3]).mean()
    lighter = palette if error <= PALETTE_MEAN_ERROR else rgb
    before = path.stat().st_size
    lighter.save(path, format="PNG", optimize=True)
    if path.stat().st_size >= before:  # never heavier than the original
        image.save(path, format="PNG")
    return True


def _lighten_figures(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    for path in (Path(app.outdir) / "_images").glob("*.png"):
        lighter_png(path)


def setup(app):
    # After every extension has added its files (default priority 500).
    app.connect("html-page-context", _drop_unused, priority=900)
    app.connect("build-finished", _lighten_icons)
    app.connect("build-finished", _lighten_figures)
    app.add_css_file(ICON_CSS)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
