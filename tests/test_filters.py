"""cnncourse.filters agrees with OpenCV, SciPy and scikit-image; the image figures draw what they say."""

import cv2
import numpy as np
import pytest
import scipy.ndimage
import scipy.signal
import skimage.color
import skimage.filters

from cnncourse import filters, imageplots
from cnncourse.conv import conv2d, flip

RNG = np.random.default_rng(20261123)
CAMERA = filters.sample_image("camera")
CAMERA_F = CAMERA.astype(np.float64)
INNER = (slice(1, -1), slice(1, -1))


def random_image(shape=(23, 31)):
    return RNG.integers(0, 256, size=shape).astype(np.float64)


# --------------------------------------------------------------------------- kernels


def test_sobel_kernels_are_opencvs():
    for (dx, dy), kernel in [((1, 0), filters.SOBEL_X), ((0, 1), filters.SOBEL_Y)]:
        kx, ky = cv2.getDerivKernels(dx, dy, 3)
        np.testing.assert_array_equal(kernel, np.outer(ky, kx))


@pytest.mark.parametrize("image", [CAMERA_F, random_image(), random_image((7, 40))])
def test_filter2d_with_sobel_matches_cv2_sobel_on_float_images(image):
    np.testing.assert_allclose(filters.filter_image(image, filters.SOBEL_X), cv2.Sobel(image, cv2.CV_64F, 1, 0, ksize=3))
    np.testing.assert_allclose(filters.filter_image(image, filters.SOBEL_Y), cv2.Sobel(image, cv2.CV_64F, 0, 1, ksize=3))
    gx, gy = filters.sobel_gradients(image)
    np.testing.assert_allclose(gx, cv2.Sobel(image, cv2.CV_64F, 1, 0))
    np.testing.assert_allclose(gy, cv2.Sobel(image, cv2.CV_64F, 0, 1))


def test_sobel_x_finds_vertical_edges_and_sobel_y_horizontal_ones():
    vertical = np.zeros((12, 12))
    vertical[:, 6:] = 100.0  # brighter to the right
    gx, gy = filters.sobel_gradients(vertical)
    assert gx.max() == 400 and gx.min() == 0 and np.all(gy == 0)
    gx, gy = filters.sobel_gradients(vertical.T)  # a horizontal edge, brighter downwards
    assert gy.max() == 400 and np.all(gx == 0)
    assert filters.gradient_direction(*filters.sobel_gradients(vertical))[6, 6] == 0
    assert filters.gradient_direction(*filters.sobel_gradients(vertical.T))[6, 6] == 90


def test_skimage_sobel_v_is_sobel_x_over_4_with_reflect_border():
    reflect = cv2.BORDER_REFLECT
    np.testing.assert_allclose(
        skimage.filters.sobel_v(CAMERA_F), cv2.filter2D(CAMERA_F, cv2.CV_64F, filters.SOBEL_X, borderType=reflect) / 4
    )
    np.testing.assert_allclose(
        skimage.filters.sobel_h(CAMERA_F), cv2.filter2D(CAMERA_F, cv2.CV_64F, filters.SOBEL_Y, borderType=reflect) / 4
    )


