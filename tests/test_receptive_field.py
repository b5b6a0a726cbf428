"""The receptive-field formula agrees with what TensorFlow's gradients measure.

For each Keras stack, `shapes.receptive_field` (fed by `keras_tools.layer_geometry`)
predicts how many input pixels one unit of the last spatial layer sees. The
gradient of that unit through the model's linear twin must reach exactly that
many rows and columns: no more (the formula would be too generous) and no
fewer (it would be too strict).
"""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from cnncourse.keras_tools import (  # noqa: E402
    gradient_support,
    layer_geometry,
    linear_twin,
    spatial_layers,
    support_extent,
)
from cnncourse.shapes import receptive_field  # noqa: E402

L = keras.layers


def conv(k, s=1, padding="valid", d=1):
    return ("conv", k, s, padding, d)


def pool(k, s=None, padding="valid", kind="max"):
    return (kind, k, s, padding, 1)


# (name, layers): every stack below is built as a real Keras model with ReLUs and max pooling.
STACKS = [
    ("conv1", [conv(1)]),
    ("conv2", [conv(2)]),
    ("conv3", [conv(3)]),
    ("conv5_s2", [conv(5, 2)]),
    ("conv7_s3", [conv(7, 3)]),
    ("mnist_cnn", [conv(3), pool(2), conv(3), pool(2), conv(3)]),
    ("three_convs_no_pooling", [conv(3), conv(3), conv(3)]),
    ("same_padding", [conv(3, padding="same"), pool(2, padding="same"), conv(3, padding="same")]),
    ("overlapping_pool", [conv(3), pool(3, 2), conv(3), pool(3, 2), conv(3)]),
    ("average_pool", [conv(5), pool(2, kind="avg"), conv(5)]),
    ("strided_convs", [conv(5, 2), conv(3, 2), conv(3, 1)]),
    ("alexnet_start", [conv(11, 4), pool(3, 2), conv(5, padding="same"), pool(3, 2), conv(3, padding="same")]),
    ("even_kernels", [conv(2), pool(2), conv(4, 2), conv(2)]),
    ("vgg_block", [conv(3, padding="same"), conv(3, padding="same"), pool(2), conv(3, padding="same")]),
    # dilations 1, 2, 4 widen the field exponentially and still leave no hole
    ("dilated_1_2_4", [conv(3), conv(3, d=2), conv(3, d=4)]),
]

# Stacks whose field has holes: a kernel narrower than its stride skips pixels, dilation spreads taps.
SPARSE_STACKS = [
    ("stride_beyond_kernel", [conv(1, 2), conv(3)]),
    ("dilated", [conv(3, d=2)]),
    ("dilated_twice", [conv(3, d=2), conv(3, d=2)]),
]


def _geometry(spec):
    return [(k + (k - 1) * (d - 1), s or k) for _, k, s, _, d in spec]


def _input_size(spec) -> int:
    """An input large enough that the centre unit's field lies inside it, padding or not."""
    geometry = _geometry(spec)
    jump = int(np.prod([s for _, s in geometry]))
    return 2 * receptive_field(geometry) + 4 * jump + 8


def build(spec, channels=(3, 5, 4, 6, 2), extra=lambda: []):
    """A real Keras model from a spec, with ReLUs, max pooling and a classifier on top.

    ``extra`` returns fresh layers to put after each spatial layer.
    """
    n = _input_size(spec)
    layers = [keras.Input(shape=(n, n, 2))]
    for index, (kind, k, s, padding, d) in enumerate(spec):
        if kind == "conv":
            layers.append(
                L.Conv2D(channels[index % len(channels)], k, strides=s, padding=padding, dilation_rate=d, activation="relu")
            )
        elif kind == "max":
            layers.append(L.MaxPooling2D(k, strides=s, padding=padding))
        else:
            layers.append(L.AveragePooling2D(k, strides=s, padding=padding))
        layers.extend(extra())
    layers += [L.Flatten(), L.Dense(3, activation="softmax")]
    return keras.Sequential(layers)


