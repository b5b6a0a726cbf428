"""Submissions of the CIFAR-10 homework: two other correct styles, slips, tampering.

Each submission trains its model (about a minute on the stand-in): four in all.
"""

from __future__ import annotations

from . import Case, maximum_points, scores

A = "cifar10"
MAX = maximum_points(A)


def g(question: str) -> str:
    return f"{A}-{question}-answer"


_SCALE_PRINT = 'print("x_train_full:", x_train_full.shape, x_train_full.dtype, " y_train_full:", y_train_full.shape)'
_PARAMS_PRINT = '''
for layer, count in zip(model.layers, layer_params):
    print(f"{layer.name:>16}: {count:>7,} parameters, output {tuple(layer.output.shape[1:])}")
print("after each block:", block_shapes)
'''
_DENSE_OPTIONS = 'DENSE_SHARE_OPTIONS = {"A": 0.05, "B": 0.25, "C": 0.50, "D": 0.95}'
_DENSE_PRINT = 'print(f"the first Dense layer holds {dense_share:.1%} of the parameters: option {dense_share_answer}")'

# A functional model from `tensorflow.keras` imports, metrics=["acc"], counts over every layer
# of model.layers (a functional model lists its InputLayer too).
FUNCTIONAL_TFKERAS_ACC = {
    g("scale-onehot"): f'''
from tensorflow.keras.utils import to_categorical

x_train_full = (x_train_raw / 255.0).astype(np.float32)
x_test = (x_test_raw / 255.0).astype(np.float32)
y_train_full = to_categorical(y_train_raw, num_classes=10)
y_test = to_categorical(y_test_raw, num_classes=10)
{_SCALE_PRINT}
''',
    g("model"): '''
from tensorflow.keras import Input, Model
from tensorflow.keras import layers as L

inputs = Input(shape=(32, 32, 3))
x = inputs
for filters in (16, 32, 64):
    x = L.Conv2D(filters, kernel_size=(3, 3), padding="same", activation="relu")(x)
    x = L.MaxPooling2D(pool_size=(2, 2))(x)
x = L.Dropout(0.3)(x)
x = L.Flatten()(x)
x = L.Dense(500, activation="relu")(x)
x = L.Dropout(0.4)(x)
outputs = L.Dense(10, activation="softmax")(x)
model = Model(inputs, outputs, name="cifar10_functional")
''',
    g("params"): f'''
layer_params = [layer.count_params() for layer in model.layers]  # the InputLayer counts 0
block_shapes = [tuple(layer.output.shape[1:]) for layer in model.layers if "pooling" in layer.name]
{_PARAMS_PRINT}
''',
    g("dense-share"): f'''
{_DENSE_OPTIONS}
dense_layers = [layer for layer in model.layers if isinstance(layer, L.Dense)]
dense_share = dense_layers[0].count_params() / sum(layer_params)
dense_share_answer = sorted(DENSE_SHARE_OPTIONS, key=lambda letter: abs(DENSE_SHARE_OPTIONS[letter] - dense_share))[0]
{_DENSE_PRINT}
''',
    g("compile"): '''
model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["acc"])
''',
    g("fit"): '''
from tensorflow.keras.callbacks import ModelCheckpoint

checkpoint = ModelCheckpoint(filepath=CHECKPOINT_PATH, save_best_only=True, save_weights_only=True)
history = model.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=EPOCHS,
                    validation_data=(x_valid, y_valid), callbacks=[checkpoint], verbose=0)
''',
}

# A Sequential model built with add(), and the error analysis in plain Python loops.
SEQUENTIAL_LOOPS = {
    g("class-names"): '''
class_names = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
''',
    g("split"): '''
x_valid = x_train_full[0:N_VALID]
y_valid = y_train_full[0:N_VALID]
x_train = x_train_full[N_VALID:len(x_train_full)]
y_train = y_train_full[N_VALID:len(y_train_full)]
print(f"{len(x_train):,} training, {len(x_valid):,} validation and {len(x_test):,} test images")
''',
    g("model"): '''
model = keras.Sequential()
model.add(keras.Input(shape=(32, 32, 3)))
for filters in (16, 32, 64):
    model.add(keras.layers.Conv2D(filters, (3, 3), padding="same", activation="relu"))
    model.add(keras.layers.MaxPooling2D(pool_size=(2, 2)))
model.add(keras.layers.Dropout(0.3))
model.add(keras.layers.Flatten())
model.add(keras.layers.Dense(500, activation="relu"))
model.add(keras.layers.Dropout(0.4))
model.add(keras.layers.Dense(10, activation="softmax"))
''',
    g("params"): f'''
layer_params = [int(sum(weight.size for weight in layer.get_weights())) for layer in model.layers]
block_shapes = [tuple(model.layers[i].output.shape[1:]) for i in (1, 3, 5)]
{_PARAMS_PRINT}
''',
    g("predictions"): '''
y_pred = model.predict(x_test, verbose=0).argmax(axis=1)
y_true = y_test_raw.flatten()
''',
    g("confusion"): '''
confusion = np.zeros((10, 10), dtype=int)
for real, predicted in zip(y_true, y_pred):
    confusion[real, predicted] += 1
''',
    g("per-class"): '''
per_class_accuracy = [confusion[i, i] / confusion[i].sum() for i in range(10)]
''',
    g("most-confused"): '''
best_count, most_confused_pair = -1, None
for a in range(10):
    for b in range(a + 1, 10):
        if confusion[a, b] + confusion[b, a] > best_count:
            best_count, most_confused_pair = confusion[a, b] + confusion[b, a], (a, b)
''',
}

