"""The figure base that the chapters' and the labs' figures share."""

import pytest

from cnncourse import imageplots, plots
from cnncourse.figures import MINUS, PngFigure, panels, with_minus


def test_every_course_figure_renders_as_png():
    for figure_class in (plots.CourseFigure, imageplots.ImageFigure):
        fig = figure_class(figsize=(1, 1))
        fig.subplots().plot([0, 1])
        assert issubclass(figure_class, PngFigure)
        assert fig._repr_png_().startswith(b"\x89PNG")


def test_panels_switch_off_what_the_last_row_leaves_over():
    fig, axes = panels(PngFigure, 5, 3, 2.0, 1.5)
    assert len(axes) == 5 and len(fig.axes) == 6
    assert [ax.axison for ax in fig.axes] == [True] * 5 + [False]
    assert tuple(fig.get_size_inches()) == (6.0, 3.0)
    with pytest.raises(ValueError, match="at least one panel"):
        panels(PngFigure, 0, 3, 2.0, 1.5)


def test_labels_use_the_minus_sign():
    assert with_minus("-1.5") == f"{MINUS}1.5"
    assert plots.format_number(-2) == imageplots.format_weight(-2) == f"{MINUS}2"
