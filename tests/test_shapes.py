"""Shape arithmetic in cnncourse.shapes against real Keras layers.

Each sweep builds small layers on random (1, n, n, 1) tensors and compares the
size Keras produces with the formula. Explicit symmetric padding p is a
ZeroPadding2D(p) in front of a 'valid' layer; a transposed convolution with
padding p is a 'valid' Conv2DTranspose followed by Cropping2D(p).
"""

import itertools
import math

import numpy as np
import pytest

from cnncourse.shapes import (
    effective_kernel_size,
    output_size,
    padding_amounts,
    pool_output_size,
    same_padding,
    transposed_output_size,
)

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(0)


def _run(layers, n):
    y = RNG.normal(size=(1, n, n, 1)).astype("float32")
    for layer in layers:
        y = layer(y)
    return keras.ops.convert_to_numpy(y)


# --------------------------------------------------------------------------- pure arithmetic


def test_textbook_values():
    assert output_size(28, 3) == 26
    assert output_size(7, 3, 0, 2) == 3
    assert output_size(8, 3, 0, 2) == 3  # (8 - 3) / 2 = 2.5: the floor drops the last row
    assert output_size(32, 5, 2) == 32
    assert output_size(227, 11, 0, 4) == 55
    assert output_size(5, 3, "full") == 7
    assert output_size(9, 3, 0, 1, 2) == 5  # dilation 2: the kernel spans 5
    assert effective_kernel_size(3, 1) == 3 and effective_kernel_size(3, 2) == 5 and effective_kernel_size(5, 3) == 13
    assert transposed_output_size(3, 3, 0, 2) == 7
    assert transposed_output_size(3, 3, 0, 2, 1) == 8
    assert pool_output_size(26, 2) == 13 and pool_output_size(11, 2) == 5
    assert pool_output_size(7, 3, 2) == 3 and pool_output_size(7, 2, padding="same") == 4


def test_output_size_matches_counting_the_positions():
    for n, k, p, s, d in itertools.product(range(1, 12), range(1, 5), range(3), range(1, 4), range(1, 3)):
        span = k + (k - 1) * (d - 1)
        if span > n + 2 * p:
            with pytest.raises(ValueError):
                output_size(n, k, p, s, d)
            continue
        starts = range(0, n + 2 * p - span + 1, s)
        assert output_size(n, k, p, s, d) == len(starts)


