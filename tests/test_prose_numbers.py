"""No page of the book types a long number into its prose.

A number of three or more significant digits in the text of a chapter must be
glued from the cell that computes it (``{glue:text}`name```), or be one of the
few constants in ``prose_numbers.ALLOWED``. In the homework notebooks, which the
book shows but does not execute, it must be covered by one of the statements
that ``tests/test_notebook_numbers.py`` checks. Pure text parsing: no build.
"""

import copy
from pathlib import Path

import pytest
import yaml

from notebook_numbers import STATEMENTS, release
from prose_numbers import ALLOWED, MIN_DIGITS, prose, significant_digits, typed_numbers

ROOT = Path(__file__).resolve().parents[1]


def _toc_files(node) -> list[str]:
    """Every 'file' (and 'root') entry of _toc.yml, in order."""
    if isinstance(node, dict):
        own = [node[key] for key in ("root", "file") if key in node]
        return own + [f for value in node.values() for f in _toc_files(value)]
    if isinstance(node, list):
        return [f for item in node for f in _toc_files(item)]
    return []


TOC = _toc_files(yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8")))
PAGES = [ROOT / f"{f}.md" for f in TOC if (ROOT / f"{f}.md").exists()]
ASSIGNMENTS = [Path(f).name for f in TOC if f.startswith("release/")]


def page_offenders(text: str) -> list[str]:
    """Typed numbers of a MyST page that are neither glued nor allowed."""
    return [f"line {t.line}: {t.number!r} in {t.context!r}" for t in typed_numbers(text) if t.number not in ALLOWED]


def notebook_offenders(notebook, assignment: str) -> list[str]:
    """Typed numbers in a notebook's markdown that no checked statement covers."""
    covered: dict[int, list[tuple[int, int]]] = {}
    for statement in (s for s in STATEMENTS if s.assignment == assignment):
        for index, match in statement.matches(notebook):
            covered.setdefault(index, []).extend(match.span(g) for g in range(1, (match.lastindex or 0) + 1))
    offenders = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "markdown":
            continue
        for t in typed_numbers(cell.source):
            if t.number in ALLOWED or any(a <= t.start < b for a, b in covered.get(index, [])):
                continue
            offenders.append(f"cell {cell.get('id', index)}: {t.number!r} in {t.context!r}")
    return offenders


def test_the_pages_are_found():
    """Every chapter of the table of contents is a Markdown page or a released notebook."""
    assert len(PAGES) >= 15 and len(ASSIGNMENTS) >= 4
    assert len(PAGES) + len(ASSIGNMENTS) == len(TOC)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT / "book")))
def test_page_types_no_long_number(page):
    offenders = page_offenders(page.read_text(encoding="utf-8"))
    assert not offenders, (
        f"{page.relative_to(ROOT)} types numbers of {MIN_DIGITS}+ significant digits into its prose; "
        "glue them from the cell that computes them:\n  " + "\n  ".join(offenders)
    )


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_notebook_numbers_are_checked(assignment):
    offenders = notebook_offenders(release(assignment), assignment)
    assert not offenders, (
        f"release/{assignment} types numbers that no statement in tests/notebook_numbers.py checks:\n  "
        + "\n  ".join(offenders)
    )


def test_every_allowed_number_is_needed():
    """The allow-list stays short: each entry is typed somewhere in the book."""
    typed = {t.number for page in PAGES for t in typed_numbers(page.read_text(encoding="utf-8"))}
    typed |= {t.number for a in ASSIGNMENTS for c in release(a).cells if c.cell_type == "markdown"
              for t in typed_numbers(c.source)}
    assert set(ALLOWED) <= typed, f"no longer typed anywhere: {sorted(set(ALLOWED) - typed)}"


# --------------------------------------------------------------------------- the parser itself

SAMPLE = """---
jupytext:
  format_version: 0.13
---

(label-123)=
# A page about 2,048 things

The model has {glue:text}`n-params:,` parameters, see {ref}`label-123` and
[the 1024 page](https://example.org/page-4096). Inline `Dense(512)` and $o = 227$ are not prose.

```{code-cell} ipython3
:tags: [remove-input]
x = 60_000 + 12345
```

$$
o = \\frac{227 - 11}{4} + 1 = 55
$$

```{glue:figure} fig-777
:name: fig-888
:figwidth: 100%

A caption with 3,136 typed entries.
```

<!-- a comment with 999 in it -->
Keep conv3, float32, BT.709 and CIFAR-10; a typed 0.108 and 40 and 1.5.
"""


def test_sample_reports_exactly_the_typed_numbers():
    found = [t.number for t in typed_numbers(SAMPLE)]
    assert found == ["2,048", "1024", "3,136", "0.108"]  # a link's text is prose, its target is not
    assert [t.number for t in typed_numbers(SAMPLE, min_digits=1)] == ["2,048", "1024", "3,136", "0.108", "40", "1.5"]


def test_prose_keeps_offsets_and_lines():
    cleaned = prose(SAMPLE)
    assert len(cleaned) == len(SAMPLE) and cleaned.count("\n") == SAMPLE.count("\n")
    for t in typed_numbers(SAMPLE):
        assert SAMPLE[t.start : t.start + len(t.number)] == t.number


@pytest.mark.parametrize(
    ("number", "digits"), [("60,000", 5), ("0.108", 3), ("0.05", 1), ("2016", 4), ("99.5", 3), ("55", 2)]
)
def test_significant_digits(number, digits):
    assert significant_digits(number) == digits


def test_a_number_planted_in_a_real_page_fails():
    """Type a parameter count into a chapter's prose: the check reports that line."""
    page = ROOT / "book" / "02-cnn" / "parameters.md"
    text = page.read_text(encoding="utf-8")
    assert page_offenders(text) == []
    heading = "## The MNIST network\n"
    planted = text.replace(heading, heading + "\nThis network has 93,322 parameters.\n", 1)
    offenders = page_offenders(planted)
    assert len(offenders) == 1 and "'93,322'" in offenders[0]


def test_a_number_planted_in_a_notebook_fails():
    notebook = copy.deepcopy(release("cifar10"))
    assert notebook_offenders(notebook, "cifar10") == []
    cell = next(c for c in notebook.cells if c.cell_type == "markdown" and "N_VALID" in c.source)
    cell.source += "\nEach epoch takes about 1,407 steps."
    offenders = notebook_offenders(notebook, "cifar10")
    assert len(offenders) == 1 and "'1,407'" in offenders[0]
