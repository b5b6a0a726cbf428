"""Protected helpers for the test cells of the graded notebooks.

A test cell runs in the student's kernel, after the student's code. Anything it
takes from that namespace can have been changed: ``int`` or ``float`` redefined,
``np.allclose`` or ``np.testing.assert_allclose`` replaced by a function that
always agrees, ``math.isclose`` patched. This module takes its own references
when it is first imported (the locked set-up cell of each notebook imports it,
before any student code runs), and every helper first checks that what it relies
on is still what it took: every attribute of the ``builtins``, ``math``, ``numpy``
and ``numpy.testing`` modules, any module a notebook registers with :func:`watch`,
and this module's own helpers. When something was replaced, the helper raises
:class:`TamperingError`: the test fails with a message that says the submission is
flagged for review (its text starts with :data:`FLAG`).

A test cell uses the module like this::

    import numpy as np
    from cnncourse.grading import checks
    _b = checks.builtins          # the genuine builtins, whatever the student defined
    with checks.test("conv_output_size, stride 1"):
        checks.equal(conv_output_size(32, 3), 30, "conv_output_size(32, 3)")

:func:`test` prints a ``✓`` line when its block passes, turns a question that is
not answered yet (its stub raises ``NotImplementedError``, or the name it defines
is missing) into a clear ``AssertionError``, and checks for tampering on entry and
exit. The comparison helpers (:func:`equal`, :func:`close`, :func:`integer`,
:func:`number`, :func:`array`) convert the student's values to plain Python or
NumPy values with genuine types before they compare, so an object whose ``__eq__``
always says yes passes nothing, and their messages say what was expected and what
the student's code returned.

Only the standard library and NumPy are imported: the module must import quickly
on a student's machine and in every grading kernel.
"""

from __future__ import annotations

import builtins as _builtins_module
import contextlib as _contextlib
import math as _math
import sys as _sys
import types as _types

import numpy as _np
import numpy.testing as _np_testing

FLAG = "SUBMISSION FLAGGED FOR REVIEW"

# ----------------------------------------------------------------- references taken at import

_BUILTIN_NAMES = (
    "abs", "all", "any", "bool", "callable", "dict", "enumerate", "float", "frozenset", "getattr",
    "hasattr", "int", "isinstance", "issubclass", "iter", "len", "list", "map", "max", "min", "next",
    "print", "range", "repr", "reversed", "round", "set", "sorted", "str", "sum", "tuple", "type", "zip",
)
#: The genuine builtins, for test cells: ``checks.builtins.int(x)`` whatever ``int`` means in the notebook.
builtins = _types.SimpleNamespace(**{name: getattr(_builtins_module, name) for name in _BUILTIN_NAMES})

#: The genuine NumPy module (the same object as ``import numpy``; :func:`verify` checks its functions).
np = _np

_type, _isinstance, _len, _repr, _print = type, isinstance, len, repr, print
_int, _float, _bool, _str, _tuple, _list, _dict = int, float, bool, str, tuple, list, dict
_getattr, _hasattr, _zip, _sorted, _range = getattr, hasattr, zip, sorted, range
_asarray, _absolute, _isnan, _ndarray = _np.asarray, _np.absolute, _np.isnan, _np.ndarray
_integer, _floating, _bool_, _generic = _np.integer, _np.floating, _np.bool_, _np.generic
_array2string = _np.array2string

_BUILTIN_TYPES = {"int": type(0), "float": type(0.0), "bool": type(True), "str": type(""), "tuple": type(()),
                  "list": type([]), "dict": type({}), "set": type({0}), "frozenset": type(frozenset()),
                  "range": type(range(0)), "type": type(type), "zip": type(zip()), "map": type(map(abs, ())),
                  "enumerate": type(enumerate(())), "reversed": type(reversed(()))}


def _snapshot(obj, names=None) -> dict:
    """The public attributes of a module or class (or only ``names``), as they are now.

    Private names are left out: IPython and lazy imports rebind some of them as they
    run, and no test relies on them.
    """
    return {name: value for name, value in vars(obj).items()
            if (name in names if names is not None else not name.startswith("_"))}


_WATCHED: list = []  # (label, object, snapshot)


