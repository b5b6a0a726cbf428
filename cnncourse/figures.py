"""The figure base every course figure shares: a PNG-rendering Figure, panels of images, number labels.

:mod:`cnncourse.plots` (the convolution chapters) and :mod:`cnncourse.imageplots`
(the filter labs) build on these, so a figure behaves the same in every chapter:
made without :mod:`matplotlib.pyplot` (it never pops up on its own, never piles
up in pyplot's figure list), rendered as PNG in Jupyter, with real minus signs.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.figure import Figure

MINUS = "\N{MINUS SIGN}"


class PngFigure(Figure):
    """A matplotlib Figure that Jupyter displays (and myst-nb glues) as a PNG image.

    Without a registered inline backend, IPython only knows a Figure's text
    repr ("<Figure size ...>"); ``_repr_png_`` gives it the image instead.
    Subclasses set ``png_dpi``.
    """

    png_dpi = 110

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=self.png_dpi, bbox_inches="tight")
        return buffer.getvalue()


def with_minus(text: str) -> str:
    """A label with the typographic minus sign, as the chapters print negative numbers."""
    return text.replace("-", MINUS)


def panels(figure_class: type[PngFigure], count: int, ncols: int, panel_width: float, panel_height: float,
           extra_height: float = 0.0):
    """A figure of ``count`` panels, ``ncols`` per row; returns (figure, the axes of the panels in use).

    Panels left over in the last row are switched off.
    """
    if count < 1:
        raise ValueError("a figure of panels needs at least one panel")
    ncols = min(count, ncols)
    nrows = -(-count // ncols)
    fig = figure_class(figsize=(panel_width * ncols, panel_height * nrows + extra_height), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for ax in axes[count:]:
        ax.set_axis_off()
    return fig, list(axes[:count])
