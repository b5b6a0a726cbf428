"""The GitHub workflows cannot run here: check that they are well formed, call
Makefile targets that exist, and that the GPU runner's tool works on a CPU."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"


def makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([A-Za-z0-9][A-Za-z0-9_.-]*)\s*:(?!=)", text, flags=re.MULTILINE))


def workflow(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def run_commands(flow: dict) -> list[str]:
    return [step["run"] for job in flow["jobs"].values() for step in job.get("steps", []) if "run" in step]


def make_calls(flow: dict) -> list[str]:
    return [target for command in run_commands(flow) for target in re.findall(r"\bmake\s+([A-Za-z0-9_.-]+)", command)]


@pytest.mark.parametrize("name", ["ci.yml", "gpu.yml"])
def test_workflow_calls_existing_make_targets(name):
    calls = make_calls(workflow(name))
    assert calls, f"{name} calls no make target"
    missing = set(calls) - makefile_targets()
    assert not missing, f"{name} calls make targets that do not exist: {missing}"


def test_ci_runs_the_suite_builds_and_publishes_the_book():
    flow = workflow("ci.yml")
    assert make_calls(flow)[:2] == ["test", "book"]
    uses = [step.get("uses", "") for job in flow["jobs"].values() for step in job["steps"]]
    assert any(u.startswith("actions/upload-pages-artifact") for u in uses)
    assert any(u.startswith("actions/deploy-pages") for u in uses)
    upload = next(s for j in flow["jobs"].values() for s in j["steps"] if s.get("uses", "").startswith("actions/upload-pages"))
    assert upload["with"]["path"] == "_build/html"
    # the .ci/run entry point runs the same test command
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_gpu_workflow_runs_on_a_gpu_runner_with_the_cuda_build():
    flow = workflow("gpu.yml")
    job = next(iter(flow["jobs"].values()))
    assert set(job["runs-on"]) == {"self-hosted", "gpu"}
    assert make_calls(flow) == ["gpu-notebooks"]
    recipe = (ROOT / "Makefile").read_text().split("gpu-notebooks:", 1)[1].split("\n\n", 1)[0]
    assert "tensorflow[and-cuda]" in recipe and "CNNCOURSE_DATA=real" in recipe
    upload = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["path"].rstrip("/") == "artifacts"


def test_notebook_runner_executes_and_exports_answers(tmp_path, monkeypatch):
    """The GPU runner's tool, on a CPU: a notebook runs and its answer variables are exported."""
    folder = tmp_path / "cifar10"
    folder.mkdir()
    notebook = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    notebook.cells = [nbformat.v4.new_code_cell("import numpy as np\ntest_accuracy = np.float32(0.75)\nanswer = 'cat'")]
    nbformat.write(notebook, folder / "cifar10.ipynb")
    broken = tmp_path / "broken"
    broken.mkdir()
    bad = nbformat.v4.new_notebook(metadata=notebook.metadata)
    bad.cells = [nbformat.v4.new_code_cell("raise RuntimeError('boom')")]
    nbformat.write(bad, broken / "broken.ipynb")

    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import run_notebooks
    finally:
        sys.path.pop(0)
    monkeypatch.setattr(run_notebooks, "ROOT", tmp_path)
    monkeypatch.setattr(run_notebooks, "answers_by_assignment", lambda: {"cifar10": ["test_accuracy", "answer"]})
    out = tmp_path / "artifacts"
    status = run_notebooks.main([str(folder), str(broken), "--out", str(out)])
    assert status == 1, "a failing notebook must make the run fail"
    assert json.loads((out / "answers" / "cifar10.json").read_text()) == {"test_accuracy": 0.75, "answer": "cat"}
    executed = nbformat.read(out / "notebooks" / "cifar10" / "cifar10.ipynb", as_version=4)
    assert len(executed.cells) == 1 and executed.cells[0].outputs == [] and executed.cells[0].execution_count == 1
    assert (out / "notebooks" / "broken" / "broken.ipynb").exists(), "the failed notebook is kept for inspection"
