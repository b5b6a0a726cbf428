"""The tests' handle on a real course in a temporary folder (cnncourse.grading.trial), copied from this repository."""

from pathlib import Path

from cnncourse.grading.trial import BIN, Course, grading_env, nbgrader_cell, strip_solution_markers  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]
