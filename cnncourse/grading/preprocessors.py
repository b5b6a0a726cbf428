"""The course's nbgrader plug-ins, named by dotted path in ``nbgrader_config.py``.

Each class is one nbgrader preprocessor that closes a gap a careful instructor
would otherwise find the hard way; its docstring says which. nbgrader does the
grading itself: these only decide which cells run, how a test cell's outcome
becomes points, and what feedback shows.
"""

from __future__ import annotations

import html
import json

from nbclient.exceptions import DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.api import Gradebook
from nbgrader.preprocessors import ClearHiddenTests, Execute, LimitOutput, OverwriteCells, SaveAutoGrades
from traitlets import Bool, Integer

from .kernel import GradingKernelManager
from .sandbox import Limits

RESTORED = "Restored locked cell"  # how the log names a cell put back; the report lists them


class GradebookCells(OverwriteCells):
    """nbgrader's OverwriteCells, made to trust only the gradebook.

    nbgrader reads a submission's cell metadata to find the instructor's cells
    again, and it already puts back locked sources (checksums), points and
    deleted test cells. What it leaves open, each closed here:

    * a cell whose nbgrader metadata is malformed or names a schema version other
      than nbgrader's stops the *whole batch* (SchemaTooOldError), not just that
      student;
    * a cell with a grade id the gradebook does not know keeps ``grade: true``
      without an id and fails validation;
    * restoring a deleted test cell crashes (KeyError) when the cell before it is
      gone too, which is what happens when an editor strips every cell's nbgrader
      metadata;
    * a deleted locked cell that is not a test (the set-up cell that imports what
      the tests need) is not put back, so every later test fails with no word why;
    * every test cell with hidden tests is logged as "changed", because the
      student's copy lacks them; only a cell the student really edited is reported.

    A submission's nbgrader metadata is only used to recognise a cell: metadata
    the gradebook does not know (or a second copy of a known cell) is dropped and
    the cell stays as plain code; a locked cell whose metadata was stripped is
    recognised by its released source; a known cell gets its flags and points
    back from the gradebook; a missing locked cell goes right after the nearest
    earlier instructor cell that is still there.
    """

    add_missing_cells = Bool(True, help="Put deleted locked and test cells back (always on here).").tag(config=True)

    def preprocess(self, nb, resources):
        self.notebook_id = resources["nbgrader"]["notebook"]
        self.assignment_id = resources["nbgrader"]["assignment"]
        self.db_url = resources["nbgrader"]["db_url"]
        self.gradebook = Gradebook(self.db_url)
        with self.gradebook:
            notebook = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
            self._source_cells = {cell.name: cell for cell in notebook.source_cells}
            self._order = [cell.name for cell in notebook.source_cells]
            self._locked = {cell.name: cell.locked for cell in notebook.source_cells}
            self._points = {cell.name: cell.max_score for cell in notebook.grade_cells}
            self._solutions = {cell.name for cell in notebook.solution_cells}
            self._tasks = {cell.name for cell in notebook.task_cells}
            self._as_released = False
            self._recognise_unmarked_cells(nb)
            self._trust_known_metadata(nb)
            nb, resources = super(OverwriteCells, self).preprocess(nb, resources)  # per-cell checks
            if self.add_missing_cells:
                nb, resources = self.add_missing_grade_cells(nb, resources)
                nb, resources = self.add_missing_task_cells(nb, resources)
        return nb, resources

    def preprocess_cell(self, cell, resources, cell_index):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        source_cell = self._source_cells.get(grade_id)
        self._as_released = source_cell is not None and cell.source == released_source(source_cell.source)
        return super().preprocess_cell(cell, resources, cell_index)

    def report_change(self, name, attr, old, new):
        if attr == "checksum" and self._as_released:
            return  # the student's copy of the cell, exactly as released: nothing changed
        super().report_change(name, attr, old, new)

    def _recognise_unmarked_cells(self, nb):
        """Give a cell whose nbgrader metadata was stripped its id back, if it is a locked cell as released."""
        present = {cell.metadata.nbgrader.get("grade_id") for cell in nb.cells
                   if isinstance(cell.get("metadata", {}).get("nbgrader"), dict)}
        released = {(c.cell_type, released_source(c.source)): name for name, c in self._source_cells.items()
                    if c.locked and name not in present}
        for cell in nb.cells:
            name = released.pop((cell.cell_type, cell.source), None) if "nbgrader" not in cell.metadata else None
            if name is not None:
                cell.metadata["nbgrader"] = {"grade_id": name}

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
        """Put back every test cell and every locked cell the submission lacks, in the source's order."""
        for grade_id in self._order:
            is_test = grade_id in self._points
            if not (is_test or self._locked[grade_id]) or grade_id in self._tasks:
                continue
            if self._position(nb, grade_id) is not None:
                continue
            source_cell = self._source_cells[grade_id]
            if is_test:
                cell = self.missing_cell_transform(source_cell, self._points[grade_id],
                                                   is_solution=grade_id in self._solutions)
            else:
                cell = locked_cell(source_cell)
            self.log.warning("%s %s: the submission had deleted it", RESTORED, grade_id)
            nb.cells.insert(self._insertion_index(nb, grade_id), cell)
        return nb, resources

    def _insertion_index(self, nb, grade_id):
        """Right after the nearest earlier cell still there, else before the nearest later one, else at the end."""
        index = self._order.index(grade_id)
        for name in reversed(self._order[:index]):
            position = self._position(nb, name)
            if position is not None:
                return position + 1
        for name in self._order[index + 1:]:
            position = self._position(nb, name)
            if position is not None:
                return position
        return len(nb.cells)

    @staticmethod
    def _position(nb, grade_id):
        for index, cell in enumerate(nb.cells):
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
                return index
        return None