def watch(*objects, label: str | None = None, names=None) -> None:
    """Take references to every attribute of ``objects`` now; :func:`verify` then checks them on every call.

    The locked set-up cell of a notebook calls it for the libraries its tests compare
    with (``scipy.signal``, ``cv2``...), before any student code runs. Watching an
    object twice keeps the first snapshot.
    """
    for obj in objects:
        if any(watched is obj for _, watched, _ in _WATCHED):
            continue
        name = label or _getattr(obj, "__name__", _repr(obj))
        snapshot = _snapshot(obj, names)
        _WATCHED.append((name, obj, snapshot))
        # Taken late (after student code ran)? Then a function written in a notebook is a patch.
        if name not in ("builtins", "math"):
            _AT_IMPORT.extend(f"{name}.{key}" for key, value in snapshot.items() if _written_in_a_notebook(value))


def _written_in_a_notebook(value) -> bool:
    """Whether ``value`` is a Python function whose code comes from a notebook cell (or exec), not a file of a library."""
    code = _getattr(_getattr(value, "_implementation", value), "__code__", None)
    if code is None or _type(value) not in (_types.FunctionType, _type(_np.allclose)):
        return False
    return code.co_filename.startswith("<") or "ipykernel_" in code.co_filename


class TamperingError(AssertionError):
    """What a test raises when the tools it relies on were changed in the student's kernel."""


def _tampered(what: str) -> TamperingError:
    return TamperingError(
        f"{FLAG}: {what} was changed in this notebook's kernel, so this test cannot trust its own tools "
        "and fails. Graded notebooks must not redefine or patch Python's builtins, NumPy or math; "
        "the instructor reviews this submission."
    )


def _looks_genuine_builtin(name: str, value) -> bool:
    if name in _BUILTIN_TYPES:
        return value is _BUILTIN_TYPES[name]
    return (
        _type(value) is _types.BuiltinFunctionType
        and value.__name__ == name
        and _getattr(value, "__self__", None) is _builtins_module
    )


_CORE = (("numpy", _np, ("allclose", "isclose", "array_equal", "all", "any", "abs", "sum", "mean", "median",
                         "std", "asarray", "array", "argmax", "unique", "shape")),
         ("numpy.testing", _np_testing, ("assert_allclose", "assert_array_equal", "assert_equal",
                                         "assert_array_almost_equal", "assert_almost_equal")))


def _import_problems() -> list[str]:
    """What already looked patched when this module was imported (then every test fails, flagged)."""
    problems = [f"builtins.{name}" for name in _BUILTIN_NAMES if not _looks_genuine_builtin(name, _getattr(_builtins_module, name))]
    for label, module, names in _CORE:
        problems += [f"{label}.{name}" for name in names if _written_in_a_notebook(_getattr(module, name, None))]
    problems += [f"math.{name}" for name, value in vars(_math).items()
                 if _type(value) is _types.FunctionType]  # math is written in C: a Python function is a patch
    return problems


_AT_IMPORT = _import_problems()
watch(_builtins_module, label="builtins", names=_BUILTIN_NAMES)  # IPython adds and removes others per cell
watch(_math, label="math")
watch(_np, label="numpy")
watch(_np_testing, label="numpy.testing")


def verify() -> None:
    """Raise :class:`TamperingError` if anything this module relies on was replaced since its import."""
    if _AT_IMPORT:
        raise _tampered(", ".join(_AT_IMPORT))
    for label, obj, snapshot in _WATCHED:
        now = vars(obj)
        for name, value in snapshot.items():
            if now.get(name, _MISSING) is not value:
                raise _tampered(f"{label}.{name}")
    module = _sys.modules.get(__name__)
    for name, value in _OWN.items():
        if module is None or vars(module).get(name, _MISSING) is not value:
            raise _tampered(f"{__name__}.{name}")


_MISSING = object()

# ----------------------------------------------------------------- values with genuine types


def _show(value) -> str:
    """A short text of a value for a message (arrays abbreviated)."""
    if _isinstance(value, _ndarray):
        return _array2string(value, threshold=20, edgeitems=3, precision=6)
    text = _repr(value)
    return text if _len(text) <= 300 else text[:297] + "..."


def _what_type(value) -> str:
    return _type(value).__name__


