"""The README's promises: its two commands, and CI running exactly its test command."""

from __future__ import annotations

from tests.conftest import REPO

# What CI greps the README for and then runs word for word: the test extra, installed at the
# versions constraints.txt pins.
TEST_INSTALL = "pip install -e '.[test]' -c constraints.txt && pytest"


def _commands() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return [line.strip() for line in readme.splitlines() if line.startswith("python3 -m venv")]


def test_readme_has_the_demo_and_test_commands() -> None:
    demo, tests = _commands()[:2]
    assert demo.endswith("qualcode demo")
    assert tests.endswith("pytest") and "'.[test]'" in tests
    # The test command installs the versions CI pins, and the pins exist.
    assert "-c constraints.txt" in tests
    assert (REPO / "constraints.txt").is_file()


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert TEST_INSTALL in ci
    assert _commands()[1].endswith(TEST_INSTALL)
