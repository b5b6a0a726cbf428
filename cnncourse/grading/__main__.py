"""The instructor's command line; the `make` targets call it.

    python -m cnncourse.grading release [NAME...]            student versions -> release/
    python -m cnncourse.grading autograde [NAME...]          grade what is new in submitted/
        [--force] [--workers N] [--scheduler tcp://HOST:PORT] [--no-sandbox]
    python -m cnncourse.grading feedback [NAME...]           HTML feedback -> feedback/<student>/<assignment>/
    python -m cnncourse.grading grades [--to FILE]           CSV of every student's scores (default grades.csv)
    python -m cnncourse.grading sync                         roster, assignments, due dates -> the gradebook

`--root` names the course folder (the one holding course.yml and
nbgrader_config.py); by default the current folder.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import sandbox, workflow
from .course import CourseError, load_course


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="python -m cnncourse.grading", description=__doc__.split("\n\n")[0])
    main.add_argument("--root", type=Path, default=Path.cwd(), help="course folder (default: the current one)")
    commands = main.add_subparsers(dest="command", required=True)
    for name in ("release", "autograde", "feedback"):
        sub = commands.add_parser(name)
        sub.add_argument("assignments", nargs="*", help="assignments of course.yml (default: all)")
    autograde = commands.choices["autograde"]
    autograde.add_argument("--force", action="store_true", help="grade again what was already graded")
    autograde.add_argument("--workers", type=int, default=None,
                           help="local worker processes (default: one per CPU core)")
    autograde.add_argument("--scheduler", default=None,
                           help="address of a running Dask scheduler (tcp://HOST:PORT) to grade on instead")
    autograde.add_argument("--no-sandbox", action="store_true",
                           help="run student code WITHOUT the sandbox, with your permissions (where none can be made)")
    commands.add_parser("grades").add_argument("--to", default="grades.csv", help="CSV file (default grades.csv)")
    commands.add_parser("sync")
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # nbgrader runs its own tools (nbgrader, alembic) by name: those of this environment.
    os.environ["PATH"] = f"{workflow.BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    try:
        course = load_course(args.root)
        if args.command == "release":
            return workflow.release(course, args.assignments)
        if args.command == "autograde":
            if args.no_sandbox:  # workers and kernels read it (jobs carry CNNCOURSE_* variables)
                os.environ[sandbox.SWITCH] = "off"
            if args.workers is not None and args.workers < 1:
                raise CourseError(f"--workers must be at least 1 (got {args.workers})")
            return workflow.autograde(course, args.assignments, args.force, args.workers, args.scheduler or None)
        if args.command == "feedback":
            return workflow.feedback(course, args.assignments)
        if args.command == "grades":
            return workflow.grades(course, args.to)
        return workflow.sync(course)
    except (CourseError, sandbox.SandboxError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