@pytest.mark.parametrize("name,spec", STACKS, ids=[name for name, _ in STACKS])
def test_formula_matches_gradient_support(name, spec):
    model = build(spec)
    geometry = layer_geometry(model)
    assert geometry == _geometry(spec)
    expected = receptive_field(geometry)
    gradient = gradient_support(linear_twin(model))
    height, width = support_extent(gradient)
    assert (height, width) == (expected, expected), f"{name}: measured {height}x{width}, formula says {expected}"
    # every kernel covers its stride, so the field has no holes: exactly r * r pixels
    assert np.count_nonzero(gradient) == expected * expected
    # the field sits inside the input, away from the zero padding
    rows, cols = np.nonzero(gradient)
    assert rows.min() > 0 and cols.min() > 0 and rows.max() < gradient.shape[0] - 1


@pytest.mark.parametrize("name,spec", SPARSE_STACKS, ids=[name for name, _ in SPARSE_STACKS])
def test_fields_with_holes_have_the_formula_extent(name, spec):
    model = build(spec)
    expected = receptive_field(layer_geometry(model))
    gradient = gradient_support(linear_twin(model))
    assert support_extent(gradient) == (expected, expected)
    assert np.count_nonzero(gradient) < expected * expected, "this stack should leave holes in its field"


def test_every_unit_has_the_same_field_size():
    model = build([conv(3), pool(2), conv(3), pool(2), conv(3)])
    twin = linear_twin(model)
    oh, ow = twin.output_shape[1:3]
    for unit in [(0, 0), (oh - 1, ow - 1), (0, ow - 1), (oh // 2, 1)]:
        gradient = gradient_support(twin, unit=unit)
        assert support_extent(gradient) == (18, 18)
        assert np.count_nonzero(gradient) == 18 * 18


def test_rows_and_columns_are_read_separately():
    model = keras.Sequential([keras.Input((40, 40, 1)), L.Conv2D(2, (3, 5), strides=(1, 2)), L.Conv2D(2, 3)])
    assert layer_geometry(model, axis=0) == [(3, 1), (3, 1)]
    assert layer_geometry(model, axis=1) == [(5, 2), (3, 1)]
    gradient = gradient_support(linear_twin(model))
    assert support_extent(gradient) == (
        receptive_field(layer_geometry(model, 0)),
        receptive_field(layer_geometry(model, 1)),
    ) == (5, 9)


def test_pointwise_layers_are_skipped_and_the_classifier_ends_the_stack():
    def extra():
        return [L.Dropout(0.5), L.BatchNormalization(), L.Activation("tanh")]

    model = build([conv(3), pool(2), conv(3)], extra=extra)
    assert [type(layer).__name__ for layer in spatial_layers(model)] == ["Conv2D", "MaxPooling2D", "Conv2D"]
    assert receptive_field(layer_geometry(model)) == 8


def test_unknown_layers_are_refused():
    model = keras.Sequential([keras.Input((8, 8, 1)), L.Conv2D(1, 3), L.UpSampling2D(2), L.Conv2D(1, 3)])
    with pytest.raises(ValueError, match="UpSampling2D"):
        layer_geometry(model)


def test_max_pooling_passes_the_gradient_through_one_pixel_per_window():
    """Why the measurement uses average pooling: through max pooling, a gradient misses pixels."""
    model = build([conv(3), pool(2), conv(3)])
    field = receptive_field(layer_geometry(model))
    twin = linear_twin(model, pooling="max")
    assert any(isinstance(layer, L.MaxPooling2D) for layer in twin.layers)
    x = np.random.default_rng(0).uniform(size=twin.input_shape[1:])
    gradient = gradient_support(twin, x=x)
    height, width = support_extent(gradient)
    assert height <= field and width <= field
    # 3 x 3 pooled units, one winner each, 3 x 3 pixels behind each winner: at most 81, here fewer than 64
    assert 0 < np.count_nonzero(gradient) < field * field


def test_mnist_network_field():
    from cnncourse.models import mnist_cnn

    model = mnist_cnn()
    assert layer_geometry(model) == [(3, 1), (2, 2), (3, 1), (2, 2), (3, 1)]
    assert receptive_field(layer_geometry(model)) == 18
