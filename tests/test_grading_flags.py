"""Review flags come from the parsed code of the student's own cells, whatever the spelling or format."""

import json

import nbformat
import pytest

from cnncourse.grading.flags import code_flags, notebook_flags


@pytest.mark.parametrize("code, flag", [
    ("get_ipython().set_custom_exc((Exception,), handler)", "set_custom_exc"),
    ("ip = get_ipython()\nip.input_transformers_cleanup.append(lambda lines: [])", "input_transformers"),
    ('globals()["get_" + "ipython"]()', "dynamic"),
    ('getattr(__import__("o" + "s"), "sys" + "tem")("ls")', "dynamic"),
    ('import importlib\nimportlib.import_module("subprocess")', "dynamic"),
    ('exec("print(1)")', "dynamic"),
    ("import os\nos.killpg(os.getpgid(os.getppid()), 9)", "os.kill"),
    ("from os import _exit\n_exit(0)", "os._exit"),
    ("import builtins\nbuiltins.int = float", "builtins"),
    ("!ls ../../source_notebooks", "source_notebooks"),
    ("%system cat gradebook.db", "gradebook"),
    ('open("/srv/course/gradebook.db")', "gradebook"),
])
def test_each_way_of_reaching_the_grader_is_flagged(code, flag):
    assert flag in code_flags(code)


def test_ordinary_code_raises_no_flag():
    assert code_flags("import numpy as np\nimport scipy.signal\nx = np.zeros(3)\nprint(getattr(x, 'shape'))") == set()


def notebook(*cells, version=4) -> bytes:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    if version == 3:
        return json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": [
            {"cell_type": "code", "input": c, "language": "python", "outputs": [], "metadata": {}} for c in cells
        ]}]}).encode()
    return nbformat.writes(nb).encode()


def test_the_instructors_locked_cells_are_not_the_students_code():
    setup = "import scipy.signal\nimport subprocess"
    assert notebook_flags(notebook(setup, "y = 1"), locked_sources={setup}) == []
    assert notebook_flags(notebook(setup, "import signal"), locked_sources={setup}) == ["signal"]


def test_an_old_notebook_format_is_read_too():
    assert notebook_flags(notebook("get_ipython().set_custom_exc(())", version=3), set()) == [
        "get_ipython", "set_custom_exc"]
    assert notebook_flags(b"not a notebook", set()) == []
