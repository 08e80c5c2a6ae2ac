"""`qualcode copy`: a whole project between a file and a PostgreSQL database, losslessly,
all or nothing, SOURCE never changed."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Connection, Table

from qualcode.cli.app import cli
from qualcode.services.codebook import CodebookService
from qualcode.services.coding import CodingService
from qualcode.services.demo import build_demo, find_demo_material
from qualcode.services.memos import MemoService
from qualcode.services.project import Project, location_of
from qualcode.services.project_copy import CopyCheckError, copy_project
from qualcode.services.review import ReviewService
from qualcode.services.sources import SourceService
from qualcode.services.stats import StatsService
from qualcode.store import migrate, table_copy
from qualcode.store.engine import create_private_file, engine_for, make_engine
from qualcode.store.migrate import create_project_database
from qualcode.store.models import Coder
from qualcode.store.table_copy import TableDigest, digests, tables_present
from tests.conftest import REPO


@pytest.fixture(scope="module")
def review_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo coded by three peer researchers, review comments and register included."""
    folder = tmp_path_factory.mktemp("copy-demo")
    path = build_demo(
        folder, find_demo_material(REPO), coder="Tester", with_review=True, with_register=True
    ).path
    with Project.open(path) as project, project.session() as session:
        items = ReviewService(session, "Tester").items()
        ReviewService(session, "Tester").comment(items[0].anchor, "Is this Housing — or émotion?")
        ReviewService(session, "Tester").set_status(items[1].anchor, "needs-discussion")
        MemoService(session, "Tester").add("project", None, "Read the focus group twice.")
    return path


@pytest.fixture
def demo(review_demo: Path, tmp_path: Path) -> Path:
    """A private copy of the review demo for one test to copy from."""
    path = tmp_path / "source" / "study.qcp"
    path.parent.mkdir()
    shutil.copy(review_demo, path)
    return path


def _digests(where: str | Path) -> list[TableDigest]:
    engine = engine_for(location_of(where))
    try:
        with engine.connect() as connection:
            return digests(connection)
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = engine_for(location_of(url))
    try:
        with engine.connect() as connection:
            return tables_present(connection)
    finally:
        engine.dispose()


def _fingerprint(folder: Path) -> dict[str, str]:
    """Every file in ``folder`` and the SHA-256 of its bytes."""
    return {
        file.name: hashlib.sha256(file.read_bytes()).hexdigest()
        for file in sorted(folder.iterdir())
    }


def _stats(where: str | Path) -> list[Any]:
    with Project.open(where) as project, project.read_session() as session:
        return StatsService(session).code_stats()


def test_the_review_demo_goes_to_postgresql_and_back_identical_table_by_table(
    demo: Path, postgres_url: str, tmp_path: Path
) -> None:
    back = tmp_path / "back.qcp"
    there = copy_project(demo, postgres_url)
    again = copy_project(postgres_url, back)

    original = _digests(demo)
    assert _digests(postgres_url) == original
    assert _digests(back) == original
    assert there.rows == again.rows
    assert there.rows["codings"] > 1000 and there.rows["review_entries"] > 0
    assert "copied and checked table by table" in again.summary()
    assert _stats(back) == _stats(demo) == _stats(postgres_url)
    with Project.open(back) as project:
        assert project.uuid == Project.open(demo).uuid  # the same project, moved


def test_new_rows_on_the_server_do_not_collide_with_copied_ones(
    demo: Path, postgres_url: str
) -> None:
    copy_project(demo, postgres_url)
    with Project.open(postgres_url) as project, project.session() as session:
        code = CodebookService(session).list_codes()[-1]
        source = SourceService(session).list_sources()[0]
        before = len(CodingService(session).list())
        CodingService(session, "New coder").add(source.name, code.path, 0, 12)
        CodebookService(session, "New coder").add_code("A code made after the move")
        assert len(CodingService(session).list()) == before + 1


def test_copy_refuses_a_destination_that_is_not_new_in_one_line(
    demo: Path, project_location: str | Path
) -> None:
    Project.create(project_location).close()
    before = _digests(project_location)
    result = CliRunner().invoke(cli, ["copy", str(demo), str(project_location)])
    assert result.exit_code == 1
    message = result.output.strip()
    assert "\n" not in message and ("already exists" in message or "already holds" in message)
    assert _digests(project_location) == before


def test_copy_into_a_prepared_empty_project_database(demo: Path, postgres_url: str) -> None:
    """A database given its schema already (as a server's setup does) but no rows is new."""
    create_project_database(location_of(postgres_url)).dispose()
    copy_project(demo, postgres_url)
    assert _digests(postgres_url) == _digests(demo)


class _Broken(RuntimeError):
    pass