def test_size_preserving_padding_is_half_the_kernel_minus_one():
    for n, k in itertools.product(range(3, 20), (1, 3, 5, 7, 9)):
        assert output_size(n, k, (k - 1) // 2) == n
        assert output_size(n, k, "same") == n


def test_same_padding_puts_the_odd_zero_after():
    assert same_padding(4, 2) == (0, 1)
    assert same_padding(7, 4) == (1, 2)
    assert same_padding(5, 3, 2) == (1, 1)
    assert same_padding(6, 3, 2) == (0, 1)
    assert same_padding(6, 1, 2) == (0, 0)
    for n, k, s in itertools.product(range(1, 15), range(1, 8), range(1, 4)):
        before, after = same_padding(n, k, s)
        assert after - before in (0, 1)
        assert output_size(n, k, (before, after), s) == math.ceil(n / s)


def _croppable(n, k, p, s, a):
    """Whether padding p leaves at least one row of the transposed output."""
    return (n - 1) * s + k + a - 2 * p >= 1


def test_transposed_size_inverts_the_convolution_shape():
    for n, k, p, s in itertools.product(range(1, 8), range(1, 6), range(3), range(1, 4)):
        for a in range(s):
            if _croppable(n, k, p, s, a):
                assert output_size(transposed_output_size(n, k, p, s, a), k, p, s) == n


def test_transposed_size_below_one_raises():
    """Every setting whose cropping leaves nothing raises, with the sizes in the message."""
    impossible = [
        (n, k, p, s, a)
        for n, k, p, s in itertools.product(range(1, 5), range(1, 4), range(4), range(1, 4))
        for a in range(s)
        if not _croppable(n, k, p, s, a)
    ]
    assert (1, 1, 1, 1, 0) in impossible  # (1 - 1)·1 + 1 - 2·1 = -1
    assert (1, 2, 1, 1, 0) in impossible  # exactly 0
    for setting in impossible:
        with pytest.raises(ValueError, match="crops the whole transposed output"):
            transposed_output_size(*setting)
    assert transposed_output_size(1, 3, 1, 1) == 1  # the smallest possible output still works


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: output_size(3, 5), "does not fit"),
        (lambda: output_size(4, 3, 0, 0), "stride"),
        (lambda: output_size(0, 1), "input size"),
        (lambda: output_size(4, 0), "kernel size"),
        (lambda: output_size(4, 3, -1), "negative"),
        (lambda: output_size(4, 3, "half"), "padding"),
        (lambda: output_size(4, 3, (1, 2, 3)), "pair"),
        (lambda: output_size(5, 3, 0, 1, 0), "dilation"),
        (lambda: output_size(5, 3, 0, 1, 3), "does not fit"),  # spans 7 > 5
        (lambda: effective_kernel_size(2.5), "kernel size"),
        (lambda: pool_output_size(3, 4), "does not fit"),
        (lambda: pool_output_size(8, 2, padding="full"), "pooling padding"),
        (lambda: transposed_output_size(4, 3, 0, 2, 2), "output_padding"),
        (lambda: transposed_output_size(4, 3, 0, 0), "stride"),
        (lambda: transposed_output_size(1, 1, 1, 1), "leaving size -1"),
        (lambda: transposed_output_size(4, 0), "kernel size"),
        (lambda: transposed_output_size(4, 3, -1), "negative"),
        (lambda: same_padding(0, 3), "input size"),
        (lambda: padding_amounts("causal", 5, 3), "padding"),
    ],
)
def test_impossible_shapes_raise(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --------------------------------------------------------------------------- against Keras


def test_output_size_matches_keras_conv2d_with_explicit_padding_and_stride():
    checked = 0
    for n, k, p, s in itertools.product((4, 7, 10), (1, 2, 3, 5), (0, 1, 2), (1, 2, 3)):
        if k > n + 2 * p:
            continue
        layers = [keras.layers.ZeroPadding2D(p)] if p else []
        layers.append(keras.layers.Conv2D(1, k, strides=s))
        assert _run(layers, n).shape[1] == output_size(n, k, p, s), (n, k, p, s)
        checked += 1
    assert checked > 80


def test_output_size_matches_keras_padding_modes():
    for n, k, s, mode in itertools.product((5, 8), (1, 2, 3, 4), (1, 2, 3), ("valid", "same")):
        if mode == "valid" and k > n:
            continue
        real = _run([keras.layers.Conv2D(1, k, strides=s, padding=mode)], n).shape[1]
        assert real == output_size(n, k, mode, s), (n, k, s, mode)


def test_output_size_matches_keras_dilation():
    for n, k, d, mode in itertools.product((7, 10), (2, 3), (1, 2, 3), ("valid", "same")):
        if mode == "valid" and effective_kernel_size(k, d) > n:
            continue
        real = _run([keras.layers.Conv2D(1, k, dilation_rate=d, padding=mode)], n).shape[1]
        assert real == output_size(n, k, mode, 1, d), (n, k, d, mode)


def test_full_padding_matches_keras_zero_padding():
    for n, k in itertools.product((3, 6), (1, 2, 3, 4)):
        real = _run([keras.layers.ZeroPadding2D(k - 1), keras.layers.Conv2D(1, k)], n).shape[1]
        assert real == output_size(n, k, "full") == n + k - 1


def test_same_padding_matches_where_keras_puts_the_extra_row():
    """Conv2D('same') equals ZeroPadding2D(same_padding(...)) + Conv2D('valid') with the same weights."""
    odd_seen = 0
    for n, k, s in [(4, 2, 1), (7, 4, 1), (6, 3, 2), (5, 3, 2), (8, 5, 3), (9, 2, 2), (5, 3, 1), (10, 6, 1)]:
        before, after = same_padding(n, k, s)
        x = RNG.normal(size=(1, n, n, 1)).astype("float32")
        same = keras.layers.Conv2D(1, k, strides=s, padding="same")
        expected = keras.ops.convert_to_numpy(same(x))
        valid = keras.layers.Conv2D(1, k, strides=s)
        valid.build(x.shape)
        valid.set_weights(same.get_weights())
        padded = keras.layers.ZeroPadding2D(((before, after), (before, after)))(x)
        assert np.allclose(keras.ops.convert_to_numpy(valid(padded)), expected, atol=1e-5), (n, k, s)
        if before != after:
            odd_seen += 1
            mirrored = keras.layers.ZeroPadding2D(((after, before), (after, before)))(x)
            got = keras.ops.convert_to_numpy(valid(mirrored))
            assert got.shape != expected.shape or not np.allclose(got, expected, atol=1e-5)
    assert odd_seen >= 4


def test_pool_output_size_matches_keras():
    for n, k, s, mode in itertools.product((4, 7, 9), (2, 3), (None, 1, 2, 3), ("valid", "same")):
        if k > n:
            continue
        for kind in (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D):
            real = _run([kind(pool_size=k, strides=s, padding=mode)], n).shape[1]
            assert real == pool_output_size(n, k, s, mode), (kind.__name__, n, k, s, mode)


def test_transposed_output_size_matches_keras():
    for n, k, p, s in itertools.product((2, 5), (1, 2, 3, 4), (0, 1), (1, 2, 3)):
        for a in range(s):
            if not _croppable(n, k, p, s, a):  # cropping would leave nothing: raises, tested above
                continue
            o = transposed_output_size(n, k, p, s, a)
            layers = [keras.layers.Conv2DTranspose(1, k, strides=s, output_padding=a)]
            if p:
                layers.append(keras.layers.Cropping2D(p))
            assert _run(layers, n).shape[1] == o, (n, k, p, s, a)
