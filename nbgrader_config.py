"""nbgrader configuration of the course.

Every nbgrader command run from the repository root reads this file. Paths are
relative to the folder that holds it, so a copy of the course in another folder
(the tests make one) works unchanged.
"""

import os

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

COURSE_ROOT = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "cnn-course"
c.CourseDirectory.root = COURSE_ROOT
c.CourseDirectory.source_directory = "source_notebooks"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
# nbgrader's default SQLite gradebook, kept next to this file (never committed).
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(COURSE_ROOT, "gradebook.db")
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".DS_Store"]

# What students see in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Grading: put back any graded or locked cell a student deleted or edited, so the
# instructor's tests are always the ones that run.
c.OverwriteCells.add_missing_cells = True

# Per-cell execution limit (seconds). `make autograde` overrides it per assignment
# from course.yml; this is the default for a bare `nbgrader autograde`.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True

# Keep feedback and the gradebook readable when a submission prints without end.
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100
