"""The layers stay as ARCHITECTURE.md draws them; checked here so the shape cannot rot."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "qualcode"
STDLIB = sys.stdlib_module_names

# layer -> top-level modules (outside qualcode) and qualcode sub-packages it may not import
FORBIDDEN = {
    "domain": ({"sqlalchemy", "alembic", "spacy", "textual", "click", "docx"},
               {"store", "services", "importers", "exporters", "nlp", "cli", "tui"}),
    "store": ({"spacy", "textual", "click"},
              {"services", "importers", "exporters", "nlp", "cli", "tui"}),
    # Importers and exporters are siblings: a format both need lives in domain.
    "importers": ({"sqlalchemy", "alembic", "textual", "click"},
                  {"store", "services", "exporters", "nlp", "cli", "tui"}),
    "exporters": ({"sqlalchemy", "alembic", "textual", "click"},
                  {"store", "services", "importers", "nlp", "cli", "tui"}),
    "nlp": ({"sqlalchemy", "alembic", "textual", "click"}, {"store", "services", "cli", "tui"}),
    "services": ({"textual", "click"}, {"cli", "tui"}),
    "cli": ({"sqlalchemy", "alembic", "spacy", "textual"},
            {"store", "importers", "exporters", "nlp"}),
    "tui": ({"sqlalchemy", "alembic", "spacy"}, {"store", "importers", "exporters", "nlp", "cli"}),
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_only_what_it_may(layer: str) -> None:
    outside, inside = FORBIDDEN[layer]
    bad = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for name in _imports(path):
            top = name.split(".")[0]
            sub = name.split(".")[1] if name.startswith("qualcode.") else None
            if top in outside or sub in inside:
                bad.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert bad == []


# numpy is the one exception: issue 16's unitized alpha is array maths over a continuum.
DOMAIN_ALLOWED = {"numpy"}


def test_domain_uses_only_the_standard_library() -> None:
    bad = [
        f"{path.name}: {name}"
        for path in (PACKAGE / "domain").rglob("*.py")
        for name in _imports(path)
        if name.split(".")[0] not in STDLIB | DOMAIN_ALLOWED
        and not name.startswith("qualcode.domain")
        and name != "__future__"
    ]
    assert bad == []


def test_importing_the_cli_loads_neither_textual_nor_spacy() -> None:
    code = ("import json, sys, qualcode.cli; "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('textual', 'spacy', 'thinc', 'torch'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []
