"""Merging laptops' work into a project on a PostgreSQL server (issue 15): `merge`,
`import-coder` and `import-project` take a URL, back the server project up first into a
private SQLite copy, change it in one transaction, and are the owner's alone."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Connection, select
from sqlalchemy.engine import make_url

from qualcode.cli.app import cli
from qualcode.domain.errors import NotAllowedError, QualcodeError
from qualcode.domain.roles import Role
from qualcode.services.coder_exchange import export_coder, import_coder
from qualcode.services.coding import CodingService
from qualcode.services.demo import build_demo, find_demo_material
from qualcode.services.live import LiveWatch
from qualcode.services.members import MembersService
from qualcode.services.merge import MERGE_LOCK, merge_projects
from qualcode.services.merge.apply import Merger
from qualcode.services.project import Project
from qualcode.services.project_copy import copy_project
from qualcode.services.project_export import export_project
from qualcode.services.project_import import import_project
from qualcode.services.user_config import data_dir
from qualcode.store.models import AuditEntry
from qualcode.store.table_copy import digests, tables_present
from tests.conftest import REPO, review_register
from tests.merge_helpers import code, laptop, make_base
from tests.postgres_server import PostgresServer

# Written by the merge itself (when, and by which action): the only rows that may differ
# between the same merge into a file and into a database.
_STAMPED = {"audit_log"}


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    return build_demo(
        tmp_path / "demo", find_demo_material(REPO), coder="Ana", with_coding=True
    ).path


@pytest.fixture
def base(tmp_path: Path, interview_file: Path) -> Path:
    return make_base(tmp_path, interview_file)


def _contents(where: Path | str) -> dict[str, tuple[int, int]]:
    """Every table's row count and content digest, as `qualcode copy` compares them."""
    with Project.open(where) as project, project.read_session() as session:
        connection: Connection = session.connection()
        return {d.table: (d.rows, d.digest) for d in digests(connection)}


def _differing(one: dict[str, tuple[int, int]], other: dict[str, tuple[int, int]]) -> set[str]:
    return {table for table in one if one[table] != other[table]}


def _run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == code, result.output
    return result.output


def test_merging_the_demo_into_a_server_project_equals_the_same_merge_into_a_file(
    tmp_path: Path, base: Path, demo: Path, postgres_url: str
) -> None:
    file_target = tmp_path / "target.qcp"
    copy_project(base, file_target)
    copy_project(base, postgres_url)

    into_file = merge_projects(file_target, [demo])
    into_server = merge_projects(postgres_url, [demo])

    assert into_server.written and not into_server.conflicts
    assert into_server.counts == into_file.counts
    assert into_server.target == postgres_url
    on_file, on_server = _contents(file_target), _contents(postgres_url)
    assert _differing(on_file, on_server) <= _STAMPED
    assert on_file["audit_log"][0] == on_server["audit_log"][0]  # as many entries
    assert on_server["codings"] != _contents(base)["codings"]  # it did change


def test_the_server_backup_is_private_opens_as_a_project_and_holds_the_project_before(
    tmp_path: Path, base: Path, demo: Path, postgres_url: str
) -> None:
    copy_project(base, postgres_url)
    before = _contents(postgres_url)

    output = _run("merge", postgres_url, str(demo))

    with Project.open(postgres_url) as project:
        folder = data_dir() / "projects" / project.uuid
    (backup,) = folder.glob("*.backup-merge-*.qcp")
    assert f"Backup: {backup}" in output
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert _differing(_contents(backup), before) == set()
    assert _contents(postgres_url)["codings"] != before["codings"]


def test_a_file_target_is_still_backed_up_beside_it(base: Path, demo: Path) -> None:
    report = merge_projects(base, [demo])
    assert report.backup is not None
    assert Path(report.backup).parent == base.parent
    assert Path(report.backup).name.startswith("base.qcp.backup-merge-")


