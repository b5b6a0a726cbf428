"""Controls that work in the page itself: in the static book, offline, with no kernel.

Each function returns an ``IPython.display.HTML`` object: the controls, their
first result computed here in Python (what a reader sees before touching them,
or with JavaScript off), and a few lines of JavaScript that compute the same
thing again whenever a control moves. Nothing is loaded from anywhere. In a
running Jupyter they work the same way.

* :func:`layer_explorer`: sliders for one ``Conv2D`` layer; output shape and
  parameter count by the formulas of :mod:`cnncourse.shapes`.
* :func:`kernel_playground`: nine boxes for a 3 x 3 kernel, a photo, and the
  filtered photo, cross-correlated in the page with OpenCV's default border
  (reflect-101), as :func:`cnncourse.filters.filter_image` does.

The tests move the controls in Chromium and compare the page's numbers with
the Python functions.
"""

from __future__ import annotations

import base64
import html
import itertools
import json

import numpy as np
from IPython.display import HTML

from cnncourse import filters, shapes

_ids = itertools.count()

LAYER_SLIDERS = {  # name: (first value, smallest, largest)
    "n": (28, 1, 64),
    "k": (3, 1, 11),
    "p": (0, 0, 5),
    "s": (1, 1, 4),
    "filters": (32, 1, 256),
    "c_in": (1, 1, 64),
}
PLAYGROUND_SIDE = 192  # pixels of the longer side of each photo embedded in the page


def _uid(kind: str) -> str:
    return f"cnn-{kind}-{next(_ids)}"


def layer_summary(n: int, k: int, p: int, s: int, filters: int, c_in: int) -> tuple[str, str]:
    """The two lines the explorer shows for one setting (Python's version of the page's JavaScript)."""
    params = shapes.conv_params(k, c_in, filters)
    if k > n + 2 * p:
        shape = "kernel does not fit"
    else:
        o = shapes.output_size(n, k, p, s)
        shape = f"({o}, {o}, {filters})"
    return (
        f"input {n} × {n} × {c_in} → output {shape}",
        f"parameters: ({k}·{k}·{c_in} + 1)·{filters} = {params:,}",
    )


_LAYER_JS = """
(function () {
  const root = document.getElementById(%(id)s);
  const value = name => Number(root.querySelector(`input[name="${name}"]`).value);
  const lines = root.querySelectorAll(".cnn-live-result span");
  function update() {
    const n = value("n"), k = value("k"), p = value("p"), s = value("s"), f = value("filters"), c = value("c_in");
    root.querySelectorAll("input").forEach(i => { i.nextElementSibling.textContent = i.value; });
    const params = (k * k * c + 1) * f;
    const shape = k > n + 2 * p ? "kernel does not fit" : (o => `(${o}, ${o}, ${f})`)(Math.floor((n + 2 * p - k) / s) + 1);
    lines[0].textContent = `input ${n} × ${n} × ${c} → output ${shape}`;
    lines[1].textContent = `parameters: (${k}·${k}·${c} + 1)·${f} = ${params.toLocaleString("en-US")}`;
  }
  root.addEventListener("input", update);
})();
"""

_STYLE = """
<style>
.cnn-live { border: 1px solid var(--pst-color-border, #ccc); border-radius: 4px; padding: 0.75rem 1rem; margin: 0.5rem 0; }
.cnn-live label { display: flex; align-items: center; gap: 0.5rem; margin: 0.15rem 0; }
.cnn-live label > span:first-child { min-width: 4.5rem; }
.cnn-live input[type=range] { flex: 1 1 auto; max-width: 20rem; }
.cnn-live output { min-width: 2.5rem; text-align: right; font-variant-numeric: tabular-nums; }
.cnn-live .cnn-live-result span { display: block; font-family: var(--pst-font-family-monospace, monospace); }
.cnn-live .cnn-kernel { display: grid; grid-template-columns: repeat(3, 4.5rem); gap: 0.25rem; margin: 0.5rem 0; }
.cnn-live .cnn-kernel input { width: 4.5rem; text-align: right; }
.cnn-live .cnn-choices { display: flex; flex-wrap: wrap; gap: 0.75rem; }
.cnn-live .cnn-canvases { display: flex; flex-wrap: wrap; gap: 0.75rem; }
.cnn-live canvas { max-width: 100%; image-rendering: pixelated; border: 1px solid var(--pst-color-border, #ccc); }
</style>
"""


