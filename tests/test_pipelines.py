"""The benchmark's bee/wasp pipelines augment exactly as the homework's solution does (one source of the values)."""

import ast

import nbformat

from cnncourse import pipelines
from nbgrader_course import ROOT, nbgrader_cell

SETTINGS = ("factor", "height_factor", "width_factor", "fill_mode", "mode", "interpolation")


def solution_augmentation():
    """The `augmentation` model that the bee/wasp solution builds, made from the source notebook's own code."""
    import keras
    from keras import layers

    notebook = nbformat.read(ROOT / "source_notebooks" / "beewasp" / "beewasp.ipynb", as_version=4)
    cell = next(c for c in notebook.cells if nbgrader_cell(c).get("grade_id") == "beewasp-augmentation-code")
    tree = ast.parse(cell.source)
    assignment = next(node for node in tree.body if isinstance(node, ast.Assign)
                      and any(getattr(target, "id", None) == "augmentation" for target in node.targets))
    namespace = {"keras": keras, "layers": layers}
    exec(compile(ast.Module([assignment], []), "beewasp-augmentation-code", "exec"), namespace)
    return namespace["augmentation"]


def described(model) -> list[tuple]:
    def normal(value):
        return tuple(float(v) for v in value) if isinstance(value, (list, tuple)) else value

    return [(type(layer).__name__, {name: normal(getattr(layer, name)) for name in SETTINGS if hasattr(layer, name)})
            for layer in model.layers]


def test_the_benchmark_augments_as_the_homework_solution():
    """Both benchmark pipelines take their settings from pipelines.AUGMENTATION: the Keras layers
    are built from it, the legacy ImageDataGenerator is given it."""
    assert described(pipelines.augmentation_layers()) == described(solution_augmentation())

