"""The Keras models that the course builds, counts and trains.

Each builder returns a fresh, *uncompiled* ``keras.Sequential`` model with an
``Input`` layer, so its shapes and ``count_params()`` are known at once. The
networks come from the course's source material; the parameter counts quoted
in the docstrings are what ``model.count_params()`` returns (the tests check
them, and check each layer against :mod:`cnncourse.shapes`).

Keras is imported inside each builder: importing this module stays cheap for
code that only needs the names.
"""

from __future__ import annotations

__all__ = [
    "beewasp_cnn",
    "cifar10_cnn",
    "four_block_gap_cnn",
    "mnist_cnn",
    "mnist_cnn_convolutional_base",
    "mnist_mlp",
    "mnist_same_cnn",
]


def _keras():
    import keras

    return keras


def _mnist_conv_layers():
    """Fresh layers of the MNIST convolutional base (new objects on every call)."""
    layers = _keras().layers
    return [
        layers.Conv2D(32, 3, activation="relu", name="conv1"),
        layers.MaxPooling2D(2, name="pool1"),
        layers.Conv2D(64, 3, activation="relu", name="conv2"),
        layers.MaxPooling2D(2, name="pool2"),
        layers.Conv2D(64, 3, activation="relu", name="conv3"),
    ]


def mnist_cnn_convolutional_base(input_shape=(28, 28, 1)):
    """The convolutional base of the classic MNIST network (Chollet's first convnet).

    Conv2D(32, 3) -> MaxPooling2D(2) -> Conv2D(64, 3) -> MaxPooling2D(2) -> Conv2D(64, 3),
    all 'valid' with ReLU. On 28 x 28 x 1 the output is 3 x 3 x 64 and the three
    convolutions hold 320 + 18,496 + 36,928 = 55,744 parameters.
    """
    keras = _keras()
    return keras.Sequential(
        [keras.Input(shape=input_shape, name="image"), *_mnist_conv_layers()],
        name="mnist_cnn_base",
    )


def mnist_cnn(input_shape=(28, 28, 1), num_classes: int = 10):
    """The classic MNIST network: the convolutional base plus a dense classifier.

    Base (55,744 parameters) -> Flatten (576) -> Dense(64, relu) -> Dense(10, softmax);
    93,322 parameters in all.
    """
    keras = _keras()
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input(shape=input_shape, name="image"),
            *_mnist_conv_layers(),
            layers.Flatten(name="flatten"),
            layers.Dense(64, activation="relu", name="dense"),
            layers.Dense(num_classes, activation="softmax", name="probabilities"),
        ],
        name="mnist_cnn",
    )


def mnist_same_cnn(input_shape=(28, 28, 1), num_classes: int = 10):
    """Two 'same'-padded convolution blocks on MNIST, then a dense classifier.

    Conv2D(32, 3, same) -> MaxPooling2D(2) -> Conv2D(64, 3, same) -> MaxPooling2D(2)
    -> Flatten (7 * 7 * 64 = 3136) -> Dense(64, relu) -> Dense(10, softmax);
    220,234 parameters, most of them (200,768) in the first dense layer.
    """
    keras = _keras()
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input(shape=input_shape, name="image"),
            layers.Conv2D(32, 3, padding="same", activation="relu", name="conv1"),
            layers.MaxPooling2D(2, name="pool1"),
            layers.Conv2D(64, 3, padding="same", activation="relu", name="conv2"),
            layers.MaxPooling2D(2, name="pool2"),
            layers.Flatten(name="flatten"),
            layers.Dense(64, activation="relu", name="dense"),
            layers.Dense(num_classes, activation="softmax", name="probabilities"),
        ],
        name="mnist_same_cnn",
    )


