"""Shape arithmetic of convolutional networks: output sizes, padding, parameter
counts and receptive fields.

Everything here is plain integer arithmetic with no array library, so the
chapters can state a formula, call the function, and compare it with a real
Keras layer. The relationships are those of "A guide to convolution arithmetic"
(Dumoulin & Visin), which writes ``i`` for the input size and ``o`` for the
output size; this course writes ``n`` for the input size (and keeps ``o``),
``k`` kernel size, ``p`` zero padding on each side, ``s`` stride, ``d`` dilation.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

PADDING_MODES = ("valid", "same", "full")


def _check_positive(name: str, value: int) -> None:
    if int(value) != value or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def effective_kernel_size(k: int, d: int = 1) -> int:
    """Size a kernel of size ``k`` covers when dilated by ``d``: k + (k - 1)(d - 1)."""
    _check_positive("kernel size", k)
    _check_positive("dilation", d)
    return k + (k - 1) * (d - 1)


def same_padding(n: int, k: int, s: int = 1, d: int = 1) -> tuple[int, int]:
    """Padding (before, after) that TensorFlow and Keras use for ``padding='same'``.

    'same' makes the output size ceil(n / s). The total padding needed for that
    is max((ceil(n / s) - 1) * s + k_eff - n, 0); when it is odd, the extra row
    or column goes *after* the input (bottom / right).
    """
    _check_positive("input size", n)
    _check_positive("stride", s)
    k_eff = effective_kernel_size(k, d)
    total = max((math.ceil(n / s) - 1) * s + k_eff - n, 0)
    return total // 2, total - total // 2


def padding_amounts(padding, n: int, k: int, s: int = 1, d: int = 1) -> tuple[int, int]:
    """Turn a padding spec into (before, after) zero counts along one axis.

    ``padding`` is an int (the same on both sides), a pair (before, after), or
    one of ``'valid'`` (none), ``'same'`` (output size ceil(n / s), as in
    Keras) and ``'full'`` (k_eff - 1 on both sides: every partial overlap).
    """
    if isinstance(padding, str):
        mode = padding.lower()
        if mode == "valid":
            return 0, 0
        if mode == "same":
            return same_padding(n, k, s, d)
        if mode == "full":
            edge = effective_kernel_size(k, d) - 1
            return edge, edge
        raise ValueError(f"padding must be one of {PADDING_MODES}, an int or a pair, got {padding!r}")
    if isinstance(padding, (int,)) and not isinstance(padding, bool):
        pair = (padding, padding)
    else:
        try:
            pair = tuple(int(v) for v in padding)
        except TypeError:
            raise ValueError(f"padding must be one of {PADDING_MODES}, an int or a pair, got {padding!r}") from None
        if len(pair) != 2:
            raise ValueError(f"a padding pair has two entries (before, after), got {padding!r}")
    if min(pair) < 0:
        raise ValueError(f"padding cannot be negative, got {padding!r}")
    return pair


def output_size(n: int, k: int, p=0, s: int = 1, d: int = 1) -> int:
    """Output size of a convolution along one axis.

    o = floor((n + p_before + p_after - k_eff) / s) + 1, which for symmetric
    padding p is the familiar floor((n + 2p - k) / s) + 1. When (n + 2p - k) is
    not a multiple of s, the floor drops the last positions where the kernel
    would hang over the padded input: TensorFlow never reads past it.

    ``p`` may be anything :func:`padding_amounts` accepts.
    """
    _check_positive("input size", n)
    _check_positive("stride", s)
    k_eff = effective_kernel_size(k, d)
    before, after = padding_amounts(p, n, k, s, d)
    padded = n + before + after
    if k_eff > padded:
        raise ValueError(
            f"kernel of size {k_eff} does not fit in the padded input of size {padded} "
            f"(n={n}, padding={before}+{after})"
        )
    return (padded - k_eff) // s + 1


def pool_output_size(n: int, pool: int, stride: int | None = None, padding: str = "valid") -> int:
    """Output size of a pooling layer along one axis.

    Keras' default stride is the pool size (non-overlapping windows).
    'valid' gives floor((n - pool) / stride) + 1; 'same' gives ceil(n / stride).
    """
    stride = pool if stride is None else stride
    if padding not in ("valid", "same"):
        raise ValueError(f"pooling padding is 'valid' or 'same', got {padding!r}")
    return output_size(n, pool, padding, stride)


def transposed_output_size(n: int, k: int, p: int = 0, s: int = 1, output_padding: int = 0) -> int:
    """Output size of a transposed convolution: (n - 1) s - 2p + k + output_padding.

    It inverts :func:`output_size` in shape: a convolution with (k, p, s) maps
    this output back to size n. ``output_padding`` (< s) picks among the sizes
    that the forward convolution's floor maps onto the same n.

    Settings whose padding crops away the whole output (size < 1, for example
    n=1, k=1, s=1, p=1) raise ``ValueError``, as impossible shapes do in
    :func:`output_size`.
    """
    _check_positive("input size", n)
    _check_positive("kernel size", k)
    _check_positive("stride", s)
    if int(p) != p or p < 0:
        raise ValueError(f"padding cannot be negative, got {p!r}")
    if not 0 <= output_padding < s:
        raise ValueError(f"output_padding must be smaller than the stride {s}, got {output_padding}")
    uncropped = (n - 1) * s + k + output_padding
    size = uncropped - 2 * p
    if size < 1:
        raise ValueError(
            f"padding {p} on each side crops the whole transposed output: (n - 1)s + k + output_padding "
            f"= {uncropped} but 2p = {2 * p}, leaving size {size} (n={n}, k={k}, s={s})"
        )
    return size


def _pair(value) -> tuple[int, int]:
    if isinstance(value, Iterable):
        a, b = value
        return int(a), int(b)
    return int(value), int(value)


def conv_params(kernel_size, c_in: int, c_out: int, use_bias: bool = True) -> int:
    """Trainable parameters of a 2-D convolution: (kh * kw * c_in + 1) * c_out.

    Each of the c_out filters has kh * kw * c_in weights and (with a bias) one bias.
    """
    kh, kw = _pair(kernel_size)
    return (kh * kw * c_in + int(use_bias)) * c_out


def dense_params(n_in: int, n_out: int, use_bias: bool = True) -> int:
    """Trainable parameters of a dense layer: (n_in + 1) * n_out."""
    return (n_in + int(use_bias)) * n_out


def receptive_field(layers: Sequence[tuple[int, int]]) -> int:
    """Receptive field, in input pixels along one axis, of one unit after a stack.

    ``layers`` lists (kernel size, stride) for each convolution or pooling layer
    from the input upwards. Each layer widens the field by (k - 1) times the
    product of the strides below it (the 'jump' between neighbouring units).
    """
    field, jump = 1, 1
    for k, s in layers:
        _check_positive("kernel size", k)
        _check_positive("stride", s)
        field += (k - 1) * jump
        jump *= s
    return field
