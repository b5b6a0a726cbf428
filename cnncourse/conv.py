"""Reference convolutions, written to be read.

Deep-learning libraries compute *cross-correlation* and call it convolution:
the kernel slides over the input without being flipped. Every function here
follows that convention, so its numbers match ``tf.nn.conv2d`` and Keras'
``Conv2D``. :func:`flip` turns a kernel into the one that gives the
mathematical convolution (``np.convolve``, ``scipy.signal.convolve2d``).

Each operation comes twice: a ``*_loops`` version that spells out the sums the
chapters write down, and a vectorized version built on :func:`im2col` that does
the same work as one matrix product.

Layouts are channels-last, as in TensorFlow: an image is (H, W) or (H, W, C); a
kernel is (kh, kw), (kh, kw, C) for one filter, or (kh, kw, C, F) for F filters.
"""

from __future__ import annotations

import numpy as np

from cnncourse.shapes import output_size, padding_amounts

__all__ = [
    "conv1d",
    "conv1d_loops",
    "conv2d",
    "conv2d_loops",
    "flip",
    "im2col",
    "output_size",
    "pad2d",
]


def _stride_pair(stride) -> tuple[int, int]:
    sh, sw = (stride, stride) if np.isscalar(stride) else tuple(stride)
    for s in (sh, sw):
        if int(s) != s or s < 1:
            raise ValueError(f"stride must be a positive integer or a pair of them, got {stride!r}")
    return int(sh), int(sw)


def _padding_per_axis(padding) -> tuple[object, object]:
    """Split a 2-D padding spec into the spec of each axis.

    A string or an int applies to both axes; a pair (ph, pw) gives each axis
    its own symmetric padding.
    """
    if isinstance(padding, str) or np.isscalar(padding):
        return padding, padding
    ph, pw = padding
    return ph, pw


def flip(kernel: np.ndarray) -> np.ndarray:
    """Reverse a kernel along its spatial axes (the first one or two).

    Cross-correlating with ``flip(w)`` is the mathematical convolution with ``w``.
    """
    kernel = np.asarray(kernel)
    if kernel.ndim == 1:
        return kernel[::-1].copy()
    return kernel[::-1, ::-1, ...].copy()


# --------------------------------------------------------------------------- 1-D


def _check_1d(x, w, stride: int):
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    if x.ndim != 1 or w.ndim != 1:
        raise ValueError(f"conv1d takes 1-D input and kernel, got shapes {x.shape} and {w.shape}")
    if int(stride) != stride or stride < 1:
        raise ValueError(f"stride must be a positive integer, got {stride!r}")
    return x, w


def conv1d_loops(x, w, padding=0, stride: int = 1) -> np.ndarray:
    """1-D cross-correlation, one output at a time.

    y[i] = sum_j x_padded[i * stride + j] * w[j] for i = 0 .. o - 1, where
    o = floor((n + p_before + p_after - k) / stride) + 1.
    """
    x, w = _check_1d(x, w, stride)
    n, k = len(x), len(w)
    o = output_size(n, k, padding, stride)
    before, after = padding_amounts(padding, n, k, stride)
    padded = np.concatenate([np.zeros(before), x, np.zeros(after)])
    y = np.zeros(o)
    for i in range(o):
        start = i * stride
        for j in range(k):
            y[i] += padded[start + j] * w[j]
    return y


def conv1d(x, w, padding=0, stride: int = 1) -> np.ndarray:
    """1-D cross-correlation, vectorized: every window at once, then one product."""
    x, w = _check_1d(x, w, stride)
    n, k = len(x), len(w)
    o = output_size(n, k, padding, stride)
    padded = np.pad(x, padding_amounts(padding, n, k, stride))
    windows = np.lib.stride_tricks.sliding_window_view(padded, k)[::stride][:o]
    return windows @ w


# --------------------------------------------------------------------------- 2-D


def _as_hwc(x) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim == 2:
        return x[:, :, None]
    if x.ndim == 3:
        return x
    raise ValueError(f"an image is (H, W) or (H, W, C), got shape {x.shape}")


def _as_hwcf(w, channels: int) -> tuple[np.ndarray, bool]:
    """Kernel as (kh, kw, C, F), and whether the caller passed one filter only."""
    w = np.asarray(w, dtype=float)
    if w.ndim == 2:
        w = w[:, :, None, None]
        single = True
    elif w.ndim == 3:
        w = w[:, :, :, None]
        single = True
    elif w.ndim == 4:
        single = False
    else:
        raise ValueError(f"a kernel is (kh, kw), (kh, kw, C) or (kh, kw, C, F), got shape {w.shape}")
    if w.shape[2] != channels:
        raise ValueError(
            f"channel mismatch: the input has {channels} channel(s) but the kernel has {w.shape[2]}"
        )
    return w, single


