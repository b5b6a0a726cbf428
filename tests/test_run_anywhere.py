"""Every notebook a reader can open runs there: Binder, Colab, a downloaded copy.

Fast checks read the files: Binder's configuration installs the lock and the
course package; each assignment notebook (source and release) and each chapter's
downloadable .ipynb has the install cell before its first code cell.

The slow test does what a reader does: in a fresh virtual environment with
nothing but a kernel, it runs a downloaded chapter notebook and every release
notebook on the stand-ins, from the install cell down to the first cell the
student writes. The install cell's git URL is replaced by a copy of this
checkout (no network here); pip takes each package at its locked version, from
pip's cache where it has it.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import venv
from pathlib import Path

import nbformat
import pytest
import yaml

from cnncourse import install_cell
from conftest import ROOT
from test_book import EXECUTED

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
ASSIGNMENTS = sorted(p.name for p in (ROOT / "source_notebooks").iterdir() if (p / f"{p.name}.ipynb").exists())
DOWNLOADED_CHAPTER = "book/01-convolution/conv1d"  # quick to run, imports cnncourse and myst_nb
CELL_TIMEOUT_S = 600


def _first_code_cell(notebook):
    return next(cell for cell in notebook.cells if cell.cell_type == "code")


def test_the_install_cell_names_the_books_repository():
    assert install_cell.REPOSITORY == CONFIG["repository"]["url"]
    assert install_cell.requirement() == f"cnncourse @ git+{CONFIG['repository']['url']}"


@pytest.mark.parametrize("folder", ["source_notebooks", "release"])
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_assignment_notebooks_start_with_the_install_cell(folder, assignment):
    notebook = nbformat.read(ROOT / folder / assignment / f"{assignment}.ipynb", as_version=4)
    cell = _first_code_cell(notebook)
    assert cell.source == install_cell.source(), (
        f"{folder}/{assignment}: the first code cell does not install the course package; "
        "run `python tools/install_cell.py` and `make release`"
    )
    nbgrader = cell.metadata.get("nbgrader", {})
    assert nbgrader.get("locked") and not nbgrader.get("grade") and not nbgrader.get("solution")


@pytest.mark.book
@pytest.mark.parametrize("docname", EXECUTED)
def test_downloadable_chapter_notebooks_start_with_the_install_cell(built_book, docname):
    path = built_book / "html" / "_sources" / f"{docname}.ipynb"
    assert path.exists(), f"{docname}: no .ipynb to download"
    notebook = nbformat.read(path, as_version=4)
    assert _first_code_cell(notebook).source == install_cell.source()
    assert sum(install_cell.is_install_cell(c) for c in notebook.cells) == 1


def test_binder_installs_the_lock_the_package_and_a_supported_python():
    binder = ROOT / "binder"
    runtime = (binder / "runtime.txt").read_text().strip()
    assert re.fullmatch(r"python-3\.(11|12)", runtime), runtime
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'requires-python = ">=3.11"' in pyproject
    requirements = [line.strip() for line in (binder / "requirements.txt").read_text().splitlines()]
    assert "-r ../requirements.lock" in requirements
    assert [r for r in requirements if r and not r.startswith("#")] == ["-r ../requirements.lock"]
    post_build = binder / "postBuild"
    assert os.access(post_build, os.X_OK), "binder/postBuild must be executable"
    assert "pip install --no-deps --no-build-isolation -e ." in post_build.read_text()


# --- the slow one: a fresh environment ---------------------------------------------------

def _package_copy(target: Path) -> Path:
    """What `pip install git+<repository>` would build: the package and its metadata."""
    target.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, target / name)
    shutil.copytree(ROOT / "cnncourse", target / "cnncourse", ignore=shutil.ignore_patterns("__pycache__"))
    return target


def _fresh_kernel(tmp: Path) -> tuple[Path, str]:
    """A new virtual environment holding only ipykernel (what any Jupyter brings), and its kernel name."""
    env_dir = tmp / "reader-venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    constraint = {"PIP_CONSTRAINT": str(ROOT / "requirements.lock")}
    subprocess.run([python, "-m", "pip", "install", "--quiet", "ipykernel"], check=True, env={**os.environ, **constraint})
    kernels = tmp / "kernels"
    subprocess.run([python, "-m", "ipykernel", "install", "--prefix", kernels, "--name", "reader"], check=True,
                   capture_output=True)
    return python, str(kernels / "share" / "jupyter")


def _until_first_student_cell(notebook):
    """The cells before the first one nbgrader marks as the student's (solution) cell."""
    cells = []
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            break
        cells.append(cell)
    return cells


def _run(notebook, kernel_env: dict, kernel_paths: str, package: Path, workdir: Path, name: str):
    """Execute `notebook` in the fresh kernel, in `workdir` (not this checkout: the kernel imports from its folder)."""
    from nbclient import NotebookClient

    notebook = copy.deepcopy(notebook)
    first = _first_code_cell(notebook)
    assert first.source == install_cell.source(), f"{name}: the install cell is not first"
    first.source = install_cell.source(package=f"cnncourse @ {package.as_uri()}")
    client = NotebookClient(notebook, kernel_name="reader", timeout=CELL_TIMEOUT_S, allow_errors=False)
    old = dict(os.environ)
    os.environ.update(kernel_env, JUPYTER_PATH=kernel_paths)
    try:
        client.execute(cwd=str(workdir))
    finally:
        os.environ.clear()
        os.environ.update(old)
    return notebook


@pytest.mark.slow
@pytest.mark.book
def test_notebooks_run_where_only_their_install_line_installs_anything(built_book, tmp_path):
    package = _package_copy(tmp_path / "cnncourse-checkout")
    python, kernel_paths = _fresh_kernel(tmp_path)
    kernel_env = {
        "CNNCOURSE_DATA": "standin",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PIP_CONSTRAINT": str(ROOT / "requirements.lock"),  # locked versions, from pip's cache
        "PYTHONPATH": "",  # nothing of this checkout but the installed copy
        "VIRTUAL_ENV": str(python.parent.parent),
        "PATH": f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    probe = subprocess.run([python, "-c", "import cnncourse"], capture_output=True, cwd=tmp_path,
                           env={**os.environ, **kernel_env})
    assert probe.returncode != 0, "the fresh environment has the course package before the install cell ran"

    chapter = nbformat.read(built_book / "html" / "_sources" / f"{DOWNLOADED_CHAPTER}.ipynb", as_version=4)
    workdir = tmp_path / "chapter"
    workdir.mkdir()
    done = _run(chapter, kernel_env, kernel_paths, package, workdir, DOWNLOADED_CHAPTER)
    assert not any(o.get("output_type") == "error" for c in done.cells for o in c.get("outputs", []))

    for assignment in ASSIGNMENTS:
        release = nbformat.read(ROOT / "release" / assignment / f"{assignment}.ipynb", as_version=4)
        cells = _until_first_student_cell(release)
        assert len(cells) < len(release.cells), f"{assignment}: no student cell"
        release.cells = cells
        workdir = shutil.copytree(ROOT / "release" / assignment, tmp_path / "release" / assignment)
        _run(release, kernel_env, kernel_paths, package, workdir, assignment)

    installed = subprocess.run([python, "-c", "import cnncourse, tensorflow; print(cnncourse.__file__)"],
                               capture_output=True, text=True, cwd=tmp_path, env={**os.environ, **kernel_env})
    assert installed.returncode == 0 and str(python.parent.parent) in installed.stdout, installed.stderr
