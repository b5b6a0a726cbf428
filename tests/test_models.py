"""The course's Keras models: totals, and every layer's count against cnncourse.shapes."""

import math

import pytest

keras = pytest.importorskip("keras")

from cnncourse import models  # noqa: E402
from cnncourse.shapes import conv_params, dense_params  # noqa: E402

EXPECTED_TOTALS = {
    "mnist_cnn": 93_322,
    "mnist_cnn_convolutional_base": 55_744,
    "mnist_same_cnn": 220_234,
    "cifar10_cnn": 541_094,
    "beewasp_cnn": 11_215_873,
    "four_block_gap_cnn": 388_673,
    "mnist_mlp": 669_706,
}

# Layers that hold no parameters at all.
PARAMETER_FREE = (
    keras.layers.MaxPooling2D,
    keras.layers.AveragePooling2D,
    keras.layers.GlobalAveragePooling2D,
    keras.layers.GlobalMaxPooling2D,
    keras.layers.Flatten,
    keras.layers.Dropout,
)


def predicted_params(layer) -> int:
    """A layer's parameter count from its configuration and input shape alone."""
    if isinstance(layer, keras.layers.Conv2D):
        c_in = layer.input.shape[-1]
        return conv_params(layer.kernel_size, c_in, layer.filters, use_bias=layer.use_bias)
    if isinstance(layer, keras.layers.Dense):
        return dense_params(layer.input.shape[-1], layer.units, use_bias=layer.use_bias)
    if isinstance(layer, PARAMETER_FREE):
        return 0
    raise AssertionError(f"no parameter formula for layer {layer.name} ({type(layer).__name__})")


@pytest.fixture(scope="module", params=sorted(EXPECTED_TOTALS))
def built(request):
    return request.param, getattr(models, request.param)()


def test_total_matches_count_params(built):
    name, model = built
    assert model.count_params() == EXPECTED_TOTALS[name], f"{name}: {model.count_params():,}"


def test_helpers_agree_with_count_params_layer_by_layer(built):
    name, model = built
    assert model.layers, name
    total = 0
    for layer in model.layers:
        expected = predicted_params(layer)
        assert layer.count_params() == expected, (
            f"{name}/{layer.name}: count_params() = {layer.count_params()}, formula = {expected}"
        )
        total += expected
    assert total == model.count_params()


def test_builders_return_uncompiled_models_with_known_input(built):
    name, model = built
    assert not model.compiled, f"{name} should come back uncompiled"
    assert all(dim is not None for dim in model.input_shape[1:])


def test_builders_return_fresh_layers():
    a, b = models.mnist_cnn(), models.mnist_cnn()
    assert not set(map(id, a.layers)) & set(map(id, b.layers))


@pytest.mark.parametrize(
    ("builder", "shape"),
    [
        ("mnist_cnn", (3, 3, 64)),  # before Flatten
        ("mnist_same_cnn", (7, 7, 64)),
        ("cifar10_cnn", (4, 4, 64)),
        ("beewasp_cnn", (74, 74, 32)),
        ("four_block_gap_cnn", (8, 8, 256)),
    ],
)
def test_last_feature_maps(builder, shape):
    model = getattr(models, builder)()
    maps = [layer for layer in model.layers if len(layer.output.shape) == 4][-1]
    assert tuple(maps.output.shape[1:]) == shape
    flat = [layer for layer in model.layers if isinstance(layer, keras.layers.Flatten)]
    if flat:
        assert flat[0].output.shape[-1] == math.prod(shape)
