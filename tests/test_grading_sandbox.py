"""Every grading kernel runs in the sandbox: what hostile submissions get, exactly.

One class of conv-arithmetic submissions is graded by the instructor's command
(`python -m cnncourse.grading autograde`, what `make autograde` runs): the
solution, the untouched release and a wrong answer, and notebooks that try what
a careful instructor tried by hand: read the instructor's files, write the
gradebook (directly, and from a detached process that waits for its grading to
end), open network connections, allocate past the memory cap, fork without end,
leave processes behind, kill their parent and their process group. Each probe
runs at the top of the pool question's answer cell and prints its outcome, so
the test reads exactly what happened from the autograded notebook, and the
grades say whether grading went on. nbgrader's own serial `nbgrader autograde`
goes through the same sandbox; normal submissions get the same grades without
it; and where no sandbox can be made, autograde stops and says why.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from cnncourse.grading import sandbox
from cnncourse.grading.course import CourseError, load_course
from nbgrader_course import BIN, Course, grading_env, nbgrader_cell

A = "conv-arithmetic"
MARKER = "cnncourse-sandbox-test-leftover"
AS_ROOT = os.geteuid() == 0
CGROUPS = AS_ROOT and Path("/sys/fs/cgroup/memory/cgroup.procs").exists()


def gid(question: str) -> str:
    return f"{A}-{question}"


def probe(action: str) -> str:
    """Code that runs ``action`` and prints 'outcome: ExceptionName ERRNO' or 'outcome: done'."""
    return "\n".join([
        "import errno as _errno",
        "try:",
        textwrap.indent(textwrap.dedent(action).strip(), "    "),
        "    print('outcome: done')",
        "except Exception as _error:",
        "    print('outcome:', type(_error).__name__, _errno.errorcode.get(getattr(_error, 'errno', None) or 0, ''))",
    ])


def before_pool(notebook, code: str):
    cell = next(c for c in notebook.cells if nbgrader_cell(c).get("grade_id") == gid("pool-answer"))
    return Course.with_answer(notebook, gid("pool-answer"), code + "\n" + cell.source)


def probes(course: Course, port: int, home: Path) -> dict[str, str]:
    """Student id -> the code that student's notebook runs before answering the pool question."""
    root = course.root
    waits_then_writes = (
        "import os, time, sys\n"
        "kernel = os.getppid()\n"
        "while os.path.exists(f'/proc/{kernel}'):\n"
        "    time.sleep(0.05)\n"
        f"for path in ({str(root / 'gradebook.db')!r}, '../../../gradebook.db'):\n"
        "    try:\n"
        "        open(path, 'r+b').write(b'rewritten by a student')\n"
        "    except OSError:\n"
        "        pass\n")
    return {
        "reads-source": probe(f"open('../../../source_notebooks/{A}/{A}.ipynb').read()"),
        "reads-source-by-path": probe(f"open({str(root / 'source_notebooks' / A / f'{A}.ipynb')!r}).read()"),
        "reads-other-student": probe(f"open({str(root / 'submitted' / 'solution' / A / f'{A}.ipynb')!r}).read()"),
        "reads-release": probe(f"open({str(root / 'release' / A / f'{A}.ipynb')!r}).read()"),
        "reads-home": probe(f"open({str(home / 'secret.txt')!r}).read()"),
        "writes-gradebook": probe(f"open({str(root / 'gradebook.db')!r}, 'r+b').write(b'x')"),
        "writes-gradebook-nearby": probe("open('../../../gradebook.db', 'r+b').write(b'x')"),
        "writes-gradebook-later": probe(
            f"import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', {waits_then_writes!r}, {MARKER!r}],"
            " start_new_session=True)"),
        "connects-out": probe("import socket\nsocket.create_connection(('1.1.1.1', 53), timeout=20)"),
        "connects-to-grader": probe(f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=20)"),
        "allocates-past-cap": "import numpy as np\nbig = np.ones(2 * 2**30 // 8)",
        "forks-without-end": "import os\nwhile True:\n    os.fork()",
        "leaves-processes": probe(
            f"import subprocess, sys, os\nsubprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)',"
            f" {MARKER!r}], start_new_session=True)\n"
            f"if os.fork() == 0:\n    os.setsid()\n    os.execv(sys.executable, [sys.executable, '-c',"
            f" 'import time; time.sleep(600)', {MARKER!r}])"),
        "kills-its-parent": probe("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"),
        "kills-its-group": probe("import os, signal\nos.killpg(os.getpgid(0), signal.SIGKILL)"),
        "kills-its-own-group": probe("import os, signal\nos.killpg(0, signal.SIGKILL)"),
    }


