"""The grading engine gives nbgrader's grades, on one worker, on two, and on a separate Dask cluster.

One class of conv-arithmetic submissions (right, wrong, tampered with and
hostile: notebooks that kill their kernel, their grader or its process group)
is graded four times, each in its own copy of the course: by nbgrader's own
serial `nbgrader autograde` (the reference, one student at a time so that a
submission that kills its grader stops only itself), and by the instructor's
command (`python -m cnncourse.grading autograde`, what `make autograde` runs)
with one worker, with two, and through a real `dask scheduler` with two
`dask worker` processes started in folders that do not hold the course.
"""

from __future__ import annotations

import copy
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from pathlib import Path

import psutil
import pytest

from nbgrader_course import BIN, Course, grading_env, nbgrader_cell

pytestmark = pytest.mark.slow

A = "conv-arithmetic"
KILLERS = {
    # Unsandboxed, the kernel's parent is the process that grades it. In the sandbox
    # (cnncourse.grading.sandbox) it is the sandbox's first process, which ignores the
    # signal, and that process leads the kernel's group, so killpg of it reaches nobody:
    # those two are graded, their signal failing in its cell (tests/test_grading_sandbox.py).
    "kills-its-parent": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)",
    "kills-its-parents-group": "import os, signal\nos.killpg(os.getpgid(os.getppid()), signal.SIGKILL)",
    "kills-its-own-group": "import os, signal\nos.killpg(0, signal.SIGKILL)",
}
HARMLESS_IN_THE_SANDBOX = ("kills-its-parent", "kills-its-parents-group")
FAILING = ("exits-its-kernel", "kills-its-own-group", "not-json")


def gid(question: str) -> str:
    return f"{A}-{question}"


def with_code_before(notebook, question: str, code: str):
    cell = next(c for c in notebook.cells if nbgrader_cell(c).get("grade_id") == gid(question))
    return Course.with_answer(notebook, gid(question), code + "\n" + cell.source)


def hand_in_class(course: Course) -> None:
    solution, untouched = course.solved_release(A), course.release_notebook(A)
    course.submit(A, "solution", solution)
    course.submit(A, "untouched", untouched)
    wrong = Course.with_answer(solution, gid("pool-answer"), "def pool_output_size(n, pool, stride=None):\n"
                                                             "    return n // pool")
    course.submit(A, "wrong-pool", wrong)
    deleted = copy.deepcopy(wrong)
    deleted.cells = [c for c in deleted.cells if not nbgrader_cell(c).get("locked")]
    course.submit(A, "deleted-locked-cells", deleted)
    stripped = copy.deepcopy(wrong)
    for cell in stripped.cells:
        cell.metadata.pop("nbgrader", None)
    course.submit(A, "stripped-metadata", stripped)
    course.submit(A, "display-all", with_code_before(
        untouched, "output-size-answer", "%config InteractiveShell.ast_node_interactivity = 'all'"))
    course.submit(A, "warns", with_code_before(
        solution, "pool-answer", "import warnings\nwarnings.warn('a harmless warning on stderr')"))
    course.submit(A, "exits-its-kernel", with_code_before(solution, "pool-answer", "import os\nos._exit(0)"))
    for student, code in KILLERS.items():
        course.submit(A, student, with_code_before(solution, "pool-answer", code))
    course.submit(A, "not-json", b'{"cells": [')


def graded_and_scores(course: Course, graded: set[str] | None = None) -> tuple[set[str], dict[str, dict[str, float]]]:
    """Who was graded (by default: who has an autograded notebook), and the per-cell scores of exactly those."""
    if graded is None:
        graded = {p.parent.parent.name for p in (course.root / "autograded").glob(f"*/{A}/{A}.ipynb")}
    scores = course.scores(A)
    return graded, {student: scores[student] for student in graded}


