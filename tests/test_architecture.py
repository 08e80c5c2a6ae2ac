"""The layers stay as ARCHITECTURE.md draws them; checked here so the shape cannot rot.

Each layer has an allow-list: the qualcode layers and the outside packages it may import.
Every import counts, wherever it is written: relative ones (``from ..store import
models``), ``from qualcode import x``, ``import qualcode.x.y``, imports inside functions
and under ``TYPE_CHECKING`` (deferred, they are still dependencies), and modules named to
``importlib.import_module`` or ``lazy()``. A layer missing from the table fails too, so
a new package cannot slip past, and a planted violation of each kind must be reported
(``test_a_planted_violation_is_reported``) so the checker itself cannot quietly weaken.
"""

from __future__ import annotations

import ast
import functools
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "qualcode"
STDLIB = sys.stdlib_module_names
ROOT = "qualcode"  # qualcode/__init__.py: the version and nothing else


@dataclass(frozen=True)
class Layer:
    """What one layer may import besides itself and the standard library."""

    qualcode: frozenset[str] = frozenset()
    outside: frozenset[str] = frozenset()


def _layer(qualcode: str = "", outside: str = "") -> Layer:
    return Layer(frozenset(qualcode.split()), frozenset(outside.split()))


# Derived from the code as it is, checked against ARCHITECTURE.md; widening a line here
# is a design decision, to be explained in docs/architecture.md.
RULES: dict[str, Layer] = {
    ROOT: _layer(),
    "__main__": _layer("cli"),
    # numpy is the one exception: issue 16's unitized alpha is array maths over a continuum.
    "domain": _layer(outside="numpy"),
    "store": _layer("domain", "sqlalchemy alembic"),
    # Importers and exporters are siblings: a format both need lives in domain.
    "importers": _layer("domain", "defusedxml docx openpyxl yaml"),
    "exporters": _layer("domain", "defusedxml docx matplotlib openpyxl yaml"),
    "nlp": _layer("domain", "numpy rapidfuzz safetensors spacy tokenizers"),
    # Services query with SQLAlchemy's select() on their session (docs/architecture.md
    # says why there is no repository layer); the engine and migrations stay in store.
    "services": _layer(
        "domain store importers exporters nlp", "numpy platformdirs rapidfuzz sqlalchemy"
    ),
    "cli": _layer("domain services", "click"),
    "tui": _layer("domain services", "textual rich"),
}

# Standard-library modules only one layer may use.
STDLIB_OWNERS = {"sqlite3": "store"}  # nothing else opens the database behind store's back

# Single imports the layer rules do not allow, each with the reason it is right.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("qualcode.cli.project_commands", "qualcode.tui.app"): (
        "`qualcode open` starts the app; imported inside run_app so other commands stay light"
    ),
    ("qualcode.services.demo_material", "yaml"): (
        "the bundled demo's own answer key, not a researcher's file (that goes via importers)"
    ),
}

# Never to be allowed, whatever the table above grows into: the old forbidden list, kept
# as a guard on the allow-list itself.
NEVER: dict[str, set[str]] = {
    "domain": {"sqlalchemy", "alembic", "spacy", "textual", "click", "docx"},
    "store": {"spacy", "textual", "click"},
    "importers": {"sqlalchemy", "alembic", "textual", "click", "store", "services",
                  "exporters", "nlp", "cli", "tui"},
    "exporters": {"sqlalchemy", "alembic", "textual", "click", "store", "services",
                  "importers", "nlp", "cli", "tui"},
    "nlp": {"sqlalchemy", "alembic", "textual", "click", "store", "services", "cli", "tui"},
    "services": {"textual", "click", "cli", "tui"},
    "cli": {"sqlalchemy", "alembic", "spacy", "textual", "docx", "store", "importers",
            "exporters", "nlp"},
    "tui": {"sqlalchemy", "alembic", "spacy", "docx", "store", "importers", "exporters",
            "nlp", "cli"},
}  # fmt: skip

LOADERS = {"import_module", "__import__", "lazy"}  # calls whose first argument is a module


@dataclass(frozen=True)
class Import:
    importer: str  # qualcode.tui.app
    target: str  # fully resolved: qualcode.store.models.Coding, sqlite3, rich.text
    where: str  # tui/app.py:12

    def __str__(self) -> str:
        return f"{self.where} imports {self.target}"