def plain(value):
    """``value`` as plain Python data of genuine types: numbers, strings, tuples, lists, sets, dicts.

    NumPy scalars become Python numbers and NumPy arrays nested lists. Anything else
    (an object of the student's own class, say) raises ``AssertionError``: a test
    never lets the student's ``__eq__`` decide.
    """
    kind = _type(value)
    if value is None or kind in (_bool, _int, _float, _str):
        return value
    if _isinstance(value, _bool_):
        return _bool(value.item())
    if _isinstance(value, (_integer,)):
        return _int.__add__(_int(value.item()), 0)
    if _isinstance(value, _floating):
        return _float.__add__(_float(value.item()), 0.0)
    if _isinstance(value, _int):  # a subclass of int: its value, as a genuine int
        return _int.__add__(value, 0)
    if _isinstance(value, _float):
        return _float.__add__(value, 0.0)
    if _isinstance(value, _str):
        return _str.__str__(value)
    if _isinstance(value, _ndarray):
        return plain(value.tolist())
    if _isinstance(value, _tuple):
        return _tuple([plain(item) for item in _tuple.__iter__(value)])
    if _isinstance(value, _list):
        return [plain(item) for item in _list.__iter__(value)]
    if _isinstance(value, (set, frozenset)):
        return frozenset(plain(item) for item in value)
    if _hasattr(_type(value), "__array__"):  # a TensorFlow tensor, a Keras variable: its values, as a NumPy array
        converted = _np.asarray(value)
        if _type(converted) is _ndarray and converted.dtype != object:
            return plain(converted[()] if converted.shape == () else converted)
    if _isinstance(value, _dict):
        return {plain(key): plain(item) for key, item in _dict.items(value)}
    raise AssertionError(f"expected plain data (numbers, strings, lists, tuples), got an object of type {_what_type(value)}")


def equal(got, expected, what: str) -> None:
    """Assert that ``got`` equals ``expected`` as plain data (see :func:`plain`); the message shows both."""
    verify()
    try:
        got_plain = plain(got)
    except AssertionError as error:
        raise AssertionError(f"{what}: {error}") from None
    expected_plain = plain(expected)
    if not _same(got_plain, expected_plain):
        raise AssertionError(f"{what}: expected {_show(expected_plain)}, your code returned {_show(got_plain)}")


def _same(a, b) -> bool:
    """Equality of plain data, where a tuple and a list of the same items are the same."""
    if _isinstance(a, (_tuple, _list)) and _isinstance(b, (_tuple, _list)):
        return _len(a) == _len(b) and all(_same(x, y) for x, y in _zip(a, b))
    if _type(a) in (_int, _float, _bool) and _type(b) in (_int, _float, _bool):
        return _float(a) == _float(b) if _type(a) is _float or _type(b) is _float else _int(a) == _int(b)
    if _type(a) is not _type(b):
        return False
    return _bool(a == b)


def integer(value, what: str) -> int:
    """``value`` as a genuine ``int``; fails unless it is a whole number (an int, a NumPy integer or an integral float)."""
    verify()
    number_ = plain(value)
    if _type(number_) is _bool or _type(number_) not in (_int, _float):
        raise AssertionError(f"{what} should be a whole number, your code returned {_show(value)} ({_what_type(value)})")
    if _type(number_) is _float:
        if not _math.isfinite(number_) or number_ != _math.floor(number_):
            raise AssertionError(f"{what} should be a whole number, your code returned {_show(value)}")
        return _int(number_)
    return number_


def number(value, what: str) -> float:
    """``value`` as a genuine finite ``float``; fails for anything that is not a real number."""
    verify()
    if _isinstance(value, _ndarray) and value.shape == ():
        value = value[()]
    number_ = plain(value)
    if _type(number_) not in (_int, _float):
        raise AssertionError(f"{what} should be a number, your code returned {_show(value)} ({_what_type(value)})")
    number_ = _float(number_)
    if not _math.isfinite(number_):
        raise AssertionError(f"{what} should be a finite number, your code returned {number_}")
    return number_