@contextmanager
def dask_cluster(folder: Path, workers: int = 2):
    """A real `dask scheduler` and `dask worker` processes on 127.0.0.1, each in its own empty folder."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    # The scheduler settings the README asks of a grading cluster, and each worker's share of the cores.
    env = dict(grading_env(), DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES="1",
               DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION="1.0", CNNCOURSE_GRADING_THREADS="1")
    processes = []

    def start(name: str, *args: str) -> subprocess.Popen:
        place = folder / name
        place.mkdir(parents=True)
        log = open(place / "log.txt", "w")
        process = subprocess.Popen([str(BIN / "dask"), *args], cwd=place, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        processes.append(process)
        return process

    try:
        start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard")
        for number in range(workers):
            start(f"worker{number}", "worker", address, "--host", "127.0.0.1", "--nthreads", "1",
                  "--no-dashboard", "--local-directory", str(folder / f"worker{number}"))
        from distributed import Client

        with Client(address, timeout="60s") as client:
            client.wait_for_workers(workers, timeout=120)
        yield address, processes[1:]
    finally:
        for process in processes:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("engine")
    template = Course(base / "template", [A])
    template.generate(A)
    hand_in_class(template)

    def copy_of(name: str) -> Course:
        shutil.copytree(template.root, base / name)
        return Course.existing(base / name)

    serial = copy_of("serial")
    succeeded = {student for student in sorted(p.name for p in (serial.root / "submitted").iterdir())
                 if serial.autograde(A, f"--student={student}", check=False).returncode == 0}

    outcome = {"serial": (serial, succeeded)}
    for name, args in (("one-worker", ["--workers", "1"]), ("two-workers", ["--workers", "2"])):
        course = copy_of(name)
        outcome[name] = (course, course.tool("autograde", *args, A))
    course = copy_of("dask-cluster")
    with dask_cluster(base / "cluster") as (address, _):
        outcome["dask-cluster"] = (course, course.tool("autograde", "--scheduler", address, A))
    return outcome


def report_lines(result) -> dict[str, str]:
    lines = result.stdout.split(f"\n{A}: ", 1)[1].splitlines()[1:]
    return {line.split()[0]: line.split(None, 1)[1] for line in lines if line.startswith("  ")}


def serial_grades(runs):
    """nbgrader's grades of the submissions it graded (exit 0: a killed nbgrader leaves a file behind)."""
    course, succeeded = runs["serial"]
    return graded_and_scores(course, succeeded)


def test_the_reference_grades_what_it_can_and_no_more(runs):
    graded, scores = serial_grades(runs)
    assert graded == {"solution", "untouched", "wrong-pool", "deleted-locked-cells", "stripped-metadata",
                      "display-all", "warns", *HARMLESS_IN_THE_SANDBOX}
    assert sum(scores["solution"].values()) == 16
    assert sum(scores["untouched"].values()) == 0
    assert sum(scores["display-all"].values()) == 0, "a displayed docstring must not pass a failing test"
    assert scores["warns"] == scores["solution"], "a warning on stderr must not fail a passing test"
    assert scores["deleted-locked-cells"] == scores["wrong-pool"] == scores["stripped-metadata"]
    for student in HARMLESS_IN_THE_SANDBOX:
        # The signal fails (PermissionError, ProcessLookupError) in the pool answer's cell:
        # that function is missing, so its test and the one that uses it fail; the rest passes.
        assert sum(scores[student].values()) == 13, student


@pytest.mark.parametrize("mode", ["one-worker", "two-workers", "dask-cluster"])
def test_the_engine_gives_exactly_the_serial_grades(runs, mode):
    course, result = runs[mode]
    assert graded_and_scores(course) == serial_grades(runs), result.stdout[-3000:]
    lines = report_lines(result)
    assert lines["solution"] == "16 / 16"
    assert "[restored: " in lines["deleted-locked-cells"]
    for student in FAILING:
        assert lines[student].startswith("FAILED: "), lines[student]
    assert "NotJSONError" in lines["not-json"]
    assert "DeadKernelError" in lines["exits-its-kernel"]
    assert result.returncode == 1


@pytest.mark.parametrize("mode", ["one-worker", "two-workers", "dask-cluster"])
def test_a_failed_submission_is_never_recorded_as_a_grade(runs, mode):
    course, _ = runs[mode]
    recorded = set(course.scores(A))
    for student in FAILING:
        assert student not in recorded
        assert not (course.root / "autograded" / student).exists()


def test_progress_is_shown_while_grading(runs):
    output = runs["two-workers"][1].stdout
    assert "autograde: 12 submission(s) to grade on 2 local worker process(es)" in output
    assert "autograde: 12/12 done, 3 failed" in output


def test_a_worker_killed_mid_run_leaves_its_task_to_another(tmp_path):
    course = Course(tmp_path / "course", [A])
    course.generate(A)
    solution = course.solved_release(A)
    for number in range(4):
        slow = with_code_before(solution, "pool-answer", "import time\ntime.sleep(6)")
        course.submit(A, f"slow{number}", slow)
    with dask_cluster(tmp_path / "cluster") as (address, workers):
        command = [sys.executable, "-m", "cnncourse.grading", "--root", str(course.root),
                   "autograde", "--scheduler", address, A]
        grading = subprocess.Popen(command, env=grading_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True, start_new_session=True)
        victim = wait_for_a_kernel(workers, timeout=120)
        os.killpg(victim.pid, signal.SIGKILL)  # the worker and its nanny: gone for good
        output, _ = grading.communicate(timeout=600)
    assert grading.returncode == 0, output[-3000:]
    assert {student: sum(s.values()) for student, s in course.scores(A).items()} == {
        f"slow{number}": 16 for number in range(4)}


def wait_for_a_kernel(workers: list[subprocess.Popen], timeout: float) -> subprocess.Popen:
    """The `dask worker` process that is running a grading kernel right now."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for worker in workers:
            with suppress(psutil.Error):
                if any("ipykernel" in " ".join(child.cmdline())
                       for child in psutil.Process(worker.pid).children(recursive=True)):
                    return worker
        time.sleep(0.2)
    raise AssertionError("no worker started a kernel")
