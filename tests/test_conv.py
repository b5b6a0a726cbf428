"""The reference convolutions agree with NumPy, SciPy and TensorFlow."""

import numpy as np
import pytest
import scipy.signal

from cnncourse import conv
from cnncourse.shapes import output_size, same_padding

RNG = np.random.default_rng(20261123)
METHODS_1D = [conv.conv1d, conv.conv1d_loops]
METHODS_2D = [conv.conv2d, conv.conv2d_loops]


# --------------------------------------------------------------------------- 1-D


@pytest.mark.parametrize("method", METHODS_1D)
@pytest.mark.parametrize("n,k", [(5, 3), (8, 4), (10, 1), (7, 7), (13, 6)])
def test_conv1d_valid_matches_np_correlate_and_flipped_convolve(method, n, k):
    x, w = RNG.normal(size=n), RNG.normal(size=k)
    expected = np.correlate(x, w, mode="valid")
    np.testing.assert_allclose(method(x, w), expected)
    # np.convolve flips its kernel: giving it the flipped kernel undoes that.
    np.testing.assert_allclose(np.convolve(x, conv.flip(w), mode="valid"), expected)


@pytest.mark.parametrize("method", METHODS_1D)
@pytest.mark.parametrize("n,k", [(5, 3), (9, 4), (6, 2)])
def test_conv1d_full_and_same_match_numpy(method, n, k):
    x, w = RNG.normal(size=n), RNG.normal(size=k)
    np.testing.assert_allclose(method(x, w, padding="full"), np.correlate(x, w, mode="full"))
    same = method(x, w, padding="same")
    assert same.shape == (n,)
    before, _ = same_padding(n, k)
    full = np.correlate(x, w, mode="full")
    # 'same' is a window of the full result that starts where its padding says
    np.testing.assert_allclose(same, full[k - 1 - before : k - 1 - before + n])


@pytest.mark.parametrize("method", METHODS_1D)
@pytest.mark.parametrize("n,k,p,s", [(8, 4, 0, 2), (8, 3, 1, 2), (11, 3, 2, 3), (10, 5, 0, 4)])
def test_conv1d_stride_keeps_every_s_th_output_of_stride_one(method, n, k, p, s):
    x, w = RNG.normal(size=n), RNG.normal(size=k)
    dense = np.correlate(np.pad(x, p), w, mode="valid")
    strided = method(x, w, padding=p, stride=s)
    assert len(strided) == output_size(n, k, p, s)
    np.testing.assert_allclose(strided, dense[::s])


def test_conv1d_worked_examples():
    np.testing.assert_allclose(conv.conv1d([1, 3, -1, 2, 3], [1, 0, 2]), [-1, 7, 5])
    x, w = [3, 2, 1, 7, 1, 2, 5, 4], [1 / 2, 3 / 4, 1, 1 / 4]
    # the deep-learning convention (no flip) and the mathematical convolution (flipped kernel)
    np.testing.assert_allclose(conv.conv1d(x, w, stride=2), [5.75, 7.25, 8.0])
    np.testing.assert_allclose(conv.conv1d(x, conv.flip(w), stride=2), [7.0, 9.0, 8.0])