def array(value, what: str, dtype=None) -> _np.ndarray:
    """``value`` as a plain NumPy array (never a subclass), optionally converted to ``dtype``."""
    verify()
    if _isinstance(value, _ndarray):
        result = _np.array(value, dtype=dtype, copy=True, subok=False)
    else:
        result = _np.array(plain(value) if _isinstance(value, (_list, _tuple)) else value, dtype=dtype, subok=False)
    if _type(result) is not _ndarray or result.dtype == object:
        raise AssertionError(f"{what} should be an array of numbers, your code returned {_what_type(value)}")
    return result


def close(got, expected, what: str, rtol: float = 1e-7, atol: float = 0.0) -> None:
    """Assert that ``got`` has ``expected``'s shape and is within ``atol + rtol * |expected|`` everywhere.

    The comparison is this module's own arithmetic on plain float arrays, not
    ``np.allclose`` from the notebook's namespace. NaN is never close to anything.
    """
    verify()
    got_array = array(got, what, dtype=_np.float64)
    expected_array = array(expected, "the expected value", dtype=_np.float64)
    if got_array.shape != expected_array.shape:
        raise AssertionError(
            f"{what}: expected shape {_tuple(expected_array.shape)}, your code returned shape {_tuple(got_array.shape)}"
        )
    with _np.errstate(invalid="ignore"):
        ok = _absolute(got_array - expected_array) <= atol + rtol * _absolute(expected_array)
    if not _bool(ok.all()):
        where = _int(_np.count_nonzero(~ok))
        raise AssertionError(
            f"{what}: expected\n{_show(expected_array)}\nyour code returned\n{_show(got_array)}\n"
            f"({where} of {ok.size} values differ by more than {atol:g} + {rtol:g} x |expected|)"
        )


def is_close(got, expected, rtol: float = 1e-7, atol: float = 0.0) -> bool:
    """Whether :func:`close` would pass, as a genuine ``bool`` (for tests that want two things to differ)."""
    try:
        close(got, expected, "value", rtol=rtol, atol=atol)
    except TamperingError:
        raise
    except AssertionError:
        return False
    return True


def true(condition, message: str) -> None:
    """Assert a condition computed by the test (a genuine ``bool``, or a NumPy bool), with a message."""
    verify()
    if _type(condition) is _bool_:
        condition = _bool(condition)
    if _type(condition) is not _bool:
        raise AssertionError(f"test error: a condition of type {_what_type(condition)} is not a bool")
    if not condition:
        raise AssertionError(message)


# ----------------------------------------------------------------- Keras objects, by behaviour (no Keras import)

_LAYER_SETTINGS = ("filters", "kernel_size", "strides", "padding", "units", "activation", "pool_size", "rate", "use_bias")


def _tuples(value):
    """Plain data with every list turned into a tuple (Keras configs hold lists where layers were given tuples)."""
    if _isinstance(value, (_list, _tuple)):
        return _tuple(_tuples(item) for item in value)
    return value


def model_layers(model) -> list[dict]:
    """The layers of ``model`` that compute, in order, each as a dict of plain settings.

    ``InputLayer`` is left out and nested models are opened, so a ``Sequential``
    model and a functional ``keras.Model(inputs, outputs)`` of the same layers give
    the same list. Each dict holds ``type`` (the class name), the settings among
    filters, kernel_size, strides, padding, units, activation, pool_size, rate and
    use_bias that the layer has, ``input_shape`` and ``output_shape`` (without the batch dimension) and
    ``params`` (its parameter count).
    """
    verify()
    found = []
    for layer in _list(model.layers):
        kind = _type(layer).__name__
        if kind == "InputLayer":
            continue
        if _hasattr(layer, "layers") and _hasattr(layer, "inputs"):  # a model inside the model
            found += model_layers(layer)
            continue
        config = layer.get_config()
        entry = {"type": kind}
        for key in _LAYER_SETTINGS:
            if key in config:
                entry[key] = _tuples(plain(config[key]))
        entry["input_shape"] = _tuple(plain(dim) for dim in _tuple(layer.input.shape)[1:])
        entry["output_shape"] = _tuple(plain(dim) for dim in _tuple(layer.output.shape)[1:])
        entry["params"] = integer(layer.count_params(), f"{layer.name}.count_params()")
        found.append(entry)
    return found


_ACCURACY_NAMES = ("accuracy", "acc", "binary_accuracy", "categorical_accuracy")


