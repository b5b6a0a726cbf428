"""Figures for the image-filter labs: grids of images, kernels, a kernel playground.

Like :mod:`cnncourse.plots`, every function returns a figure of the course's
figure base (:mod:`cnncourse.figures`), built without :mod:`matplotlib.pyplot`,
so a page cell is one call plus ``glue`` and no figure appears twice.

How a 2-D array is shown (unless you pass ``limits``):

* ``uint8`` arrays use the full 0 .. 255 grey scale;
* arrays with negative values (a Sobel or Laplacian response) use a symmetric
  range -m .. m, so mid-grey means 0, black the most negative and white the
  most positive value;
* other float arrays run from 0 (black) to their largest value (white).

Colour images, shape (H, W, 3), are shown as RGB. The arrays are never changed:
any contrast stretch for display happens on a copy (see
:func:`cnncourse.filters.stretch_for_display`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

import numpy as np
from matplotlib.figure import Figure

from cnncourse import filters
from cnncourse.figures import PngFigure, panels, with_minus

__all__ = [
    "ImageFigure",
    "KernelPlayground",
    "direction_colours",
    "display_limits",
    "format_weight",
    "image_grid",
    "kernel_figure",
    "pixel_values_figure",
    "playground_figure",
    "robust_limits",
    "show_image",
    "show_kernel",
]

class ImageFigure(PngFigure):
    """The labs' figures: the course's PNG figure base at 100 dpi (photos need fewer dots)."""

    png_dpi = 100


def display_limits(image: np.ndarray) -> tuple[float, float]:
    """The (vmin, vmax) :func:`show_image` uses for a 2-D array (see the module docstring)."""
    arr = np.asarray(image)
    if arr.dtype == np.uint8:
        return 0.0, 255.0
    low, high = float(arr.min()), float(arr.max())
    if low < -1e-9 * max(abs(high), 1.0):  # rounding noise around 0 is not a sign
        top = max(abs(low), abs(high)) or 1.0
        return -top, top
    return 0.0, high if high > 0 else 1.0


def robust_limits(values, percentile: float = 99.5) -> tuple[float, float]:
    """Display limits that ignore the few most extreme values (for display only).

    Signed arrays get a symmetric range -q .. q and non-negative ones 0 .. q,
    where q is the ``percentile`` of the absolute values: a handful of very
    strong edges no longer turn everything else grey. Values beyond q are
    drawn as the end of the scale; the array itself is not changed.
    """
    arr = np.asarray(values, dtype=float)
    top = float(np.percentile(np.abs(arr), percentile)) or float(np.abs(arr).max()) or 1.0
    return (-top, top) if arr.min() < -1e-9 * max(top, 1.0) else (0.0, top)


def show_image(ax, image, title: str | None = None, limits=None, cmap: str = "gray", colorbar: bool = False):
    """Draw one image into ``ax`` with the course's display rules; returns the AxesImage."""
    arr = np.asarray(image)
    if arr.ndim == 3:
        artist = ax.imshow(arr)
    elif arr.ndim == 2:
        vmin, vmax = display_limits(arr) if limits is None else limits
        artist = ax.imshow(arr, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
        if colorbar:
            ax.figure.colorbar(artist, ax=ax, fraction=0.046, pad=0.03)
    else:
        raise ValueError(f"an image is (H, W) or (H, W, 3), got shape {arr.shape}")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)
    return artist


