"""Submissions of the conv-arithmetic exercises: other correct styles, slips, tampering."""

from __future__ import annotations

from . import Case, maximum_points, scores

A = "conv-arithmetic"
MAX = maximum_points(A)


def g(question: str) -> str:
    return f"{A}-{question}-answer"


# Plain Python with the math module, other names, no // anywhere.
PLAIN_PYTHON = {
    g("output-size"): '''
import math


def conv_output_size(n, k, p=0, s=1):
    """Stops of the kernel: the padded length minus the kernel, in strides, plus the first stop."""
    padded = n + 2 * p
    return math.floor((padded - k) / s) + 1
''',
    g("stride-misfit"): '''
def unread_inputs(n, k, s):
    starts = list(range(0, n - k + 1, s))
    return n - (starts[-1] + k)
''',
    g("same-padding"): '''
import math


def same_padding(n, k, s=1):
    wanted = math.ceil(n / s)
    zeros = max(0, (wanted - 1) * s + k - n)
    before = zeros // 2
    return [before, zeros - before]  # a list works as well as a tuple
''',
    g("pool"): '''
def pool_output_size(n, pool, stride=None):
    step = pool if stride is None else stride
    count = 0
    start = 0
    while start + pool <= n:
        count += 1
        start += step
    return count
''',
    g("conv-params"): '''
def conv_params(k, c_in, c_out, bias=True):
    per_filter = k * k * c_in + (1 if bias else 0)
    return per_filter * c_out
''',
    g("dense-params"): '''
def dense_params(n_in, n_out, bias=True):
    return n_out * n_in + (n_out if bias else 0)
''',
    g("network-params"): '''
after_pool1 = pool_output_size(conv_output_size(28, 3), 2)
after_pool2 = pool_output_size(conv_output_size(after_pool1, 3, p=1), 2)
flatten_size = after_pool2 ** 2 * 64
network_params = dict(conv1=conv_params(3, 1, 32), conv2=conv_params(3, 32, 64), dense=dense_params(flatten_size, 10))
total_params = network_params["conv1"] + network_params["conv2"] + network_params["dense"]
''',
    g("receptive-field"): '''
def receptive_field(layers):
    width, step = 1, 1
    for kernel, stride in layers:
        width = width + (kernel - 1) * step
        step = step * stride
    return width
''',
    g("conv1d"): '''
def conv1d(x, w, p=0, s=1):
    flipped = list(w)[::-1]
    padded = [0.0] * p + [float(v) for v in x] + [0.0] * p
    out = []
    for start in range(0, len(padded) - len(flipped) + 1, s):
        out.append(sum(a * b for a, b in zip(padded[start:start + len(flipped)], flipped)))
    return out  # a list of floats: the tests compare values
''',
}

# NumPy everywhere: NumPy integers come back, and conv1d slides a NumPy window.
NUMPY_STYLE = {
    g("output-size"): '''
import numpy as np


def conv_output_size(n, k, p=0, s=1):
    return np.int64(n + 2 * p - k) // s + 1
''',
    g("pool"): '''
def pool_output_size(n, pool, stride=None):
    stride = pool if stride is None else stride
    return np.floor_divide(n - pool, stride) + 1
''',
    g("same-padding"): '''
def same_padding(n, k, s=1):
    total = np.maximum((np.ceil(n / s).astype(int) - 1) * s + k - n, 0)
    return np.array([total // 2, total - total // 2])
''',
    g("conv1d"): '''
from numpy.lib.stride_tricks import sliding_window_view


def conv1d(x, w, p=0, s=1):
    padded = np.pad(np.asarray(x, dtype=float), p)
    windows = sliding_window_view(padded, len(w))[::s]
    return windows @ np.asarray(w, dtype=float)[::-1]
''',
}

# Slips, each checked by its own cell: a float number of positions (//→/), the extra zero of
# 'same' put before the input, strides multiplied before they widen the field, and a question
# left unanswered.
SLIPS = {
    g("output-size"): '''
def conv_output_size(n, k, p=0, s=1):
    return int((n + 2 * p - k) / s) + 1 if s == 1 else (n + 2 * p - k) / s + 1
''',
    g("stride-misfit"): PLAIN_PYTHON[g("stride-misfit")],  # not built on conv_output_size here
    g("same-padding"): '''
def same_padding(n, k, s=1):
    n_out = -(-n // s)
    total = max((n_out - 1) * s + k - n, 0)
    return total - total // 2, total // 2  # the extra zero before the input
''',
    g("receptive-field"): '''
def receptive_field(layers):
    field, jump = 1, 1
    for k, s in layers:
        jump *= s
        field += (k - 1) * jump
    return field
''',
    g("dense-params"): "# YOUR CODE HERE\nraise NotImplementedError()",
    # The network cell works without dense_params, so only the dense-params cell is lost.
    g("network-params"): '''
side = pool_output_size(pool_output_size(conv_output_size(28, 3), 2), 2)
flatten_size = side * side * 64
network_params = {"conv1": conv_params(3, 1, 32), "conv2": conv_params(3, 32, 64), "dense": (flatten_size + 1) * 10}
total_params = sum(network_params.values())
''',
}

# Shadowed builtins: answers right on the visible cases only, with an `int` and an `abs` that
# would make the old hidden tests (int(answer) == expected) agree with anything.
SHADOWED_BUILTINS = {
    g("pool"): '''
class _Agree:
    def __eq__(self, other):
        return True

    def __ge__(self, other):
        return True

    __le__ = __ge__


def int(value):  # noqa: A001 - the point of this case
    return _Agree()


abs = int


def pool_output_size(n, pool, stride=None):
    return n // pool  # ignores the stride: right on the visible cases only
''',
    g("conv-params"): '''
def conv_params(k, c_in, c_out, bias=True):
    return (k * k * c_in + (1 if bias else 0)) * c_out
''',
    g("dense-params"): '''
def dense_params(n_in, n_out, bias=True):
    return (n_in + (1 if bias else 0)) * n_out
''',
    g("receptive-field"): '''
def receptive_field(layers):
    return 2 * len(layers) + 1  # right for stacks of 3-wide stride-1 layers only
''',
}

# Patched NumPy: every comparison says yes, and a conv1d that returns zeros.
PATCHED_NUMPY = {
    g("conv1d"): '''
np.allclose = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
np.testing.assert_array_equal = lambda *args, **kwargs: None


def conv1d(x, w, p=0, s=1):
    return np.zeros((len(x) + 2 * p - len(w)) // s + 1)
''',
}

# The assignment's typical mistakes, other correct styles and tampering (the contract is automatic).
MISTAKES = [
    Case(A, "plain-python", PLAIN_PYTHON, scores(MAX)),
    Case(A, "numpy-style", NUMPY_STYLE, scores(MAX)),
    Case(
        A, "slips", SLIPS,
        # The extra zero of 'same' in the wrong place fails both padding cells: each has a case with an odd total.
        scores(MAX, {f"{A}-output-size", f"{A}-same-padding-odd", f"{A}-same-padding-even", f"{A}-receptive-field",
                     f"{A}-dense-params"}),
        messages={f"{A}-dense-params": "not answered yet", f"{A}-output-size": "expected 16, your code returned 16.5"},
    ),
    Case(A, "shadowed-builtins", SHADOWED_BUILTINS, scores(MAX, {f"{A}-pool", f"{A}-receptive-field"})),
    Case(A, "patched-numpy", PATCHED_NUMPY, scores(MAX, {f"{A}-conv1d-fix"}), flagged=frozenset({f"{A}-conv1d-fix"})),
]
