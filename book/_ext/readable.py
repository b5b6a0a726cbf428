"""Make the pages read well without changing a chapter's source.

Three things, each on the parsed page (the chapter files stay as their authors
wrote them, and a downloaded notebook keeps every line):

* `glue(...)` calls hand numbers and figures to the prose; they are plumbing, not
  part of the lesson. They are taken out of the code a reader sees, and a code
  cell left with nothing to show (no code, no output) is left out of the page.
* A figure's caption becomes the alt text of its image (instead of a file name).
* Tables get a class on their number columns (right-aligned in `course.css`) and
  pandas' second header row, the one holding only the index name, is folded
  into the first: one header row per table.
"""

from __future__ import annotations

import ast
import re

from docutils import nodes

GLUE_MODULES = {"myst_nb", "myst_nb.glue"}

# A number as the book prints it: 18,496  0.93  -3  12 %  1e-05  3.5×
NUMBER = re.compile(r"^[(]?[-+−]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?([eE][-+]?\d+)?\s*[%×]?[)]?$")
PLACEHOLDERS = {"", "—", "–", "-", "nan", "NaN", "None"}


# --- glue calls out of the visible code ------------------------------------------

def _is_glue_call(stmt: ast.stmt) -> bool:
    if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
        return False
    func = stmt.value.func
    return (isinstance(func, ast.Name) and func.id == "glue") or (
        isinstance(func, ast.Attribute) and func.attr == "glue"
    )


def _is_glue_import(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.ImportFrom)
        and stmt.module in GLUE_MODULES
        and all(alias.name == "glue" for alias in stmt.names)
    )


def _only_glue(stmt: ast.stmt) -> bool:
    """A glue call or import, or a loop / if / with whose every branch only glues."""
    if _is_glue_call(stmt) or _is_glue_import(stmt):
        return True
    if isinstance(stmt, (ast.For, ast.While, ast.If, ast.With)):
        branches = [stmt.body] + ([stmt.orelse] if getattr(stmt, "orelse", None) else [])
        return all(all(_only_glue(s) for s in branch) for branch in branches)
    return False


def _glue_statements(body: list[ast.stmt]):
    """The statements to take out: glue-only ones, looked for inside compound statements too."""
    for stmt in body:
        if _only_glue(stmt):
            yield stmt
        else:
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(stmt, field, None)
                if isinstance(inner, list) and inner and not all(_only_glue(s) for s in inner):
                    yield from _glue_statements(inner)


