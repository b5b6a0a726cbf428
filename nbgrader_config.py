"""nbgrader configuration of the course.

Every nbgrader command run from the repository root reads this file. Paths are
relative to the folder that holds it, so a copy of the course in another folder
(the tests make one) works unchanged.

The assignments, their per-cell time limits and the roster live in course.yml;
`make release | autograde | feedback | grades` (tools/course.py) read it and pass
the time limit to nbgrader. The bottom of this file holds two small nbgrader
plug-ins that close gaps a new instructor would otherwise find the hard way
(see their docstrings).
"""

import os

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.api import Gradebook
from nbgrader.preprocessors import (
    CheckCellMetadata,
    ClearHiddenTests,
    ClearOutput,
    GetGrades,
    OverwriteCells,
    OverwriteKernelspec,
)
from traitlets import Bool

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

COURSE_ROOT = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------- folders

c.CourseDirectory.course_id = "cnn-course"
c.CourseDirectory.root = COURSE_ROOT
c.CourseDirectory.source_directory = "source_notebooks"  # instructor versions, committed
c.CourseDirectory.release_directory = "release"  # student versions, committed, generated
c.CourseDirectory.submitted_directory = "submitted"  # submitted/<student>/<assignment>/<assignment>.ipynb
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
# nbgrader's default SQLite gradebook, kept next to this file (never committed).
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(COURSE_ROOT, "gradebook.db")
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".DS_Store"]

# Every nbgrader command also appends its log here (git ignores it): the place to
# look when `make autograde` reports a failed submission.
c.NbGrader.logfile = os.path.join(COURSE_ROOT, ".nbgrader.log")
c.NbGrader.log_format = "%(color)s[%(name)s %(asctime)s | %(levelname)s]%(end_color)s %(message)s"

# ---------------------------------------------------------------- student version

# What students see in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# ---------------------------------------------------------------- autograding

# A submission whose student folder is not in the gradebook yet is graded anyway
# (nbgrader adds the student); `make autograde` warns about ids not in course.yml.
c.Autograde.create_student = True

# Per-cell execution limit (seconds). `make autograde` overrides it per assignment
# from course.yml; this is the default for a bare `nbgrader autograde`. A cell that
# runs longer is interrupted, gets a CellTimeoutError, and grading goes on with the
# next cell: the student keeps the points earned elsewhere.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True
# A cell that prints without end can leave its output behind its reply; wait a
# little for it, then go on rather than failing the whole submission (a test
# cell's error still counts: nbgrader takes it from the reply).
c.Execute.iopub_timeout = 10
c.Execute.raise_on_iopub_timeout = False

# Keep feedback and the gradebook readable when a submission prints without end.
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100

# Put back any graded or locked cell a student deleted or edited, so the
# instructor's tests are always the ones that run.
c.OverwriteCells.add_missing_cells = True


