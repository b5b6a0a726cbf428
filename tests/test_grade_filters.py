"""The filters lab notebook itself: metadata and points.

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
RELEASE = ROOT / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"



def source_cells():
    return [cell for cell in nbformat.read(SOURCE, as_version=4).cells]


# --------------------------------------------------------------------------- the notebook itself


def test_graded_cells_have_unique_ids_points_and_locks():
    cells = [cell for cell in source_cells() if nbgrader_cell(cell)]
    ids = [nbgrader_cell(cell)["grade_id"] for cell in cells]
    assert len(ids) == len(set(ids)), "grade ids must be unique"
    assert all(grade_id.startswith(f"{ASSIGNMENT}-") for grade_id in ids)
    graded = [nbgrader_cell(cell) for cell in cells if nbgrader_cell(cell).get("grade")]
    assert len(graded) >= 10
    for meta in graded:
        assert meta["locked"], f"{meta['grade_id']} is a test cell and must be locked"
        assert isinstance(meta["points"], int) and 1 <= meta["points"] <= 5, meta["grade_id"]
    # every cell that is not a solution cell is locked (instructions, provided code, tests)
    for cell in cells:
        meta = nbgrader_cell(cell)
        assert meta["solution"] or meta["locked"], f"{meta['grade_id']} must be a solution cell or locked"


def test_source_notebook_is_clean_and_light():
    notebook = nbformat.read(SOURCE, as_version=4)
    assert notebook.metadata.kernelspec.name == "python3"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "store the source without outputs"
            # the lab must grade in seconds: no deep-learning framework
            assert not re.search(r"^\s*(import|from)\s+(tensorflow|keras|torch)\b", cell.source, re.M)


def test_points_in_the_headings_match_the_metadata():
    """Each question's heading says "(n points)": n is the sum of its test cells' points."""
    total, stated, current = {}, {}, None
    for cell in source_cells():
        if cell.cell_type == "markdown":
            match = re.search(r"^## (\d+)\..*\((\d+) points?\)", cell.source, re.M)
            if match:
                current = match.group(1)
                stated[current] = int(match.group(2))
                total[current] = 0
        elif nbgrader_cell(cell).get("grade") and current:
            total[current] += nbgrader_cell(cell)["points"]
    assert stated and stated == total

