"""The filters lab notebook itself: what is particular to it (the conventions every source
notebook follows are tests/test_assignments.py).

How it grades (full marks, zero, a kernel never flipped, uint8 clipping, other
correct styles, slips, tampering) is tests/corpus/filters.py, graded by
tests/test_corpus.py.
"""

from __future__ import annotations

import re

import nbformat

from nbgrader_course import ROOT, nbgrader_cell

ASSIGNMENT = "filters"
SOURCE = ROOT / "source_notebooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"


def test_the_lab_needs_no_deep_learning_framework():
    """The lab grades in seconds: no code cell imports TensorFlow, Keras or PyTorch."""
    for cell in nbformat.read(SOURCE, as_version=4).cells:
        if cell.cell_type == "code":
            assert not re.search(r"^\s*(import|from)\s+(tensorflow|keras|torch)\b", cell.source, re.M), cell.source[:80]


def test_twelve_test_cells_in_six_sections():
    graded = [cell for cell in nbformat.read(SOURCE, as_version=4).cells if nbgrader_cell(cell).get("grade")]
    assert len(graded) == 12 and sum(nbgrader_cell(cell)["points"] for cell in graded) == 18