# Slips: float64 images (the scaling cell alone says so, the one-hot cell keeps its point), and
# validation on the test set (the checkpoint tests must tell it from the validation split).
SLIPS = {
    g("scale-onehot"): f'''
x_train_full = x_train_raw / 255  # float64
x_test = x_test_raw / 255
y_train_full = keras.utils.to_categorical(y_train_raw, 10)
y_test = keras.utils.to_categorical(y_test_raw, 10)
{_SCALE_PRINT}
''',
    g("fit"): '''
checkpoint = keras.callbacks.ModelCheckpoint(
    CHECKPOINT_PATH, monitor="val_loss", save_best_only=True, save_weights_only=True
)
history = model.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=EPOCHS,
                    validation_data=(x_test, y_test), callbacks=[checkpoint], verbose=2)
''',
}

# Tampering: eight class names with `len` shadowed (the old test counted with len()), and a
# transposed confusion matrix with np.array_equal, np.allclose and np.testing patched.
TAMPERING = {
    g("class-names"): '''
class_names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse"]
len = lambda value: 10  # noqa: E731 - the point of this case
''',
    g("scale-onehot"): f'''
del len
x_train_full = x_train_raw.astype("float32") / 255
x_test = x_test_raw.astype("float32") / 255
y_train_full = keras.utils.to_categorical(y_train_raw, 10)
y_test = keras.utils.to_categorical(y_test_raw, 10)
{_SCALE_PRINT}
''',
    g("confusion"): '''
np.array_equal = lambda *args, **kwargs: True
np.allclose = lambda *args, **kwargs: True
np.testing.assert_array_equal = lambda *args, **kwargs: None
confusion = np.zeros((10, 10), dtype=int)
np.add.at(confusion, (y_pred, y_true), 1)  # transposed: rows are the predicted classes
''',
}

_AFTER_PATCH = {f"{A}-confusion", f"{A}-per-class", f"{A}-most-confused"}

# The seed notebook's list of class names, which stops at eight.
EIGHT_NAMES = {
    f"{A}-class-names-answer": 'class_names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse"]',
}


def last_epoch_answer() -> dict[str, str]:
    """The solution of the evaluation cell without the line that loads the checkpoint (the last epoch's weights)."""
    from nbgrader_course import ROOT, nbgrader_cell, strip_solution_markers
    import nbformat

    notebook = nbformat.read(ROOT / "source_notebooks" / A / f"{A}.ipynb", as_version=4)
    (cell,) = [c for c in notebook.cells if nbgrader_cell(c).get("grade_id") == f"{A}-best-answer"]
    solved, load = strip_solution_markers(cell.source) + "\n", "    model.load_weights(checkpoint_path)\n"
    assert load in solved, "the solution no longer loads the checkpoint with this line; update the case"
    return {f"{A}-best-answer": solved.replace(load, "    # (forgot to load the checkpoint)\n")}


# The assignment's typical mistakes, other correct styles and tampering (the contract is automatic).
MISTAKES = [
    Case(A, "checkpoint-never-loaded", last_epoch_answer(), scores(MAX, {f"{A}-best-checkpoint"}),
         messages={f"{A}-best-checkpoint": "should load the checkpoint"}),
    Case(A, "eight-class-names", EIGHT_NAMES, scores(MAX, {f"{A}-class-names"}),
         messages={f"{A}-class-names": "CIFAR-10 has ten classes"}),
    Case(A, "functional-tfkeras-acc", FUNCTIONAL_TFKERAS_ACC, scores(MAX)),
    Case(A, "sequential-python-loops", SEQUENTIAL_LOOPS, scores(MAX)),
    Case(
        A, "slips-float64-validated-on-test", SLIPS,
        scores(MAX, {f"{A}-scale", f"{A}-checkpoint", f"{A}-best-checkpoint"}),
        messages={f"{A}-scale": "should be float32", f"{A}-checkpoint": "They give it on (x_test, y_test)"},
    ),
    Case(
        A, "shadowed-len-patched-numpy", TAMPERING,
        scores(MAX, {f"{A}-class-names"} | _AFTER_PATCH),
        flagged=frozenset(_AFTER_PATCH),
    ),
]
