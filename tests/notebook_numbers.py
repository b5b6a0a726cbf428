"""The numbers the homework notebooks type into their instructions, and where each comes from.

The student notebooks are shown in the book but never executed by it, so their
markdown cannot glue a number. Instead each statement with a number is listed
here: a pattern that finds it in one markdown cell of the released notebook,
with the numbers in its groups, and a function that computes those numbers from
somewhere else (the notebook's grading metadata, its own code cells, the
course's data registry, scikit-image). ``tests/test_notebook_numbers.py``
checks that every statement is found and right; ``tests/test_prose_numbers.py``
accepts a long number in a notebook's prose only where one of these statements
covers it.
"""

from __future__ import annotations

import ast
import inspect
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen".split())}
# a word (which may hold digits, like Conv2D), or a number standing alone
_NUMBER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")


def release(assignment: str):
    """The student version of an assignment, as nbgrader generated it."""
    return nbformat.read(ROOT / "release" / assignment / f"{assignment}.ipynb", as_version=4)


def numbers_in(text: str) -> list[float]:
    """The numbers a piece of text states, in order: digits ("45,000", "0.108") or words ("Nine")."""
    values = []
    for token in _NUMBER.findall(text):
        if token[0].isdigit():
            values.append(float(token.replace(",", "")))
        elif token.lower() in WORDS:
            values.append(float(WORDS[token.lower()]))
    return values


def code_constant(notebook, name: str):
    """The value of ``NAME = <literal>`` in the notebook's code cells (a read-only cell)."""
    pattern = re.compile(rf"^{name}\s*=\s*(.+?)(?:\s+#.*)?$", re.M)
    found = [m.group(1) for cell in notebook.cells if cell.cell_type == "code" for m in pattern.finditer(cell.source)]
    assert len(found) == 1, f"{name} is set {len(found)} times in the notebook's code cells"
    return ast.literal_eval(found[0])