class GradebookCells(OverwriteCells):
    """nbgrader's OverwriteCells, made to trust only the gradebook.

    nbgrader reads a submission's cell metadata to find the instructor's cells
    again, and it already puts back locked sources (checksums), points and
    deleted test cells. Three gaps remain, and each one fails or stops grading:

    * a cell whose nbgrader metadata is malformed or names a schema version other
      than nbgrader's stops the *whole batch* (SchemaTooOldError), not just that
      student;
    * a cell with a grade id the gradebook does not know keeps ``grade: true``
      without an id and fails validation;
    * restoring a deleted test cell crashes (KeyError) when the cell before it is
      gone too, which is what happens when an editor strips every cell's nbgrader
      metadata.

    Here a submission's nbgrader metadata is only used to recognise a cell:
    metadata the gradebook does not know (or a second copy of a known cell) is
    dropped and the cell stays as plain code; a known cell gets its flags and
    points back from the gradebook; a missing test cell goes right after the
    nearest earlier cell that is still there, or at the end of the notebook.
    """

    add_missing_cells = Bool(True, help="Put deleted test cells back (always on here).").tag(config=True)

    def preprocess(self, nb, resources):
        self.notebook_id = resources["nbgrader"]["notebook"]
        self.assignment_id = resources["nbgrader"]["assignment"]
        self.db_url = resources["nbgrader"]["db_url"]
        self.gradebook = Gradebook(self.db_url)
        with self.gradebook:
            notebook = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
            self._order = [cell.name for cell in notebook.source_cells]
            self._locked = {cell.name: cell.locked for cell in notebook.source_cells}
            self._points = {cell.name: cell.max_score for cell in notebook.grade_cells}
            self._solutions = {cell.name for cell in notebook.solution_cells}
            self._tasks = {cell.name for cell in notebook.task_cells}
            self._trust_known_metadata(nb)
            nb, resources = super(OverwriteCells, self).preprocess(nb, resources)  # per-cell checks
            if self.add_missing_cells:
                nb, resources = self.add_missing_grade_cells(nb, resources)
                nb, resources = self.add_missing_task_cells(nb, resources)
        return nb, resources

    def _trust_known_metadata(self, nb):
        seen = set()
        for cell in reversed(nb.cells):  # like nbgrader: the last copy of a cell wins
            meta = cell.get("metadata", {}).get("nbgrader")
            if meta is None:
                continue
            grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
            if not isinstance(grade_id, str) or grade_id not in self._locked or grade_id in seen:
                self.log.warning("Ignoring nbgrader metadata the gradebook does not know: %r", meta)
                del cell.metadata["nbgrader"]
                continue
            seen.add(grade_id)
            trusted = {
                "grade_id": grade_id,
                "grade": grade_id in self._points,
                "solution": grade_id in self._solutions,
                "locked": self._locked[grade_id],
                "schema_version": 3,
            }
            if grade_id in self._points:
                trusted["points"] = self._points[grade_id]
            if grade_id in self._tasks:
                trusted["task"] = True
            for key, value in trusted.items():
                if meta.get(key) != value:
                    self.report_change(grade_id, key, value, meta.get(key))
            cell.metadata["nbgrader"] = trusted

    def add_missing_grade_cells(self, nb, resources):
        source_cells = {cell.name: cell for cell in self.gradebook.find_notebook(
            self.notebook_id, self.assignment_id).source_cells}
        for grade_id in self._order:
            if grade_id not in self._points or self._position(nb, grade_id) is not None:
                continue
            self.log.warning("Missing grade cell %s encountered, adding to notebook", grade_id)
            cell = self.missing_cell_transform(
                source_cells[grade_id], self._points[grade_id], is_solution=grade_id in self._solutions
            )
            earlier = self._order[: self._order.index(grade_id)]
            anchors = [i for i in map(lambda name: self._position(nb, name), reversed(earlier)) if i is not None]
            nb.cells.insert(anchors[0] + 1 if anchors else len(nb.cells), cell)
        return nb, resources

    @staticmethod
    def _position(nb, grade_id):
        for index, cell in enumerate(nb.cells):
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
                return index
        return None


class FeedbackWithoutHiddenTests(ClearHiddenTests):
    """Feedback that shows no hidden test, neither its code nor its traceback.

    nbgrader's feedback shows the autograded notebook, where the hidden tests are
    back in the test cells. This removes them and cuts an error in such a cell
    down to its last line (for example ``AssertionError: hidden test: a stride
    that does not fit``), because a traceback quotes the failing test's code.
    """

    enforce_metadata = Bool(False, help="A student's own cell may quote the markers.").tag(config=True)

    def preprocess_cell(self, cell, resources, cell_index):
        had_hidden_tests = self.begin_test_delimeter in cell.source
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if had_hidden_tests and cell.cell_type == "code":
            for output in cell.outputs:
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources


c.Autograde.sanitize_preprocessors = [ClearOutput, GradebookCells, OverwriteKernelspec, CheckCellMetadata]

# ---------------------------------------------------------------- feedback

c.GenerateFeedback.preprocessors = [GetGrades, FeedbackWithoutHiddenTests, CSSHTMLHeaderPreprocessor]