def image_grid(
    images: Sequence[np.ndarray],
    titles: Sequence[str] | None = None,
    ncols: int | None = None,
    panel_size: float = 3.0,
    limits: Sequence | None = None,
    cmaps: Sequence[str] | None = None,
    colorbar: bool = False,
    suptitle: str | None = None,
) -> Figure:
    """Images side by side (``ncols`` per row), each with its title.

    ``limits`` and ``cmaps`` give per-panel display ranges and colour maps
    (``None`` entries keep the defaults; a ``"robust"`` entry, or ``limits="robust"``
    for every panel, uses :func:`robust_limits`). ``colorbar`` adds a scale to
    every grey panel, so a reader can see the numbers behind the shades.
    """
    images = list(images)
    count = len(images)
    if isinstance(limits, str):
        limits = [limits] * count
    if limits is not None:
        limits = [
            robust_limits(img) if (isinstance(lim, str) and np.asarray(img).ndim == 2) else (None if isinstance(lim, str) else lim)
            for img, lim in zip(images, limits)
        ]
    aspect = max(np.asarray(img).shape[0] / np.asarray(img).shape[1] for img in images)
    fig, axes = panels(ImageFigure, count, ncols or count, panel_size, panel_size * aspect,
                       extra_height=0.35 if suptitle else 0.1)
    for index, ax in enumerate(axes):
        show_image(
            ax,
            images[index],
            title=titles[index] if titles else None,
            limits=limits[index] if limits else None,
            cmap=(cmaps[index] if cmaps else None) or "gray",
            colorbar=colorbar,
        )
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def format_weight(value: float) -> str:
    """A kernel weight as a short label: integers as is, simple fractions as 1/9, else 2 decimals."""
    if float(value).is_integer():
        text = str(int(value))
    else:
        fraction = Fraction(float(value)).limit_denominator(64)
        if abs(float(fraction) - value) < 1e-9:
            text = f"{fraction.numerator}/{fraction.denominator}"
        else:
            text = f"{value:.2f}"
    return with_minus(text)


def show_kernel(ax, kernel, title: str | None = None, annotate: bool = True):
    """Draw a kernel as a heat map centred on 0 (red positive, blue negative) with its weights."""
    kernel = np.asarray(kernel, dtype=float)
    top = float(np.abs(kernel).max()) or 1.0
    ax.imshow(kernel, cmap="RdBu_r", vmin=-top, vmax=top)
    if annotate and kernel.size <= 49:
        for (row, col), value in np.ndenumerate(kernel):
            colour = "white" if abs(value) > 0.6 * top else "black"
            ax.text(
                col, row, format_weight(value), ha="center", va="center", color=colour,
                fontsize=10 if kernel.shape[0] <= 3 else 7,
            )
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)


def kernel_figure(kernels: Mapping[str, np.ndarray], ncols: int | None = None, panel_size: float = 1.9) -> Figure:
    """The named kernels as annotated heat maps, one panel each."""
    names = list(kernels)
    fig, axes = panels(ImageFigure, len(names), ncols or len(names), panel_size, panel_size + 0.25)
    for ax, name in zip(axes, names):
        show_kernel(ax, kernels[name], title=name)
    return fig


def pixel_values_figure(image, top: int, left: int, size: int = 8, panel_size: float = 4.0) -> Figure:
    """The whole grey image with a small square marked, and that square's pixel values written out."""
    from matplotlib.patches import Rectangle

    arr = np.asarray(image)
    if arr.ndim != 2:
        raise ValueError(f"pixel_values_figure takes a grey (H, W) image, got shape {arr.shape}")
    crop = arr[top : top + size, left : left + size]
    fig = ImageFigure(figsize=(2 * panel_size + 0.3, panel_size), layout="constrained")
    whole, zoom = fig.subplots(1, 2)
    show_image(whole, arr, f"the whole image, {arr.shape[0]} x {arr.shape[1]}")
    whole.add_patch(Rectangle((left - 0.5, top - 0.5), size, size, fill=False, edgecolor="#e74c3c", linewidth=2))
    low, high = display_limits(arr)
    show_image(zoom, crop, f"rows {top}..{top + size - 1}, columns {left}..{left + size - 1}", limits=(low, high))
    for (row, col), value in np.ndenumerate(crop):
        colour = "black" if value > (low + high) / 2 else "white"
        zoom.text(col, row, format_weight(value), ha="center", va="center", fontsize=8, color=colour)
    return fig


def direction_colours(gx, gy, gamma: float = 0.5) -> np.ndarray:
    """An RGB picture of the gradient: hue = direction, brightness = edge strength.

    The hue runs once around the colour wheel as the direction of steepest
    brightening turns through 360 degrees (red: towards the right, +x); flat
    regions are black. Brightness saturates at the 99.5th percentile of the
    magnitude and ``gamma`` < 1 brightens weak edges: both for display only.
    """
    from matplotlib.colors import hsv_to_rgb

    magnitude = filters.gradient_magnitude(gx, gy)
    top = robust_limits(magnitude)[1]
    value = np.clip(magnitude / top, 0.0, 1.0) ** gamma
    hue = (filters.gradient_direction(gx, gy) % 360.0) / 360.0
    return hsv_to_rgb(np.stack([hue, np.ones_like(hue), value], axis=-1))