def released_source(source: str) -> str:
    """A source cell as students receive it: the hidden tests taken out, as nbgrader does."""
    cell = NotebookNode(cell_type="code", source=source, metadata={})
    ClearHiddenTests(enforce_metadata=False)._remove_hidden_test_region(cell)
    return cell.source


def locked_cell(source_cell) -> NotebookNode:
    """A locked instructor cell (instructions, set-up code) from its gradebook record."""
    cell = NotebookNode(
        cell_type=source_cell.cell_type,
        source=source_cell.source,
        metadata=NotebookNode(
            deletable=False, editable=False,
            nbgrader=NotebookNode(grade=False, solution=False, locked=True, grade_id=source_cell.name,
                                  checksum=source_cell.checksum, schema_version=3),
        ),
    )
    if cell.cell_type == "code":
        cell.outputs, cell.execution_count = [], None
    return cell


class GradingExecute(Execute):
    """nbgrader's Execute, starting kernels through :class:`~cnncourse.grading.kernel.GradingKernelManager`.

    nbgrader's Execute passes its kernel manager as an argument, which a
    configuration setting cannot override; this subclass is the one way in. It
    also gives the kernel its assignment's sandbox limits (course.yml's
    ``memory``), and names the memory limit when the kernel died of it.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", GradingKernelManager)
        super().__init__(*args, **kwargs)
        self._limits = None
        self._grading_km = None

    def preprocess(self, nb, resources, km=None):
        self._limits = _sandbox_limits(self.config, resources)
        try:
            return super().preprocess(nb, resources, km=km)
        except DeadKernelError:
            if self._grading_km is not None and self._grading_km.memory_exhausted:
                raise DeadKernelError(f"Kernel died: {self._grading_km.limits.memory_message()} "
                                      "(course.yml: memory)") from None
            raise

    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        if self._limits is not None and isinstance(km, GradingKernelManager):
            km.limits = self._limits
        self._grading_km = km
        return km


def _sandbox_limits(config, resources):
    """The sandbox limits of the assignment being graded, from the course's course.yml (None if unknown)."""
    from .course import CourseError, load_course

    root = config.CourseDirectory.get("root") if "CourseDirectory" in config else None
    name = resources.get("nbgrader", {}).get("assignment")
    if not root or not name:
        return None
    try:
        assignment = load_course(root).assignment(name)
    except CourseError:
        return None
    return Limits(assignment.memory, assignment.memory_text)


class PassIfNoError(SaveAutoGrades):
    """Grades a test cell by one rule: full points if it raised nothing, none if it raised.

    nbgrader also reads the first displayed value as partial credit and fails a
    cell that wrote to stderr. Both hand the verdict to the student's kernel: with
    ``%config InteractiveShell.ast_node_interactivity = 'all'`` a test cell's
    docstring becomes its first output and earns full points before the failing
    assertion is looked at, and a correct answer whose library prints a warning
    loses its points. The course's tests give no partial credit.
    """

    def _add_score(self, cell, resources):
        if utils.is_solution(cell) or cell.cell_type != "code":
            return super()._add_score(cell, resources)
        grade = self.gradebook.find_grade(
            cell.metadata["nbgrader"]["grade_id"], self.notebook_id, self.assignment_id, self.student_id)
        raised = any(output.output_type == "error" for output in cell.outputs)
        grade.auto_score = 0.0 if raised else float(cell.metadata["nbgrader"]["points"])
        grade.needs_manual_grade = grade.manual_score is not None
        self.gradebook.db.commit()