def test_sharpen_is_identity_minus_laplacian_and_weights_sums():
    np.testing.assert_array_equal(filters.SHARPEN, [[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
    np.testing.assert_array_equal(filters.SHARPEN, filters.IDENTITY - filters.LAPLACIAN_4)
    for name, kernel in filters.KERNELS.items():
        expected = 0.0 if name in ("Sobel-x", "Sobel-y", "Laplacian (4-neighbour)", "edge (8-neighbour)") else 1.0
        assert kernel.sum() == pytest.approx(expected), name
    assert np.array_equal(filters.LAPLACIAN_8, [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]])


def test_kernels_are_read_only():
    with pytest.raises(ValueError):
        filters.SOBEL_X[0, 0] = 5


@pytest.mark.parametrize("size,sigma", [(3, 0.8), (5, 1.0), (7, 2.0), (9, 1.5), (11, 3.0)])
def test_gaussian_kernel_matches_opencv(size, sigma):
    g = cv2.getGaussianKernel(size, sigma)
    np.testing.assert_allclose(filters.gaussian_kernel(size, sigma), g @ g.T, atol=1e-15)


def test_gaussian_blur_and_box_blur_match_opencv():
    np.testing.assert_allclose(
        filters.filter_image(CAMERA, filters.gaussian_kernel(5, 1.0)), cv2.GaussianBlur(CAMERA_F, (5, 5), 1.0), atol=1e-9
    )
    np.testing.assert_allclose(filters.filter_image(CAMERA, filters.BOX_3), cv2.blur(CAMERA_F, (3, 3)), atol=1e-9)


@pytest.mark.parametrize("bad", [(4, 1.0), (0, 1.0), (5, 0.0), (2.5, 1.0)])
def test_gaussian_kernel_rejects_bad_arguments(bad):
    with pytest.raises(ValueError):
        filters.gaussian_kernel(*bad)


# --------------------------------------------------------------------------- borders, flips, types


@pytest.mark.parametrize("border", sorted(filters.BORDERS))
@pytest.mark.parametrize("kernel", [filters.SOBEL_X, filters.LAPLACIAN_8, filters.gaussian_kernel(5, 1.2)])
def test_each_border_means_the_same_in_opencv_and_scipy(border, kernel):
    image = random_image((19, 26))
    _, mode = filters.BORDERS[border]
    np.testing.assert_allclose(
        filters.filter_image(image, kernel, border), scipy.ndimage.correlate(image, kernel, mode=mode), atol=1e-9
    )


def test_borders_pad_a_row_as_documented():
    row = np.array([[1, 2, 3, 4]], dtype=np.uint8)
    expected = {"reflect101": [3, 2, 1, 2, 3, 4], "reflect": [2, 1, 1, 2, 3, 4], "zero": [0, 0, 1, 2, 3, 4],
                "replicate": [1, 1, 1, 2, 3, 4]}
    for border, left in expected.items():
        padded = cv2.copyMakeBorder(row, 0, 0, 2, 0, filters.BORDERS[border][0])[0]
        assert padded.tolist() == left, border


def test_opencv_default_border_is_reflect_101_not_scipys_default():
    default = cv2.filter2D(CAMERA_F, cv2.CV_64F, filters.SOBEL_X)
    np.testing.assert_allclose(default, scipy.ndimage.correlate(CAMERA_F, filters.SOBEL_X, mode="mirror"))
    scipy_default = scipy.ndimage.correlate(CAMERA_F, filters.SOBEL_X)  # mode='reflect'
    assert not np.allclose(default, scipy_default)
    np.testing.assert_allclose(default[INNER], scipy_default[INNER])  # only the outer ring differs


def test_zero_border_matches_scipy_signal_same():
    image = random_image()
    np.testing.assert_allclose(
        filters.filter_image(image, filters.SOBEL_X, "zero"), scipy.signal.correlate2d(image, filters.SOBEL_X, mode="same")
    )


def test_filter_image_is_correlation_and_convolve_image_flips():
    image, kernel = random_image((15, 17)), RNG.normal(size=(3, 3))
    np.testing.assert_allclose(filters.filter_image(image, kernel, "zero"), conv2d(image, kernel, padding="same"))
    np.testing.assert_allclose(
        filters.convolve_image(image, kernel, "zero"), scipy.signal.convolve2d(image, kernel, mode="same")
    )
    # Sobel: the flip is a sign change; symmetric kernels: no change
    np.testing.assert_allclose(filters.convolve_image(image, filters.SOBEL_X), -filters.filter_image(image, filters.SOBEL_X))
    np.testing.assert_array_equal(flip(filters.SHARPEN), filters.SHARPEN)


def test_filter_image_keeps_negative_values_that_ddepth_minus_one_clips():
    right = filters.filter_image(CAMERA, filters.SOBEL_X)
    clipped = cv2.filter2D(CAMERA, -1, filters.SOBEL_X)
    assert right.dtype == np.float64 and right.min() < 0 and right.max() > 255
    assert clipped.dtype == np.uint8
    np.testing.assert_array_equal(clipped, np.clip(right, 0, 255))


def test_filter_image_rejects_colour_images_and_even_kernels():
    with pytest.raises(ValueError):
        filters.filter_image(filters.sample_image("coffee"), filters.SOBEL_X)
    with pytest.raises(ValueError):
        filters.filter_image(CAMERA, np.ones((2, 2)))
    with pytest.raises(ValueError):
        filters.filter_image(CAMERA, filters.SOBEL_X, border="wrap")


# --------------------------------------------------------------------------- images


def test_sample_images_are_the_bundled_photos():
    shapes = {name: filters.sample_image(name).shape for name in filters.SAMPLE_IMAGES}
    assert shapes["camera"] == (512, 512)
    assert all(len(shapes[name]) == 3 and shapes[name][2] == 3 for name in ("astronaut", "coffee", "chelsea"))
    with pytest.raises(ValueError):
        filters.sample_image("moon")


def test_to_grey_uses_each_librarys_weights_on_the_0_255_scale():
    rgb = filters.sample_image("astronaut")
    cv_grey = filters.to_grey(rgb, "opencv")
    sk_grey = filters.to_grey(rgb, "skimage")
    assert cv_grey.dtype == sk_grey.dtype == np.float64
    np.testing.assert_array_equal(cv_grey, cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
    np.testing.assert_allclose(sk_grey, skimage.color.rgb2gray(rgb) * 255)
    assert np.abs(cv_grey - rgb.astype(float) @ [0.299, 0.587, 0.114]).max() <= 1
    # a BGR array needs COLOR_BGR2GRAY: the same grey, only from reversed channels
    np.testing.assert_array_equal(cv2.cvtColor(rgb[:, :, ::-1].copy(), cv2.COLOR_BGR2GRAY), cv_grey)
    np.testing.assert_array_equal(filters.to_grey(CAMERA), CAMERA_F)
    with pytest.raises(ValueError):
        filters.to_grey(rgb, "pillow")


@pytest.mark.parametrize("method", ["minmax", "abs", "clahe"])
def test_stretch_for_display_never_changes_the_numbers(method):
    values = filters.filter_image(CAMERA, filters.LAPLACIAN_8)
    before = values.copy()
    shown = filters.stretch_for_display(values, method)
    np.testing.assert_array_equal(values, before)
    assert shown is not values and shown.shape == values.shape
    assert shown.min() >= 0 and shown.max() <= 1


def test_gradient_magnitude_and_direction():
    gx, gy = np.array([3.0, 0.0, -1.0]), np.array([4.0, 2.0, 0.0])
    np.testing.assert_allclose(filters.gradient_magnitude(gx, gy), [5, 2, 1])
    np.testing.assert_allclose(filters.gradient_direction(gx, gy), [np.degrees(np.arctan2(4, 3)), 90, 180])


# --------------------------------------------------------------------------- figures


def test_image_grid_draws_one_titled_panel_per_image():
    images = [CAMERA, filters.filter_image(CAMERA, filters.SOBEL_X), filters.sample_image("coffee")]
    fig = imageplots.image_grid(images, ["a", "b", "c"], ncols=2)
    titled = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in titled] == ["a", "b", "c"]
    # a signed panel is centred on 0; the uint8 panel uses 0 .. 255
    low, high = titled[1].images[0].get_clim()
    assert low == -high
    assert titled[0].images[0].get_clim() == (0.0, 255.0)
    assert fig._repr_png_().startswith(b"\x89PNG")


def test_display_limits_ignore_rounding_noise_around_zero():
    blurred_dot = filters.filter_image(np.pad([[1.0]], 5), filters.gaussian_kernel(5, 1.0))
    assert imageplots.display_limits(blurred_dot)[0] == 0.0
    assert imageplots.robust_limits(-blurred_dot)[0] < 0


def test_format_weight():
    assert [imageplots.format_weight(v) for v in (2.0, -1.0, 1 / 9, 0.1234)] == ["2", "\N{MINUS SIGN}1", "1/9", "0.12"]


def test_playground_figure_returns_the_unstretched_result():
    fig, result = imageplots.playground_figure(CAMERA, filters.SOBEL_X, stretch="clahe")
    np.testing.assert_array_equal(result, cv2.Sobel(CAMERA_F, cv2.CV_64F, 1, 0))
    assert len(fig.axes) == 3


def test_kernel_playground_updates_when_a_box_changes():
    pytest.importorskip("ipywidgets")
    playground = imageplots.KernelPlayground(kernel=filters.IDENTITY, image="camera")
    np.testing.assert_array_equal(playground.result, CAMERA_F)
    playground.preset.value = "Sobel-x"
    np.testing.assert_array_equal(playground.kernel, filters.SOBEL_X)
    np.testing.assert_array_equal(playground.result, cv2.Sobel(CAMERA_F, cv2.CV_64F, 1, 0))
    playground.boxes[4].value = 1.0  # centre weight: Sobel-x plus the identity
    np.testing.assert_allclose(playground.result, cv2.Sobel(CAMERA_F, cv2.CV_64F, 1, 0) + CAMERA_F)
    playground.image_choice.value = "coffee"
    assert playground.result.shape == filters.sample_image("coffee").shape[:2]
