"""Read the geometry of a Keras model and measure its receptive field.

:func:`cnncourse.shapes.receptive_field` computes a receptive field from a list
of (kernel size, stride) pairs. This module gets those pairs from a real Keras
model (:func:`layer_geometry`) and measures the same field another way: it
builds a linear twin of the model's convolutional part (:func:`linear_twin`)
and asks TensorFlow which input pixels the gradient of one output unit reaches
(:func:`gradient_support`).

Why a twin? The receptive field is the set of input pixels that *can*
influence a unit. In the trained model a ReLU that is off, a max-pooling
window whose maximum sits elsewhere, or weights that happen to cancel can all
make a gradient zero for one particular image. The twin has the same kernel
sizes, strides, paddings and dilations, but all-ones kernels, zero biases, no
activation, and average pooling in place of max pooling, so every path from
an input pixel to the unit carries a positive weight and none can vanish.

The functions import Keras and TensorFlow when they are called, so importing
this module stays cheap. It sits above :mod:`cnncourse.shapes`.
"""

from __future__ import annotations

import numpy as np

from cnncourse.shapes import effective_kernel_size

__all__ = ["gradient_support", "layer_geometry", "linear_twin", "spatial_layers", "support_extent"]

# Layers that act on each position (and channel) on its own: they do not change the field.
_POINTWISE = (
    "Activation",
    "BatchNormalization",
    "Dropout",
    "GaussianDropout",
    "GaussianNoise",
    "LayerNormalization",
    "LeakyReLU",
    "ReLU",
    "Rescaling",
    "SpatialDropout2D",
)
# Layers after which every unit sees the whole input: the spatial part ends there.
_GLOBAL = ("Dense", "Flatten", "GlobalAveragePooling2D", "GlobalMaxPooling2D", "Reshape")
_CONV = ("Conv2D",)
_POOL = ("AveragePooling2D", "MaxPooling2D")


def _kind(layer) -> str:
    return type(layer).__name__


def spatial_layers(model) -> list:
    """The convolution and pooling layers of ``model``, input first.

    Point-wise layers (activations, dropout, normalisation) are skipped: they
    leave the receptive field as it is. The list ends at the first layer that
    mixes all positions (Flatten, global pooling, Dense). Any other layer
    raises ``ValueError`` rather than being guessed about.
    """
    found = []
    for layer in model.layers:
        kind = _kind(layer)
        if kind in _GLOBAL:
            break
        if kind in _POINTWISE or kind == "InputLayer":
            continue
        if kind not in _CONV + _POOL:
            raise ValueError(f"layer {layer.name!r} ({kind}) has no known receptive-field geometry")
        config = layer.get_config()
        if config.get("data_format", "channels_last") != "channels_last":
            raise ValueError(f"layer {layer.name!r} is channels_first; only channels_last is supported")
        found.append(layer)
    return found


def _geometry(layer, axis: int) -> tuple[int, int]:
    config = layer.get_config()
    if _kind(layer) in _CONV:
        kernel = effective_kernel_size(config["kernel_size"][axis], config["dilation_rate"][axis])
        return kernel, config["strides"][axis]
    pool = config["pool_size"][axis]
    strides = config["strides"] or config["pool_size"]
    return pool, strides[axis]


def layer_geometry(model, axis: int = 0) -> list[tuple[int, int]]:
    """(kernel size, stride) of each layer in :func:`spatial_layers`, along one axis.

    ``axis`` 0 reads the rows (height), 1 the columns (width). A dilated
    kernel counts with the size it covers, k + (k - 1)(d - 1). The result is
    what :func:`cnncourse.shapes.receptive_field` takes.
    """
    if axis not in (0, 1):
        raise ValueError(f"axis is 0 (rows) or 1 (columns), got {axis!r}")
    return [_geometry(layer, axis) for layer in spatial_layers(model)]


def linear_twin(model, upto: int | None = None, pooling: str = "average"):
    """A Keras model with the geometry of ``model``'s spatial layers and nothing else.

    Each Conv2D keeps its kernel size, stride, padding and dilation but gets one
    filter, an all-ones kernel, no bias and no activation; each pooling layer
    becomes an AveragePooling2D with the same window, stride and padding
    (``pooling='max'`` makes every pooling layer a MaxPooling2D instead, to
    show what max pooling does to a gradient). The input has the spatial shape of ``model``'s input and one
    channel. ``upto`` keeps only the first ``upto`` spatial layers (all of them
    by default).
    """
    if pooling not in ("average", "max"):
        raise ValueError(f"pooling is 'average' or 'max', got {pooling!r}")
    import keras

    height, width = model.input_shape[1:3]
    inputs = keras.Input(shape=(height, width, 1))
    x = inputs
    for layer in spatial_layers(model)[:upto]:
        config = layer.get_config()
        if _kind(layer) in _CONV:
            x = keras.layers.Conv2D(
                1,
                config["kernel_size"],
                strides=config["strides"],
                padding=config["padding"],
                dilation_rate=config["dilation_rate"],
                use_bias=False,
                kernel_initializer="ones",
                name=f"twin_{layer.name}",
            )(x)
        else:
            pool = keras.layers.AveragePooling2D if pooling == "average" else keras.layers.MaxPooling2D
            x = pool(
                config["pool_size"],
                strides=config["strides"],
                padding=config["padding"],
                name=f"twin_{layer.name}",
            )(x)
    return keras.Model(inputs, x, name=f"{model.name}_linear_twin")


def gradient_support(model, unit: tuple[int, int] | None = None, x=None) -> np.ndarray:
    """Gradient of one output unit with respect to every input pixel, as an (H, W) array.

    ``model`` maps (1, H, W, C) to (1, oh, ow, F); the unit is channel 0 at
    position ``unit`` (the centre one by default). The gradient is summed over
    the input channels. Where it is nonzero, that input pixel influences the
    unit. ``x`` is the input to differentiate at (ones by default); for a
    linear model the gradient does not depend on it.
    """
    import tensorflow as tf

    shape = (1, *model.input_shape[1:])
    x = tf.ones(shape) if x is None else tf.convert_to_tensor(np.asarray(x, dtype="float32").reshape(shape))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = model(x, training=False)
        oh, ow = int(y.shape[1]), int(y.shape[2])
        i, j = (oh // 2, ow // 2) if unit is None else unit
        target = y[0, i, j, 0]
    grad = tape.gradient(target, x)
    return np.asarray(grad)[0].sum(axis=-1)


def support_extent(gradient: np.ndarray) -> tuple[int, int]:
    """Height and width of the bounding box of the nonzero pixels of a gradient map.

    Without dilation the nonzero pixels fill this box (check with
    ``np.count_nonzero(gradient) == height * width``); a dilated kernel
    leaves gaps inside it.
    """
    rows, cols = np.nonzero(gradient)
    if rows.size == 0:
        raise ValueError("the gradient is zero everywhere: no input pixel reaches this unit")
    return int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)
