"""nbgrader configuration of the course.

Every nbgrader command run from the repository root reads this file, and so does
every grading worker (`make autograde` sends it with each submission). Paths are
relative to the folder that holds it, so a copy of the course in another folder
works unchanged.

The assignments, their time limits, due dates, the roster and the gradebook's
address live in course.yml, read by `cnncourse.grading.course.load_course`. The
course's nbgrader plug-ins live in `cnncourse.grading.preprocessors`; this file
names them by dotted path and defines no classes, as nbgrader's documentation
advises.
"""

import os

from cnncourse.grading.course import load_course

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

COURSE_ROOT = os.path.dirname(os.path.abspath(__file__))
COURSE = load_course(COURSE_ROOT)
PLUGINS = "cnncourse.grading.preprocessors."

# ---------------------------------------------------------------- folders

c.CourseDirectory.course_id = COURSE.course_id
c.CourseDirectory.root = COURSE_ROOT
c.CourseDirectory.source_directory = "source_notebooks"  # instructor versions, committed
c.CourseDirectory.release_directory = "release"  # student versions, committed, generated
c.CourseDirectory.submitted_directory = "submitted"  # submitted/<student>/<assignment>/<assignment>.ipynb
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
# The gradebook named in course.yml: nbgrader's default SQLite file next to this
# one unless course.yml says otherwise (never committed).
c.CourseDirectory.db_url = COURSE.gradebook_url
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

# Per-cell execution limit (seconds). `make autograde` sets it per assignment from
# course.yml; this is the default for a bare `nbgrader autograde`. A cell that
# runs longer is interrupted, gets a CellTimeoutError, and grading goes on with the
# next cell: the student keeps the points earned elsewhere.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True
# A cell that prints without end can leave its output behind its reply; wait a
# little for it, then go on rather than failing the whole submission (a test
# cell's error still counts: nbgrader takes it from the reply).
c.Execute.iopub_timeout = 10
c.Execute.raise_on_iopub_timeout = False

# Keep feedback and the gradebook readable when a submission prints without end:
# at most 1000 lines and 100,000 characters of text output per cell.
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100
c.LimitOutputSize.max_chars = 100_000

# The instructor's cells are the ones that run: put back every test and locked cell
# a student deleted or edited, and trust only the gradebook's metadata
# (cnncourse.grading.preprocessors.GradebookCells says which gaps of nbgrader's
# OverwriteCells this closes).
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    PLUGINS + "GradebookCells",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.CheckCellMetadata",
]
# Kernels start in one place (cnncourse.grading.kernel), in the sandbox of
# cnncourse.grading.sandbox (no network, none of the course's files, course.yml's
# memory cap; CNNCOURSE_SANDBOX=off grades without it); a test cell passes exactly
# when it raised nothing, whatever the student's kernel displays or prints.
c.Autograde.autograde_preprocessors = [
    PLUGINS + "GradingExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    PLUGINS + "LimitOutputSize",
    PLUGINS + "PassIfNoError",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# ---------------------------------------------------------------- feedback

c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    PLUGINS + "FeedbackWithoutHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# ---------------------------------------------------------------- grades

# nbgrader's CSV columns plus how late each submission was (due dates: course.yml).
c.ExportApp.plugin_class = "cnncourse.grading.export.CsvWithLateness"
