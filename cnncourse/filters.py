"""Classic image filters: the named kernels, the sample photos and a few helpers.

The filter labs apply hand-made kernels to real photographs with OpenCV, SciPy
and scikit-image. This module keeps in one place what the pages, the lab and
the tests share:

* the named 3 x 3 kernels (:data:`SOBEL_X`, :data:`SOBEL_Y`, :data:`SHARPEN`,
  :data:`LAPLACIAN_4`, :data:`LAPLACIAN_8`, :data:`BOX_3`, :data:`IDENTITY`) and
  :func:`gaussian_kernel`;
* the photographs that ship with scikit-image (:func:`sample_image`), so every
  page works offline;
* :func:`to_grey`, :func:`filter_image` and :func:`sobel_gradients`, which do the
  arithmetic in float so that negative responses survive;
* :func:`stretch_for_display`, which changes what you *see* and never the numbers.

Coordinates follow the array, as in every image library: ``x`` is the column
index and grows to the right, ``y`` is the row index and grows *downwards*.

Every kernel here is written for **cross-correlation**, the sliding dot product
that ``cv2.filter2D``, ``scipy.ndimage.correlate``, ``scipy.signal.correlate2d``
and deep-learning libraries compute: ``out[i, j] = sum(kernel * window(i, j))``
with the kernel centred on pixel (i, j). :func:`cnncourse.conv.flip` gives the
kernel to hand to a true convolution (``scipy.ndimage.convolve``,
``scipy.signal.convolve2d``) to get the same result.
"""

from __future__ import annotations

import cv2
import numpy as np
import scipy.ndimage
import skimage.color
import skimage.data
import skimage.exposure

from cnncourse.conv import flip

__all__ = [
    "BORDERS",
    "BOX_3",
    "IDENTITY",
    "KERNELS",
    "LAPLACIAN_4",
    "LAPLACIAN_8",
    "SAMPLE_IMAGES",
    "SHARPEN",
    "SOBEL_X",
    "SOBEL_Y",
    "convolve_image",
    "filter_image",
    "flip",
    "gaussian_kernel",
    "gradient_direction",
    "gradient_magnitude",
    "sample_image",
    "sobel_gradients",
    "stretch_for_display",
    "to_grey",
]


def _kernel(rows) -> np.ndarray:
    kernel = np.array(rows, dtype=np.float64)
    kernel.setflags(write=False)  # shared constants: nobody may change them in place
    return kernel


# --------------------------------------------------------------------------- kernels

#: Leaves every image as it is: the one weight sits on the centre pixel.
IDENTITY = _kernel([[0, 0, 0], [0, 1, 0], [0, 0, 0]])

#: Sobel-x: the derivative along x (columns, to the right), smoothed along y.
#: It is the outer product of the smoothing column (1, 2, 1) and the central
#: difference row (-1, 0, 1): right neighbour minus left neighbour. Brightness
#: that changes from left to right is a **vertical** edge (the boundary runs up
#: and down), so Sobel-x finds vertical edges; it is positive where the image
#: gets brighter to the right and zero on a horizontal edge. This is OpenCV's
#: ``cv2.Sobel(image, cv2.CV_64F, dx=1, dy=0, ksize=3)``.
SOBEL_X = _kernel([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])

#: Sobel-y: the transpose of Sobel-x, the derivative along y (rows, downwards).
#: It is positive where the image gets brighter towards the bottom, so it finds
#: **horizontal** edges. ``cv2.Sobel(image, cv2.CV_64F, dx=0, dy=1, ksize=3)``.
SOBEL_Y = _kernel(SOBEL_X.T)

#: The 4-neighbour Laplacian: the sum of the second differences along x and y.
#: Its weights add up to 0, so flat regions and constant slopes give 0.
LAPLACIAN_4 = _kernel([[0, 1, 0], [1, -4, 1], [0, 1, 0]])

#: The 8-neighbour edge kernel (a Laplacian with the diagonals, sign flipped so
#: that a bright dot gives a positive peak). Weights add up to 0: it answers
#: every change of brightness, in every direction, and nothing else.
LAPLACIAN_8 = _kernel([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]])

#: Sharpen = identity minus the 4-neighbour Laplacian: the pixel plus how much
#: it stands out from its four neighbours. Weights add up to 1, so flat regions
#: keep their brightness and only edges are pushed apart.
SHARPEN = _kernel(IDENTITY - LAPLACIAN_4)

#: 3 x 3 box blur: the mean of the nine pixels under the kernel (weights add up to 1).
BOX_3 = _kernel(np.full((3, 3), 1.0 / 9.0))