def test_a_project_on_a_server_can_be_merged_in(
    tmp_path: Path, base: Path, demo: Path, postgres_url: str
) -> None:
    copy_project(demo, postgres_url)
    before = _contents(postgres_url)
    report = merge_projects(base, [postgres_url])
    assert report.written and report.sources == (postgres_url,)
    assert _contents(base)["codings"][0] > 0
    assert _contents(postgres_url) == before  # the incoming project is never changed


@dataclass
class Team:
    server: PostgresServer
    url: str
    logins: dict[str, str]

    def login_url(self, coder: str) -> str:
        database = make_url(self.url).database
        return (
            f"postgresql+psycopg://{self.logins[coder]}@/{database}?host={self.server.socket_dir}"
        )


@pytest.fixture
def team(postgres_server: PostgresServer, postgres_url: str, base: Path) -> Iterator[Team]:
    """The base project on the server: Olga (the administrator's login) owns it, cam
    codes and owner2 owns it too, each with a login of their own."""
    copy_project(base, postgres_url)
    database = str(make_url(postgres_url).database)
    logins = {name: f"{name}_{database}" for name in ("cam", "owner2")}
    with Project.open(postgres_url) as project, project.session() as session:
        members = MembersService(session, "Olga")
        members.prepare_server()
        members.add("cam", Role.CODER, login=logins["cam"])
        members.add("owner2", Role.OWNER, login=logins["owner2"])
    yield Team(postgres_server, postgres_url, logins)


def test_a_coders_merge_is_refused_in_one_line_and_nothing_is_written(
    tmp_path: Path, team: Team, demo: Path
) -> None:
    before = _contents(team.url)
    cam = team.login_url("cam")

    with pytest.raises(NotAllowedError, match=r"cam is a coder here .* merging is the owner's"):
        merge_projects(cam, [demo], coder="Olga")  # the login says who, not the name
    output = _run("merge", cam, str(demo), code=1)

    assert output.strip().count("\n") == 0 and "merging is the owner's" in output
    assert _contents(team.url) == before
    assert not list(data_dir().rglob("*.backup-*"))


def test_an_owners_own_login_merges_through_the_servers_grants(
    team: Team, demo: Path, tmp_path: Path
) -> None:
    report = merge_projects(team.login_url("owner2"), [demo])
    assert report.written and report.backup is not None
    assert Path(report.backup).is_file()


def test_import_coder_into_a_server_project_and_a_coders_own_file_is_the_owners_to_import(
    tmp_path: Path, base: Path, team: Team
) -> None:
    bo = laptop(base, "bo")
    made = code(bo, "Bo", "Barriers > Time", "no time")
    review_register(bo)
    exchange, _held = export_coder(bo, "Bo", tmp_path / "bo.qcc")

    with pytest.raises(NotAllowedError, match="merging is the owner's"):
        import_coder(team.login_url("cam"), exchange)
    output = _run("import-coder", team.url, str(exchange))

    assert "Merged into" in output
    with Project.open(team.url) as project, project.read_session() as session:
        assert any(c.uuid == made for c in CodingService(session).list())
        actions = session.scalars(select(AuditEntry.action)).all()
    assert "coder.import" in actions


def test_on_a_file_with_members_only_an_owner_merges(base: Path, demo: Path) -> None:
    with Project.open(base) as project, project.session() as session:
        MembersService(session, "Olga").add("cam", Role.CODER)
    before = _contents(base)

    with pytest.raises(NotAllowedError, match="cam is a coder here"):
        merge_projects(base, [demo], coder="cam")
    with pytest.raises(NotAllowedError, match="nobody is not a member"):
        merge_projects(base, [demo], coder="nobody")
    assert _contents(base) == before
    assert not list(base.parent.glob("*.backup-*"))

    assert merge_projects(base, [demo], coder="Olga").written


