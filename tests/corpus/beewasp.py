"""Submissions of the bee-vs-wasp homework: two other correct styles, slips, tampering.

Each submission trains its model (about a minute on the stand-in), so independent
variations share a submission: four in all.
"""

from __future__ import annotations

from . import Case, maximum_points, scores

A = "beewasp"
MAX = maximum_points(A)


def g(question: str) -> str:
    return f"{A}-{question}-code"


# A functional model built from `tensorflow.keras` imports, metrics=["acc"] (as the published
# answer key has it), and the test images read by the legacy ImageDataGenerator.
FUNCTIONAL_TFKERAS_ACC_LEGACY = {
    g("model"): '''
from tensorflow.keras import Input, Model
from tensorflow.keras.layers import Conv2D, Dense, Flatten, MaxPooling2D

inputs = Input(shape=(150, 150, 3))
x = Conv2D(32, (3, 3), activation="relu")(inputs)
x = MaxPooling2D(pool_size=(2, 2))(x)
x = Flatten()(x)
x = Dense(64, activation="relu")(x)
outputs = Dense(1, activation="sigmoid")(x)
model = Model(inputs=inputs, outputs=outputs)
model.summary()
''',
    g("q1"): '''
from tensorflow.keras.optimizers import SGD

q1 = Q1_OPTIONS[1]
model.compile(loss="binary_crossentropy", optimizer=SGD(learning_rate=0.002, momentum=0.8), metrics=["acc"])
''',
    g("q2"): '''
q2 = model.layers[1].count_params()  # layers[0] is the InputLayer of a functional model
q2_option = closest_option(q2, Q2_OPTIONS)
''',
    g("pipeline"): '''
from tensorflow.keras.preprocessing.image import ImageDataGenerator  # legacy, still imports

to_unit = layers.Rescaling(1.0 / 255)
train_ds = keras.utils.image_dataset_from_directory(
    data_dir / "train", image_size=(150, 150), batch_size=20, label_mode="binary", shuffle=True, seed=7
).map(lambda images, labels: (to_unit(images), labels))
test_ds = ImageDataGenerator(rescale=1.0 / 255).flow_from_directory(
    str(data_dir / "test"), target_size=(150, 150), batch_size=20, class_mode="binary", shuffle=True
)
''',
    g("q3"): '''
q3 = float(np.median(history.history["acc"]))
q3_option = closest_option(q3, Q3_OPTIONS)
''',
    g("q6"): '''
q6 = float(np.mean(history_aug.history["val_acc"][5:]))
q6_option = closest_option(q6, Q6_OPTIONS)
''',
}

# A Sequential model built with add(), keras.metrics.BinaryAccuracy() (the key is
# "binary_accuracy"), the statistics module instead of NumPy, tuple factors for the augmentations.
SEQUENTIAL_BINARYACCURACY_PYTHON = {
    g("closest"): '''
def closest_option(value, options):
    best, best_gap = None, None
    for candidate in options:
        gap = abs(candidate - value)
        if best_gap is None or gap < best_gap:
            best, best_gap = candidate, gap
    return best
''',
    g("model"): '''
model = keras.Sequential(name="bees_or_wasps")
model.add(keras.Input((150, 150, 3)))
model.add(keras.layers.Conv2D(filters=32, kernel_size=3, activation="relu"))
model.add(keras.layers.MaxPooling2D(pool_size=2))
model.add(keras.layers.Flatten())
model.add(keras.layers.Dense(units=64, activation="relu"))
model.add(keras.layers.Dense(units=1, activation="sigmoid"))
''',
    g("q1"): '''
q1 = "binary crossentropy"
model.compile(
    optimizer=keras.optimizers.SGD(learning_rate=0.002, momentum=0.8),
    loss=keras.losses.BinaryCrossentropy(),
    metrics=[keras.metrics.BinaryAccuracy()],
)
''',
    g("q2"): '''
q2 = sum(int(weights.size) for weights in model.layers[0].get_weights())
q2_option = closest_option(q2, Q2_OPTIONS)
''',
    g("q3"): '''
import statistics

q3 = statistics.median(history.history["binary_accuracy"])
q3_option = closest_option(q3, Q3_OPTIONS)
''',
    g("q4"): '''
q4 = statistics.pstdev(history.history["loss"])
q4_option = closest_option(q4, Q4_OPTIONS)
''',
    g("augmentation"): '''
augmentation = keras.Sequential([
    keras.layers.RandomFlip("horizontal"),
    keras.layers.RandomZoom(height_factor=(-0.1, 0.1), fill_mode="nearest"),
    keras.layers.RandomRotation(factor=(-50 / 360, 50 / 360), fill_mode="nearest"),
    keras.layers.RandomTranslation(height_factor=0.1, width_factor=0.1, fill_mode="nearest"),
])
train_aug_ds = train_ds.map(lambda images, labels: (augmentation(images, training=True), labels))
''',
    g("q5"): '''
q5 = statistics.fmean(history_aug.history["val_loss"])
q5_option = closest_option(q5, Q5_OPTIONS)
''',
    g("q6"): '''
q6 = statistics.fmean(history_aug.history["val_binary_accuracy"][-5:])
q6_option = closest_option(q6, Q6_OPTIONS)
''',
}

