"""The two ways a student hands in, end to end, with the real nbgrader commands on one machine.

1. An nbgrader exchange (a shared machine or a JupyterHub): the instructor runs
   `release_assignment`; the student `fetch_assignment`, works, `submit`; the
   instructor `collect`, `autograde`, `generate_feedback`, `release_feedback`;
   the student `fetch_feedback`. The exchange is a temporary folder, and the
   student works in a folder (and home) of their own, as on a JupyterHub.
2. Plain upload (a learning-management system): the student hands in the
   .ipynb, the instructor puts it in submitted/<student id>/<assignment>/ and
   runs `autograde` and `generate_feedback`.

Both grade a correct notebook to full marks and give the student an HTML page.
The student's JupyterLab and Notebook come with nbgrader's extensions enabled.
"""

from __future__ import annotations

import getpass
import json
import re
import subprocess
from pathlib import Path

import nbformat
import pytest

from nbgrader_course import BIN, Course, grading_env

ASSIGNMENT = "conv-arithmetic"  # the quickest to grade
COURSE_ID = "cnn-course"


def test_jupyterlab_and_notebook_have_nbgrader_extensions():
    result = subprocess.run([str(BIN / "jupyter"), "labextension", "list"], capture_output=True, text=True)
    listing = result.stdout + result.stderr
    assert "@jupyter/nbgrader" in listing and "enabled" in listing, listing
    servers = subprocess.run([str(BIN / "jupyter"), "server", "extension", "list"], capture_output=True, text=True)
    status = {}
    for line in re.sub(r"\x1b\[[0-9;]*m", "", servers.stdout + servers.stderr).splitlines():
        words = line.split()
        if len(words) == 2 and words[0].startswith("nbgrader.server_extensions.") and words[1] in ("enabled", "disabled"):
            status[words[0].rsplit(".", 1)[1]] = words[1]
    # The Assignments tab (fetch, submit) and the Validate button, what a student uses.
    for extension in ("assignment_list", "validate_assignment"):
        assert status.get(extension) == "enabled", f"nbgrader's {extension} server extension is not enabled: {status}"
    versions = subprocess.run([str(BIN / "python"), "-c",
                               "import jupyterlab, notebook, json; print(json.dumps([jupyterlab.__version__, notebook.__version__]))"],
                              capture_output=True, text=True, check=True)
    lab, nb = json.loads(versions.stdout)
    pins = (Path(__file__).resolve().parents[1] / "requirements.txt").read_text()
    assert f"jupyterlab=={lab}" in pins and f"notebook=={nb}" in pins


def _student(command: list[str], cwd: Path, home: Path) -> subprocess.CompletedProcess:
    env = dict(grading_env(), HOME=str(home))
    return subprocess.run([str(BIN / "nbgrader"), *command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600, check=False)


def _ok(result: subprocess.CompletedProcess, what: str) -> str:
    assert result.returncode == 0, f"{what} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


@pytest.mark.slow
def test_hand_in_through_an_nbgrader_exchange(tmp_path):
    course = Course(tmp_path / "course", [ASSIGNMENT])
    course.generate(ASSIGNMENT)
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)
    where = f"--Exchange.root={exchange}"

    course.nbgrader("release_assignment", ASSIGNMENT, where, "--force")
    home, work = tmp_path / "student-home", tmp_path / "student-work"
    home.mkdir()
    work.mkdir()
    listed = _ok(_student(["list", "--course", COURSE_ID, where], work, home), "nbgrader list")
    assert ASSIGNMENT in listed

    _ok(_student(["fetch_assignment", ASSIGNMENT, "--course", COURSE_ID, where], work, home), "fetch_assignment")
    fetched = work / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert fetched.exists(), f"fetch_assignment did not put the notebook in {fetched.parent}"
    nbformat.write(course.solved_release(ASSIGNMENT), fetched)  # the student's work
    _ok(_student(["submit", ASSIGNMENT, "--course", COURSE_ID, where], work, home), "submit")

    course.nbgrader("collect", ASSIGNMENT, where)
    student = getpass.getuser()  # the exchange knows students by their login
    assert (course.root / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists()
    course.autograde(ASSIGNMENT)
    assert course.scores(ASSIGNMENT)[student] == course.max_scores(ASSIGNMENT)

    course.nbgrader("generate_feedback", ASSIGNMENT, "--force")
    course.nbgrader("release_feedback", ASSIGNMENT, where)
    _ok(_student(["fetch_feedback", ASSIGNMENT, "--course", COURSE_ID, where], work, home), "fetch_feedback")
    pages = list((work / ASSIGNMENT / "feedback").rglob(f"{ASSIGNMENT}.html"))
    assert pages, "the student has no feedback page after fetch_feedback"
    assert "Score" in pages[0].read_text() or "score" in pages[0].read_text()


@pytest.mark.slow
def test_hand_in_by_uploading_the_notebook(tmp_path):
    course = Course(tmp_path / "course", [ASSIGNMENT])
    course.generate(ASSIGNMENT)
    uploaded = tmp_path / "downloads" / f"{ASSIGNMENT}.ipynb"  # what the learning platform hands over
    uploaded.parent.mkdir()
    nbformat.write(course.solved_release(ASSIGNMENT), uploaded)

    target = course.root / "submitted" / "student01" / ASSIGNMENT
    target.mkdir(parents=True)
    (target / f"{ASSIGNMENT}.ipynb").write_bytes(uploaded.read_bytes())
    course.autograde(ASSIGNMENT)
    assert course.scores(ASSIGNMENT)["student01"] == course.max_scores(ASSIGNMENT)
    course.nbgrader("generate_feedback", ASSIGNMENT, "--force")
    assert (course.root / "feedback" / "student01" / ASSIGNMENT / f"{ASSIGNMENT}.html").exists()