def _break_after(monkeypatch: pytest.MonkeyPatch, good_batches: int) -> None:
    """Make the copy fail half-way: this many batches go in, the next one raises."""
    real = table_copy.insert_batch
    calls = {"n": 0}

    def insert_batch(destination: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
        calls["n"] += 1
        if calls["n"] > good_batches:
            raise _Broken("the disk filled up")
        real(destination, table, rows)

    monkeypatch.setattr(table_copy, "insert_batch", insert_batch)


def test_a_failure_half_way_leaves_a_new_file_destination_absent(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "dest"
    folder.mkdir()
    _break_after(monkeypatch, 5)
    with pytest.raises(_Broken):
        copy_project(demo, folder / "copy.qcp")
    assert list(folder.iterdir()) == []  # neither DEST nor the hidden copy it was built as


def test_a_failure_half_way_leaves_an_empty_database_empty(
    demo: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _break_after(monkeypatch, 5)
    with pytest.raises(_Broken):
        copy_project(demo, postgres_url)
    assert _tables(postgres_url) == set()


def test_a_failure_half_way_leaves_a_prepared_database_as_it_was(
    demo: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_project_database(location_of(postgres_url)).dispose()
    before = _digests(postgres_url)
    _break_after(monkeypatch, 5)
    with pytest.raises(_Broken):
        copy_project(demo, postgres_url)
    assert _digests(postgres_url) == before
    assert all(table.rows == 0 for table in before)


def test_a_copy_that_differs_from_its_source_is_refused_and_undone(
    demo: Path, project_location: str | Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = table_copy.insert_batch

    def losing_a_row(destination: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
        real(destination, table, rows[:-1] if table.name == "codings" else rows)

    monkeypatch.setattr(table_copy, "insert_batch", losing_a_row)
    with pytest.raises(CopyCheckError, match=r"codings: .* rows, the copy has"):
        copy_project(demo, project_location)
    if isinstance(project_location, Path):
        assert not project_location.exists()
        assert [p.name for p in project_location.parent.iterdir()] == ["source"]
    else:
        assert _tables(project_location) == set()


def test_the_source_is_unchanged_byte_for_byte(demo: Path, project_location: str | Path) -> None:
    before = _fingerprint(demo.parent)
    copy_project(demo, project_location)
    assert _fingerprint(demo.parent) == before  # and no -wal or -shm left beside it


def test_a_database_source_is_read_not_written(
    demo: Path, postgres_url: str, tmp_path: Path
) -> None:
    copy_project(demo, postgres_url)
    before = _digests(postgres_url)
    copy_project(postgres_url, tmp_path / "out.qcp")
    assert _digests(postgres_url) == before


def test_the_cli_says_what_it_copied_and_that_it_checked_it(demo: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["copy", str(demo), str(tmp_path / "copy.qcp")])
    assert result.exit_code == 0, result.output
    assert "sources," in result.output and "codings," in result.output
    assert "copied and checked table by table" in result.output


def test_a_password_in_a_url_is_refused_and_never_echoed(demo: Path) -> None:
    url = "postgresql+psycopg://ana:s3cret-pw@localhost/study"
    result = CliRunner().invoke(cli, ["copy", str(demo), url])
    assert result.exit_code != 0
    assert "password in the URL is refused" in result.output
    assert "s3cret-pw" not in result.output
    back = CliRunner().invoke(cli, ["copy", url, str(demo.with_name("b.qcp"))])
    assert back.exit_code != 0 and "s3cret-pw" not in back.output
    assert "password in the URL is refused" in back.output


def test_copying_a_project_onto_itself_is_refused(demo: Path) -> None:
    before = _fingerprint(demo.parent)
    result = CliRunner().invoke(cli, ["copy", str(demo), str(demo)])
    assert result.exit_code == 1 and "the same project" in result.output
    assert _fingerprint(demo.parent) == before


def test_an_older_project_file_is_upgraded_only_in_a_private_copy(
    tmp_path: Path, project_location: str | Path
) -> None:
    folder = tmp_path / "old"
    old = folder / "old.qcp"
    create_private_file(old)
    engine = make_engine(old)
    migrate._run(engine, "upgrade", "0006")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "insert into coders (id, uuid, name, created_at) values (7, 'k7', 'Ann', '2023-01-01')"
        )
    engine.dispose()
    before = _fingerprint(folder)
    report = copy_project(old, project_location)
    assert _fingerprint(folder) == before  # not upgraded, no backup beside it
    assert report.rows["coders"] == 1
    with Project.open(project_location) as project, project.session() as session:
        CodebookService(session, "Bo").add_code("Trust")  # ids after the copied ones
        assert {c.name for c in session.query(Coder)} == {"Ann", "Bo"}


def test_database_to_database(demo: Path, postgres_url: str, postgres_server: Any) -> None:
    other = postgres_server.create_database()
    try:
        copy_project(demo, postgres_url)
        copy_project(postgres_url, postgres_server.url(other))
        assert _digests(postgres_server.url(other)) == _digests(demo)
    finally:
        postgres_server.drop_database(other)
