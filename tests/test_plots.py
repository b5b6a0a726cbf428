"""The drawing helpers draw what they claim: the right panels, windows and numbers."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib import colors as mcolors
from matplotlib.patches import Rectangle

from cnncourse import conv, plots

HIGHLIGHT = mcolors.to_rgba(plots.HIGHLIGHT_COLOR)
PAD = mcolors.to_rgba(plots.PAD_COLOR)


def cells_with_color(ax, rgba) -> set[tuple[int, int]]:
    """The (row, col) of every grid cell in ``ax`` filled with ``rgba``."""
    found = set()
    for patch in ax.patches:
        gid = patch.get_gid() or ""
        if gid.startswith("cell:") and np.allclose(patch.get_facecolor(), rgba):
            row, col = map(int, gid[len("cell:") :].split(","))
            found.add((row, col))
    return found


def window_outlines(ax) -> list[tuple[float, float, float, float]]:
    """(x, y, width, height) of every window outline in ``ax``."""
    return [
        (p.get_x(), p.get_y(), p.get_width(), p.get_height())
        for p in ax.patches
        if isinstance(p, Rectangle) and p.get_gid() == "window"
    ]


def cell_texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


# --------------------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    "value,text",
    [(2.0, "2"), (-1, "\N{MINUS SIGN}1"), (0.75, "0.75"), (7.250000001, "7.25"), (-0.0, "0"), (4.6, "4.6")],
)
def test_format_number(value, text):
    assert plots.format_number(value) == text


def test_format_vector_and_matrix():
    assert plots.format_vector([-1.0, 7.0, 5.0]) == "(\N{MINUS SIGN}1, 7, 5)"
    assert plots.format_matrix([[2, 6], [4, 4]]) == r"\begin{bmatrix} 2 & 6 \\ 4 & 4 \end{bmatrix}"
    assert plots.format_matrix([[-1.5]]) == r"\begin{bmatrix} -1.5 \end{bmatrix}"
    with pytest.raises(ValueError):
        plots.format_vector([[1, 2]])
    with pytest.raises(ValueError):
        plots.format_matrix([1, 2])
    with pytest.raises(ValueError):
        plots.format_number(float("nan"))


# --------------------------------------------------------------------------- draw_grid


def test_draw_grid_cells_labels_and_highlight():
    fig = plots.CourseFigure()
    ax = fig.subplots()
    array = np.arange(12).reshape(3, 4)
    plots.draw_grid(ax, array, highlight=(1, 2, 2, 2))
    cells = [p for p in ax.patches if (p.get_gid() or "").startswith("cell:")]
    assert len(cells) == array.size
    assert cell_texts(ax) == [str(v) for v in array.ravel()]
    assert cells_with_color(ax, HIGHLIGHT) == {(1, 2), (1, 3), (2, 2), (2, 3)}
    assert window_outlines(ax) == [(2, 1, 2, 2)]  # x = column, y = row


def test_draw_grid_one_d_window_and_shade():
    fig = plots.CourseFigure()
    ax = fig.subplots()
    shade = np.array([True, False, False, False, True])
    plots.draw_grid(ax, [0, 1, 2, 3, 0], highlight=(2, 3), shade=shade)
    assert cells_with_color(ax, HIGHLIGHT) == {(0, 2), (0, 3), (0, 4)}
    # the highlight wins over the shade on cell 4; cell 0 stays grey
    assert cells_with_color(ax, PAD) == {(0, 0)}


def test_draw_grid_skip_zeros_leaves_zero_cells_blank():
    fig = plots.CourseFigure()
    ax = fig.subplots()
    plots.draw_grid(ax, [[0, 5], [3, 0]], skip_zeros=True)
    assert sorted(cell_texts(ax)) == ["3", "5"]


@pytest.mark.parametrize(
    "array,kwargs",
    [
        (np.zeros((2, 2, 2)), {}),  # 3-D arrays are not grids
        (np.zeros((3, 3)), {"highlight": (2, 2, 2, 2)}),  # window leaves the grid
        (np.zeros((3, 3)), {"highlight": (0, 0, 0, 1)}),  # empty window
        (np.zeros(5), {"highlight": (4, 2)}),  # 1-D window past the end
        (np.zeros((3, 3)), {"highlight": (0, 0, 1)}),  # neither 2 nor 4 numbers
        (np.zeros((3, 3)), {"shade": np.zeros((2, 2), bool)}),  # shade of the wrong shape
    ],
)
def test_draw_grid_rejects_bad_input(array, kwargs):
    ax = plots.CourseFigure().subplots()
    with pytest.raises(ValueError):
        plots.draw_grid(ax, array, **kwargs)


# --------------------------------------------------------------------------- 1-D windows


def test_sliding_windows_1d_one_row_per_output_with_its_window():
    x, w = [3, 2, 1, 7, 1, 2, 5, 4], [0.5, 0.75, 1, 0.25]
    fig = plots.plot_sliding_windows_1d(x, w, stride=2)
    assert len(fig.axes) == 3  # floor((8 - 4) / 2) + 1 outputs
    for i, ax in enumerate(fig.axes):
        start = 2 * i
        assert cells_with_color(ax, HIGHLIGHT) == {(0, c) for c in range(start, start + 4)}
        kernel = [p for p in ax.patches if (p.get_gid() or "").startswith("kernel:")]
        assert [p.get_x() for p in kernel] == [start + j for j in range(4)]
    expected = conv.conv1d(x, w, stride=2)  # (5.75, 7.25, 8)
    for ax, value in zip(fig.axes, expected):
        assert any(text.endswith(f"= {plots.format_number(value)}") for text in cell_texts(ax))


def test_sliding_windows_1d_shades_the_padding():
    fig = plots.plot_sliding_windows_1d([1, 3, -1, 2, 3], [1, 0, 2], padding="same")
    assert len(fig.axes) == 5
    last = fig.axes[-1]
    # padded input has 7 cells; the first is padding and unlit in the last row
    assert (0, 0) in cells_with_color(last, PAD)
    assert cells_with_color(last, HIGHLIGHT) == {(0, 4), (0, 5), (0, 6)}


def test_sliding_windows_1d_rejects_2d_input():
    with pytest.raises(ValueError):
        plots.plot_sliding_windows_1d(np.zeros((3, 3)), [1, 2])


def test_shift_equivariance_checks_its_arguments():
    fig = plots.plot_shift_equivariance(np.arange(10.0), [1.0, -1.0], 3)
    assert len(fig.axes) == 2
    with pytest.raises(ValueError):
        plots.plot_shift_equivariance(np.arange(10.0), [1.0, -1.0], 10)


# --------------------------------------------------------------------------- 2-D


def test_sliding_windows_2d_panels_follow_padding_and_stride():
    x = np.array([[2, 1, 2], [5, 0, 1], [1, 7, 3]])
    w = np.ones((3, 3))
    fig = plots.plot_sliding_windows_2d(x, w, padding=1, stride=2)
    assert len(fig.axes) == 4
    starts = [(0, 0), (0, 2), (2, 0), (2, 2)]
    for ax, (r0, c0) in zip(fig.axes, starts):
        lit = {(r0 + u, c0 + v) for u in range(3) for v in range(3)}
        assert cells_with_color(ax, HIGHLIGHT) == lit
        padding_cells = {(r, c) for r in range(5) for c in range(5) if r in (0, 4) or c in (0, 4)}
        assert cells_with_color(ax, PAD) == padding_cells - lit
    titles = [ax.get_title() for ax in fig.axes]
    y = conv.conv2d(x, w, padding=1, stride=2)
    assert [t.split("= ")[-1] for t in titles] == [plots.format_number(v) for v in y.ravel()]


def test_padded_input_outlines_every_window_the_stride_visits():
    fig = plots.plot_padded_input(np.zeros((3, 3)), 1, (3, 3), stride=2)
    (ax,) = fig.axes
    outlines = window_outlines(ax)
    assert len(outlines) == 4
    corners = sorted((round(x), round(y)) for x, y, _, _ in outlines)
    assert corners == [(0, 0), (0, 2), (2, 0), (2, 2)]
    assert len(cells_with_color(ax, PAD)) == 5 * 5 - 3 * 3


def test_channel_sum_panels_and_partial_sums():
    rng = np.random.default_rng(3)
    x = rng.integers(-3, 4, size=(4, 4, 3)).astype(float)
    w = rng.integers(-2, 3, size=(2, 2, 3)).astype(float)
    fig = plots.plot_channel_sum(x, w, bias=1.0, position=(1, 2))
    assert len(fig.axes) == 2 * 3 + 1  # input and kernel per channel, plus the sum
    for c in range(3):
        assert cells_with_color(fig.axes[2 * c], HIGHLIGHT) == {(1, 2), (1, 3), (2, 2), (2, 3)}
        partial = np.sum(x[1:3, 2:4, c] * w[:, :, c])
        assert fig.axes[2 * c + 1].get_title().endswith(f"sum = {plots.format_number(partial)}")
    total = conv.conv2d(x, w, bias=1.0)[1, 2]
    assert cell_texts(fig.axes[-1])[0].rstrip().endswith(plots.format_number(total))


@pytest.mark.parametrize(
    "x,w,kwargs",
    [
        (np.zeros((3, 3)), np.zeros((2, 2)), {}),  # not multi-channel
        (np.zeros((3, 3, 3)), np.zeros((2, 2, 2)), {}),  # channel mismatch
        (np.zeros((3, 3, 3)), np.zeros((2, 2, 3)), {"position": (2, 0)}),  # outside the 2 x 2 output
        (np.zeros((3, 3, 2)), np.zeros((2, 2, 2)), {"channel_names": ["r", "g", "b"]}),
    ],
)
def test_channel_sum_rejects_bad_input(x, w, kwargs):
    with pytest.raises(ValueError):
        plots.plot_channel_sum(x, w, **kwargs)


# --------------------------------------------------------------------------- panels and display


def test_plot_arrays_and_images_make_one_panel_each():
    fig = plots.plot_arrays({"X": np.ones((3, 3)), "W": np.ones((2, 2)), "Y": np.ones((2, 2))})
    assert [ax.get_title() for ax in fig.axes] == ["X", "W", "Y"]
    fig = plots.plot_images({"grey": np.zeros((8, 8)), "colour": np.zeros((8, 8, 3), np.uint8)})
    assert len(fig.axes) == 2
    with pytest.raises(ValueError):
        plots.plot_images({"bad": np.zeros((8, 8, 2))})
    with pytest.raises(ValueError):
        plots.plot_arrays({})


def test_param_counts_needs_one_count_per_size():
    fig = plots.plot_param_counts([1, 2, 4], {"a": [1, 4, 16], "b": [3, 3, 3]})
    assert len(fig.axes[0].lines) == 2
    with pytest.raises(ValueError):
        plots.plot_param_counts([1, 2, 4], {"a": [1, 4]})


def test_course_figure_renders_itself_as_png():
    fig = plots.plot_arrays({"X": np.eye(2)})
    png = fig._repr_png_()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_padded_input_window_outlines_stay_inside_their_windows_for_many_windows():
    """Insets repeat with the colours: even the 25th window keeps a positive size."""
    figure = plots.plot_padded_input(np.arange(49.0).reshape(7, 7), padding=1, kernel_size=(3, 3), stride=1)
    outlines = [p for p in figure.axes[0].patches if p.get_gid() == "window"]
    assert len(outlines) == 49
    assert all(0 < p.get_width() < 3 and 0 < p.get_height() < 3 for p in outlines)


def test_conv_arithmetic_figure_marks_output_grid_and_unread_pixels():
    """n = 8, k = 3, s = 2: a 3 x 3 output, and the last row and column (15 pixels) are never read."""
    figure = plots.plot_conv_arithmetic(8, 3, padding=0, stride=2)
    patches = figure.axes[0].patches
    outputs = [p for p in patches if (p.get_gid() or "").startswith("output:")]
    unread = [p for p in patches if (p.get_gid() or "").startswith("cell:") and p.get_hatch()]
    assert len(outputs) == 9
    assert len(unread) == 15
    assert len([p for p in patches if p.get_gid() == "window"]) == 3
    with pytest.raises(ValueError, match="outside"):
        plots.plot_conv_arithmetic(8, 3, stride=2, windows=[(3, 0)])