def gaussian_kernel(size: int, sigma: float) -> np.ndarray:
    """A normalised ``size`` x ``size`` Gaussian blur kernel.

    The outer product of the 1-D weights exp(-x^2 / (2 sigma^2)) at the offsets
    x = -(size // 2) .. size // 2, scaled to add up to 1 so that blurring keeps
    the mean brightness. It equals OpenCV's
    ``cv2.getGaussianKernel(size, sigma) @ cv2.getGaussianKernel(size, sigma).T``
    for any positive ``sigma``. Unlike the box blur, the weights fall off
    smoothly with distance, so the Gaussian blurs without blocky artefacts.
    """
    if int(size) != size or size < 1 or size % 2 == 0:
        raise ValueError(f"size must be a positive odd integer, got {size!r}")
    if not sigma > 0:
        raise ValueError(f"sigma must be positive, got {sigma!r}")
    offsets = np.arange(size) - size // 2
    weights = np.exp(-(offsets**2) / (2.0 * sigma**2))
    weights /= weights.sum()
    return np.outer(weights, weights)


#: The named kernels the pages and the playground offer, by name.
KERNELS: dict[str, np.ndarray] = {
    "identity": IDENTITY,
    "Sobel-x": SOBEL_X,
    "Sobel-y": SOBEL_Y,
    "sharpen": SHARPEN,
    "Laplacian (4-neighbour)": LAPLACIAN_4,
    "edge (8-neighbour)": LAPLACIAN_8,
    "box blur 3x3": BOX_3,
    "Gaussian 5x5, sigma 1": gaussian_kernel(5, 1.0),
}


# --------------------------------------------------------------------------- images

#: The colour photographs shipped inside scikit-image (no download needed),
#: plus the grey camera man.
SAMPLE_IMAGES = ("astronaut", "camera", "coffee", "chelsea")


def sample_image(name: str) -> np.ndarray:
    """One of the photos bundled with scikit-image, as the library returns it.

    ``astronaut``, ``coffee`` and ``chelsea`` (the cat) are RGB ``uint8`` arrays
    of shape (H, W, 3), channels in **RGB** order; ``camera`` is a grey
    ``uint8`` array of shape (512, 512). They are the real photographs whatever
    ``CNNCOURSE_DATA`` says: they ship with the library.
    """
    if name not in SAMPLE_IMAGES:
        raise ValueError(f"unknown sample image {name!r}; choose one of {SAMPLE_IMAGES}")
    return getattr(skimage.data, name)()


def to_grey(image, method: str = "opencv") -> np.ndarray:
    """A grey version of ``image`` as float64 on the 0 .. 255 scale.

    Keeping 0 .. 255 (not 0 .. 1) makes filter responses readable: a Sobel value
    of 400 means "400 grey levels of change". ``method`` picks the weights:

    ``"opencv"``
        ``cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)``, i.e. 0.299 R + 0.587 G + 0.114 B
        (ITU-R BT.601), rounded to integers by OpenCV.
    ``"skimage"``
        ``skimage.color.rgb2gray``, i.e. 0.2125 R + 0.7154 G + 0.0721 B
        (BT.709), times 255.

    The input must be in RGB order (as scikit-image and matplotlib return it);
    an array read by ``cv2.imread`` is BGR and needs ``cv2.COLOR_BGR2GRAY``
    instead. A 2-D array is taken to be grey already and only converted to float.
    """
    arr = np.asarray(image)
    if arr.ndim == 2:
        return arr.astype(np.float64)
    if arr.ndim != 3 or arr.shape[2] != 3:
        raise ValueError(f"expected an (H, W) grey or (H, W, 3) RGB image, got shape {arr.shape}")
    if method == "opencv":
        if arr.dtype != np.uint8:
            raise ValueError("the 'opencv' method takes a uint8 RGB image (0 .. 255)")
        return cv2.cvtColor(arr, cv2.COLOR_RGB2GRAY).astype(np.float64)
    if method == "skimage":
        return skimage.color.rgb2gray(arr) * 255.0
    raise ValueError(f"method must be 'opencv' or 'skimage', got {method!r}")


# --------------------------------------------------------------------------- filtering

#: How each library spells the same border rule. Keys are the course's names;
#: values are (OpenCV border type, ``scipy.ndimage`` mode). For a row
#: ``a b c d`` the padding on the left is:
#:
#: * ``reflect101``  ``c b | a b c d`` (mirror without repeating the edge) —
#:   OpenCV's default (``BORDER_DEFAULT == BORDER_REFLECT_101``), SciPy's ``'mirror'``;
#: * ``reflect``     ``b a | a b c d`` (mirror repeating the edge) —
#:   ``scipy.ndimage``'s and scikit-image's default, OpenCV's ``BORDER_REFLECT``;
#: * ``zero``        ``0 0 | a b c d`` — ``scipy.signal.correlate2d``/``convolve2d``
#:   (``boundary='fill'``), a CNN's zero padding;
#: * ``replicate``   ``a a | a b c d``.
BORDERS: dict[str, tuple[int, str]] = {
    "reflect101": (cv2.BORDER_REFLECT_101, "mirror"),
    "reflect": (cv2.BORDER_REFLECT, "reflect"),
    "zero": (cv2.BORDER_CONSTANT, "constant"),
    "replicate": (cv2.BORDER_REPLICATE, "nearest"),
}