def pad2d(x, padding, kernel_size, stride=1) -> np.ndarray:
    """Zero-pad an (H, W) or (H, W, C) array as a convolution with this spec would."""
    arr = np.asarray(x, dtype=float)
    hwc = _as_hwc(arr)
    (kh, kw), (sh, sw) = kernel_size, _stride_pair(stride)
    ph, pw = _padding_per_axis(padding)
    pad_h = padding_amounts(ph, hwc.shape[0], kh, sh)
    pad_w = padding_amounts(pw, hwc.shape[1], kw, sw)
    widths = [pad_h, pad_w] + [(0, 0)] * (arr.ndim - 2)
    return np.pad(arr, widths)


def _output_shape(x_hwc, kh, kw, padding, stride) -> tuple[int, int]:
    (sh, sw), (ph, pw) = _stride_pair(stride), _padding_per_axis(padding)
    return (
        output_size(x_hwc.shape[0], kh, ph, sh),
        output_size(x_hwc.shape[1], kw, pw, sw),
    )


def _finish(out: np.ndarray, single: bool, bias) -> np.ndarray:
    if bias is not None:
        out = out + np.asarray(bias, dtype=float)
    if single:
        return out[:, :, 0]
    return out


def conv2d_loops(x, w, bias=None, padding=0, stride=1) -> np.ndarray:
    """2-D multi-channel cross-correlation, written as the nested sums.

    y[i, j, f] = b[f] + sum_{u, v, c} x_padded[i*sh + u, j*sw + v, c] * w[u, v, c, f]

    ``x`` is (H, W) or (H, W, C); ``w`` is (kh, kw), (kh, kw, C) or (kh, kw, C, F);
    ``bias`` is a scalar or one number per filter. The result is (oh, ow) for
    a single filter and (oh, ow, F) for a 4-D kernel.
    """
    x_hwc = _as_hwc(x)
    w4, single = _as_hwcf(w, x_hwc.shape[2])
    kh, kw, channels, filters = w4.shape
    oh, ow = _output_shape(x_hwc, kh, kw, padding, stride)
    padded = pad2d(x_hwc, padding, (kh, kw), stride)
    sh, sw = _stride_pair(stride)
    out = np.zeros((oh, ow, filters))
    for f in range(filters):
        for i in range(oh):
            for j in range(ow):
                total = 0.0
                for u in range(kh):
                    for v in range(kw):
                        for c in range(channels):
                            total += padded[i * sh + u, j * sw + v, c] * w4[u, v, c, f]
                out[i, j, f] = total
    return _finish(out, single, bias)


def im2col(x, kernel_size, padding=0, stride=1) -> np.ndarray:
    """Unfold every receptive field of ``x`` into one column of a matrix.

    For an (H, W, C) input and a kh x kw kernel the result has kh * kw * C rows
    and oh * ow columns; the rows are ordered (u, v, c), the order of a
    (kh, kw, C, F) kernel reshaped to (kh * kw * C, F). A convolution is then
    one matrix product: ``w.reshape(-1, F).T @ im2col(x, ...)``.
    """
    x_hwc = _as_hwc(x)
    kh, kw = kernel_size
    oh, ow = _output_shape(x_hwc, kh, kw, padding, stride)
    sh, sw = _stride_pair(stride)
    padded = pad2d(x_hwc, padding, (kh, kw), stride)
    # windows[i, j, c, u, v] = padded[i + u, j + v, c] for every start (i, j)
    windows = np.lib.stride_tricks.sliding_window_view(padded, (kh, kw), axis=(0, 1))
    windows = windows[::sh, ::sw][:oh, :ow]  # keep the starts the stride visits
    # (oh, ow, C, kh, kw) -> (kh, kw, C, oh, ow) -> (kh*kw*C, oh*ow)
    return windows.transpose(3, 4, 2, 0, 1).reshape(kh * kw * x_hwc.shape[2], oh * ow)


def conv2d(x, w, bias=None, padding=0, stride=1) -> np.ndarray:
    """2-D multi-channel cross-correlation as one matrix product (im2col).

    Same arguments and result as :func:`conv2d_loops`.
    """
    x_hwc = _as_hwc(x)
    w4, single = _as_hwcf(w, x_hwc.shape[2])
    kh, kw, _, filters = w4.shape
    oh, ow = _output_shape(x_hwc, kh, kw, padding, stride)
    columns = im2col(x_hwc, (kh, kw), padding, stride)  # (kh*kw*C, oh*ow)
    w_rows = w4.reshape(-1, filters).T  # (F, kh*kw*C)
    out = (w_rows @ columns).T.reshape(oh, ow, filters)
    return _finish(out, single, bias)
