"""A new database login's password (issue 15): from $QUALCODE_MEMBER_PASSWORD, or asked
for on a terminal, hidden and typed twice; never taken as an argument."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.engine import make_url

from qualcode.cli import members_commands
from qualcode.cli.app import cli
from qualcode.services.project import Project
from tests.postgres_server import PostgresServer

PASSWORD_ENV = "QUALCODE_MEMBER_PASSWORD"


@pytest.fixture
def server_project(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    prepared = CliRunner().invoke(cli, ["serve-setup", postgres_url, "--name", "Team study"])
    assert prepared.exit_code == 0, prepared.output
    return postgres_url


@pytest.fixture
def at_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(members_commands, "stdin_is_terminal", lambda: True)


def _login(url: str, name: str) -> str:
    return f"{name}_{make_url(url).database}"


def _password_hash(server: PostgresServer, login: str) -> str | None:
    import psycopg

    with psycopg.connect(
        dbname="postgres", user="postgres", host=str(server.socket_dir), autocommit=True
    ) as connection:
        row = connection.execute(
            "SELECT rolpassword FROM pg_authid WHERE rolname = %s", (login,)
        ).fetchone()
    assert row is not None, f"no login {login}"
    return row[0]


def _add(url: str, login: str, typed: str | None = None, *more: str) -> Result:
    return CliRunner().invoke(
        cli,
        ["members", "add", url, "Cam", "--role", "coder", "--login", login, *more],
        input=typed,
    )


def test_at_a_terminal_the_password_is_asked_hidden_and_twice(
    server_project: str, postgres_server: PostgresServer, at_a_terminal: None
) -> None:
    login = _login(server_project, "cam")
    result = _add(server_project, login, "s3cret-words\ns3cret-words\n")

    assert result.exit_code == 0, result.output
    assert "Password for the new database login" in result.output
    assert "Repeat for confirmation" in result.output
    assert "s3cret-words" not in result.output  # hidden as it is typed
    stored = _password_hash(postgres_server, login)
    assert stored is not None and stored.startswith("SCRAM-SHA-256$")


def test_two_different_typings_are_asked_again(
    server_project: str, postgres_server: PostgresServer, at_a_terminal: None
) -> None:
    login = _login(server_project, "cam")
    result = _add(server_project, login, "one\ntwo\nthree-words\nthree-words\n")

    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert _password_hash(postgres_server, login) is not None


def test_the_variable_is_used_and_nothing_is_asked(
    server_project: str,
    postgres_server: PostgresServer,
    at_a_terminal: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "from-the-environment")
    login = _login(server_project, "cam")
    result = _add(server_project, login)

    assert result.exit_code == 0, result.output
    assert "Password" not in result.output
    assert _password_hash(postgres_server, login) is not None


def test_without_a_terminal_nothing_is_asked_and_the_administrator_sets_it(
    server_project: str, postgres_server: PostgresServer
) -> None:
    login = _login(server_project, "cam")
    result = _add(server_project, login)

    assert result.exit_code == 0, result.output
    assert "Password" not in result.output
    assert "it needs a password to sign in" in result.output
    assert _password_hash(postgres_server, login) is None


def test_an_existing_login_is_not_asked_for_a_password(
    server_project: str, postgres_server: PostgresServer, at_a_terminal: None
) -> None:
    login = _login(server_project, "cam")
    assert _add(server_project, login, "first-words\nfirst-words\n").exit_code == 0
    before = _password_hash(postgres_server, login)

    again = CliRunner().invoke(
        cli, ["members", "add", server_project, "Cam", "--role", "reviewer", "--login", login]
    )

    assert again.exit_code == 0, again.output
    assert "Password" not in again.output
    assert _password_hash(postgres_server, login) == before


def test_a_password_is_never_an_argument(server_project: str, at_a_terminal: None) -> None:
    result = _add(server_project, _login(server_project, "cam"), None, "--password", "oops")
    assert result.exit_code == 2 and "No such option" in result.output


def test_a_project_file_has_no_logins_and_asks_nothing(tmp_path: Path, at_a_terminal: None) -> None:
    path = tmp_path / "study.qcp"
    Project.create(path).close()
    result = CliRunner().invoke(
        cli, ["members", "add", str(path), "Cam", "--role", "coder", "--coder", "Olga"]
    )
    assert result.exit_code == 0, result.output
    assert "Password" not in result.output
