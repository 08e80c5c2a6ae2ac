"""Shared fixtures: every test gets its own config and data folders and a fixed coder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from qualcode.domain.records import Codebook, CodebookEntry
from qualcode.services.codebook import CodebookService
from qualcode.services.project import Project
from tests.postgres_server import NoServer, PostgresServer

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def isolated_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep tests away from the real user's config, data and coder name."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("QUALCODE_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("QUALCODE_DATA_DIR", str(home / "data"))
    monkeypatch.delenv("QUALCODE_CODER", raising=False)
    monkeypatch.delenv("QUALCODE_DEMO_DIR", raising=False)


SMALL_CODEBOOK = Codebook(
    name="Test codebook",
    description="For tests",
    codes=(
        CodebookEntry(
            name="Barriers",
            uuid="11111111-1111-4111-8111-111111111111",
            children=(
                CodebookEntry(
                    name="Time",
                    uuid="11111111-1111-4111-8111-111111111112",
                    definition="No time",
                    keywords=("time", "capacity"),
                ),
                CodebookEntry(name="Risk", uuid="11111111-1111-4111-8111-111111111113"),
            ),
        ),
        CodebookEntry(
            name="Enablers",
            uuid="22222222-2222-4222-8222-222222222221",
            children=(
                CodebookEntry(
                    name="Bridging roles",
                    uuid="22222222-2222-4222-8222-222222222222",
                    colour="#336699",
                ),
            ),
        ),
    ),
)

INTERVIEW = """Study: test
Date: 1 March 2023
----
Interviewer: What gets in the way?

Sam: Honestly we just have no time. The trust is huge and nobody owns the risk.

Interviewer: And what helps?

Sam: The navigator role bridges the gap. It really does.
"""


@pytest.fixture
def project_path(tmp_path: Path) -> Path:
    return tmp_path / "study.qcp"


@pytest.fixture
def project(project_path: Path) -> Iterator[Project]:
    with Project.create(project_path) as opened:
        with opened.session() as session:
            CodebookService(session, "Tester").import_codebook(SMALL_CODEBOOK)
        yield opened


@pytest.fixture
def interview_file(tmp_path: Path) -> Path:
    path = tmp_path / "files" / "interview-sam.txt"
    path.parent.mkdir(exist_ok=True)
    path.write_text(INTERVIEW, encoding="utf-8")
    return path


def review_register(path: Path, coder: str = "Tester") -> None:
    """Say the project's identifier register was reviewed, as `qualcode identifiers
    reviewed` does: exports refuse a register that was not (issue 11)."""
    from qualcode.services.identifiers import IdentifierService

    with Project.open(path) as project, project.session() as session:
        IdentifierService(session).mark_reviewed(coder)


# --- PostgreSQL: one throwaway server per session, one fresh database per test ---------

REQUIRE_POSTGRES = "QUALCODE_REQUIRE_POSTGRES"
_postgres: dict[str, object] = {"server": None, "why_not": None}
_ran_on_postgres: set[str] = set()


def _server() -> PostgresServer:
    """The session's server, started on first use; skip (or, in CI, fail) without one."""
    if _postgres["server"] is None and _postgres["why_not"] is None:
        try:
            _postgres["server"] = PostgresServer.start()
        except NoServer as error:
            _postgres["why_not"] = str(error).splitlines()[0]
    if _postgres["server"] is None:
        why = f"PostgreSQL: {_postgres['why_not']}"
        if os.environ.get(REQUIRE_POSTGRES) == "1":
            pytest.fail(f"{why} ({REQUIRE_POSTGRES}=1: these tests must run)", pytrace=False)
        pytest.skip(why)
    return _postgres["server"]  # type: ignore[return-value]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = _server()
    yield server
    server.stop()  # atexit stops it too, should the session die before getting here


@pytest.fixture
def postgres_url(postgres_server: PostgresServer, request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a new, empty database on the session's server, dropped afterwards."""
    name = postgres_server.create_database()
    _ran_on_postgres.add(request.node.nodeid)
    try:
        yield postgres_server.url(name)
    finally:
        postgres_server.drop_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def project_location(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """Where a new project goes, once as a file and once as a database on a real server."""
    if request.param == "sqlite":
        return tmp_path / "study.qcp"
    return request.getfixturevalue("postgres_url")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _ran_on_postgres:
        line = f"PostgreSQL: {len(_ran_on_postgres)} tests ran against a real server"
    elif _postgres["why_not"] is not None:
        line = f"PostgreSQL: skipped, {_postgres['why_not']}"
    else:
        line = "PostgreSQL: 0 tests ran against a real server (none selected)"
    terminalreporter.write_line(line)