def _check_border(border: str) -> tuple[int, str]:
    if border not in BORDERS:
        raise ValueError(f"border must be one of {tuple(BORDERS)}, got {border!r}")
    return BORDERS[border]


def filter_image(image, kernel, border: str = "reflect101") -> np.ndarray:
    """Cross-correlate a grey image with a kernel, in float64, same size out.

    This is ``cv2.filter2D(image, cv2.CV_64F, kernel, borderType=...)`` on the
    image converted to float first: the output keeps negative values and values
    above 255 instead of clipping them into ``uint8``. ``border`` is a key of
    :data:`BORDERS`; the default is OpenCV's own default (reflect-101).
    """
    cv_border, _ = _check_border(border)
    arr = np.asarray(image, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"filter_image takes a grey (H, W) image, got shape {arr.shape}")
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim != 2 or kernel.shape[0] % 2 == 0 or kernel.shape[1] % 2 == 0:
        raise ValueError(f"filter_image takes a 2-D kernel with odd sides (one centre pixel), got {kernel.shape}")
    return cv2.filter2D(arr, cv2.CV_64F, kernel, borderType=cv_border)


def convolve_image(image, kernel, border: str = "reflect101") -> np.ndarray:
    """The true convolution of a grey image with a kernel: correlation with the flipped kernel.

    Equal to ``scipy.ndimage.convolve(image, kernel, mode=...)`` with the
    matching border mode, in float64.
    """
    _, mode = _check_border(border)
    return scipy.ndimage.convolve(np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64), mode=mode)


def sobel_gradients(image, border: str = "reflect101") -> tuple[np.ndarray, np.ndarray]:
    """(gx, gy): the Sobel derivatives along x (columns) and y (rows), float64.

    ``gx`` is large on vertical edges, ``gy`` on horizontal ones. They equal
    ``cv2.Sobel(image, cv2.CV_64F, 1, 0)`` and ``cv2.Sobel(image, cv2.CV_64F, 0, 1)``
    with the same border; scikit-image's ``filters.sobel_v`` / ``sobel_h`` are
    the same numbers divided by 4 (and use the ``reflect`` border).
    """
    return filter_image(image, SOBEL_X, border), filter_image(image, SOBEL_Y, border)


def gradient_magnitude(gx, gy) -> np.ndarray:
    """Edge strength sqrt(gx^2 + gy^2), whatever the edge's direction."""
    return np.hypot(gx, gy)


def gradient_direction(gx, gy) -> np.ndarray:
    """Direction of steepest brightening, in degrees in (-180, 180].

    0 degrees points right (+x), 90 degrees points *down* (+y, the row index
    grows downwards), so a vertical edge that gets brighter to the right has
    direction 0 and a horizontal one that gets brighter downwards has 90.
    The direction is perpendicular to the edge itself.
    """
    return np.degrees(np.arctan2(gy, gx))


# --------------------------------------------------------------------------- display


def stretch_for_display(values, method: str = "clahe", clip_limit: float = 0.03) -> np.ndarray:
    """A copy of ``values`` rescaled to 0 .. 1 for showing on screen; never for computing.

    Filter outputs span odd ranges (Sobel: about -1000 .. 1000 on a 0 .. 255
    image), and a few strong edges can leave everything else nearly black.
    ``method``:

    ``"minmax"``
        linear: the smallest value becomes 0, the largest 1.
    ``"abs"``
        the absolute value, scaled so that the largest becomes 1 (edge strength
        whatever its sign).
    ``"clahe"``
        ``skimage.exposure.equalize_adapthist`` (contrast-limited adaptive
        histogram equalisation) on the min-max stretch: weak structure becomes
        visible, but grey levels no longer mean the same thing across the image.

    The input is never modified; the numbers you compute with stay the filter's.
    """
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"stretch_for_display takes a 2-D array, got shape {arr.shape}")
    if method == "abs":
        arr = np.abs(arr)
        top = arr.max()
        return arr / top if top > 0 else np.zeros_like(arr)
    low, high = arr.min(), arr.max()
    scaled = (arr - low) / (high - low) if high > low else np.zeros_like(arr)
    if method == "minmax":
        return scaled
    if method == "clahe":
        return skimage.exposure.equalize_adapthist(scaled, clip_limit=clip_limit)
    raise ValueError(f"method must be 'minmax', 'abs' or 'clahe', got {method!r}")