def strip_glue(source: str) -> str:
    """`source` without its glue calls and glue imports; unchanged if it does not parse."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    cuts = []
    for stmt in _glue_statements(tree.body):
        start = starts[stmt.lineno - 1] + stmt.col_offset
        end = starts[stmt.end_lineno - 1] + stmt.end_col_offset
        line_start, line_end = starts[stmt.lineno - 1], starts[stmt.end_lineno]
        before, after = source[line_start:start], source[end:line_end]
        if not before.strip() and (not after.strip() or after.strip().startswith("#")):
            start, end = line_start, line_end  # the statement has its lines to itself
        elif after.lstrip().startswith(";"):
            end += len(after) - len(after.lstrip()) + 1  # `glue(...); more`
        elif before.rstrip().endswith(";"):
            start = line_start + len(before.rstrip()) - 1  # `code; glue(...)`
        cuts.append((start, end))
    if not cuts:
        return source
    kept, position = [], 0
    for start, end in sorted(cuts):
        kept.append(source[position:start])
        position = max(position, end)
    kept.append(source[position:])
    text = re.sub(r"\n{3,}", "\n\n", "".join(kept))
    return text.strip("\n") + ("\n" if source.endswith("\n") and text.strip() else "")


def _nb_element(node, name: str) -> bool:
    return isinstance(node, nodes.container) and node.get("nb_element") == name


def _strip_glue_from_cells(app, doctree):
    for cell in list(doctree.findall(lambda n: _nb_element(n, "cell_code"))):
        for source in [c for c in cell.children if _nb_element(c, "cell_code_source")]:
            for block in list(source.findall(nodes.literal_block)):
                code = block.astext()
                shown = strip_glue(code)
                if shown == code:
                    continue
                if shown.strip():
                    new = nodes.literal_block(shown, shown, **block.attributes)
                    block.replace_self(new)
                else:
                    source.remove(block)
            if not source.children:
                cell.remove(source)
                mode = cell.get("hide_mode")
                if mode == "input":
                    del cell["hide_mode"]
                elif mode in ("all", "input+output"):
                    cell["hide_mode"] = "output"
        if not cell.children:
            cell.parent.remove(cell)


# --- captions as alt text ----------------------------------------------------------

def _caption_alt(app, doctree, docname):
    for figure in doctree.findall(nodes.figure):
        captions = [c for c in figure.children if isinstance(c, nodes.caption)]
        if not captions:
            continue
        text = " ".join(captions[0].astext().split())
        for image in figure.findall(nodes.image):
            image["alt"] = text


# --- tables ---------------------------------------------------------------------------

def _is_number(text: str) -> bool:
    return bool(NUMBER.match(text.strip().replace("\u202f", "").replace("\u2009", "")))


def _number_columns(rows: list[list[str]]) -> set[int]:
    """Columns whose every filled cell is a number (and at least one is)."""
    columns: dict[int, list[str]] = {}
    for row in rows:
        for index, text in enumerate(row):
            columns.setdefault(index, []).append(text.strip())
    return {
        index
        for index, texts in columns.items()
        if any(t not in PLACEHOLDERS for t in texts)
        and all(t in PLACEHOLDERS or _is_number(t) for t in texts)
    }


def _fold_index_row(thead) -> None:
    """pandas writes the index name on a second header row with nothing else: fold it up."""
    rows = thead.find_all("tr", recursive=False)
    if len(rows) != 2:
        return
    first, second = (row.find_all(["th", "td"], recursive=False) for row in rows)
    names = [cell.get_text(strip=True) for cell in second]
    levels = len(names)
    while levels and not names[levels - 1]:
        levels -= 1  # pandas leaves the column positions of this row empty
    if not levels or len(first) != len(second) or any(c.get_text(strip=True) for c in first[:levels]):
        return
    for cell, name in zip(first[:levels], names[:levels]):
        cell.string = name
    rows[1].decompose()


def _html_tables(html: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    tables = soup.find_all("table")
    for table in tables:
        if table.thead:
            _fold_index_row(table.thead)
        body_rows = [row.find_all(["td", "th"], recursive=False) for row in table.find_all("tr") if row.find_parent("thead") is None]
        numeric = _number_columns([[cell.get_text() for cell in row] for row in body_rows])
        for row in table.find_all("tr"):
            for index, cell in enumerate(row.find_all(["td", "th"], recursive=False)):
                if index in numeric and (cell.name == "td" or row.find_parent("thead") is not None):
                    cell["class"] = [*cell.get("class", []), "num"]
    return str(soup) if tables else html


def _docutils_table_rows(table):
    for group in table.findall(nodes.tgroup):
        for section in group.children:
            if isinstance(section, (nodes.thead, nodes.tbody)):
                for row in section.children:
                    yield isinstance(section, nodes.thead), [entry for entry in row.children]


def _mark_tables(app, doctree, docname):
    for raw in list(doctree.findall(nodes.raw)):
        if "html" in raw.get("format", "").split() and "<table" in raw.astext():
            html = _html_tables(raw.astext())
            raw.replace_self(nodes.raw(html, html, format=raw["format"]))
    for table in doctree.findall(nodes.table):
        rows = list(_docutils_table_rows(table))
        numeric = _number_columns([[entry.astext() for entry in row] for head, row in rows if not head])
        for _, row in rows:
            for index, entry in enumerate(row):
                if index in numeric:
                    entry["classes"].append("num")


def setup(app):
    app.connect("doctree-read", _strip_glue_from_cells)
    app.connect("doctree-resolved", _caption_alt)
    app.connect("doctree-resolved", _mark_tables)
    app.add_css_file("course.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 2}
