"""What qualcode imports is declared, and what CI installs is pinned.

A package imported only because another dependency happens to pull it in (``rich`` came
with Textual) breaks the day that dependency stops pulling it in; and a CI run that takes
the newest release of everything can go red with no change to qualcode. So: every
third-party import in ``qualcode/`` is declared in pyproject.toml, and constraints.txt pins
every declared dependency within its range, with nothing heavy (torch, CUDA) slipping in.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from collections.abc import Iterable, Mapping
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

from tests.conftest import REPO

# Extras a researcher never needs at run time: the package's code may not import them.
NOT_AT_RUN_TIME = {"test", "dev"}
# Packages a pin here would drag in for nothing (qualcode runs on the CPU, with no torch).
HEAVY = re.compile(r"^(torch|torchvision|torchaudio|triton|nvidia-.*|cuda-.*)$")


def normalise(name: str) -> str:
    """A distribution's name as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def requirements(*, extras: Iterable[str] = ()) -> list[Requirement]:
    """The project's dependencies, plus those of the named extras."""
    project = _pyproject()["project"]
    lines = list(project["dependencies"])
    for extra in extras:
        lines += project["optional-dependencies"][extra]
    return [Requirement(line) for line in lines]


def imported_roots(package: Path) -> dict[str, set[str]]:
    """Top-level module -> files importing it, for every absolute import in the package.

    Imports inside functions count: a lazy import is still a dependency.
    """
    found: dict[str, set[str]] = {}
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(
                    path.relative_to(package.parent).as_posix()
                )
    return found


def undeclared_imports(
    package: Path, declared: set[str], providers: Mapping[str, list[str]]
) -> dict[str, set[str]]:
    """Third-party modules the package imports that no declared distribution provides."""
    own = package.name
    missing: dict[str, set[str]] = {}
    for module, files in imported_roots(package).items():
        if module == own or module in sys.stdlib_module_names:
            continue
        # A module that is not installed is looked for under its own name.
        dists = {normalise(d) for d in providers.get(module, [module])}
        if not dists & declared:
            missing[module] = files
    return missing


def test_every_third_party_import_in_qualcode_is_declared() -> None:
    extras = set(_pyproject()["project"]["optional-dependencies"]) - NOT_AT_RUN_TIME
    declared = {normalise(r.name) for r in requirements(extras=extras)}
    missing = undeclared_imports(REPO / "qualcode", declared, packages_distributions())
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"


def test_the_import_check_catches_an_undeclared_import(tmp_path: Path) -> None:
    package = tmp_path / "qualcode"
    (package / "tui").mkdir(parents=True)
    (package / "tui" / "view.py").write_text(
        "from __future__ import annotations\n"
        "import json\n"
        "from . import other\n"
        "from qualcode.domain import records\n"
        "import textual.app\n"
        "def later():\n"
        "    from rich.text import Text\n",
        encoding="utf-8",
    )
    providers = {"textual": ["textual"], "rich": ["rich"]}
    missing = undeclared_imports(package, {"textual"}, providers)
    assert missing == {"rich": {"qualcode/tui/view.py"}}
    # The import name and the distribution name differ (yaml is PyYAML): declared is declared.
    (package / "tui" / "view.py").write_text("import yaml\n", encoding="utf-8")
    assert not undeclared_imports(package, {"pyyaml"}, {"yaml": ["PyYAML"]})


def pins() -> dict[str, Version]:
    """constraints.txt as name -> exact version."""
    pinned: dict[str, Version] = {}
    for line in (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        assert sep, f"constraints.txt pins exact versions only: {line!r}"
        pinned[normalise(name.strip())] = Version(version.strip())
    return pinned


def test_constraints_pin_every_dependency_ci_installs_within_its_range() -> None:
    pinned = pins()
    for requirement in requirements(extras=["test"]):
        name = normalise(requirement.name)
        assert name in pinned, f"{requirement.name} is not pinned in constraints.txt"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"constraints.txt pins {requirement.name} {pinned[name]}, outside {requirement}"
        )


def test_constraints_pull_in_no_torch_or_cuda() -> None:
    heavy = sorted(name for name in pins() if HEAVY.match(name))
    assert not heavy, f"constraints.txt pins packages qualcode does not need: {heavy}"
