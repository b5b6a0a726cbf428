"""CONTRIBUTING.md matches the code: it names every module of the package, and every file it names exists."""

import re

from nbgrader_course import ROOT

TEXT = (ROOT / "CONTRIBUTING.md").read_text()
QUOTED = set(re.findall(r"`([^`\s]+)`", TEXT))


def test_every_module_of_the_package_is_named():
    package = ROOT / "cnncourse"
    modules = {path.stem for path in package.glob("*.py") if path.stem != "__init__"}
    modules |= {f"{path.name}/" for path in package.iterdir() if (path / "__init__.py").exists()}
    assert modules - QUOTED == set(), "CONTRIBUTING.md's package section must name these modules"


def test_every_file_it_names_exists():
    paths = {q for q in QUOTED if "/" in q and "<" not in q and not q.startswith(("http", "-"))
             and re.fullmatch(r"[\w./-]+", q) and ("." in q.rsplit("/", 1)[-1] or q.endswith("/"))}
    assert paths, "the recipes name files"
    missing = sorted(p for p in paths if not (ROOT / p.removeprefix("./")).exists() and not (ROOT / "cnncourse" / p).exists())
    assert missing == [], missing
