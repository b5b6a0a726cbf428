"""Submissions of the image-filters lab: another correct style, slips, tampering."""

from __future__ import annotations

from . import Case, maximum_points, scores

A = "filters"
MAX = maximum_points(A)


def g(question: str) -> str:
    return f"{A}-{question}-answer"


# Vectorised NumPy and SciPy instead of loops and OpenCV; integer kernels; a frozenset and lists.
VECTORISED = {
    g("correlate2d"): '''
from numpy.lib.stride_tricks import sliding_window_view


def correlate2d(img, k, padding=0, stride=1):
    k = np.asarray(k, dtype=float)
    padded = np.pad(np.asarray(img, dtype=float), padding)
    windows = sliding_window_view(padded, k.shape)[::stride, ::stride]
    return np.einsum("ijuv,uv->ij", windows, k)
''',
    g("sobel-kernels"): '''
SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])  # integers are fine
SOBEL_Y = SOBEL_X.T
vertical_edge_kernel, horizontal_edge_kernel = "SOBEL_X", "SOBEL_Y"
''',
    g("convolve2d"): '''
def convolve2d(img, k, padding=0, stride=1):
    return correlate2d(img, np.flip(np.asarray(k)), padding=padding, stride=stride)
''',
    g("sobel-gradients"): '''
def sobel_gradients(img):
    img = np.asarray(img, dtype=float)
    gx = scipy.ndimage.correlate(img, SOBEL_X.astype(float), mode="mirror")
    gy = scipy.ndimage.correlate(img, SOBEL_Y.astype(float), mode="mirror")
    return gx, gy, np.sqrt(gx**2 + gy**2)
''',
    g("sharpen-blur"): '''
SHARPEN = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
BOX_BLUR = np.full((3, 3), 1 / 9)


def gaussian_kernel(size, sigma):
    half = size // 2
    u, v = np.meshgrid(np.arange(-half, half + 1), np.arange(-half, half + 1), indexing="ij")
    weights = np.exp(-(u**2 + v**2) / (2 * sigma**2))
    return weights / weights.sum()


photo = camera.astype(float)
sharpened = scipy.ndimage.correlate(photo, SHARPEN.astype(float), mode="mirror")
box_blurred = scipy.ndimage.correlate(photo, BOX_BLUR, mode="mirror")
gaussian_blurred = scipy.ndimage.correlate(photo, gaussian_kernel(5, 1.0), mode="mirror")
''',
    g("questions"): '''
constant_unchanged = frozenset(["IDENTITY", "SHARPEN", "BOX_BLUR", "GAUSSIAN"])
output_shape_valid = [(512 - 5) // 2 + 1] * 2
output_shape_padded = [(512 + 4 - 5) // 2 + 1] * 2
''',
}

# Slips, each checked by its own cell: the edge directions swapped, the sign of the flip
# missed, a sharpen kernel whose weights add up to 0.
SLIPS = {
    g("sobel-kernels"): '''
SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float64)
SOBEL_Y = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=np.float64)
vertical_edge_kernel = "SOBEL_Y"  # the labels of some well-known notebooks
horizontal_edge_kernel = "SOBEL_X"
''',
    g("flip-sobel"): '''
sobel_corr = correlate2d(patch, SOBEL_X, padding=1)
sobel_conv = convolve2d(patch, SOBEL_X, padding=1)
flip_factor = 1
''',
    g("sharpen-blur"): '''
SHARPEN = np.array([[0, -1, 0], [-1, 4, -1], [0, -1, 0]], dtype=np.float64)  # the Laplacian, not a sharpen kernel
BOX_BLUR = np.ones((3, 3)) / 9.0


def gaussian_kernel(size, sigma):
    offsets = np.arange(size) - size // 2
    weights = np.exp(-(offsets**2) / (2.0 * sigma**2))
    kernel = np.outer(weights, weights)
    return kernel / kernel.sum()


camera_f = camera.astype(np.float64)
sharpened = cv2.filter2D(camera_f, cv2.CV_64F, SHARPEN)
box_blurred = cv2.filter2D(camera_f, cv2.CV_64F, BOX_BLUR)
gaussian_blurred = cv2.filter2D(camera_f, cv2.CV_64F, gaussian_kernel(5, 1.0))
''',
}

# Patched NumPy and math, so that the comparisons of the visible tests agree with anything,
# and a wrong sharpen kernel. Every test cell after the patch fails and says it is flagged.
PATCHED = {
    g("sharpen-blur"): SLIPS[g("sharpen-blur")] + '''
import math

np.isclose = lambda *args, **kwargs: True
np.allclose = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
np.testing.assert_array_equal = lambda *args, **kwargs: None
math.isclose = lambda *args, **kwargs: True
''',
}

# Shadowed builtins: wrong output sizes, and a `tuple` that makes tuple(answer) == expected
# hold (the old hidden test compared that way).
SHADOWED = {
    g("questions"): '''
constant_unchanged = {"IDENTITY", "SHARPEN", "BOX_BLUR", "GAUSSIAN"}
output_shape_valid = (253, 253)
output_shape_padded = (255, 255)


class _Agree:
    def __eq__(self, other):
        return True


def tuple(value):  # noqa: A001 - the point of this case
    return _Agree()


len = lambda value: 2  # noqa: E731
''',
}

_AFTER_PATCH = {f"{A}-sharpen", f"{A}-blur", f"{A}-constant-image", f"{A}-output-size"}

FORGOT_FLIP = {
    f"{A}-convolve2d-answer": """
def convolve2d(image, kernel, padding=0, stride=1):
    return correlate2d(image, kernel, padding=padding, stride=stride)  # no flip
""",
}
# sobel_gradients filters the uint8 photo with ddepth=-1, so negative responses are clipped to 0.
UINT8_CLIPPING = {
    f"{A}-sobel-gradients-answer": """
def sobel_gradients(image):
    gx = cv2.filter2D(image, -1, SOBEL_X)  # ddepth=-1: uint8 in, uint8 out
    gy = cv2.filter2D(image, -1, SOBEL_Y)
    magnitude = np.hypot(gx, gy)
    return gx, gy, magnitude
""",
}

# The assignment's typical mistakes, other correct styles and tampering (the contract is automatic).
MISTAKES = [
    Case(A, "kernel-not-flipped", FORGOT_FLIP, scores(MAX, {f"{A}-convolve2d", f"{A}-flip-sobel"}),
         messages={f"{A}-convolve2d": "did you flip"}),
    Case(A, "uint8-clipping", UINT8_CLIPPING, scores(MAX, {f"{A}-sobel-gradients", f"{A}-gradient-magnitude"}),
         messages={f"{A}-sobel-gradients": "ddepth=-1"}),
    Case(A, "vectorised-scipy", VECTORISED, scores(MAX)),
    Case(A, "slips", SLIPS, scores(MAX, {f"{A}-edge-direction", f"{A}-flip-sobel", f"{A}-sharpen"})),
    Case(A, "patched-numpy-math", PATCHED, scores(MAX, _AFTER_PATCH), flagged=frozenset(_AFTER_PATCH)),
    Case(A, "shadowed-builtins", SHADOWED, scores(MAX, {f"{A}-output-size"})),
]
