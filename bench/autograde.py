"""Time nbgrader grading one correct submission of an assignment (used by the homework benchmarks)."""

import sys
import tempfile
import time
from pathlib import Path

from cnncourse.grading.trial import Course


def solution_autograde_seconds(assignment: str) -> float:
    """Wall time of `nbgrader autograde` on the solution, with course.yml's time limits.

    Exits with a message if the solution does not get full marks: a benchmark of a
    broken assignment would measure the wrong thing.
    """
    with tempfile.TemporaryDirectory(prefix=f"cnncourse-bench-{assignment}-") as folder:
        course = Course(Path(folder), [assignment])
        course.generate(assignment)
        course.submit(assignment, "solution", course.solved_release(assignment))
        start = time.perf_counter()
        course.autograde(assignment)
        elapsed = time.perf_counter() - start
        scores = course.scores(assignment)["solution"]
        if sum(scores.values()) != sum(course.max_scores(assignment).values()):
            sys.exit(f"the {assignment} solution did not get full marks: {scores}")
    return elapsed