@pytest.mark.parametrize("method", METHODS_1D)
def test_conv1d_rejects_impossible_shapes(method):
    with pytest.raises(ValueError, match="does not fit"):
        method([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="stride"):
        method([1, 2, 3], [1], stride=0)
    with pytest.raises(ValueError, match="1-D"):
        method(np.ones((3, 3)), [1])
    with pytest.raises(ValueError, match="padding"):
        method([1, 2, 3], [1], padding="sometimes")
    with pytest.raises(ValueError, match="negative"):
        method([1, 2, 3], [1], padding=-1)


# --------------------------------------------------------------------------- 2-D


@pytest.mark.parametrize("method", METHODS_2D)
@pytest.mark.parametrize("shape,kernel", [((6, 6), (3, 3)), ((7, 5), (2, 4)), ((9, 4), (1, 3)), ((4, 4), (4, 4))])
def test_conv2d_single_channel_matches_scipy(method, shape, kernel):
    x, w = RNG.normal(size=shape), RNG.normal(size=kernel)
    np.testing.assert_allclose(method(x, w), scipy.signal.correlate2d(x, w, mode="valid"))
    np.testing.assert_allclose(method(x, w, padding="full"), scipy.signal.correlate2d(x, w, mode="full"))
    # true convolution = correlation with the flipped kernel
    np.testing.assert_allclose(method(x, conv.flip(w)), scipy.signal.convolve2d(x, w, mode="valid"))


def test_conv2d_worked_examples():
    # The 3x3 input whose four 2x2 windows the theory chapter shows
    x = np.array([[1, 2, 2], [3, 1, 4], [2, 1, 3]])
    np.testing.assert_allclose(conv.conv2d(x, np.eye(2)), [[2, 6], [4, 4]])
    # The 3x3x3 input and 2x2x3 filter, written as channel slices, then stacked channels-last
    x_slices = [[[1, -1, 3], [2, 1, 4], [3, 1, 2]], [[2, 1, 3], [3, -1, 1], [1, 1, -2]], [[1, -2, 4], [2, 1, -2], [1, 3, -1]]]
    w_slices = [[[1, 1], [2, 0]], [[1, 0], [0, 1]], [[0, 1], [1, 0]]]
    x3, w3 = np.stack(x_slices, axis=-1), np.stack(w_slices, axis=-1)
    np.testing.assert_allclose(conv.conv2d(x3, w3), [[5, 11], [15, 5]])
    np.testing.assert_allclose(conv.conv2d_loops(x3, w3), [[5, 11], [15, 5]])


def _tf_conv(x, w, padding, stride, dilation=1):
    tf = pytest.importorskip("tensorflow")
    out = tf.nn.conv2d(
        tf.constant(x[None], tf.float64), tf.constant(w, tf.float64), strides=stride, padding=padding,
        dilations=dilation,
    )
    return out.numpy()[0]


CASES_TF = [
    # (H, W, C, kh, kw, F, padding, stride)
    ((5, 5, 3), (2, 2), 1, "VALID", 1),
    ((7, 9, 2), (3, 2), 4, "VALID", (2, 3)),
    ((8, 6, 4), (3, 3), 2, "SAME", 2),
    ((9, 7, 1), (4, 2), 3, "SAME", (3, 2)),
    ((6, 10, 5), (1, 5), 2, "SAME", 1),
    ((11, 11, 3), (5, 5), 6, "VALID", 4),
]


@pytest.mark.parametrize("method", METHODS_2D)
@pytest.mark.parametrize("x_shape,kernel,filters,padding,stride", CASES_TF)
def test_conv2d_matches_tensorflow(method, x_shape, kernel, filters, padding, stride):
    x = RNG.normal(size=x_shape)
    w = RNG.normal(size=(*kernel, x_shape[2], filters))
    b = RNG.normal(size=filters)
    expected = _tf_conv(x, w, padding, stride) + b
    np.testing.assert_allclose(method(x, w, bias=b, padding=padding.lower(), stride=stride), expected, atol=1e-10)


@pytest.mark.parametrize("method", METHODS_2D)
def test_conv2d_explicit_padding_matches_tensorflow(method):
    x = RNG.normal(size=(6, 7, 3))
    w = RNG.normal(size=(3, 2, 3, 2))
    explicit = [[0, 0], [1, 2], [2, 1], [0, 0]]
    expected = _tf_conv(x, w, explicit, (2, 2))
    got = method(x, w, padding=((1, 2), (2, 1)), stride=2)
    np.testing.assert_allclose(got, expected, atol=1e-10)


def test_im2col_shape_and_product():
    x = RNG.normal(size=(9, 9, 3))
    w = RNG.normal(size=(3, 3, 3, 4))
    cols = conv.im2col(x, (3, 3), padding=1, stride=2)
    assert cols.shape == (3 * 3 * 3, 5 * 5)
    product = (w.reshape(-1, 4).T @ cols).T.reshape(5, 5, 4)
    np.testing.assert_allclose(product, conv.conv2d_loops(x, w, padding=1, stride=2))


@pytest.mark.parametrize("method", METHODS_2D)
def test_conv2d_rejects_impossible_shapes(method):
    with pytest.raises(ValueError, match="does not fit"):
        method(np.ones((3, 3)), np.ones((4, 4)))
    with pytest.raises(ValueError, match="channel mismatch"):
        method(np.ones((4, 4, 3)), np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="stride"):
        method(np.ones((4, 4)), np.ones((2, 2)), stride=(1, 0))
    with pytest.raises(ValueError, match="kernel is"):
        method(np.ones((4, 4)), np.ones(2))
    with pytest.raises(ValueError, match="image is"):
        method(np.ones(4), np.ones((2, 2)))
