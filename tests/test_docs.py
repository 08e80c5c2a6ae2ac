"""The README's promises: its two commands, and CI running exactly its test command."""

from __future__ import annotations

from tests.conftest import REPO


def _commands() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return [line.strip() for line in readme.splitlines() if line.startswith("python3 -m venv")]


def test_readme_has_the_demo_and_test_commands() -> None:
    demo, tests = _commands()[:2]
    assert demo.endswith("qualcode demo")
    assert tests.endswith("pytest") and "'.[test]'" in tests


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install -e '.[test]' && pytest" in ci
    assert _commands()[1].endswith("pip install -e '.[test]' && pytest")