def leftovers() -> list[psutil.Process]:
    """Processes a submission started that are still running."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        if MARKER in (process.info["cmdline"] or []):
            found.append(process)
    return found


def pool_cell(course: Course, student: str):
    notebook = course.autograded_notebook(A, student)
    return next(c for c in notebook.cells if nbgrader_cell(c).get("grade_id") == gid("pool-answer"))


def outcome(course: Course, student: str) -> str:
    text = "".join(o.get("text", "") for o in pool_cell(course, student).outputs if o.output_type == "stream")
    return next(line for line in text.splitlines() if line.startswith("outcome:")).removeprefix("outcome:").strip()


def pool_error(course: Course, student: str) -> tuple[str, str]:
    errors = [o for o in pool_cell(course, student).outputs if o.output_type == "error"]
    return (errors[0].ename, errors[0].evalue) if errors else ("", "")


def report_lines(result) -> dict[str, str]:
    lines = result.stdout.split(f"\n{A}: ", 1)[1].splitlines()[1:]
    return {line.split()[0]: line.split(None, 1)[1] for line in lines if line.startswith("  ")}


def total(scores: dict[str, float]) -> float:
    return sum(scores.values())


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The whole class graded in the sandbox; (course, tool result, solution-like scores, leftovers right after)."""
    base = tmp_path_factory.mktemp("sandbox")
    home = base / "home"
    home.mkdir()
    (home / "secret.txt").write_text("the instructor's notes")
    course = Course(base / "course", [A])
    # A fork bomb reaches the cap in a few seconds, more on a busy machine: room for it within one cell.
    spec = course.root / "course.yml"
    spec.write_text(spec.read_text().replace("timeout: 10 ", "timeout: 60 ", 1))
    course.generate(A)
    solution, untouched = course.solved_release(A), course.release_notebook(A)
    course.submit(A, "solution", solution)
    course.submit(A, "untouched", untouched)
    course.submit(A, "no-pool", Course.with_answer(solution, gid("pool-answer"), "raise NotImplementedError()"))
    with socket.socket() as listener:  # a service of the grader's machine, on loopback
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        for student, code in probes(course, listener.getsockname()[1], home).items():
            course.submit(A, student, before_pool(solution, code))
        result = course.tool("autograde", "--workers", "2", A)
    left = leftovers()
    time.sleep(1)  # what a surviving detached writer would have done by now
    return course, result, left



@pytest.mark.slow
def test_the_instructors_files_are_not_there(graded):
    course, _, _ = graded
    for student in ("reads-source", "reads-source-by-path", "reads-other-student", "reads-release", "reads-home",
                    "writes-gradebook", "writes-gradebook-nearby"):
        assert outcome(course, student) == "FileNotFoundError ENOENT", student
        assert total(course.scores(A)[student]) == 16, student


@pytest.mark.slow
def test_the_gradebook_holds_what_grading_gave(graded):
    course, result, left = graded
    assert outcome(course, "writes-gradebook-later") == "done"  # it started; the sandbox ended it
    assert not left, [p.info["cmdline"] for p in left]
    scores = course.scores(A)
    assert total(scores["writes-gradebook-later"]) == total(scores["solution"]) == 16
    assert total(scores["untouched"]) == 0
    assert report_lines(result)["writes-gradebook-later"].startswith("16 / 16")


