"""The README's commands for a team, run as written: the review demo moved onto a real
PostgreSQL server, the roles prepared, a coder added, and that coder coding through
their own login while the others' work is theirs alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from qualcode.cli.app import cli
from qualcode.domain.errors import NotAllowedError
from qualcode.services.coding import CodingService
from qualcode.services.demo import build_demo, find_demo_material
from qualcode.services.project import Project
from qualcode.services.stats import StatsService
from tests.conftest import REPO
from tests.postgres_server import PostgresServer


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_the_readme_team_commands_move_the_demo_onto_a_server_and_a_coder_works_there(
    tmp_path: Path, postgres_server: PostgresServer, postgres_url: str
) -> None:
    demo = build_demo(tmp_path / "demo", find_demo_material(REPO), coder="Ana", with_review=True)
    with Project.open(demo.path) as project, project.read_session() as session:
        before = StatsService(session).code_stats()
    database = str(make_url(postgres_url).database)
    login = f"ana_{database}"

    assert "checked table by table" in _run("copy", str(demo.path), postgres_url)
    assert "Group roles" in _run("serve-setup", postgres_url)
    _run("members", "add", postgres_url, "Ana", "--role", "coder", "--login", login)
    ana = f"postgresql+psycopg://{login}@/{database}?host={postgres_server.socket_dir}"

    with Project.open(ana) as project, project.session() as session:
        assert StatsService(session).code_stats() == before  # the same project, moved
        codings = CodingService(session)
        theirs = next(c for c in codings.list() if c.coder == "Ben")
        mine = codings.add(theirs.source, theirs.code_path, theirs.start, theirs.end)
        assert mine.coder == "Ana"  # who you are comes from the login
        with pytest.raises(NotAllowedError):
            codings.remove(theirs.uuid)  # Ben's coding is Ben's
    with Project.open(postgres_url) as project, project.read_session() as session:
        assert any(c.uuid == theirs.uuid for c in CodingService(session).list())
