"""``nbgrader export`` with lateness: nbgrader's CSV columns, plus how late each submission was."""

from __future__ import annotations

import csv

from nbgrader.api import MissingEntry
from nbgrader.plugins import ExportPlugin

COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
           "raw_score", "late_submission_penalty", "score", "max_score", "seconds_late"]


class CsvWithLateness(ExportPlugin):
    """One row per student and assignment; a student without a submission gets 0.

    The columns are nbgrader's own CSV export's, in its order, and ``seconds_late``:
    the submission's ``timestamp.txt`` against the due date of course.yml (0 when on
    time or when the assignment has no due date), as nbgrader computes it.
    """

    def export(self, gradebook) -> None:
        students, assignments = set(map(str, self.student)), set(map(str, self.assignment))
        with open(self.to or "grades.csv", "w", newline="") as handle:
            writer = csv.DictWriter(handle, COLUMNS)
            writer.writeheader()
            for assignment in gradebook.assignments:
                if assignments and assignment.name not in assignments:
                    continue
                for student in gradebook.students:
                    if students and student.id not in students:
                        continue
                    writer.writerow(self._row(gradebook, assignment, student))

    @staticmethod
    def _row(gradebook, assignment, student) -> dict:
        row = {"assignment": assignment.name, "duedate": assignment.duedate or "", "student_id": student.id,
               "last_name": student.last_name or "", "first_name": student.first_name or "",
               "email": student.email or "", "max_score": assignment.max_score}
        try:
            submission = gradebook.find_submission(assignment.name, student.id)
        except MissingEntry:
            return {**row, "timestamp": "", "raw_score": 0.0, "late_submission_penalty": 0.0, "score": 0.0,
                    "seconds_late": 0.0}
        penalty = submission.late_submission_penalty or 0.0
        return {**row, "timestamp": submission.timestamp or "", "raw_score": submission.score,
                "late_submission_penalty": penalty, "score": max(0.0, submission.score - penalty),
                "seconds_late": submission.total_seconds_late}