def graded_points(notebook) -> list[int]:
    return [int(c.metadata["nbgrader"]["points"]) for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade")]


def section_points(notebook, heading: str) -> list[int]:
    """Points of the graded cells under each heading that matches ``heading``, in order.

    A section runs from its heading to the next matching heading (or the end).
    """
    pattern = re.compile(heading, re.M)
    points: list[int] = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and pattern.search(cell.source):
            points.append(0)
        elif cell.metadata.get("nbgrader", {}).get("grade") and points:
            points[-1] += int(cell.metadata["nbgrader"]["points"])
    return points


def stated_section_points(notebook, heading: str) -> list[int]:
    """The points each matching heading states in its "(N points)" suffix."""
    pattern = re.compile(heading, re.M)
    return [int(m.group("points")) for c in notebook.cells if c.cell_type == "markdown" for m in pattern.finditer(c.source)]


def _folder_dataset_default(name: str):
    from cnncourse.pipelines import folder_dataset  # imports no TensorFlow until called

    return inspect.signature(folder_dataset).parameters[name].default


def _beewasp_image_size(_notebook) -> list[float]:
    return [float(v) for v in _folder_dataset_default("image_size")]


def _cifar10_data():
    from cnncourse import data

    return data


def _cifar10_image_size() -> list[float]:
    from cnncourse import standins

    (x, _), _ = standins.cifar10_scenes(10, 10)  # the stand-in has the real layout
    return [float(v) for v in x.shape[1:3]]


def _options(name: str) -> Callable:
    return lambda notebook: [float(v) for v in code_constant(notebook, name)]


def _cifar10_total(_notebook) -> list[float]:
    data = _cifar10_data()
    total = data.CIFAR10_COUNTS["train"] + data.CIFAR10_COUNTS["test"]
    assert data.CIFAR10_IMAGES_PER_CLASS * 10 == total
    return [float(total), *_cifar10_image_size(), float(data.CIFAR10_IMAGES_PER_CLASS), 10.0]


def _cifar10_split(notebook) -> list[float]:
    counts = _cifar10_data().CIFAR10_COUNTS
    n_valid = _cifar10_data().cifar10_validation_size(counts["train"])
    return [float(counts["train"] - n_valid), float(n_valid), float(counts["test"])]


def _cifar10_model_table(_notebook) -> list[float]:
    """The settings column of the layer table, read off the course's CIFAR-10 model."""
    from cnncourse.models import cifar10_cnn

    values = []
    for layer in cifar10_cnn().layers:
        kind = type(layer).__name__
        if kind == "Conv2D":
            values += [layer.filters, layer.kernel_size[0]]
        elif kind == "MaxPooling2D":
            values.append(layer.pool_size[0])
        elif kind == "Dropout":
            values.append(layer.rate)
        elif kind == "Dense":
            values.append(layer.units)
    return [float(v) for v in values]


def _cifar10_dense_units(_notebook) -> list[float]:
    from cnncourse.models import cifar10_cnn

    return [float(cifar10_cnn().get_layer("dense").units)]


def _filters_patch(notebook) -> list[float]:
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    rows = re.search(r"^patch = camera\[(\d+):(\d+), (\d+):(\d+)\]", code, re.M)
    r0, r1, c0, c1 = map(int, rows.groups())
    return [float(r1 - r0), float(c1 - c0)]


def _camera_shape(_notebook) -> list[float]:
    import skimage.data

    return [float(v) for v in skimage.data.camera().shape]


def _filters_points(notebook) -> list[float]:
    return [float(sum(graded_points(notebook))), *map(float, section_points(notebook, FILTERS_SECTION))]


def _conv_arithmetic_questions(notebook) -> list[float]:
    return [float(len(section_points(notebook, r"^## \d+\. ")))]


FILTERS_SECTION = r"^## \d+\. .*\((?P<points>\d+) points?\)$"
CIFAR10_QUESTION = r"^### Question \d+: .*\((?P<points>\d+) points?\)$"


@dataclass(frozen=True)
class Statement:
    """A number-bearing sentence of a notebook and how to compute what it says."""

    assignment: str
    pattern: str  # finds the sentence in exactly one markdown cell; its groups hold the numbers
    expected: Callable  # notebook -> the numbers in the groups, in order
    source: str  # where the numbers come from, for the failure message

    def problems(self, notebook) -> list[str]:
        """What is wrong with the statement in this notebook (nothing: an empty list)."""
        found = self.matches(notebook)
        if len(found) != 1:
            return [f"{self.assignment}: /{self.pattern}/ matches {len(found)} markdown cells' text, not one"]
        stated = numbers_in(" ".join(found[0][1].groups()))
        expected = [float(v) for v in self.expected(notebook)]
        if len(stated) != len(expected) or not all(math.isclose(a, b, rel_tol=1e-9) for a, b in zip(stated, expected)):
            return [f"{self.assignment}: {found[0][1].group(0)!r} states {stated}, but {self.source} gives {expected}"]
        return []

    def matches(self, notebook) -> list[tuple[int, re.Match]]:
        regex = re.compile(self.pattern, re.S)
        return [(i, m) for i, cell in enumerate(notebook.cells) if cell.cell_type == "markdown"
                for m in regex.finditer(cell.source)]


STATEMENTS = [
    # bees and wasps
    Statement("beewasp", r"resized\s+to (\d+) × (\d+) pixels", _beewasp_image_size,
              "cnncourse.pipelines.folder_dataset's image_size"),
    Statement("beewasp", r"input: (\d+) × (\d+) RGB images", _beewasp_image_size,
              "cnncourse.pipelines.folder_dataset's image_size"),
    Statement("beewasp", r"images of shape\s+\(batch, (\d+), (\d+), 3\)", _beewasp_image_size,
              "cnncourse.pipelines.folder_dataset's image_size"),
    *(Statement("beewasp", rf"### Question {q}:.*?\n\n((?:- [\d.]+\n)+)", _options(f"Q{q}_OPTIONS"),
                f"Q{q}_OPTIONS in the notebook's code") for q in (2, 3, 4, 5, 6)),
    Statement("beewasp", r"The last option reads ([\d.]+) in the original; ([\d.]+) was probably meant",
              lambda nb: [code_constant(nb, "Q5_OPTIONS")[-1], 10 * code_constant(nb, "Q5_OPTIONS")[-1]],
              "the last of Q5_OPTIONS, and ten times it"),
    # CIFAR-10
    Statement("cifar10", r"The homework is worth (\d+) points", lambda nb: [float(sum(graded_points(nb)))],
              "the points of the graded cells"),
    Statement("cifar10", r"\((\d+) MB, once\)",
              lambda nb: [float(round(_cifar10_data().CIFAR10_ARCHIVE_BYTES / 1e6))],
              "cnncourse.data.CIFAR10_ARCHIVE_BYTES"),
    Statement("cifar10", r"holds ([\d,]+) colour images of (\d+) × (\d+) pixels, ([\d,]+) in each of (\w+) classes",
              _cifar10_total, "cnncourse.data.CIFAR10_COUNTS and CIFAR10_IMAGES_PER_CLASS"),
    Statement("cifar10", r"split into ([\d,]+) training and ([\d,]+) test images",
              lambda nb: [float(v) for v in _cifar10_data().CIFAR10_COUNTS.values()], "cnncourse.data.CIFAR10_COUNTS"),
    Statement("cifar10", r"`N_VALID` training images \(a\s+tenth\s+of them, ([\d,]+) on the real data\)",
              lambda nb: [float(_cifar10_data().cifar10_validation_size(_cifar10_data().CIFAR10_COUNTS["train"]))],
              "cnncourse.data.cifar10_validation_size of the real training count"),
    Statement("cifar10", r"leaves ([\d,]+) training,\s+([\d,]+)\s+validation\s+and\s+([\d,]+)\s+test images", _cifar10_split,
              "CIFAR10_COUNTS and cifar10_validation_size"),
    Statement("cifar10", r"\| settings \|\n\| --- \| --- \|\n((?:\|.*\|\n?)+)", _cifar10_model_table,
              "cnncourse.models.cifar10_cnn, layer by layer"),
    Statement("cifar10", r"the first `Dense` layer \(the one with\s+(\d+) units\)", _cifar10_dense_units,
              "cnncourse.models.cifar10_cnn"),
    Statement("cifar10", r"closest of these options.*?: A (\d+) %, B (\d+) %, C (\d+) %, D (\d+) %",
              lambda nb: [100 * v for v in code_constant(nb, "DENSE_SHARE_OPTIONS").values()],
              "DENSE_SHARE_OPTIONS in the notebook's code"),
    # the filter lab
    Statement("filters", r"The lab is worth (\d+) points: (\d+) for correlation, (\d+) for the Sobel kernels, "
              r"(\d+) for the\s+flip, (\d+) for the Sobel edges, (\d+) for sharpening and blurring and "
              r"(\d+) for the short", _filters_points, "the points of the graded cells, section by section"),
    Statement("filters", r"The camera photo is (\d+) × (\d+)\.", _camera_shape, "skimage.data.camera().shape"),
    Statement("filters", r"On the (\d+) × (\d+) `patch`", _filters_patch, "the slice in the patch cell"),
    # convolution arithmetic
    Statement("conv-arithmetic", r"(?m)^(\w+) short questions", _conv_arithmetic_questions,
              "the number of '## N.' sections"),
]
