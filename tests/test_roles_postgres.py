"""Roles the database enforces (issue 15): on PostgreSQL a coder's own SQL connection,
with their own login, cannot change another coder's codings, the codebook or the audit
log; through qualcode they code as themselves, whatever name they type."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from qualcode.domain.errors import NotAllowedError
from qualcode.domain.review import CodingAnchor
from qualcode.domain.roles import Role
from qualcode.services.codebook import CodebookService
from qualcode.services.coding import CodingService
from qualcode.services.history import HistoryService
from qualcode.services.identifiers import IdentifierService
from qualcode.services.members import MembersService
from qualcode.services.memos import MemoService
from qualcode.services.project import Project
from qualcode.services.review import ReviewService
from qualcode.services.sources import SourceService
from qualcode.store.roles_sql import group_role
from tests.conftest import SMALL_CODEBOOK
from tests.postgres_server import PostgresServer

SOURCE = "interview-sam"
TIME = "Barriers > Time"


@dataclass
class Team:
    server: PostgresServer
    database: str
    logins: dict[str, str]  # coder name -> login

    def url(self, coder: str) -> str:
        return (
            f"postgresql+psycopg://{self.logins[coder]}@/{self.database}"
            f"?host={self.server.socket_dir}"
        )

    def sql(self, coder: str) -> Any:
        """The coder's own psycopg connection (autocommit), as their own SQL client."""
        import psycopg

        return psycopg.connect(
            dbname=self.database,
            user=self.logins[coder],
            host=str(self.server.socket_dir),
            autocommit=True,
        )


@pytest.fixture
def team(
    postgres_server: PostgresServer, postgres_url: str, interview_file: Path
) -> Iterator[Team]:
    """A prepared project: Olga (the administrator's login) owns it; cam and bo code,
    rita reviews, pat reads, each with a login of their own."""
    database = _database(postgres_url)
    logins = {name: f"{name}_{database}" for name in ("cam", "bo", "rita", "pat")}
    with Project.create(postgres_url) as project, project.session() as session:
        CodebookService(session, "Olga").import_codebook(SMALL_CODEBOOK)
        SourceService(session, "Olga").import_files([interview_file])
        IdentifierService(session, "Olga").mark_reviewed()  # exports need it (issue 11)
        members = MembersService(session, "Olga")
        members.prepare_server()
        roles = {"cam": Role.CODER, "bo": Role.CODER, "rita": Role.REVIEWER, "pat": Role.READER}
        for name, role in roles.items():
            members.add(name, role, login=logins[name])
    team = Team(postgres_server, database, logins)
    for name in ("cam", "bo"):
        with Project.open(team.url(name)) as project, project.session() as session:
            CodingService(session).add(SOURCE, TIME, 60, 90)
    yield team


def _database(url: str) -> str:
    from sqlalchemy.engine import make_url

    return str(make_url(url).database)


def _refused(connection: Any, statement: str, *params: object) -> str:
    import psycopg

    with pytest.raises(psycopg.errors.InsufficientPrivilege) as caught:
        connection.execute(statement, params or None)
    return str(caught.value)


def _coder_id(connection: Any, name: str) -> int:
    return int(connection.execute("SELECT id FROM coders WHERE name = %s", (name,)).fetchone()[0])


def test_a_coder_cannot_change_another_coders_codings_with_their_own_sql(team: Team) -> None:
    with team.sql("cam") as connection:
        bo = _coder_id(connection, "bo")
        count = "SELECT count(*) FROM codings WHERE coder_id = %s"
        assert connection.execute(count, (bo,)).fetchone()[0] == 1  # visible: readable
        # Row-level security hides bo's rows from cam's UPDATE and DELETE: nothing changes.
        updated = connection.execute('UPDATE codings SET "end" = 70 WHERE coder_id = %s', (bo,))
        deleted = connection.execute("DELETE FROM codings WHERE coder_id = %s", (bo,))
        assert (updated.rowcount, deleted.rowcount) == (0, 0)
        assert connection.execute(count, (bo,)).fetchone()[0] == 1
        # ...and refuses a row made to look like bo's, or one of cam's handed to bo.
        _refused(connection, "UPDATE codings SET coder_id = %s", bo)
        assert "row-level security" in _refused(
            connection,
            'INSERT INTO codings (uuid, source_id, code_id, coder_id, start, "end", memo, '
            "origin, created_at) SELECT 'forged-0000-0000-0000-000000000000', source_id, "
            "code_id, %s, 0, 10, '', origin, created_at FROM codings LIMIT 1",
            bo,
        )


def test_a_coder_cannot_change_the_codebook_or_the_register_with_their_own_sql(
    team: Team,
) -> None:
    with team.sql("cam") as connection:
        _refused(connection, "UPDATE codes SET name = 'Hijacked'")
        _refused(connection, "DELETE FROM codes")
        _refused(connection, "UPDATE sources SET name = 'x'")
        _refused(connection, "DELETE FROM identifiers")
        _refused(connection, "UPDATE members SET role = 'owner'")
        _refused(connection, "UPDATE coders SET name = 'someone else' WHERE name = 'bo'")
        # A setting is the owner's (but a coder's own blind-coding switch): hidden, refused.
        renamed = connection.execute("UPDATE project_settings SET value = 'x' WHERE key = 'name'")
        assert renamed.rowcount == 0
        _refused(
            connection,
            "INSERT INTO project_settings (key, value) VALUES ('identifiers_reviewed_at', 'now')",
        )
        _refused(
            connection,
            "INSERT INTO removed_codings (uuid, coder_uuid, removed_at) "
            "SELECT 'forged', uuid, now() FROM coders WHERE name = 'bo'",
        )


