"""Time the autograding of a class: 30 generated conv-arithmetic submissions.

    .venv/bin/python -m bench.grade [--students 30] [--keep]

Copies the course into a temporary folder, hands in one submission per student
(the solution with, at random but seeded, some answers left as the untouched stub
and some answered wrongly), then runs what `make autograde` runs,
`tools/course.py autograde conv-arithmetic`, and prints the seconds per submission
and the total. The target is under 6 s per submission on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from nbgrader_course import Course, nbgrader_cell  # noqa: E402

A = "conv-arithmetic"
TARGET = 6.0
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


def make_class(course: Course, students: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    solution, stub = course.solved_release(A), course.release_notebook(A)
    stubs = {nbgrader_cell(c)["grade_id"]: c.source for c in stub.cells if nbgrader_cell(c).get("solution")}
    for number in range(1, students + 1):
        notebook = solution
        for grade_id, source in stubs.items():
            draw = rng.random()
            question = grade_id.removeprefix(f"{A}-")
            if draw < 0.2:
                notebook = Course.with_answer(notebook, grade_id, source)
            elif draw < 0.35 and question in WRONG:
                notebook = Course.with_answer(notebook, grade_id, WRONG[question])
        course.submit(A, f"bench{number:02d}", notebook)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the temporary course folder")
    args = parser.parse_args(argv)

    folder = Path(os.environ.get("TMPDIR", "/tmp")) / f"cnncourse-bench-grade-{os.getpid()}"
    try:
        course = Course(folder, [A])
        course.generate(A)
        make_class(course, args.students)
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        result = course.tool("autograde", A)
        total = time.perf_counter() - started
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
        graded = course.scores(A)
        if result.returncode != 0 or len(graded) != args.students:
            print(result.stdout[-3000:] + result.stderr[-3000:])
            print(f"bench-grade: only {len(graded)} of {args.students} submissions were graded; see {course.log}")
            return 1
        inner = re.search(r"autograde took ([\d.]+) s", result.stdout)
        per = total / args.students
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        totals = sorted(sum(s.values()) for s in graded.values())
        print(f"bench-grade: {args.students} conv-arithmetic submissions autograded "
              f"(scores {totals[0]:g} to {totals[-1]:g} of 16) on {os.cpu_count()} CPU cores, load average {load:.1f}")
        if inner:
            print(f"  nbgrader autograde itself: {float(inner.group(1)):.1f} s")
        print(f"  total: {total:.1f} s (make autograde: roster sync, nbgrader, report)")
        print(f"  per submission: {per:.2f} s  (target < {TARGET:g} s: {'met' if per < TARGET else 'NOT met'})")
        # nbgrader and the kernel it starts take turns, so on an idle machine the wall
        # time is close to the CPU time; on a busy one the wall time grows with the load.
        print(f"  CPU time (nbgrader and the kernels): {cpu:.1f} s, {cpu / args.students:.2f} s per submission")
        return 0
    finally:
        if args.keep:
            print(f"course kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