@pytest.mark.slow
def test_the_network_is_not_there(graded):
    course, _, _ = graded
    assert outcome(course, "connects-out") == "OSError ENETUNREACH"
    assert outcome(course, "connects-to-grader") == "ConnectionRefusedError ECONNREFUSED"


@pytest.mark.slow
def test_a_memory_bomb_fails_its_cell_and_grading_goes_on(graded):
    course, _, _ = graded
    name, message = pool_error(course, "allocates-past-cap")
    assert name == "MemoryError"
    assert message.startswith("memory limit of 1 GiB reached (Unable to allocate 2.00 GiB"), message
    assert course.scores(A)["allocates-past-cap"] == course.scores(A)["no-pool"]
    assert total(course.scores(A)["no-pool"]) == 13  # the pool test and the later one that uses its function


@pytest.mark.slow
def test_a_fork_bomb_fails_its_cell_and_grading_goes_on(graded):
    course, _, _ = graded
    name, message = pool_error(course, "forks-without-end")
    assert name == "BlockingIOError"
    assert message.startswith(f"[Errno 11] process limit of {sandbox.DEFAULT_PROCESSES} reached"), message
    assert course.scores(A)["forks-without-end"] == course.scores(A)["no-pool"]


@pytest.mark.slow
def test_nothing_a_submission_starts_outlives_its_grading(graded):
    course, _, left = graded
    assert outcome(course, "leaves-processes") == "done"
    assert not left and not leftovers()
    assert total(course.scores(A)["leaves-processes"]) == 16


@pytest.mark.slow
def test_signals_reach_no_grader(graded):
    course, result, _ = graded
    lines = report_lines(result)
    # Its parent is the sandbox's first process, root's: the signal is refused and grading goes on.
    assert outcome(course, "kills-its-parent") == ("PermissionError EPERM" if AS_ROOT else "done")
    assert lines["kills-its-parent"].startswith("16 / 16")
    # Its group is the sandbox's, led by that first process: killpg(1) is kill(-1), "every
    # process but the caller and init", and there is none.
    assert outcome(course, "kills-its-group") == "ProcessLookupError ESRCH"
    assert lines["kills-its-group"].startswith("16 / 16")
    # Signalling its own group (0) kills the kernel itself: that submission fails, alone.
    assert lines["kills-its-own-group"] == ("FAILED: DeadKernelError: Kernel died (again when graded a second time)"
                                            "   [review: os.kill, signal]"), lines["kills-its-own-group"]
    assert "kills-its-own-group" not in course.scores(A)
    assert lines["solution"] == "16 / 16"
    assert "every kernel runs in the sandbox" in result.stdout
    assert result.returncode == 1  # kills-its-own-group is not graded


@pytest.mark.slow
@pytest.mark.skipif(not CGROUPS, reason="a memory cgroup needs root (or a delegated cgroup) and cgroups v1 here")
def test_a_kernel_the_memory_cgroup_stops_is_reported_as_the_memory_limit(tmp_path):
    course = Course(tmp_path / "course", [A])
    course.generate(A)
    # Under RLIMIT_DATA, but past the cgroup: 700 MiB of arrays and 450 MiB in the private /dev/shm.
    code = ("import numpy as np\nkept = np.ones(700 * 2**20 // 8)\n"
            "with open('/dev/shm/fill', 'wb') as f:\n    for _ in range(450):\n        f.write(b'x' * 2**20)")
    course.submit(A, "fills-memory", before_pool(course.solved_release(A), code))
    course.submit(A, "solution", course.solved_release(A))
    result = course.tool("autograde", "--workers", "1", A)
    lines = report_lines(result)
    assert lines["fills-memory"] == ("FAILED: DeadKernelError: Kernel died: memory limit of 1 GiB reached "
                                     "(course.yml: memory) (again when graded a second time)"), result.stdout[-2000:]
    assert lines["solution"] == "16 / 16"