def playground_figure(image, kernel, stretch: str | None = "clahe", title: str = "result") -> tuple[Figure, np.ndarray]:
    """The image, the kernel and the filtered image; returns (figure, the filtered numbers).

    The result is computed in float with :func:`cnncourse.filters.filter_image`.
    ``stretch`` (``'clahe'``, ``'minmax'``, ``'abs'`` or ``None``) changes only
    the third panel's display; the returned array is the filter's own output.
    """
    grey = filters.to_grey(image)
    result = filters.filter_image(grey, kernel)
    shown = result if stretch is None else filters.stretch_for_display(result, stretch)
    fig = ImageFigure(figsize=(9.0, 3.3), layout="constrained")
    axes = fig.subplots(1, 3, width_ratios=[3, 1.4, 3])
    show_image(axes[0], grey, "input (grey, 0 .. 255)", limits=(0, 255))
    show_kernel(axes[1], kernel, "kernel")
    label = f"{title}: {format_weight(round(result.min(), 1))} .. {format_weight(round(result.max(), 1))}"
    if stretch is not None:
        label += f"\n(shown with '{stretch}' stretch)"
    show_image(axes[2], shown, label, limits=(0.0, 1.0) if stretch is not None else None)
    return fig, result


class KernelPlayground:
    """An ipywidgets control: type a 3 x 3 kernel, pick a photo, see the result.

    ``KernelPlayground().widget`` is the control to display (``display(p.widget)``
    in a live notebook). Every change recomputes :attr:`result`, the filter's
    float output (never stretched), and redraws the figure. Works without a
    browser too: setting a box's ``value`` from code runs the same update.
    """

    def __init__(self, kernel=None, image: str = "camera", stretch: str = "clahe"):
        import ipywidgets as widgets  # only needed for the live control

        start = np.asarray(filters.SHARPEN if kernel is None else kernel, dtype=float)
        if start.shape != (3, 3):
            raise ValueError(f"the playground takes a 3 x 3 kernel, got shape {start.shape}")
        self.boxes = [
            widgets.FloatText(value=float(start[row, col]), layout=widgets.Layout(width="70px"))
            for row in range(3)
            for col in range(3)
        ]
        self.image_choice = widgets.Dropdown(options=list(filters.SAMPLE_IMAGES), value=image, description="photo")
        self.preset = widgets.Dropdown(options=["(typed)", *filters.KERNELS], value="(typed)", description="preset")
        self.stretch_choice = widgets.Dropdown(
            options=[("CLAHE (display only)", "clahe"), ("min-max (display only)", "minmax"), ("|value|", "abs"), ("none", None)],
            value=stretch,
            description="contrast",
        )
        self.output = widgets.Output()
        grid = widgets.GridBox(self.boxes, layout=widgets.Layout(grid_template_columns="repeat(3, 75px)"))
        self.widget = widgets.VBox([widgets.HBox([grid, widgets.VBox([self.image_choice, self.preset, self.stretch_choice])]), self.output])
        self.result: np.ndarray | None = None
        self.figure: Figure | None = None
        self._loading_preset = False
        for control in (*self.boxes, self.image_choice, self.stretch_choice):
            control.observe(self._update, names="value")
        self.preset.observe(self._load_preset, names="value")
        self._update()

    @property
    def kernel(self) -> np.ndarray:
        """The kernel typed in the boxes, as a 3 x 3 float array."""
        return np.array([box.value for box in self.boxes], dtype=float).reshape(3, 3)

    def _load_preset(self, change) -> None:
        kernel = filters.KERNELS.get(change["new"])
        if kernel is None or kernel.shape != (3, 3):
            return
        self._loading_preset = True
        for box, value in zip(self.boxes, kernel.ravel()):
            box.value = float(value)
        self._loading_preset = False
        self._update()

    def _update(self, change=None) -> None:
        if self._loading_preset:
            return
        image = filters.sample_image(self.image_choice.value)
        self.figure, self.result = playground_figure(image, self.kernel, stretch=self.stretch_choice.value)
        self.output.clear_output(wait=True)
        with self.output:
            from IPython.display import display

            display(self.figure)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