def module_name(path: Path, package: Path) -> str:
    parts = [package.name, *path.relative_to(package).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache  # the planted-violation tests scan copies of the same tree many times
def imports_in(source: str, module: str, *, is_package: bool, where: str) -> tuple[Import, ...]:
    """Every import in ``source`` (the module ``module``), resolved to absolute names."""
    found: list[Import] = []

    def add(target: str, node: ast.AST) -> None:
        found.append(Import(module, target, f"{where}:{getattr(node, 'lineno', 0)}"))

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                start = ".".join([*base, node.module] if node.module else base)
            else:
                start = node.module or ""
            # `from qualcode import store` names a package: resolve through the name.
            for alias in node.names:
                add(start if alias.name == "*" else f"{start}.{alias.name}", node)
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            if name in LOADERS and isinstance(first, ast.Constant) and isinstance(first.value, str):
                add(first.value, node)
    return tuple(found)


def package_imports(package: Path) -> list[Import]:
    found: list[Import] = []
    for path in sorted(package.rglob("*.py")):
        found += imports_in(
            path.read_text(encoding="utf-8"),
            module_name(path, package),
            is_package=path.name == "__init__.py",
            where=str(path.relative_to(package)),
        )
    return found


def layers(package: Path) -> set[str]:
    """The sub-packages and top-level modules of the package, and the root."""
    found = {ROOT}
    for child in package.iterdir():
        if child.is_dir() and (child / "__init__.py").exists():
            found.add(child.name)
        elif child.suffix == ".py" and child.name != "__init__.py":
            found.add(child.stem)
    return found


def layer_of(module: str, known: set[str]) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in known else ROOT


def violations(package: Path) -> list[str]:
    known = layers(package)
    bad = []
    for imp in package_imports(package):
        here = layer_of(imp.importer, known)
        top = imp.target.split(".")[0]
        rule = RULES.get(here)
        if rule is None:
            bad.append(f"{imp}: layer {here!r} has no rules in RULES")
            continue
        if top == package.name:
            there = layer_of(imp.target, known)
            allowed = there == here or there in rule.qualcode or (there == ROOT != here)
        elif top == "__future__":
            allowed = True
        elif top in STDLIB:
            allowed = STDLIB_OWNERS.get(top, here) == here
        else:
            allowed = top in rule.outside
        excepted = any(
            imp.importer == importer and (imp.target + ".").startswith(target + ".")
            for importer, target in EXCEPTIONS
        )
        if not allowed and not excepted:
            bad.append(str(imp))
    return bad


def test_every_import_is_allowed_by_its_layer() -> None:
    assert violations(PACKAGE) == []


def test_every_layer_has_rules() -> None:
    assert layers(PACKAGE) == set(RULES)


@pytest.mark.parametrize("layer", sorted(NEVER))
def test_the_allow_list_never_admits_what_a_layer_must_not_use(layer: str) -> None:
    rule = RULES[layer]
    assert (rule.qualcode | rule.outside) & NEVER[layer] == set()


def test_the_exceptions_are_still_needed() -> None:
    # An exception nobody uses any more is a hole left open for the next import.
    used = {
        (importer, target)
        for imp in package_imports(PACKAGE)
        for importer, target in EXCEPTIONS
        if imp.importer == importer and (imp.target + ".").startswith(target + ".")
    }
    assert used == set(EXCEPTIONS)


def test_domain_uses_only_the_standard_library() -> None:
    allowed = STDLIB | RULES["domain"].outside | {"__future__", "qualcode"}
    bad = [
        str(imp)
        for imp in package_imports(PACKAGE)
        if imp.importer.startswith("qualcode.domain")
        and (
            imp.target.split(".")[0] not in allowed
            or (imp.target.startswith("qualcode.") and layer_of(imp.target, layers(PACKAGE))
                not in {"domain", ROOT})
        )
    ]  # fmt: skip
    assert bad == []


# -- the checker catches what it is for --------------------------------------------------

PLANTED = {
    "relative store models in tui": ("tui", "from ..store import models\n"),
    "relative store package in tui": ("tui", "from .. import store\n"),
    "sqlite3 in tui": ("tui", "import sqlite3\n"),
    "docx in tui": ("tui", "import docx\n"),
    "lazy sqlalchemy in tui": ("tui", "def f():\n    from sqlalchemy import select\n"),
    "store by lazy() in tui": ("tui", 'X = lazy("qualcode.store.models", "Coding")\n'),
    "spacy in importers": ("importers", "def load():\n    import spacy\n"),
    "qualcode.nlp in importers": ("importers", "import qualcode.nlp.engine\n"),
    "from qualcode import nlp in importers": ("importers", "from qualcode import nlp\n"),
    "qualcode.exporters in importers": ("importers", "from qualcode.exporters import formats\n"),
    "type-checking exporters in importers": (
        "importers",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..exporters import tables\n",
    ),
    "cli from services": ("services", "from qualcode.cli.common import echo\n"),
    "textual in cli": ("cli", "import textual.app\n"),
}


@pytest.fixture(scope="module")
def package_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("tree") / "qualcode"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


@pytest.fixture
def planting(package_copy: Path) -> Iterator[Path]:
    yield package_copy
    for planted in package_copy.rglob("planted.py"):
        planted.unlink()


def test_the_copy_of_the_tree_is_clean(package_copy: Path) -> None:
    assert violations(package_copy) == []


@pytest.mark.parametrize("case", sorted(PLANTED))
def test_a_planted_violation_is_reported(case: str, planting: Path) -> None:
    layer, source = PLANTED[case]
    (planting / layer / "planted.py").write_text(source, encoding="utf-8")
    reported = violations(planting)
    assert reported, case
    assert all(line.startswith(f"{layer}/planted.py:") for line in reported), reported


def test_a_new_package_without_rules_is_reported(planting: Path) -> None:
    (planting / "plugins").mkdir()
    (planting / "plugins" / "__init__.py").write_text("")
    (planting / "plugins" / "planted.py").write_text("import json\n")
    try:
        assert violations(planting) == ["plugins/planted.py:1 imports json: layer 'plugins' "
                                        "has no rules in RULES"]  # fmt: skip
    finally:
        shutil.rmtree(planting / "plugins")


# -- import cycles ------------------------------------------------------------------------


def cycles(package: Path) -> list[list[str]]:
    """Groups of modules that import each other, directly or round a loop (Tarjan)."""
    modules = {module_name(p, package) for p in package.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for imp in package_imports(package):
        parts = imp.target.split(".")
        # The longest prefix that is a module: `qualcode.services.review.ReviewService`.
        target = next(
            (".".join(parts[:n]) for n in range(len(parts), 0, -1)
             if ".".join(parts[:n]) in modules),
            None,
        )  # fmt: skip
        if target is not None and target != imp.importer:
            graph[imp.importer].add(target)

    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycles() -> None:
    # Type-only and deferred imports count: a cycle hidden in a function is still one.
    assert cycles(PACKAGE) == []


def test_a_planted_cycle_is_reported(planting: Path) -> None:
    (planting / "services" / "planted.py").write_text("from . import planted_too\n")
    (planting / "services" / "planted_too.py").write_text(
        "def f():\n    from qualcode.services.planted import f\n"
    )
    try:
        assert cycles(planting) == [["qualcode.services.planted", "qualcode.services.planted_too"]]
    finally:
        (planting / "services" / "planted_too.py").unlink()


# -- what loads at run time ---------------------------------------------------------------


def test_importing_the_cli_loads_neither_textual_nor_spacy() -> None:
    code = ("import json, sys, qualcode.cli; "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('textual', 'spacy', 'thinc', 'torch'))))")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