@pytest.mark.slow
def test_nbgrader_itself_grades_in_the_same_sandbox(tmp_path):
    course = Course(tmp_path / "course", [A])
    course.generate(A)
    solution = course.solved_release(A)
    course.submit(A, "reads-source", before_pool(solution, probe(f"open('../../../source_notebooks/{A}/{A}.ipynb')")))
    course.submit(A, "connects-out", before_pool(solution, probe(
        "import socket\nsocket.create_connection(('1.1.1.1', 53), timeout=20)")))
    course.submit(A, "allocates-past-cap", before_pool(solution, "import numpy as np\nbig = np.ones(2 * 2**30 // 8)"))
    course.autograde(A)  # nbgrader autograde with nbgrader_config.py: the kernels start in GradingKernelManager
    assert outcome(course, "reads-source") == "FileNotFoundError ENOENT"
    assert outcome(course, "connects-out") == "OSError ENETUNREACH"
    assert pool_error(course, "allocates-past-cap")[1].startswith("memory limit of 1 GiB reached")
    assert {s: total(v) for s, v in course.scores(A).items()} == {
        "reads-source": 16, "connects-out": 16, "allocates-past-cap": 13}


@pytest.mark.slow
def test_normal_submissions_get_the_same_grades_without_the_sandbox(graded):
    sandboxed, _, _ = graded
    course = Course.existing(sandboxed.root.parent / "unsandboxed")
    shutil.copytree(sandboxed.root / "source_notebooks", course.root / "source_notebooks")
    shutil.copytree(sandboxed.root / "release", course.root / "release")
    for name in ("nbgrader_config.py", "course.yml"):
        shutil.copy2(sandboxed.root / name, course.root / name)
    normal = ("solution", "untouched", "no-pool")
    for student in normal:
        shutil.copytree(sandboxed.root / "submitted" / student, course.root / "submitted" / student)
    result = course.tool("autograde", "--workers", "1", "--no-sandbox", A)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "WITHOUT A SANDBOX (--no-sandbox" in result.stdout
    assert course.scores(A) == {student: sandboxed.scores(A)[student] for student in normal}


@pytest.mark.slow
def test_autograde_stops_where_no_sandbox_can_be_made(tmp_path):
    course = Course(tmp_path / "course", [A])
    course.generate(A)
    course.submit(A, "solution", course.solved_release(A))
    env = dict(grading_env(), PATH=str(BIN))  # no bwrap on this PATH
    command = [sys.executable, "-m", "cnncourse.grading", "--root", str(course.root), "autograde", A]
    result = subprocess.run(command, check=False, env=env, capture_output=True, text=True, timeout=600,
                            start_new_session=True)
    assert result.returncode == 2
    assert "cannot grade in a sandbox: bubblewrap is not installed" in result.stderr
    assert "--no-sandbox" in result.stderr
    assert not (course.root / "autograded" / "solution").exists()


def test_course_yml_memory_is_checked(tmp_path):
    shutil.copy2(Path(__file__).resolve().parents[1] / "course.yml", tmp_path / "course.yml")
    assert load_course(tmp_path).assignment(A).memory == 2**30
    for wrong in ("4 GB", "100 MiB", "lots"):
        text = (tmp_path / "course.yml").read_text()
        (tmp_path / "bad").mkdir(exist_ok=True)
        (tmp_path / "bad" / "course.yml").write_text(text.replace("memory: 1 GiB", f"memory: {wrong}", 1))
        with pytest.raises(CourseError, match=f"assignment '{A}' has memory '{wrong}'"):
            load_course(tmp_path / "bad")
    assert sandbox.parse_size("1.5 GiB") == 3 * 2**29
