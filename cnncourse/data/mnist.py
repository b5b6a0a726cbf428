"""MNIST: Keras' public ``mnist.npz`` (checked by its SHA-256), or scikit-learn's digits offline."""

from __future__ import annotations

import numpy as np

from cnncourse import standins
from cnncourse.data.hub import DataSource, fetch, register, use_standins

MNIST_COUNTS = {"train": 60_000, "test": 10_000}  # images per split in the real mnist.npz

MNIST = register(
    DataSource(
        name="mnist",
        url="https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
        filename="mnist.npz",
        sha256="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
        size=11_490_434,
        description=(
            f"the real MNIST data set ({MNIST_COUNTS['train']:,} training and {MNIST_COUNTS['test']:,} "
            "test images of 28×28 pixels)"
        ),
        standin_description=(
            "the offline stand-in for MNIST: scikit-learn's 1,797 real handwritten digits, "
            "upscaled from 8×8 to 28×28 pixels"
        ),
    )
)


def load_mnist():
    """MNIST as ((x_train, y_train), (x_test, y_test)): (N, 28, 28) uint8 and (N,) uint8."""
    if use_standins():
        return standins.mnist_digits()
    with np.load(fetch("mnist")) as arrays:
        return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])
