"""Grading a class: nbgrader serial against the engine with 1 and 2 workers.

    make bench-grade        (or: .venv/bin/python -m bench.grade [--students 30] [--beewasp 6] [--sandbox-only])

From one run, on the offline stand-ins: the same class of conv-arithmetic
submissions (the solution with, at random but seeded, some answers left as the
stub and some answered wrongly) and of bee/wasp submissions is graded three
times, each in its own throwaway copy of the course:

* nbgrader serial: `nbgrader autograde` of the whole class in one process;
* the engine with 1 worker and with 2 workers: `python -m cnncourse.grading
  autograde --workers N`, what `make autograde WORKERS=N` runs.

For each: wall time, time per submission, speed-up over serial, and whether
every per-cell grade equals nbgrader's. Every kernel runs in the sandbox
(cnncourse.grading.sandbox); the sandbox's cost per submission is measured twice:
the engine with 1 worker with and without it (``--no-sandbox``) on the same
class, and one kernel's start, first cell and shutdown, sandboxed and not
(median of 10 each). ``--sandbox-only`` measures just that. Target: at most
0.5 s per conv-arithmetic submission. For bee/wasp it also prints where one
grading spends its time (kernel start, then the largest cells: imports, data,
training, tests), timed by running the solution once in one kernel. Targets on a 2-core machine: at
least 1.8x on conv-arithmetic with 2 workers; bee/wasp at most 24 s per
submission per worker.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import tempfile
import time
from pathlib import Path

from cnncourse.grading.trial import Course, nbgrader_cell

TARGET_SPEEDUP = 1.8
TARGET_SANDBOX_S = 0.5
TARGET_BEEWASP_S = 24.0
WRONG = {
    "output-size-answer": "def conv_output_size(n, k, p=0, s=1):\n    return (n + p - k) // s + 1",
    "stride-misfit-answer": "def unread_inputs(n, k, s):\n    return (n - k) // s",
    "same-padding-answer": "def same_padding(n, k, s=1):\n    return (k - 1) // 2, (k - 1) // 2",
    "pool-answer": "def pool_output_size(n, pool, stride=None):\n    return n // pool",
    "conv-params-answer": "def conv_params(k, c_in, c_out, bias=True):\n    return k * k * c_in * c_out",
    "dense-params-answer": "def dense_params(n_in, n_out, bias=True):\n    return n_in * n_out",
    "receptive-field-answer": "def receptive_field(layers):\n    return 1 + sum(k - 1 for k, s in layers)",
    "conv1d-answer": "def conv1d(x, w, p=0, s=1):\n    return conv1d_broken(x, w, p, s)",
}

os.environ["CNNCOURSE_DATA"] = "standin"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def hand_in(course: Course, assignment: str, students: int, seed: int = 0) -> None:
    """A seeded class: each conv-arithmetic answer is right, left as the stub, or wrong.

    Bee/wasp submissions are all complete (each trains its model twice): a stub in
    a training cell would skip the training, and the class would grade faster than
    a real one.
    """
    rng = random.Random(seed)
    solution, stub = course.solved_release(assignment), course.release_notebook(assignment)
    stubs = {nbgrader_cell(c)["grade_id"]: c.source for c in stub.cells if nbgrader_cell(c).get("solution")}
    for number in range(1, students + 1):
        notebook = solution
        for grade_id, source in stubs.items():
            draw, question = rng.random(), grade_id.removeprefix(f"{assignment}-")
            if assignment != "conv-arithmetic":
                break
            if draw < 0.15:
                notebook = Course.with_answer(notebook, grade_id, source)
            elif draw < 0.3 and question in WRONG:
                notebook = Course.with_answer(notebook, grade_id, WRONG[question])
        course.submit(assignment, f"bench{number:02d}", notebook)


def timed(label: str, run) -> float:
    started = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - started
    if getattr(result, "returncode", 0) not in (0,):
        print(result.stdout[-2000:] + result.stderr[-2000:])
        raise SystemExit(f"bench-grade: {label} failed (exit {result.returncode})")
    return seconds


ENGINE_RUNS = (("nbgrader serial", None), ("engine, 1 worker", ["--workers", "1"]),
               ("engine, 2 workers", ["--workers", "2"]))
SANDBOX_RUNS = (("engine, 1 worker", ["--workers", "1"]), ("1 worker, no sandbox", ["--workers", "1", "--no-sandbox"]))


def compare(assignment: str, students: int, plan=ENGINE_RUNS) -> list[tuple[str, float, bool]]:
    """Grade one class each way of ``plan``; (label, seconds, grades identical to the first) for each."""
    base = Path(tempfile.mkdtemp(prefix=f"cnncourse-bench-{assignment}-"))
    try:
        template = Course(base / "template", [assignment])
        template.generate(assignment)
        hand_in(template, assignment, students)
        runs = []
        for label, args in plan:
            shutil.copytree(template.root, base / label)
            course = Course.existing(base / label)
            if args is None:
                seconds = timed(label, lambda course=course: course.autograde(assignment))
            else:
                seconds = timed(label, lambda course=course, args=args: course.tool("autograde", *args, assignment))
            runs.append((label, seconds, course.scores(assignment), course))
        reference = runs[0][2]
        if len(reference) != students:
            raise SystemExit(f"bench-grade: {runs[0][0]} graded {len(reference)} of {students} {assignment} submissions")
        if plan is SANDBOX_RUNS:
            sandbox_report(assignment, students, [(label, s, scores == reference) for label, s, scores, _ in runs])
            return [(label, s, scores == reference) for label, s, scores, _ in runs]
        report(assignment, students, [(label, s, scores == reference) for label, s, scores, _ in runs])
        if assignment == "beewasp":
            where_the_time_goes(template, assignment)
        return [(label, s, scores == reference) for label, s, scores, _ in runs]
    finally:
        shutil.rmtree(base, ignore_errors=True)


def report(assignment: str, students: int, runs: list[tuple[str, float, bool]]) -> None:
    serial = runs[0][1]
    load = os.getloadavg()[0]
    print(f"\n{assignment}: {students} submissions, {os.cpu_count()} CPU cores, load average {load:.1f}")
    print(f"  {'':<20}{'wall s':>9}{'s/submission':>14}{'speed-up':>10}   grades")
    for label, seconds, same in runs:
        print(f"  {label:<20}{seconds:>9.1f}{seconds / students:>14.2f}{serial / seconds:>9.2f}x   "
              f"{'identical to serial' if same else 'DIFFERENT from serial'}")
    two = runs[2][1]
    if assignment == "conv-arithmetic":
        met = serial / two >= TARGET_SPEEDUP
        print(f"  target: at least {TARGET_SPEEDUP}x with 2 workers: {'met' if met else 'NOT met'}")
    else:
        per_worker = two / students * 2
        print(f"  per submission per worker (2 workers): {per_worker:.1f} s (target at most {TARGET_BEEWASP_S:g} s: "
              f"{'met' if per_worker <= TARGET_BEEWASP_S else 'NOT met'})")


def sandbox_report(assignment: str, students: int, runs: list[tuple[str, float, bool]]) -> None:
    (_, boxed, _), (_, bare, same) = runs
    per_kernel = kernel_cost()
    print(f"\n{assignment}: the sandbox's cost, {students} submissions, load average {os.getloadavg()[0]:.1f}")
    print(f"  engine, 1 worker: {boxed:.1f} s in the sandbox, {bare:.1f} s without; "
          f"{(boxed - bare) / students:+.2f} s per submission; grades {'identical' if same else 'DIFFERENT'}")
    print(f"  one kernel (start, first cell, shutdown; median of 10): {per_kernel:+.2f} s in the sandbox")
    met = max(per_kernel, (boxed - bare) / students) <= TARGET_SANDBOX_S
    print(f"  target: at most {TARGET_SANDBOX_S} s per submission: {'met' if met else 'NOT met'}")


def kernel_cost(repeat: int = 10) -> float:
    """Median seconds a kernel takes from start to the reply of its first cell and back, sandboxed minus not."""
    import asyncio
    import statistics

    from cnncourse.grading import sandbox
    from cnncourse.grading.kernel import GradingKernelManager

    async def once(folder: str) -> float:
        started = time.perf_counter()
        km = GradingKernelManager(kernel_name="python3")
        await km.start_kernel(cwd=folder)
        client = km.client()
        client.start_channels()
        await client.wait_for_ready(timeout=60)
        await client.execute_interactive("x = 1", timeout=60)
        client.stop_channels()
        await km.shutdown_kernel(now=True)
        return time.perf_counter() - started

    medians = {}
    with tempfile.TemporaryDirectory(prefix="cnncourse-bench-kernel-") as folder:
        for mode in ("on", "off"):
            os.environ[sandbox.SWITCH] = mode
            medians[mode] = statistics.median(asyncio.run(once(folder)) for _ in range(repeat))
    os.environ.pop(sandbox.SWITCH, None)
    return medians["on"] - medians["off"]


def where_the_time_goes(course: Course, assignment: str) -> None:
    """Kernel start, then the largest cells, of the solution run once as a grading kernel runs it."""
    from nbclient import NotebookClient

    notebook = course.solved_release(assignment)
    folder = course.root / "profile"
    folder.mkdir()
    client = NotebookClient(notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(folder)}})
    started = time.perf_counter()
    with client.setup_kernel():
        kernel_start = time.perf_counter() - started
        spans = []
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type != "code":
                continue
            before = time.perf_counter()
            client.execute_cell(cell, index)
            spans.append((time.perf_counter() - before, nbgrader_cell(cell).get("grade_id") or cell.get("id", "?")))
    total = time.perf_counter() - started
    print(f"  where one bee/wasp grading spends its time ({total:.1f} s, the solution in one kernel):")
    print(f"    {kernel_start:6.1f} s  kernel start")
    largest = sorted(spans, reverse=True)[:6]
    for seconds, label in largest:
        print(f"    {seconds:6.1f} s  {label}")
    print(f"    {sum(s for s, _ in spans) - sum(s for s, _ in largest):6.1f} s  the other {len(spans) - 6} cells")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=30, help="conv-arithmetic submissions (default 30)")
    parser.add_argument("--beewasp", type=int, default=6, help="bee/wasp submissions (default 6; 0 skips)")
    parser.add_argument("--sandbox-only", action="store_true",
                        help="only the sandbox's cost on conv-arithmetic (1 worker with and without it)")
    args = parser.parse_args(argv)
    if args.sandbox_only:
        return 0 if all(same for _, _, same in compare("conv-arithmetic", args.students, SANDBOX_RUNS)) else 1
    results = compare("conv-arithmetic", args.students)
    results += compare("conv-arithmetic", args.students, SANDBOX_RUNS)
    if args.beewasp:
        results += compare("beewasp", args.beewasp)
    return 0 if all(same for _, _, same in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