def history_series(history, metric: str, validation: bool = False) -> list[float]:
    """The per-epoch values of ``"loss"`` or ``"accuracy"`` in a Keras ``History`` (or its ``.history`` dict).

    The accuracy series is found whatever Keras named it (``accuracy``, ``acc``,
    ``binary_accuracy``, a named metric such as ``BinaryAccuracy(name="bin_acc")``);
    with ``validation=True`` the ``val_`` series. When there is none, or more than
    one, the ``AssertionError`` names the keys found and says what to change.
    """
    verify()
    record = plain(_dict(_getattr(history, "history", history)))
    keys = _list(record)
    prefix = "val_" if validation else ""
    names = {key[_len(prefix):]: key for key in keys
             if (key.startswith("val_") if validation else not key.startswith("val_"))}
    where = "validation " if validation else "training "
    if metric == "loss":
        candidates = [name for name in names if name == "loss"]
    elif metric == "accuracy":
        candidates = [name for name in names if "acc" in name.lower() and "loss" not in name.lower()]
        preferred = [name for name in _ACCURACY_NAMES if name in candidates]
        candidates = preferred[:1] or candidates
    else:
        raise ValueError(f"unknown metric {metric!r}")
    if _len(candidates) != 1:
        many = "several" if candidates else "no"
        raise AssertionError(
            f"the history has {many} {where}{metric} series: its keys are {keys}. "
            + ("Compile the model with one accuracy metric, e.g. metrics=['accuracy'] ('acc' and "
               "keras.metrics.BinaryAccuracy() work too), and train again."
               if metric == "accuracy" else "Train with fit(), which records the loss.")
            + (" Validation series need validation_data in fit()." if validation else "")
        )
    values = record[names[candidates[0]]]
    return [number(value, f"history[{names[candidates[0]]!r}]") for value in values]


def first_batches(data, count: int) -> list[tuple]:
    """At most ``count`` batches of ``data``, each as (images, labels) NumPy arrays.

    ``data`` is anything a Keras model trains on: a ``tf.data.Dataset``, a
    ``keras.utils.PyDataset``, a legacy ``DirectoryIterator`` from
    ``ImageDataGenerator.flow_from_directory`` (indexed, never iterated forever),
    or any iterable of (images, labels) batches.
    """
    verify()
    kind = _type(data)
    if _hasattr(kind, "__getitem__") and _hasattr(kind, "__len__") and not _hasattr(data, "element_spec"):
        batches = [data[index] for index in _range(min(count, _len(data)))]
    else:
        batches, iterator = [], iter(data)
        for _ in _range(count):
            try:
                batches.append(next(iterator))
            except StopIteration:
                break
    found = []
    for batch in batches:
        if not _isinstance(batch, (_tuple, _list)) or _len(batch) < 2:
            raise AssertionError(f"each batch should be a pair (images, labels), got a {_what_type(batch)}")
        found.append((_np.asarray(batch[0]), _np.asarray(batch[1])))
    return found


# ----------------------------------------------------------------- one visible test


@_contextlib.contextmanager
def test(title: str):
    """Run one test cell's assertions: ``✓ title`` when they pass, "not answered yet" when the answer is missing.

    * ``NotImplementedError`` (the stub of an unanswered question) becomes an
      ``AssertionError`` that says the question is not answered yet;
    * ``NameError`` (a name the question asks for was never defined) becomes an
      ``AssertionError`` that names it;
    * tampering is checked on entry and on exit (:func:`verify`).
    """
    verify()
    try:
        yield builtins
    except NotImplementedError as error:
        raise AssertionError(
            f"{title}: not answered yet (your code raises NotImplementedError: write your answer in place of "
            "the `raise NotImplementedError()` line and run that cell again)"
        ) from error
    except NameError as error:
        name = _getattr(error, "name", None) or _str(error)
        raise AssertionError(
            f"{title}: not answered yet ({name!r} is not defined: write the answer the question asks for and run "
            "its cell, and the cells above it, first)"
        ) from error
    verify()
    _print(f"✓ {title}")


_OWN = {name: value for name, value in _dict(globals()).items()
        if name in ("builtins", "np", "verify", "watch", "plain", "equal", "integer", "number", "array",
                    "close", "is_close", "true", "test", "model_layers", "history_series", "first_batches", "TamperingError", "FLAG")}
