"""Code in a submission worth a human look before grades go out.

Finding one proves nothing: the flags point an instructor at cells that reach
into the grader, the kernel or the machine. They are read from the parsed code
(IPython magics turned into the calls they make) of the student's own cells,
never from the instructor's locked cells, so a set-up cell that imports
``scipy.signal`` flags nobody, and a name built from pieces
(``globals()["get_" + "ipython"]``) is caught as dynamic access.
"""

from __future__ import annotations

import ast

import nbformat

FLAGS = {
    "get_ipython": "reaches into IPython (can hide errors or rewrite later cells)",
    "set_custom_exc": "installs an exception handler",
    "input_transformers": "rewrites the cells that follow",
    "builtins": "changes Python's builtins",
    "sys.modules": "replaces modules",
    "os._exit": "kills the kernel",
    "sys.exit": "exits the kernel",
    "signal": "uses signals",
    "os.kill": "signals other processes",
    "ctypes": "uses ctypes",
    "subprocess": "runs programs",
    "os.system": "runs programs",
    "dynamic": "builds names or code at run time (getattr, __import__, importlib, exec, eval)",
    "gradebook": "mentions the gradebook",
    "nbgrader": "mentions nbgrader",
    "source_notebooks": "reads the instructor's notebooks",
}
_MODULES = {"signal": "signal", "ctypes": "ctypes", "subprocess": "subprocess", "builtins": "builtins",
            "importlib": "dynamic", "multiprocessing": "subprocess", "pty": "subprocess"}
_ATTRIBUTES = {("os", "_exit"): "os._exit", ("sys", "exit"): "sys.exit", ("sys", "modules"): "sys.modules",
               ("os", "kill"): "os.kill", ("os", "killpg"): "os.kill", ("os", "system"): "os.system",
               ("os", "popen"): "os.system", ("os", "fork"): "os.system", ("os", "setsid"): "os.system"}
_DYNAMIC_CALLS = {"getattr", "setattr", "delattr", "__import__", "exec", "eval", "compile", "globals",
                  "locals", "vars"}
_WORDS = ("gradebook", "nbgrader", "source_notebooks", "get_ipython", "set_custom_exc", "input_transformers")


def python_source(cell_source: str) -> str:
    """A cell's code as IPython runs it: magics and shell escapes become the calls they make."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(cell_source)


def code_flags(source: str) -> set[str]:
    """The flags one cell's code raises (its text, when it does not parse)."""
    try:
        tree = ast.parse(python_source(source))
    except (SyntaxError, ValueError):
        return {word for word in _WORDS if word in source}
    found: set[str] = set()
    for node in ast.walk(tree):
        found |= _node_flags(node)
    return found


def _node_flags(node: ast.AST) -> set[str]:
    found = set()
    if isinstance(node, ast.Name):
        found |= _word_flags(node.id)
        if node.id == "__builtins__":
            found.add("builtins")
    elif isinstance(node, ast.Attribute):
        found |= _word_flags(node.attr)
        if isinstance(node.value, ast.Name) and (node.value.id, node.attr) in _ATTRIBUTES:
            found.add(_ATTRIBUTES[node.value.id, node.attr])
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        names = [alias.name for alias in node.names]
        modules = names if isinstance(node, ast.Import) else [node.module or ""]
        for module in modules:
            top = module.split(".")[0]
            if top in _MODULES:
                found.add(_MODULES[top])
            found |= _word_flags(module)
        if isinstance(node, ast.ImportFrom) and node.module in ("os", "sys"):
            found |= {_ATTRIBUTES[node.module, n] for n in names if (node.module, n) in _ATTRIBUTES}
    elif isinstance(node, ast.Constant) and isinstance(node.value, str):
        found |= _word_flags(node.value)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _DYNAMIC_CALLS:
        found |= _dynamic_call_flags(node)
    elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Call) \
            and isinstance(node.value.func, ast.Name) and node.value.func.id in ("globals", "locals", "vars"):
        found.add("dynamic")
    return found


def _dynamic_call_flags(call: ast.Call) -> set[str]:
    """getattr(x, "name") is read as x.name; any computed name or code is 'dynamic'."""
    name = call.func.id
    if name in ("getattr", "setattr", "delattr") and len(call.args) >= 2:
        literal = call.args[1]
        if isinstance(literal, ast.Constant) and isinstance(literal.value, str):
            return _word_flags(literal.value)
        return {"dynamic"}
    if name == "__import__" and call.args and isinstance(call.args[0], ast.Constant):
        return {_MODULES.get(str(call.args[0].value).split(".")[0], "dynamic")}
    return {"dynamic"}


def _word_flags(text: str) -> set[str]:
    return {word for word in _WORDS if word in text}


def student_cells(notebook, locked_sources: set[str]) -> list:
    """The code cells a student wrote: every code cell that is not an instructor's locked cell as released."""
    return [cell for cell in notebook.cells if cell.cell_type == "code" and cell.source not in locked_sources]


def notebook_flags(data: bytes, locked_sources: set[str]) -> list[str]:
    """Sorted flags of a submitted notebook (any nbformat version); none if it cannot be read."""
    try:
        notebook = nbformat.reads(data.decode("utf-8", errors="replace"), as_version=4)
    except Exception:  # not a notebook: it fails grading, and says so
        return []
    found: set[str] = set()
    for cell in student_cells(notebook, locked_sources):
        found |= code_flags(cell.source)
    return sorted(found)