@pytest.mark.parametrize("coder", ["cam", "rita", "pat"])
def test_nobody_rewrites_the_audit_log(team: Team, coder: str) -> None:
    with team.sql(coder) as connection:
        assert connection.execute("SELECT count(*) FROM audit_log").fetchone()[0] > 0
        _refused(connection, "UPDATE audit_log SET action = 'nothing'")
        _refused(connection, "DELETE FROM audit_log")


def test_a_coder_adds_and_removes_their_own_codings_through_qualcode(team: Team) -> None:
    with Project.open(team.url("cam")) as project, project.session() as session:
        added = CodingService(session).add(SOURCE, "Barriers > Risk", 0, 20)
        assert added.coder == "cam"
        CodingService(session, "cam").remove(added.uuid)
        bos = CodingService(session).list(coder="bo")[0].uuid
        with pytest.raises(NotAllowedError, match="made by bo"):
            CodingService(session).remove(bos)
        memo = MemoService(session).add("project", None, "cam's thought")
        MemoService(session).remove(memo.uuid)
        thread = ReviewService(session).comment(CodingAnchor(bos), "Why here?")
        assert thread.entries[-1].author == "cam"
        assert HistoryService(session).undo() is not None  # the comment, taken back
        assert HistoryService(session).undo() is not None  # the memo's removal


def test_on_the_server_the_login_is_the_coder(team: Team) -> None:
    with (
        Project.open(team.url("cam")) as project,
        project.session() as session,
        pytest.raises(NotAllowedError, match=r"you are cam .* cannot act as bo"),
    ):
        CodingService(session, "bo").add(SOURCE, TIME, 0, 10)


def test_the_server_refuses_even_when_qualcode_does_not_check(team: Team) -> None:
    """The service layer's own check aside, the codebook write reaches the server as
    cam and is refused there, in one line."""
    with Project.open(team.url("cam")) as project, project.session() as session:
        service = CodebookService(session)
        service._require = lambda action: None  # type: ignore[method-assign]
        with pytest.raises(NotAllowedError, match="the database refused this for your login"):
            service.add_code("Sneaky")


def test_a_reader_reads_and_exports_but_does_not_write(team: Team, tmp_path: Path) -> None:
    with Project.open(team.url("pat")) as project, project.session() as session:
        assert len(CodingService(session).list()) == 2
        assert IdentifierService(session).list() == []
        assert CodebookService(session).export_file(tmp_path / "book.qdc").exists()
        with pytest.raises(NotAllowedError, match="a read-only member here and cannot code"):
            CodingService(session).add(SOURCE, TIME, 0, 10)
    with team.sql("pat") as connection:
        _refused(connection, "DELETE FROM codings")
        _refused(connection, "INSERT INTO memos (uuid) VALUES ('x')")


def test_a_reviewer_may_change_the_consensus_a_coder_may_not(team: Team) -> None:
    from qualcode.services.consensus import ConsensusService

    with Project.open(team.url("rita")) as project, project.session() as session:
        assert ConsensusService(session).seed() == 1
    with team.sql("cam") as connection:
        deleted = connection.execute(
            "DELETE FROM codings WHERE coder_id = (SELECT id FROM coders WHERE name = 'consensus')"
        )
        assert deleted.rowcount == 0
    with team.sql("rita") as connection:
        deleted = connection.execute(
            "DELETE FROM codings WHERE coder_id = (SELECT id FROM coders WHERE name = 'consensus')"
        )
        assert deleted.rowcount == 1


def test_serve_setup_and_members_from_the_command_line(
    postgres_server: PostgresServer, postgres_url: str
) -> None:
    from click.testing import CliRunner

    from qualcode.cli.app import cli

    runner = CliRunner()
    database = _database(postgres_url)
    made = runner.invoke(cli, ["serve-setup", postgres_url, "--coder", "Olga"])
    assert made.exit_code == 0, made.output
    assert group_role(database, Role.CODER) in made.output
    again = runner.invoke(cli, ["serve-setup", postgres_url, "--coder", "Olga"])
    assert again.exit_code == 0 and "Prepared" in again.output
    login = f"ana_{database}"
    added = runner.invoke(cli, ["members", "add", postgres_url, login, "--role", "coder"])
    assert added.exit_code == 0, added.output
    assert f"Created the database login '{login}'" in added.output
    listed = runner.invoke(cli, ["members", "list", postgres_url, "--json"])
    assert '"role": "coder"' in listed.output and login in listed.output


def test_group_roles_are_named_for_their_database() -> None:
    assert group_role("study_a", Role.CODER) != group_role("study_b", Role.CODER)
    assert group_role("study_a", Role.READER) == "qualcode_reader_study_a"
    long = "x" * 80
    assert len(group_role(long, Role.REVIEWER)) <= 63
    assert group_role(long, Role.OWNER) != group_role(long + "y", Role.OWNER)


def test_members_add_before_serve_setup_says_what_to_run(postgres_url: str) -> None:
    from click.testing import CliRunner

    from qualcode.cli.app import cli
    from qualcode.services.project import Project

    Project.create(postgres_url).close()
    added = CliRunner().invoke(cli, ["members", "add", postgres_url, "Ana", "--role", "owner"])
    assert added.exit_code == 1
    message = added.output.strip()
    assert "\n" not in message and "serve-setup" in message, message
    listed = CliRunner().invoke(cli, ["members", "list", postgres_url, "--json"])
    assert "Ana" not in listed.output  # nothing was half-made
