"""Offline stand-ins for the course's data sets.

Each stand-in has the real data set's layout, shapes and dtypes, so every
chapter and homework runs unchanged on it. Where a library ships real data
that fits (scikit-learn's handwritten digits, scikit-image's photos) the
stand-in is built from it; otherwise it is generated deterministically from a
fixed seed. Stand-ins are small by default so that tests and grading are fast.

This module sits at the bottom of the package: it imports nothing from it.
"""

from __future__ import annotations

import numpy as np

MNIST_TEST_FRACTION = 1 / 6  # MNIST itself holds 10,000 of 70,000 images for testing


def mnist_digits(seed: int = 0):
    """MNIST-shaped digits from scikit-learn's bundled real handwriting.

    scikit-learn ships 1,797 real 8x8 digits (values 0-16) scanned from 43
    writers. Each is upscaled to 28x28 with bilinear interpolation and
    rescaled to 0-255, then the set is shuffled and split like MNIST.

    Returns ((x_train, y_train), (x_test, y_test)) with the dtypes and layout of
    ``keras.datasets.mnist.load_data()``: (N, 28, 28) uint8 images and (N,)
    uint8 labels.
    """
    from skimage.transform import resize
    from sklearn.datasets import load_digits

    digits = load_digits()
    small = digits.images / 16.0  # (1797, 8, 8) in [0, 1]
    large = resize(small, (len(small), 28, 28), order=1, anti_aliasing=False)
    images = np.clip(np.rint(large * 255), 0, 255).astype(np.uint8)
    labels = digits.target.astype(np.uint8)
    order = np.random.default_rng(seed).permutation(len(images))
    images, labels = images[order], labels[order]
    n_test = round(len(images) * MNIST_TEST_FRACTION)
    return (images[n_test:], labels[n_test:]), (images[:n_test], labels[:n_test])
