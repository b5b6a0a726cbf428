"""Execute notebooks end to end and keep what they computed (the GPU workflow's job).

    python tools/run_notebooks.py --out artifacts book source_notebooks

Every MyST chapter (``.md`` with a jupytext header) and every source notebook
(``source_notebooks/<a>/<a>.ipynb``, the solutions) found under the given paths
is executed in its own folder with the data the environment selects (the GPU
workflow runs it with the real data sets). Executed notebooks are written to
``<out>/notebooks/``; for each assignment that lists ``answers`` in course.yml,
the values of those variables after the run go to ``<out>/answers/<a>.json``.
A notebook that fails is reported and the others still run; the exit status is
non-zero if any failed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

from cnncourse.grading.course import load_course

ROOT = Path(__file__).resolve().parents[1]
CELL_TIMEOUT_S = 3600  # real data sets on a GPU: generous, one cell trains a whole model
EXPORT_TAG = "answers-export"


def answers_by_assignment(root: Path = ROOT) -> dict[str, list[str]]:
    """The variables each assignment of course.yml asks the GPU workflow to report."""
    return {a.name: list(a.extra.get("answers") or []) for a in load_course(root).assignments}


def find_notebooks(paths: list[Path]) -> list[Path]:
    found = []
    for path in paths:
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        for candidate in candidates:
            if "_build" in candidate.parts or ".ipynb_checkpoints" in candidate.parts:
                continue
            if candidate.suffix == ".ipynb" or (
                candidate.suffix == ".md" and candidate.read_text().startswith("---\njupytext:")
            ):
                found.append(candidate)
    return found


def export_cell(names: list[str], destination: Path) -> nbformat.NotebookNode:
    """A cell that writes the named variables to JSON (numbers, strings, lists)."""
    source = f"""
import json as _json
import numpy as _np

def _plain(value):
    if isinstance(value, _np.generic):
        return value.item()
    if isinstance(value, _np.ndarray):
        return value.tolist()
    return value

with open({str(destination)!r}, "w") as _out:
    _json.dump({{_name: _plain(globals()[_name]) for _name in {names!r}}}, _out, indent=2, default=str)
"""
    return nbformat.v4.new_code_cell(source, metadata={"tags": [EXPORT_TAG]})


def run(path: Path, out: Path, answers: dict[str, list[str]]) -> bool:
    notebook = jupytext.read(path) if path.suffix == ".md" else nbformat.read(path, as_version=4)
    assignment = path.stem
    answer_file = out / "answers" / f"{assignment}.json"
    if answers.get(assignment):
        answer_file.parent.mkdir(parents=True, exist_ok=True)
        notebook.cells.append(export_cell(answers[assignment], answer_file.resolve()))
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    ok = True
    try:
        client.execute()
    except Exception as error:  # one failing notebook must not stop the others
        print(f"FAILED {path.relative_to(ROOT)}: {type(error).__name__}: {str(error)[:2000]}", flush=True)
        ok = False
    notebook.cells = [c for c in notebook.cells if EXPORT_TAG not in c.get("metadata", {}).get("tags", [])]
    target = out / "notebooks" / path.relative_to(ROOT).with_suffix(".ipynb")
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, target)
    print(f"{'ok' if ok else 'FAILED':6} {time.perf_counter() - start:7.1f} s  {path.relative_to(ROOT)}", flush=True)
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "artifacts")
    args = parser.parse_args(argv)
    answers = answers_by_assignment()
    notebooks = find_notebooks([p.resolve() for p in args.paths])
    if not notebooks:
        print("no notebooks found", file=sys.stderr)
        return 1
    results = [run(path, args.out.resolve(), answers) for path in notebooks]
    failed = results.count(False)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