def cifar10_cnn(input_shape=(32, 32, 3), num_classes: int = 10):
    """Three 'same' convolution blocks with dropout, for CIFAR-10.

    Conv2D(16) -> pool -> Conv2D(32) -> pool -> Conv2D(64) -> pool (all 3 x 3, 'same',
    ReLU; 2 x 2 max pooling) -> Dropout(0.3) -> Flatten (4 * 4 * 64 = 1024)
    -> Dense(500, relu) -> Dropout(0.4) -> Dense(10, softmax); 541,094 parameters.
    """
    keras = _keras()
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input(shape=input_shape, name="image"),
            layers.Conv2D(16, 3, padding="same", activation="relu", name="conv1"),
            layers.MaxPooling2D(2, name="pool1"),
            layers.Conv2D(32, 3, padding="same", activation="relu", name="conv2"),
            layers.MaxPooling2D(2, name="pool2"),
            layers.Conv2D(64, 3, padding="same", activation="relu", name="conv3"),
            layers.MaxPooling2D(2, name="pool3"),
            layers.Dropout(0.3, name="dropout1"),
            layers.Flatten(name="flatten"),
            layers.Dense(500, activation="relu", name="dense"),
            layers.Dropout(0.4, name="dropout2"),
            layers.Dense(num_classes, activation="softmax", name="probabilities"),
        ],
        name="cifar10_cnn",
    )


def beewasp_cnn(input_shape=(150, 150, 3)):
    """One convolution block and a wide dense layer, for bees versus wasps (binary).

    Conv2D(32, 3, relu) -> MaxPooling2D(2) -> Flatten (74 * 74 * 32 = 175,232)
    -> Dense(64, relu) -> Dense(1, sigmoid). The convolution has 896 parameters,
    the first dense layer 11,214,912; 11,215,873 in all.
    """
    keras = _keras()
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input(shape=input_shape, name="image"),
            layers.Conv2D(32, (3, 3), activation="relu", name="conv"),
            layers.MaxPooling2D((2, 2), name="pool"),
            layers.Flatten(name="flatten"),
            layers.Dense(64, activation="relu", name="dense"),
            layers.Dense(1, activation="sigmoid", name="probability"),
        ],
        name="beewasp_cnn",
    )


def four_block_gap_cnn(input_shape=(64, 64, 3)):
    """Four 'same' convolution blocks closed by global average pooling (binary output).

    Conv2D(32) -> pool -> Dropout(0.5) -> Conv2D(64) -> pool -> Dropout(0.5)
    -> Conv2D(128) -> pool -> Conv2D(256) (all 3 x 3, 'same', ReLU) ->
    GlobalAveragePooling2D (256 numbers) -> Dense(1, sigmoid); 388,673 parameters.
    On 64 x 64 x 3 the last feature maps are 8 x 8 x 256. The count does not
    depend on the input size: global average pooling always leaves 256 numbers.
    """
    keras = _keras()
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input(shape=input_shape, name="image"),
            layers.Conv2D(32, 3, padding="same", activation="relu", name="conv1"),
            layers.MaxPooling2D(2, name="pool1"),
            layers.Dropout(0.5, name="dropout1"),
            layers.Conv2D(64, 3, padding="same", activation="relu", name="conv2"),
            layers.MaxPooling2D(2, name="pool2"),
            layers.Dropout(0.5, name="dropout2"),
            layers.Conv2D(128, 3, padding="same", activation="relu", name="conv3"),
            layers.MaxPooling2D(2, name="pool3"),
            layers.Conv2D(256, 3, padding="same", activation="relu", name="conv4"),
            layers.GlobalAveragePooling2D(name="gap"),
            layers.Dense(1, activation="sigmoid", name="probability"),
        ],
        name="four_block_gap_cnn",
    )


def mnist_mlp(input_shape=(28, 28), num_classes: int = 10):
    """The dense network (multilayer perceptron) on MNIST that the CNNs are compared with.

    Flatten (784) -> Dense(512, relu) -> Dense(512, relu) -> Dense(10, softmax);
    401,920 + 262,656 + 5,130 = 669,706 parameters.
    """
    keras = _keras()
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input(shape=input_shape, name="image"),
            layers.Flatten(name="flatten"),
            layers.Dense(512, activation="relu", name="dense1"),
            layers.Dense(512, activation="relu", name="dense2"),
            layers.Dense(num_classes, activation="softmax", name="probabilities"),
        ],
        name="mnist_mlp",
    )