def layer_explorer(**start) -> HTML:
    """Sliders for n, k, p, s, filters and c_in of one Conv2D layer, with its shape and parameter count."""

    values = {name: start.get(name, first) for name, (first, _, _) in LAYER_SLIDERS.items()}
    uid = _uid("layer")
    sliders = "".join(
        f'<label><span>{name}</span><input type="range" name="{name}" min="{low}" max="{high}" '
        f'value="{values[name]}" aria-label="{name}"><output>{values[name]}</output></label>'
        for name, (_, low, high) in LAYER_SLIDERS.items()
    )
    lines = "".join(f"<span>{html.escape(line)}</span>" for line in layer_summary(**values))
    return HTML(
        f'{_STYLE}<div class="cnn-live cnn-layer-explorer" id="{uid}">{sliders}'
        f'<p class="cnn-live-result" aria-live="polite">{lines}</p></div>'
        f"<script>{_LAYER_JS % {'id': json.dumps(uid)}}</script>"
    )


# --- the kernel playground -----------------------------------------------------------

def playground_image(name: str) -> np.ndarray:
    """The grey photo the playground embeds: `name` in grey, its longer side PLAYGROUND_SIDE, uint8."""
    import cv2

    grey = filters.to_grey(filters.sample_image(name))
    scale = PLAYGROUND_SIDE / max(grey.shape)
    size = (round(grey.shape[1] * scale), round(grey.shape[0] * scale))
    small = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
    return np.clip(np.rint(small), 0, 255).astype(np.uint8)


def playground_presets() -> dict[str, list[list[float]]]:
    """The 3 x 3 kernels of :data:`cnncourse.filters.KERNELS`, as nested lists."""
    return {name: np.asarray(k, dtype=float).tolist() for name, k in filters.KERNELS.items() if np.shape(k) == (3, 3)}


_PLAYGROUND_JS = """
(function () {
  const root = document.getElementById(%(id)s);
  const photos = %(photos)s, presets = %(presets)s;
  const boxes = Array.from(root.querySelectorAll(".cnn-kernel input"));
  const pick = name => root.querySelector(`select[name="${name}"]`);
  const decoded = {};
  function grey(name) {
    if (!decoded[name]) {
      const raw = atob(photos[name].data), pixels = new Uint8Array(raw.length);
      for (let i = 0; i < raw.length; i++) pixels[i] = raw.charCodeAt(i);
      decoded[name] = {w: photos[name].w, h: photos[name].h, pixels};
    }
    return decoded[name];
  }
  // OpenCV's default border, reflect-101: -1 -> 1, n -> n - 2.
  const reflect = (i, n) => (n === 1 ? 0 : i < 0 ? -i : i >= n ? 2 * n - 2 - i : i);
  function correlate(img, k) {
    const {w, h, pixels} = img, out = new Float64Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      let sum = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++)
        sum += k[dy + 1][dx + 1] * pixels[reflect(y + dy, h) * w + reflect(x + dx, w)];
      out[y * w + x] = sum;
    }
    return out;
  }
  function draw(canvas, w, h, shade) {
    canvas.width = w; canvas.height = h;
    const ctx = canvas.getContext("2d"), image = ctx.createImageData(w, h);
    for (let i = 0; i < w * h; i++) {
      const v = Math.round(255 * shade(i));
      image.data.set([v, v, v, 255], 4 * i);
    }
    ctx.putImageData(image, 0, 0);
  }
  function update() {
    const k = [0, 1, 2].map(r => boxes.slice(3 * r, 3 * r + 3).map(b => Number(b.value) || 0));
    const img = grey(pick("photo").value), out = correlate(img, k);
    let min = Infinity, max = -Infinity, sum = 0, big = 0;
    for (const v of out) { min = Math.min(min, v); max = Math.max(max, v); sum += v; big = Math.max(big, Math.abs(v)); }
    const stretch = pick("stretch").value, span = max - min || 1;
    const shade = stretch === "abs" ? i => Math.abs(out[i]) / (big || 1) : i => (out[i] - min) / span;
    const [input, result] = root.querySelectorAll("canvas");
    draw(input, img.w, img.h, i => img.pixels[i] / 255);
    draw(result, img.w, img.h, shade);
    const weights = k.flat().reduce((a, b) => a + b, 0);
    const report = root.querySelector(".cnn-live-result span");
    report.textContent = `kernel weights add up to ${+weights.toFixed(6)}; result from ${min.toFixed(1)} to ${max.toFixed(1)}`;
    Object.assign(report.dataset, {min, max, sum});
  }
  pick("preset").addEventListener("change", () => {
    const k = presets[pick("preset").value];
    if (k) k.flat().forEach((v, i) => { boxes[i].value = +v.toFixed(6); });
    update();
  });
  boxes.forEach(b => b.addEventListener("input", () => { pick("preset").value = ""; update(); }));
  ["photo", "stretch"].forEach(name => pick(name).addEventListener("change", update));
  update();
})();
"""