_AUGMENT = '''
augmentation = keras.Sequential(
    [
        layers.RandomRotation(50 / 360, fill_mode="nearest"),
        layers.RandomTranslation(0.1, 0.1, fill_mode="nearest"),
        layers.RandomZoom(0.1, fill_mode="nearest"),
        layers.RandomFlip("horizontal"),
    ]
)


def augment(images, labels):
    return augmentation(images, training=True), labels

'''

# Slips: the test images augmented too, and 20 augmented epochs where the question asks for 10
# (Q5 and Q6 then average what the question does not ask about).
SLIPS = {
    g("augmentation"): _AUGMENT + '''
train_aug_ds = train_ds.map(augment)
test_ds = test_ds.map(augment)  # the slip: the test images are augmented too
''',
    g("continue"): '''
history_aug = model.fit(train_aug_ds, epochs=20, validation_data=test_ds)
''',
}

# A slip and tampering: the augmented data re-batched by 32 (the optimizer then takes fewer
# steps: the continue test must say so, not blame re-compiling), a typed Q3 answer with `abs`
# shadowed (the old hidden test compared with abs()), and np.mean patched with a typed Q6.
SLIP_AND_TAMPERING = {
    g("augmentation"): _AUGMENT + '''
train_aug_ds = train_ds.unbatch().batch(32).map(augment)  # batches of 32, not 20
''',
    g("q3"): '''
abs = lambda value: 0.0  # noqa: E731 - the point of this case
q3 = 0.80
q3_option = 0.80
''',
    g("q4"): '''
del abs
q4 = float(np.std(history.history["loss"]))
q4_option = closest_option(q4, Q4_OPTIONS)
''',
    g("q6"): '''
np.mean = lambda *args, **kwargs: 0.98
q6 = 0.98
q6_option = 0.98
''',
}

# The seed notebook's Q5/Q6 mistake: the test loss and accuracy read from the first training's history.
SEED_Q5_Q6 = {
    g("q5"): """
q5 = float(np.mean(history.history["val_loss"]))
q5_option = closest_option(q5, Q5_OPTIONS)
""",
    g("q6"): """
q6 = float(np.mean(history.history["val_accuracy"][-5:]))
q6_option = closest_option(q6, Q6_OPTIONS)
""",
}
# A model re-created (and so re-compiled) before the augmented training: it does not go on training.
RECREATED = {
    g("continue"): """
model = keras.Sequential(
    [
        keras.Input(shape=(150, 150, 3)),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ]
)
model.compile(
    optimizer=keras.optimizers.SGD(learning_rate=0.002, momentum=0.8),
    loss="binary_crossentropy",
    metrics=["accuracy"],
)
history_aug = model.fit(train_aug_ds, epochs=10, validation_data=test_ds)
""",
}

# The assignment's typical mistakes, other correct styles and tampering (the contract is automatic).
MISTAKES = [
    Case(A, "seed-q5-q6-from-the-first-history", SEED_Q5_Q6, scores(MAX, {f"{A}-q5", f"{A}-q6"})),
    Case(A, "recreated-model", RECREATED, scores(MAX, {f"{A}-continue"})),
    Case(A, "functional-tfkeras-acc-legacy-generator", FUNCTIONAL_TFKERAS_ACC_LEGACY, scores(MAX)),
    Case(A, "sequential-binaryaccuracy-statistics", SEQUENTIAL_BINARYACCURACY_PYTHON, scores(MAX)),
    Case(
        A, "slips-augmented-test-20-epochs", SLIPS,
        scores(MAX, {f"{A}-test-untouched", f"{A}-continue", f"{A}-q5", f"{A}-q6"}),
        messages={f"{A}-q5": "the number of epochs in `history_aug`", f"{A}-test-untouched": "not stored photos"},
    ),
    Case(
        A, "batch-32-shadowed-abs-patched-mean", SLIP_AND_TAMPERING,
        scores(MAX, {f"{A}-continue", f"{A}-q3", f"{A}-q6"}),
        flagged=frozenset({f"{A}-q6"}),
        messages={f"{A}-continue": "train_aug_ds yields batches of 32 images, not 20"},
    ),
]
