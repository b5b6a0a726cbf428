"""Figures for the convolution chapters, drawn with matplotlib only.

Every function builds and returns a :class:`CourseFigure` (a matplotlib
``Figure``) or draws into an Axes you pass, so a chapter cell is one call plus
``glue``. The figures are made without :mod:`matplotlib.pyplot`: they never pop
up on their own, never pile up in pyplot's figure list, and a chapter shows
exactly the figure it glues. A ``CourseFigure`` renders itself as PNG in
Jupyter (``_repr_png_``), so ``glue`` stores an image whichever backend
matplotlib runs on (a plain ``Figure`` glued under the non-interactive Agg
backend would be stored as its text repr only).

Arrays are drawn as grids of numbered cells. Each cell is a
:class:`~matplotlib.patches.Rectangle` whose ``gid`` is ``"cell:<row>,<col>"``
and each window outline has the ``gid`` ``"window"``, so tests (and curious
readers) can ask a figure which cells it highlighted.

Indices in titles are 1-based, as in the chapters' mathematics: the first
output of a convolution is :math:`y_1`, the top-left window is
:math:`\\mathbf{X}_k(1, 1)`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib
import numpy as np
from matplotlib import colors as mcolors
from matplotlib.patches import Rectangle

from cnncourse import conv
from cnncourse.figures import MINUS, PngFigure, panels, with_minus
from cnncourse.shapes import output_size, padding_amounts

__all__ = [
    "CELL_COLOR",
    "CourseFigure",
    "HIGHLIGHT_COLOR",
    "KERNEL_COLOR",
    "PAD_COLOR",
    "WINDOW_COLORS",
    "draw_grid",
    "format_matrix",
    "format_number",
    "format_vector",
    "plot_arrays",
    "plot_channel_sum",
    "plot_images",
    "plot_padded_input",
    "plot_param_counts",
    "plot_shift_equivariance",
    "plot_sliding_windows_1d",
    "plot_sliding_windows_2d",
]

CELL_COLOR = "#ffffff"
PAD_COLOR = "#d0d0d0"  # zero padding: grey, so it never looks like data
HIGHLIGHT_COLOR = "#ffd966"  # the cells under the current window
KERNEL_COLOR = "#cfe2f3"  # the kernel's own cells
WINDOW_COLORS = ("#c0392b", "#2471a3", "#1e8449", "#7d3c98", "#b9770e", "#17202a")


# --------------------------------------------------------------------------- figures


class CourseFigure(PngFigure):
    """The chapters' figures: the course's PNG figure base at 110 dpi."""

    png_dpi = 110


# --------------------------------------------------------------------------- text


def format_number(value, digits: int = 4) -> str:
    """A number as a short label: ``2`` for 2.0, ``0.75``, ``−1`` (with a real minus sign).

    Whole numbers lose their ``.0``; other values are rounded to ``digits``
    decimals and lose trailing zeros, so 7.250000001 reads ``7.25``.
    """
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"cannot format {value!r} as a cell label")
    rounded = round(value, digits)
    if rounded == int(rounded):
        text = str(int(rounded))
    else:
        text = f"{rounded:.{digits}f}".rstrip("0").rstrip(".")
    return with_minus(text)


def format_vector(values, digits: int = 4) -> str:
    """A 1-D array as ``(−1, 7, 5)``, the way the chapters write vectors in prose."""
    values = np.asarray(values)
    if values.ndim != 1:
        raise ValueError(f"format_vector takes a 1-D array, got shape {values.shape}")
    return "(" + ", ".join(format_number(v, digits) for v in values) + ")"


def format_matrix(values, digits: int = 4) -> str:
    """A 2-D array as LaTeX ``\\begin{bmatrix} ... \\end{bmatrix}`` for display math."""
    values = np.asarray(values)
    if values.ndim != 2:
        raise ValueError(f"format_matrix takes a 2-D array, got shape {values.shape}")
    rows = [" & ".join(format_number(v, digits).replace(MINUS, "-") for v in row) for row in values]
    return r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"


def _factor(value) -> str:
    """A number as a factor in a written product: negative numbers in parentheses."""
    text = format_number(value)
    return f"({text})" if value < 0 else text


# --------------------------------------------------------------------------- grids


def _as_grid(array) -> np.ndarray:
    array = np.asarray(array, dtype=float)
    if array.ndim == 1:
        return array[None, :]
    if array.ndim == 2:
        return array
    raise ValueError(f"draw_grid draws a 1-D or 2-D array, got shape {array.shape}")


def _as_windows(highlight, shape, one_d: bool) -> list[tuple[int, int, int, int]]:
    """Normalise ``highlight`` to a list of (row, col, height, width) windows inside ``shape``.

    A window is (row, col, height, width); for a 1-D array it may also be
    (start, length). One window or a list of them is accepted.
    """
    if highlight is None:
        return []
    items = [highlight] if np.ndim(highlight) == 1 else list(highlight)
    windows = []
    for item in items:
        item = tuple(int(v) for v in item)
        if len(item) == 2 and one_d:
            item = (0, item[0], 1, item[1])
        if len(item) != 4:
            raise ValueError(
                f"a window is (row, col, height, width) (or (start, length) for a 1-D array), got {item!r}"
            )
        row, col, height, width = item
        rows, cols = shape
        if height < 1 or width < 1 or row < 0 or col < 0 or row + height > rows or col + width > cols:
            raise ValueError(f"window {item!r} does not lie inside the {rows} x {cols} grid")
        windows.append(item)
    return windows


def _text_color(facecolor) -> str:
    r, g, b, _ = mcolors.to_rgba(facecolor)
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"


def draw_grid(
    ax,
    array,
    highlight=None,
    title: str | None = None,
    shade=None,
    annotate: bool = True,
    cmap=None,
    vmin: float | None = None,
    vmax: float | None = None,
    fontsize: float | None = None,
    cell_color: str = CELL_COLOR,
    skip_zeros: bool = False,
):
    """Draw a 1-D or 2-D array as a grid of cells, each labelled with its value.

    Parameters
    ----------
    ax : the matplotlib Axes to draw into.
    array : 1-D (drawn as one row) or 2-D array.
    highlight : a window (row, col, height, width), for 1-D arrays also
        (start, length), or a list of windows. Their cells are filled with
        :data:`HIGHLIGHT_COLOR` and each window gets an outline (gid
        ``"window"``) in the next colour of :data:`WINDOW_COLORS`.
    title : Axes title.
    shade : boolean array of the grid's shape; True cells are drawn in
        :data:`PAD_COLOR` (used for zero padding).
    annotate : write each value in its cell.
    cmap, vmin, vmax : colour the cells by value (pixel grids) instead of white.
    fontsize : size of the cell labels; by default it shrinks for big grids.
    cell_color : fill of ordinary cells when no ``cmap`` is given.
    skip_zeros : leave cells that hold 0 without a label (sparse matrices).

    Returns the Axes. Raises ValueError for arrays that are not 1-D or 2-D, a
    ``shade`` of the wrong shape, or a window that leaves the grid.
    """
    one_d = np.ndim(array) == 1
    grid = _as_grid(array)
    rows, cols = grid.shape
    windows = _as_windows(highlight, grid.shape, one_d)
    if shade is None:
        shade = np.zeros(grid.shape, dtype=bool)
    else:
        shade = np.asarray(shade, dtype=bool)
        if shade.ndim == 1:
            shade = shade[None, :]
        if shade.shape != grid.shape:
            raise ValueError(f"shade has shape {shade.shape}, the grid has shape {grid.shape}")
    lit = np.zeros(grid.shape, dtype=bool)
    for row, col, height, width in windows:
        lit[row : row + height, col : col + width] = True

    if cmap is not None:
        norm = mcolors.Normalize(
            vmin=grid.min() if vmin is None else vmin, vmax=grid.max() if vmax is None else vmax
        )
        colormap = cmap if isinstance(cmap, mcolors.Colormap) else matplotlib.colormaps[cmap]
    if fontsize is None:
        fontsize = 12 if max(rows, cols) <= 6 else 10 if max(rows, cols) <= 10 else 7

    for r in range(rows):
        for c in range(cols):
            if lit[r, c]:
                face = HIGHLIGHT_COLOR
            elif shade[r, c]:
                face = PAD_COLOR
            elif cmap is not None:
                face = colormap(norm(grid[r, c]))
            else:
                face = cell_color
            ax.add_patch(
                Rectangle((c, r), 1, 1, facecolor=face, edgecolor="#555555", linewidth=0.8, gid=f"cell:{r},{c}")
            )
            if annotate and not (skip_zeros and grid[r, c] == 0):
                ax.text(
                    c + 0.5, r + 0.5, format_number(grid[r, c]), ha="center", va="center",
                    fontsize=fontsize, color=_text_color(face),
                )
    for index, (row, col, height, width) in enumerate(windows):
        ax.add_patch(
            Rectangle(
                (col, row), width, height, fill=False, linewidth=2.5,
                edgecolor=WINDOW_COLORS[index % len(WINDOW_COLORS)], gid="window", zorder=3,
            )
        )
    ax.set_xlim(-0.05, cols + 0.05)
    ax.set_ylim(rows + 0.05, -0.05)  # row 0 at the top, as arrays print
    ax.set_aspect("equal")
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=11)
    return ax


def plot_arrays(arrays: Mapping[str, object], cell_size: float = 0.55, **grid_kwargs) -> CourseFigure:
    """Draw several small arrays side by side, one titled panel each.

    ``arrays`` maps a title to an array (1-D or 2-D); ``cell_size`` is the side
    of one cell in inches; extra keyword arguments go to :func:`draw_grid`.
    Panels are as wide as their arrays, so a 2 x 2 kernel next to a 3 x 3
    input looks its size.
    """
    if not arrays:
        raise ValueError("plot_arrays needs at least one array")
    grids = {name: _as_grid(a) for name, a in arrays.items()}
    widths = [g.shape[1] for g in grids.values()]
    height = max(g.shape[0] for g in grids.values())
    fig = CourseFigure(
        figsize=(cell_size * sum(widths) + 0.6 * len(widths), cell_size * height + 0.7), layout="constrained"
    )
    axes = fig.subplots(1, len(grids), width_ratios=widths, squeeze=False)[0]
    for ax, (name, array) in zip(axes, arrays.items()):
        draw_grid(ax, array, title=name, **grid_kwargs)
    return fig


# --------------------------------------------------------------------------- 1-D


def plot_sliding_windows_1d(
    x, w, stride: int = 1, padding=0, kernel_name: str = "w", output_name: str = "y"
) -> CourseFigure:
    """One row per output: the input with the current window lit, the kernel under it, the sum.

    The outputs are computed by :func:`cnncourse.conv.conv1d` (cross-correlation,
    no flip). Zero padding, if any, is drawn in grey. To draw the mathematical
    convolution, pass the flipped kernel and say so in ``kernel_name``.
    """
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    if x.ndim != 1 or w.ndim != 1:
        raise ValueError(f"plot_sliding_windows_1d takes 1-D x and w, got shapes {x.shape} and {w.shape}")
    y = conv.conv1d(x, w, padding=padding, stride=stride)
    before, after = padding_amounts(padding, len(x), len(w), stride)
    padded = np.concatenate([np.zeros(before), x, np.zeros(after)])
    shade = np.zeros(len(padded), dtype=bool)
    shade[:before] = True
    shade[len(padded) - after :] = True
    k, cols = len(w), len(padded)
    fig = CourseFigure(figsize=(0.5 * (cols + 7), 1.25 * len(y) + 0.2), layout="constrained")
    axes = fig.subplots(len(y), 1, squeeze=False)[:, 0]
    for i, ax in enumerate(axes):
        start = i * stride
        draw_grid(ax, padded, highlight=(start, k), shade=shade)
        # the kernel, one row below, aligned with the window it multiplies
        for j, value in enumerate(w):
            ax.add_patch(
                Rectangle((start + j, 1.25), 1, 1, facecolor=KERNEL_COLOR, edgecolor="#555555",
                          linewidth=0.8, gid=f"kernel:{j}")
            )
            ax.text(start + j + 0.5, 1.75, format_number(value), ha="center", va="center", fontsize=11)
        ax.text(start - 0.15, 1.75, kernel_name, ha="right", va="center", fontsize=11, style="italic")
        terms = " + ".join(f"{_factor(a)}·{_factor(b)}" for a, b in zip(padded[start : start + k], w))
        ax.text(cols + 0.4, 0.5, f"${output_name}_{{{i + 1}}}$ = {format_number(y[i])}",
                ha="left", va="center", fontsize=12, fontweight="bold")
        ax.text(cols + 0.4, 1.75, terms, ha="left", va="center", fontsize=8, color="#444444")
        ax.set_xlim(-1.2, cols + 7)
        ax.set_ylim(2.35, -0.05)
    return fig


def plot_shift_equivariance(x, w, shift: int) -> CourseFigure:
    """Input and shifted input on top, their convolutions below: the outputs shift too.

    ``x`` is shifted right by ``shift`` samples with zeros coming in on the
    left; both versions go through :func:`cnncourse.conv.conv1d` with 'valid'
    padding.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"plot_shift_equivariance takes a 1-D signal, got shape {x.shape}")
    if not 0 < shift < len(x):
        raise ValueError(f"shift must be between 1 and {len(x) - 1}, got {shift}")
    shifted = np.concatenate([np.zeros(shift), x[:-shift]])
    y, y_shifted = conv.conv1d(x, w), conv.conv1d(shifted, w)
    fig = CourseFigure(figsize=(8, 4.2), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    for ax, (a, b), label in (
        (top, (x, shifted), ("input $x$", f"$x$ shifted by {shift}")),
        (bottom, (y, y_shifted), ("$x * w$", "(shifted $x$) $* w$")),
    ):
        ax.plot(np.arange(len(a)), a, "o-", color=WINDOW_COLORS[1], label=label[0])
        ax.plot(np.arange(len(b)), b, "s--", color=WINDOW_COLORS[0], label=label[1])
        ax.legend(loc="upper right", fontsize=9)
        ax.grid(alpha=0.3)
    top.set_title("Shift the input ...", fontsize=11, loc="left")
    bottom.set_title("... and the output shifts by the same amount", fontsize=11, loc="left")
    bottom.set_xlabel("position")
    return fig


# --------------------------------------------------------------------------- 2-D


def _pair(value) -> tuple:
    """A spec that is one value for both axes, or a (rows, cols) pair, as a pair."""
    if isinstance(value, str) or np.isscalar(value):
        return value, value
    first, second = value
    return first, second


def _padding_mask(x_shape, padding, kernel_size, stride) -> np.ndarray:
    """Boolean mask of the padded grid, True on the cells that padding added."""
    inside = conv.pad2d(np.ones(x_shape[:2]), padding, kernel_size, stride)
    return inside == 0


def plot_padded_input(x, padding, kernel_size, stride=1) -> CourseFigure:
    """The zero-padded input, padding in grey, with the outline of every window the stride visits.

    Window outlines are drawn in :data:`WINDOW_COLORS`, in the order the
    kernel visits them (row by row), each slightly inset so that overlapping
    windows stay distinguishable. Colours and insets repeat after
    ``len(WINDOW_COLORS)`` windows, so any number of windows stays readable.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"plot_padded_input draws a 2-D input, got shape {x.shape}")
    kh, kw = kernel_size
    padded = conv.pad2d(x, padding, (kh, kw), stride)
    shade = _padding_mask(x.shape, padding, (kh, kw), stride)
    sh, sw = _pair(stride)
    (ph, pw) = _pair(padding)
    oh, ow = output_size(x.shape[0], kh, ph, sh), output_size(x.shape[1], kw, pw, sw)
    fig = CourseFigure(figsize=(0.6 * padded.shape[1] + 0.6, 0.6 * padded.shape[0] + 0.8), layout="constrained")
    ax = fig.subplots()
    draw_grid(ax, padded, shade=shade, title=f"padded input, {padded.shape[0]} × {padded.shape[1]}")
    for n, (i, j) in enumerate((i, j) for i in range(oh) for j in range(ow)):
        inset = 0.06 + 0.07 * (n % len(WINDOW_COLORS))
        color = WINDOW_COLORS[n % len(WINDOW_COLORS)]
        ax.add_patch(
            Rectangle(
                (j * sw + inset, i * sh + inset), kw - 2 * inset, kh - 2 * inset, fill=False, linewidth=2.2,
                edgecolor=color, gid="window", zorder=3,
            )
        )
        ax.text(j * sw + inset + 0.08, i * sh + inset + 0.08, str(n + 1), ha="left", va="top",
                fontsize=9, fontweight="bold", color=color, zorder=4)
    return fig


def plot_sliding_windows_2d(x, w, padding=0, stride=1, output_name: str = "Y") -> CourseFigure:
    """One panel per output cell: the (padded) input with that cell's window lit, and its value.

    The outputs come from :func:`cnncourse.conv.conv2d`; ``x`` and ``w`` are
    2-D (one channel). Panels are laid out like the output matrix.
    """
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    if x.ndim != 2 or w.ndim != 2:
        raise ValueError(f"plot_sliding_windows_2d takes a 2-D x and w, got shapes {x.shape} and {w.shape}")
    kh, kw = w.shape
    y = conv.conv2d(x, w, padding=padding, stride=stride)
    padded = conv.pad2d(x, padding, (kh, kw), stride)
    shade = _padding_mask(x.shape, padding, (kh, kw), stride)
    sh, sw = _pair(stride)
    oh, ow = y.shape
    rows, cols = padded.shape
    fig = CourseFigure(figsize=(ow * (0.5 * cols + 0.4), oh * (0.5 * rows + 0.6)), layout="constrained")
    axes = fig.subplots(oh, ow, squeeze=False)
    for i in range(oh):
        for j in range(ow):
            draw_grid(
                axes[i, j], padded, highlight=(i * sh, j * sw, kh, kw), shade=shade,
                title=f"${output_name}_{{{i + 1},{j + 1}}}$ = {format_number(y[i, j])}",
            )
    return fig


def plot_channel_sum(
    x, w, bias: float = 0.0, position=(0, 0), padding=0, stride=1,
    channel_names: Sequence[str] | None = None,
) -> CourseFigure:
    """How one output of a multi-channel convolution is made: one sum per channel, then one total.

    Top row: each (padded) input channel with the window of output
    ``position`` (0-based (row, col)) lit. Bottom row: the matching kernel
    channel and its partial sum. Right: the partial sums, the bias and the
    total. Partial sums come from :func:`cnncourse.conv.conv2d` on one channel
    at a time, the total from the multi-channel ``conv2d``.
    """
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    if x.ndim != 3 or w.ndim != 3:
        raise ValueError(f"plot_channel_sum takes x as (H, W, C) and w as (kh, kw, C), got {x.shape} and {w.shape}")
    if x.shape[2] != w.shape[2]:
        raise ValueError(f"channel mismatch: x has {x.shape[2]} channels, w has {w.shape[2]}")
    channels = x.shape[2]
    names = list(channel_names) if channel_names is not None else [f"channel {c + 1}" for c in range(channels)]
    if len(names) != channels:
        raise ValueError(f"{len(names)} channel names for {channels} channels")
    kh, kw = w.shape[:2]
    total = conv.conv2d(x, w, bias=bias, padding=padding, stride=stride)
    i, j = position
    if not (0 <= i < total.shape[0] and 0 <= j < total.shape[1]):
        raise ValueError(f"position {position!r} is outside the {total.shape[0]} x {total.shape[1]} output")
    partial = [conv.conv2d(x[:, :, c], w[:, :, c], padding=padding, stride=stride)[i, j] for c in range(channels)]
    padded = conv.pad2d(x, padding, (kh, kw), stride)
    shade = _padding_mask(x.shape, padding, (kh, kw), stride)
    sh, sw = _pair(stride)
    rows, cols = padded.shape[:2]
    labels = [name[:12] for name in names] + ["bias"]
    values = [format_number(v) for v in [*partial, bias]]
    width = max(len(v) for v in values + [format_number(total[i, j])])
    pad = max(len(label) for label in labels + ["output"])
    lines = [
        f"{'+' if n else ' '} {label:<{pad}}  {value:>{width}}" for n, (label, value) in enumerate(zip(labels, values))
    ]
    lines.append(f"= {'output':<{pad}}  {format_number(total[i, j]):>{width}}")
    text_cells = 0.28 * max(len(line) for line in lines) + 1.0  # in units of one grid cell
    fig = CourseFigure(
        figsize=(0.5 * (channels * cols + text_cells) + 0.4 * channels + 0.6, 0.5 * (rows + kh) + 1.6),
        layout="constrained",
    )
    grid = fig.add_gridspec(
        2, channels + 1, height_ratios=[rows, kh], width_ratios=[cols] * channels + [text_cells]
    )
    for c in range(channels):
        draw_grid(fig.add_subplot(grid[0, c]), padded[:, :, c], highlight=(i * sh, j * sw, kh, kw),
                  shade=shade, title=names[c])
        draw_grid(fig.add_subplot(grid[1, c]), w[:, :, c], cell_color=KERNEL_COLOR,
                  title=f"kernel {c + 1}: sum = {format_number(partial[c])}")
    text_ax = fig.add_subplot(grid[:, channels])
    text_ax.set_axis_off()
    heading = f"output ({i + 1}, {j + 1}):"
    text_ax.text(0.0, 0.5, "\n".join([heading, "", *lines]), ha="left", va="center", fontsize=12,
                 family="DejaVu Sans Mono")
    return fig


# --------------------------------------------------------------------------- images and counts


def _per_image(value, count: int, name: str) -> list:
    """One setting for every image, or a list or tuple with one per image."""
    values = list(value) if isinstance(value, (list, tuple)) else [value] * count
    if len(values) != count:
        raise ValueError(f"{len(values)} values of {name} for {count} images")
    return values


def plot_images(images: Mapping[str, object], cmap="gray", vmin=None, vmax=None) -> CourseFigure:
    """Show images side by side, one titled panel each, without axes.

    2-D images use ``cmap``, ``vmin`` and ``vmax``: one value for all images,
    or a list with one per image. (H, W, 3) images are shown as colour.
    """
    if not images:
        raise ValueError("plot_images needs at least one image")
    count = len(images)
    settings = zip(_per_image(cmap, count, "cmap"), _per_image(vmin, count, "vmin"), _per_image(vmax, count, "vmax"))
    fig, axes = panels(CourseFigure, count, count, 3.1, 3.4)
    for ax, (name, image), (colormap, low, high) in zip(axes, images.items(), settings):
        image = np.asarray(image)
        if image.ndim == 3 and image.shape[2] == 3:
            ax.imshow(image)
        elif image.ndim == 2:
            ax.imshow(image, cmap=colormap, vmin=low, vmax=high)
        else:
            raise ValueError(f"an image is (H, W) or (H, W, 3), got shape {image.shape} for {name!r}")
        ax.set_title(name, fontsize=11)
        ax.set_axis_off()
    return fig


def plot_param_counts(sizes, counts: Mapping[str, object], xlabel: str = "image side (pixels)") -> CourseFigure:
    """Parameter counts against image size on log-log axes, one line per layer kind.

    ``counts`` maps a label to one count per entry of ``sizes``.
    """
    sizes = np.asarray(sizes)
    fig = CourseFigure(figsize=(7, 4), layout="constrained")
    ax = fig.subplots()
    for n, (label, values) in enumerate(counts.items()):
        values = np.asarray(values, dtype=float)
        if values.shape != sizes.shape:
            raise ValueError(f"{label!r} has {values.size} counts for {sizes.size} sizes")
        ax.plot(sizes, values, "o-", color=WINDOW_COLORS[n % len(WINDOW_COLORS)], label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("trainable parameters")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=9)
    return fig


# --------------------------------------------------------------------------- convolution arithmetic


def plot_conv_arithmetic(
    n: int, k: int, padding=0, stride: int = 1, dilation: int = 1, windows=None, title: str | None = None
) -> CourseFigure:
    """A convolution's geometry in the style of Dumoulin & Visin's convolution-arithmetic figures.

    Left: the n x n input (blue) inside its zero padding (grey), with the
    footprint of the kernel at a few positions, each in its own colour of
    :data:`WINDOW_COLORS` (only the kernel's taps are filled, so dilation
    shows its gaps). Input cells that no kernel position ever reads are
    hatched. Right: the output grid, with the cell each drawn position
    produces filled in the same colour.

    ``padding`` is anything :func:`cnncourse.shapes.padding_amounts` accepts
    ('valid', 'same', 'full', an int or a (before, after) pair), used on both
    axes. ``windows`` lists 0-based output positions (row, col) to draw; by
    default the first one, its right neighbour and the last one. Unlike
    :func:`plot_padded_input` this stays readable for any number of outputs.
    Cells have gids ``"cell:<row>,<col>"`` (padded input) and
    ``"output:<row>,<col>"``; footprints have the gid ``"window"``.
    """
    k_eff = k + (k - 1) * (dilation - 1)
    before, after = padding_amounts(padding, n, k, stride, dilation)
    o = output_size(n, k, (before, after), stride, dilation)
    size = n + before + after
    if windows is None:
        windows = [(0, 0)] + ([(0, 1)] if o > 1 else []) + ([(o - 1, o - 1)] if o > 2 else [])
    windows = [tuple(int(v) for v in w) for w in windows]
    for i, j in windows:
        if not (0 <= i < o and 0 <= j < o):
            raise ValueError(f"window {(i, j)!r} is outside the {o} x {o} output")
    read = np.zeros(size, dtype=bool)  # which padded rows (= columns) some kernel position reads
    for start in range(0, o * stride, stride):
        read[start : start + k_eff : dilation] = True
    input_color, gap = "#9fc5e8", 1.5
    fig = CourseFigure(figsize=(0.42 * (size + gap + o) + 0.6, 0.42 * size + 0.9), layout="constrained")
    ax = fig.subplots()
    for r in range(size):
        for c in range(size):
            inside = before <= r < before + n and before <= c < before + n
            ax.add_patch(
                Rectangle(
                    (c, r), 1, 1, facecolor=input_color if inside else PAD_COLOR, edgecolor="#555555",
                    linewidth=0.7, hatch=None if (read[r] and read[c]) or not inside else "xx",
                    gid=f"cell:{r},{c}",
                )
            )
    x0 = size + gap
    y0 = (size - o) / 2
    for r in range(o):
        for c in range(o):
            ax.add_patch(Rectangle((x0 + c, y0 + r), 1, 1, facecolor="#ffffff", edgecolor="#555555",
                                   linewidth=0.7, gid=f"output:{r},{c}"))
    for index, (i, j) in enumerate(windows):
        color = WINDOW_COLORS[index % len(WINDOW_COLORS)]
        top, left = i * stride, j * stride
        for u in range(k):
            for v in range(k):
                ax.add_patch(Rectangle((left + v * dilation + 0.12, top + u * dilation + 0.12), 0.76, 0.76,
                                       facecolor=color, alpha=0.45, linewidth=0, zorder=2))
        inset = 0.05 + 0.08 * (index % len(WINDOW_COLORS))
        ax.add_patch(Rectangle((left + inset, top + inset), k_eff - 2 * inset, k_eff - 2 * inset, fill=False,
                               linewidth=2.2, edgecolor=color, gid="window", zorder=3))
        ax.add_patch(Rectangle((x0 + j, y0 + i), 1, 1, facecolor=color, alpha=0.8, edgecolor="#555555",
                               linewidth=0.7, zorder=2))
    pad_text = f"{before}" if before == after else f"{before} before, {after} after"
    ax.text(size / 2, -0.3, f"input {n} × {n}, padding {pad_text}", ha="center", va="bottom", fontsize=10)
    ax.text(x0 + o / 2, y0 - 0.3, f"output {o} × {o}", ha="center", va="bottom", fontsize=10)
    ax.set_xlim(-0.1, x0 + o + 0.1)
    ax.set_ylim(size + 0.1, -1.2)
    ax.set_aspect("equal")
    ax.set_axis_off()
    label = title or f"k = {k}, s = {stride}" + (f", d = {dilation}" if dilation > 1 else "")
    ax.set_title(label, fontsize=11)
    return fig


__all__.append("plot_conv_arithmetic")