class LimitOutputSize(LimitOutput):
    """nbgrader's LimitOutput, which counts lines, with a limit on characters too.

    500 printed lines of 100 kB each pass a line limit and make a 50 MB
    autograded notebook and feedback page. Here every text output of a cell
    (printed streams, displayed values, error messages) shares ``max_chars``
    characters, and a picture or other binary output larger than
    ``max_binary_bytes`` is replaced by a note.
    """

    max_chars = Integer(100_000, help="characters of text output kept per cell (-1: no limit)").tag(config=True)
    max_binary_bytes = Integer(2_000_000, help="bytes of one binary output (a picture) kept").tag(config=True)

    def preprocess_cell(self, cell, resources, cell_index):
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if cell.cell_type == "code" and self.max_chars != -1:
            budget = [self.max_chars]
            for output in cell.outputs:
                self._limit_output(output, budget)
        return cell, resources

    def _limit_output(self, output, budget: list[int]) -> None:
        if output.output_type == "stream":
            output.text = self._cut(output.text, budget)
        elif output.output_type == "error":
            output.evalue = self._cut(output.evalue, budget)
            output.traceback = [self._cut(line, budget) for line in output.traceback]
        elif "data" in output:
            for mime, value in list(output.data.items()):
                text = value if isinstance(value, str) else "".join(value) if isinstance(value, list) else str(value)
                if mime.startswith("text/") or mime.endswith("json"):
                    output.data[mime] = self._cut(text, budget) if isinstance(value, str) else value
                elif len(text) > self.max_binary_bytes:
                    output.data = {"text/plain": f"... {mime} output of {len(text):,} bytes left out ..."}
                    return

    @staticmethod
    def _cut(text: str, budget: list[int]) -> str:
        if len(text) <= budget[0]:
            budget[0] -= len(text)
            return text
        kept, budget[0] = text[: budget[0]], 0
        return kept + f"\n... Output truncated ({len(text) - len(kept):,} characters) ..."


class FeedbackWithoutHiddenTests(ClearHiddenTests):
    """Feedback that shows no hidden test, by any route a student controls.

    nbgrader's feedback shows the autograded notebook, where the hidden tests are
    back in the test cells. This removes them from the instructor's test cells
    (and only there: a student's own cell that quotes the markers is shown as
    written), cuts an error in a test cell down to its last line (for example
    ``AssertionError: hidden test: a stride that does not fit``), because a
    traceback quotes the failing test's code, and blanks every hidden-test line
    wherever it shows up in an output: a cell that prints ``In`` or ``_ih`` after
    grading, or an error that quotes its caller's source.
    """

    enforce_metadata = Bool(False, help="A student's own cell may quote the markers.").tag(config=True)
    min_hidden_line = Integer(6, help="Hidden-test lines shorter than this are not searched for in outputs."
                              ).tag(config=True)

    def preprocess(self, nb, resources):
        forms = {form for line in self._hidden_lines(nb) for form in self._spellings(line)}
        self._hidden = sorted(forms, key=len, reverse=True)
        return super().preprocess(nb, resources)

    @staticmethod
    def _spellings(line: str) -> set[str]:
        """A line as it appears printed, inside a printed string or list (``print(In)``), in JSON and in HTML."""
        return {line, repr(line)[1:-1], repr(line.replace("'", '"'))[1:-1], json.dumps(line)[1:-1],
                html.escape(line), html.escape(line, quote=False)}

    def _hidden_lines(self, nb) -> set[str]:
        lines = set()
        for cell in nb.cells:
            if not self._is_instructor_test(cell):
                continue
            inside = False
            for line in cell.source.splitlines():
                if self.begin_test_delimeter in line:
                    inside = True
                elif self.end_test_delimeter in line:
                    inside = False
                elif inside and len(line.strip()) >= self.min_hidden_line:
                    lines.add(line.strip())
        return lines

    @staticmethod
    def _is_instructor_test(cell) -> bool:
        return cell.cell_type == "code" and utils.is_grade(cell) and utils.is_locked(cell)

    def preprocess_cell(self, cell, resources, cell_index):
        if self._is_instructor_test(cell):
            had_hidden_tests = self.begin_test_delimeter in cell.source
            cell, resources = super().preprocess_cell(cell, resources, cell_index)
            if had_hidden_tests:
                for output in cell.outputs:
                    if output.output_type == "error":
                        output.traceback = [f"{output.ename}: {output.evalue}"]
        for output in cell.get("outputs", []):
            self._blank_hidden_lines(output)
        return cell, resources

    def _blank_hidden_lines(self, output) -> None:
        if output.output_type == "stream":
            output.text = self._blank(output.text)
        elif output.output_type == "error":
            output.evalue = self._blank(output.evalue)
            output.traceback = [self._blank(line) for line in output.traceback]
        elif "data" in output:
            for mime, value in output.data.items():
                if isinstance(value, str) and (mime.startswith("text/") or mime.endswith("json")):
                    output.data[mime] = self._blank(value)

    def _blank(self, text: str) -> str:
        for line in self._hidden:
            if line in text:
                text = text.replace(line, "[hidden test]")
        return text