# Resolves every command and subcommand as `qualcode <cmd> --help` would, noting which
# heavy modules each one's resolution brought in. docx counts too: even the exporting
# commands build documents only when they write one.
RESOLVE_ALL = """
import json, sys
import click
from qualcode.cli import cli

HEAVY = {"textual", "spacy", "thinc", "torch", "docx"}

def heavy():
    return {m.split(".")[0] for m in sys.modules} & HEAVY

seen = heavy()
resolved, loaded = [], {}

def walk(group, ctx, path):
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        full = " ".join([*path, name])
        if command is None:
            loaded[full] = ["(does not resolve)"]
            continue
        resolved.append(full)
        new = heavy() - seen
        if new:
            loaded[full] = sorted(new)
            seen.update(new)
        if isinstance(command, click.Group):
            walk(command, click.Context(command, info_name=name, parent=ctx), [*path, name])

walk(cli, click.Context(cli, info_name="qualcode"), [])
print(json.dumps({"resolved": resolved, "loaded": loaded}))
"""


def test_resolving_every_command_loads_no_heavy_module() -> None:
    from qualcode.cli.app import COMMANDS

    out = subprocess.run(
        [sys.executable, "-c", RESOLVE_ALL], capture_output=True, text=True, check=True
    )
    result = json.loads(out.stdout)
    assert result["loaded"] == {}
    assert set(COMMANDS) <= set(result["resolved"])
    # Subcommands of groups were walked too, not just the top level.
    assert any(" " in name for name in result["resolved"])
