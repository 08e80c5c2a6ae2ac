"""The package type-checks: mypy over all of ``qualcode/`` as pyproject.toml configures it.

CI runs only the test command, so this test is how the type check runs in CI. domain/
and services/ are checked strictly (every function typed, no Any returned, nothing
re-exported by accident); the rest with mypy's defaults. A planted module shows that the
strict flags reach domain/ and stop there, so the configuration cannot quietly weaken
(or, as mypy's own ``strict = true`` in an override would, spread to every module).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

UNTYPED = "def double(x):\n    return x * 2\n"


@pytest.fixture(scope="session")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for the session: the second run reads the standard library from it."""
    if importlib.util.find_spec("mypy") is None:
        pytest.fail(
            "mypy is not installed: it is in the test extra "
            "(pip install -e '.[test]' -c constraints.txt)",
            pytrace=False,
        )
    return tmp_path_factory.mktemp("mypy-cache")


def mypy(cache: Path, *arguments: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """This interpreter's mypy (so it sees the installed libraries and stubs), configured
    by the repository's pyproject.toml."""
    command = [sys.executable, "-m", "mypy", "--config-file", str(REPO / "pyproject.toml")]
    command += ["--cache-dir", str(cache), "--no-error-summary", "--hide-error-context"]
    return subprocess.run(
        [*command, *arguments], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_the_package_type_checks(mypy_cache: Path) -> None:
    result = mypy(mypy_cache)  # the package named in [tool.mypy]
    report = result.stdout + result.stderr
    assert result.returncode == 0, f"mypy found errors:\n{report}"


def test_domain_and_services_are_strict_and_the_rest_is_not(
    mypy_cache: Path, tmp_path: Path
) -> None:
    planted = []
    for layer in ("domain", "services", "nlp"):
        (tmp_path / "qualcode" / layer).mkdir(parents=True)
        (tmp_path / "qualcode" / layer / "__init__.py").write_text("", encoding="utf-8")
        (tmp_path / "qualcode" / layer / "planted.py").write_text(UNTYPED, encoding="utf-8")
        planted.append(f"qualcode/{layer}/planted.py")
    (tmp_path / "qualcode" / "__init__.py").write_text("", encoding="utf-8")
    result = mypy(mypy_cache, *planted, cwd=tmp_path)
    report = result.stdout + result.stderr
    flagged = {line.split(":")[0] for line in report.splitlines() if "[no-untyped-def]" in line}
    assert flagged == {"qualcode/domain/planted.py", "qualcode/services/planted.py"}, report