def test_the_merge_holds_the_servers_merge_lock_while_it_writes(
    base: Path, demo: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    copy_project(base, postgres_url)
    url = make_url(postgres_url)
    seen: list[bool] = []
    apply = Merger.apply

    def apply_and_look(self: Merger, bundle: object) -> None:
        with psycopg.connect(
            dbname=url.database, user=url.username, host=url.query["host"], autocommit=True
        ) as other:
            taken = other.execute("SELECT pg_try_advisory_lock(%s)", (MERGE_LOCK,)).fetchone()
            seen.append(bool(taken and taken[0]))
        apply(self, bundle)  # type: ignore[arg-type]

    monkeypatch.setattr(Merger, "apply", apply_and_look)
    merge_projects(postgres_url, [demo])
    assert seen == [False]  # another merge would have had to wait


def test_a_merge_on_the_server_reaches_other_coders_apps(
    base: Path, demo: Path, postgres_url: str
) -> None:
    copy_project(base, postgres_url)
    with Project.open(postgres_url) as watching:
        live = LiveWatch(watching)
        try:
            token = live.current()
            merge_projects(postgres_url, [demo])
            live._watcher.sync()  # type: ignore[attr-defined]  (delivery is asynchronous)
            _token, changes = live.changes_since(token)
        finally:
            live.close()
    assert changes.codings and changes.codebook and changes.sources
    assert {a.action for a in changes.activity} == {"project.merge"}


# --- import-project into an empty database ----------------------------------------------


@pytest.fixture
def qdpx(tmp_path: Path, demo: Path) -> Path:
    review_register(demo)
    path = tmp_path / "demo.qdpx"
    export_project(demo, path)
    return path


def test_import_project_into_an_empty_database_equals_the_import_into_a_file(
    tmp_path: Path, qdpx: Path, postgres_url: str
) -> None:
    output = _run("import-project", str(qdpx), postgres_url)
    import_project(qdpx, tmp_path / "back.qcp")

    assert f"Created {postgres_url}." in output
    on_server, on_file = _contents(postgres_url), _contents(tmp_path / "back.qcp")
    # A new project gets a UUID of its own, and what the .qdpx gives no date is dated
    # when it is read: those tables hold the same rows but for those values.
    dated_on_reading = {"project_settings", "coders", "codes", "cases"}
    assert _differing(on_server, on_file) <= _STAMPED | dated_on_reading
    assert {t: n for t, (n, _) in on_server.items()} == {t: n for t, (n, _) in on_file.items()}
    assert on_server["codings"][0] > 0


def test_import_project_refuses_a_database_that_holds_tables_in_one_line(
    qdpx: Path, postgres_url: str
) -> None:
    Project.create(postgres_url, "Another study").close()
    before = _contents(postgres_url)
    output = _run("import-project", str(qdpx), postgres_url, code=1)
    assert output.strip().count("\n") == 0 and "already holds" in output
    assert _contents(postgres_url) == before


def test_a_broken_qdpx_leaves_the_database_empty(tmp_path: Path, postgres_url: str) -> None:
    broken = tmp_path / "broken.qdpx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    output = _run("import-project", str(broken), postgres_url, code=1)
    assert output.strip()
    assert _database_tables(postgres_url) == set()


def test_a_failure_midway_leaves_the_database_empty(
    qdpx: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(self: Merger, bundle: object) -> None:
        raise QualcodeError("the disk filled up")

    monkeypatch.setattr(Merger, "apply", fail)
    with pytest.raises(QualcodeError, match="disk filled up"):
        import_project(qdpx, postgres_url)
    assert _database_tables(postgres_url) == set()


def _database_tables(url: str) -> set[str]:
    from qualcode.store.engine import make_server_engine
    from qualcode.store.location import ProjectLocation

    engine = make_server_engine(ProjectLocation.parse(url))
    try:
        with engine.connect() as connection:
            return tables_present(connection)
    finally:
        engine.dispose()