def kernel_playground(kernel=filters.KERNELS["sharpen"], photo: str = "chelsea") -> HTML:
    """Nine boxes for a 3 x 3 kernel, presets, a photo and a stretch; the page filters the photo itself."""

    kernel = np.asarray(kernel, dtype=float)
    if kernel.shape != (3, 3):
        raise ValueError(f"the playground takes a 3 x 3 kernel, got shape {kernel.shape}")
    uid = _uid("playground")
    photos = {}
    for name in filters.SAMPLE_IMAGES:
        pixels = playground_image(name)
        photos[name] = {"w": pixels.shape[1], "h": pixels.shape[0],
                        "data": base64.b64encode(pixels.tobytes()).decode("ascii")}
    presets = playground_presets()
    start = next((name for name, k in presets.items() if np.allclose(k, kernel)), "")
    boxes = "".join(
        f'<input type="number" step="any" value="{v:g}" aria-label="kernel row {i // 3 + 1}, column {i % 3 + 1}">'
        for i, v in enumerate(kernel.ravel())
    )

    def select(name, options, chosen, label):
        items = "".join(
            f'<option value="{html.escape(value)}"{" selected" if value == chosen else ""}>{html.escape(text)}</option>'
            for value, text in options
        )
        return f'<label><span>{label}</span><select name="{name}">{items}</select></label>'

    choices = (
        select("preset", [("", "(typed)")] + [(n, n) for n in presets], start, "preset")
        + select("photo", [(n, n) for n in filters.SAMPLE_IMAGES], photo, "photo")
        + select("stretch", [("minmax", "min-max"), ("abs", "|value|")], "minmax", "stretch")
    )
    result = filters.filter_image(playground_image(photo), kernel)
    report = (
        f"kernel weights add up to {kernel.sum():g}; result from {result.min():.1f} to {result.max():.1f}"
    )
    script = _PLAYGROUND_JS % {"id": json.dumps(uid), "photos": json.dumps(photos), "presets": json.dumps(presets)}
    return HTML(
        f'{_STYLE}<div class="cnn-live cnn-playground" id="{uid}">'
        f'<div class="cnn-kernel">{boxes}</div><div class="cnn-choices">{choices}</div>'
        f'<div class="cnn-canvases"><canvas aria-label="the photo in grey"></canvas>'
        f'<canvas aria-label="the filtered photo"></canvas></div>'
        f'<p class="cnn-live-result" aria-live="polite"><span>{html.escape(report)}</span></p></div>'
        f"<script>{script}</script>"
    )
