"""The installed environment is the locked one, and the lock follows requirements.txt.

`requirements.txt` lists the course's direct requirements, each pinned exactly;
`requirements.lock` (written by `make lock`, pip-tools' pip-compile) pins every
package they pull in. A package that drifts, one installed by hand, or a lock
that was not regenerated after a change of requirements.txt fails here. These
tests read files and package metadata only: no network, well under a second.
"""

from __future__ import annotations

import importlib.metadata
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "requirements.txt"
LOCK = ROOT / "requirements.lock"
PROJECT = "cnncourse"  # installed editable from the repository, not from the lock
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)\s*(?:#.*)?$")


def normalized(name: str) -> str:
    """A distribution name as PEP 503 compares it (case, '-', '_' and '.' do not matter)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    """`name==version` lines of a requirements file; any other requirement line fails."""
    found: dict[str, str] = {}
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = PIN.match(line)
        assert match, f"{path.name}:{number}: {line!r} is not an exact pin (name==version)"
        name = normalized(match.group(1))
        assert name not in found, f"{path.name}:{number}: {name} is pinned twice"
        found[name] = match.group(2)
    return found


def lock_direct_requirements() -> set[str]:
    """The packages that the lock says it took from requirements.txt (`# via -r requirements.txt`)."""
    direct, current = set(), None
    for line in LOCK.read_text().splitlines():
        match = PIN.match(line.strip())
        if match and not line.startswith(" "):
            current = normalized(match.group(1))
        elif current and re.search(r"-r requirements\.txt\b", line):
            direct.add(current)
    return direct


def installed() -> dict[str, str]:
    """The distributions installed in this environment's site-packages.

    Only site-packages itself counts: once ``pkg_resources`` is imported (some
    test's imports do), setuptools puts its own vendored copies (``_vendor``) on
    the path, and those are part of setuptools, not packages of the environment.
    """
    site = {Path(p).resolve() for p in sys.path if Path(p).name == "site-packages"}
    return {
        normalized(dist.metadata["Name"]): dist.version
        for dist in importlib.metadata.distributions()
        if normalized(dist.metadata["Name"]) != PROJECT
        and Path(dist.locate_file("")).resolve() in site
    }


def test_every_direct_requirement_is_an_exact_pin_in_the_lock():
    direct, locked = pins(REQUIREMENTS), pins(LOCK)
    differ = {name: (version, locked.get(name)) for name, version in direct.items() if locked.get(name) != version}
    assert not differ, f"requirements.txt and requirements.lock disagree (wanted, locked): {differ}; run `make lock`"


def test_the_lock_was_generated_from_the_current_requirements():
    direct = set(pins(REQUIREMENTS))
    from_lock = lock_direct_requirements()
    assert from_lock == direct, (
        f"the lock was compiled from other requirements: only in requirements.txt {sorted(direct - from_lock)}, "
        f"only in the lock {sorted(from_lock - direct)}; run `make lock`"
    )


def test_the_installed_environment_is_exactly_the_lock():
    locked, present = pins(LOCK), installed()
    missing = sorted(f"{n}=={v}" for n, v in locked.items() if n not in present)
    extra = sorted(f"{n}=={v}" for n, v in present.items() if n not in locked)
    other = sorted(f"{n}: locked {locked[n]}, installed {v}" for n, v in present.items() if n in locked and locked[n] != v)
    assert not (missing or extra or other), (
        f"{sys.prefix} is not the locked environment; run `make setup` (or remove .venv and run it)\n"
        f"  missing: {missing}\n  not in the lock: {extra}\n  other versions: {other}"
    )


def test_the_course_package_is_installed_from_this_checkout():
    import cnncourse

    assert Path(cnncourse.__file__).resolve().is_relative_to(ROOT), (
        f"cnncourse is imported from {cnncourse.__file__}, not from {ROOT}"
    )


def test_the_locked_packages_satisfy_each_other_and_the_course_package():
    """`pip check`: every installed package's requirements, cnncourse's ranges included, hold."""
    import subprocess

    result = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
