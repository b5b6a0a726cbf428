"""Find the numbers typed into the prose of the book's pages.

Every number a chapter states should come from a cell (myst-nb ``glue``) or be
asserted by a test. This module reads MyST Markdown as plain text, with no
build, and returns the numbers left in its *prose*: what remains after taking
out the front matter, code cells and other literal blocks, display and inline
math, inline code, roles (``{glue:text}`name```, ``{ref}``, ``{doc}`` ...),
link targets, URLs, directive options and HTML comments. A number glued into
the text is written as a role, so it never shows up here; what shows up was
typed.

``significant_digits`` counts every digit but leading zeros: "60,000" has five,
"0.108" three, "2016" four. Trailing zeros count because a typed "60,000" is a
typed count all the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The smallest number of significant digits a typed number needs to be reported.
MIN_DIGITS = 3

#: Numbers that may stay typed, with the reason. Keep it short: anything that a
#: cell computes, or that describes a model or a data set, is glued instead.
ALLOWED = {
    "180": "a half turn, in degrees: the rotation that flips a kernel, part of the definition",
    "255": "the largest uint8 value (the 0 .. 255 range of 8-bit images): a constant of the format",
    "2012": "year of publication (Krizhevsky, Sutskever and Hinton, AlexNet)",
    "2016": "year of publication (Dumoulin and Visin, the convolution arithmetic guide; Luo et al.)",
}

_FENCE = re.compile(r"^\s*(`{3,}|~{3,}|:{3,})\s*(?:\{([^}]*)\})?(.*)$")
#: Directives whose body is code or math, never prose.
_LITERAL_DIRECTIVES = {
    "code-cell", "code", "code-block", "sourcecode", "math", "raw", "eval-rst", "literalinclude", "mermaid",
}
_OPTION = re.compile(r"^\s*:[\w-]+:")
_TARGET = re.compile(r"^\s*\([\w:.-]+\)=\s*$")
_INLINE = [
    re.compile(r"\{[\w:.-]+\}`[^`]*`"),  # roles: {glue:text}`name:,`, {ref}`label`, {doc}`path`
    re.compile(r"``[^`]+``|`[^`]*`"),  # inline code
    re.compile(r"(?<![\\$])\$(?!\$)[^$]+(?<![\\$])\$"),  # inline math $...$
    re.compile(r"\]\([^)]*\)"),  # link targets [text](target)
    re.compile(r"<https?://[^>]*>|https?://\S+"),  # URLs
    re.compile(r"\{\{[^}]*\}\}"),  # substitutions
    re.compile(r"<[^>]+>"),  # HTML tags and their attributes
]
#: A number standing alone: not part of a name (conv3, float32, BT.709, CIFAR-10).
_NUMBER = re.compile(r"(?<![A-Za-z_.\d])(?<![A-Za-z]-)(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")


@dataclass(frozen=True)
class TypedNumber:
    line: int  # 1-based line in the text given
    number: str  # as written
    start: int  # offset of the number in the whole text
    context: str  # the prose line it was found in

    @property
    def digits(self) -> int:
        return significant_digits(self.number)


def significant_digits(number: str) -> int:
    """Digits of a number as written, leading zeros left out ("0.108" -> 3, "60,000" -> 5)."""
    return len(number.replace(",", "").replace(".", "").lstrip("0"))


def _blank(match: re.Match) -> str:
    """The match with everything but newlines turned into spaces, so offsets stay put."""
    return re.sub(r"[^\n]", " ", match.group())


def prose(text: str) -> str:
    """The text with everything that is not prose replaced by spaces (same length, same lines)."""
    text = re.sub(r"<!--.*?-->", _blank, text, flags=re.S)
    lines = text.split("\n")
    keep = [True] * len(lines)
    first = 0
    if lines and lines[0].strip() == "---" and "---" in (line.strip() for line in lines[1:]):
        first = next(i for i in range(1, len(lines)) if lines[i].strip() == "---") + 1
        keep[:first] = [False] * first
    stack: list[tuple[str, int, bool]] = []  # open fences: (character, length, literal?)
    in_math = options = False
    for i in range(first, len(lines)):
        line, stripped = lines[i], lines[i].strip()
        literal = any(entry[2] for entry in stack)
        fence = _FENCE.match(line)
        if fence:
            marks, name, rest = fence.groups()
            closes = name is None and not rest.strip() and stack and stack[-1][0] == marks[0]
            if closes and len(marks) >= stack[-1][1]:
                stack.pop()
            elif not literal:
                is_literal = (name is None and marks[0] != ":") or (name or "").strip() in _LITERAL_DIRECTIVES
                stack.append((marks[0], len(marks), is_literal))
                options = True
            keep[i] = False
            continue
        if literal:
            keep[i] = False
            continue
        if options and _OPTION.match(line):
            keep[i] = False
            continue
        options = False
        if stripped.startswith("$$") or in_math:
            one_line = stripped.startswith("$$") and len(stripped) > 4 and stripped.endswith("$$")
            if stripped.startswith("$$") and not one_line:
                in_math = not in_math
            elif in_math and stripped.endswith("$$"):
                in_math = False
            keep[i] = False
            continue
        if _TARGET.match(line):
            keep[i] = False
    out = []
    for line, kept in zip(lines, keep):
        if not kept:
            out.append(" " * len(line))
            continue
        for pattern in _INLINE:
            line = pattern.sub(_blank, line)
        out.append(line)
    return "\n".join(out)


def typed_numbers(text: str, min_digits: int = MIN_DIGITS) -> list[TypedNumber]:
    """Every number in the prose of ``text`` with at least ``min_digits`` significant digits."""
    cleaned = prose(text)
    line_starts = [0] + [m.end() for m in re.finditer("\n", cleaned)]
    found = []
    for match in _NUMBER.finditer(cleaned):
        if significant_digits(match.group()) < min_digits:
            continue
        line = next(i for i in range(len(line_starts) - 1, -1, -1) if line_starts[i] <= match.start())
        context = cleaned[line_starts[line] :].split("\n", 1)[0].strip()
        found.append(TypedNumber(line + 1, match.group(), match.start(), " ".join(context.split())))
    return found
