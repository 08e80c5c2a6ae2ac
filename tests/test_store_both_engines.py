"""The same store and services on both engines: an SQLite file and a real PostgreSQL server.

Every test taking ``project_location`` runs twice; the PostgreSQL run uses a fresh
database on the session's throwaway server (tests/postgres_server.py).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from qualcode.domain.errors import ConflictError, NotFoundError, QualcodeError
from qualcode.services.codebook import CodebookService
from qualcode.services.coding import CodingService
from qualcode.services.history import HistoryService
from qualcode.services.memos import MemoService
from qualcode.services.project import Project, new_project
from qualcode.services.sources import SourceService
from qualcode.store import migrate
from qualcode.store.engine import engine_for, make_server_engine
from qualcode.store.location import ProjectLocation
from qualcode.store.models import Base
from tests.conftest import SMALL_CODEBOOK


@pytest.fixture
def both(project_location: str | Path, interview_file: Path) -> Iterator[Project]:
    """A project with the small codebook and one interview, on either engine."""
    with Project.create(project_location) as project:
        with project.session() as session:
            CodebookService(session, "Tester").import_codebook(SMALL_CODEBOOK)
            SourceService(session, "Tester").import_files([interview_file])
        yield project


def _drift(engine: Engine) -> list[object]:
    with engine.connect() as connection, warnings.catch_warnings():
        # Alembic cannot compare expression indexes (uq_codes_sibling_name) by reflection;
        # tests/test_integrity.py compares their SQL on both engines instead.
        warnings.filterwarnings("ignore", message=".*expression-based index")
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)


def test_the_migrations_build_the_models_exactly_on_both_engines(
    project_location: str | Path,
) -> None:
    location = ProjectLocation.parse(project_location)
    if location.path is not None:
        migrate.create_private_file(location.path)
    engine = engine_for(location)
    try:
        migrate._run(engine, "upgrade", "head")
        assert migrate.current_revision(engine) == migrate.HEAD_REVISION
        assert _drift(engine) == []
    finally:
        engine.dispose()


def test_a_new_project_is_at_the_newest_revision_without_drift(
    project_location: str | Path,
) -> None:
    with Project.create(project_location, name="Team study") as project:
        assert project.name == "Team study"
        assert len(project.uuid) == 36
        engine = project._engine
        assert migrate.current_revision(engine) == migrate.HEAD_REVISION
        assert _drift(engine) == []
    with Project.open(project_location) as again:
        assert again.name == "Team study"
        assert again.location == ProjectLocation.parse(project_location)


def test_create_import_code_list_and_remove(both: Project) -> None:
    with both.session() as session:
        service = CodingService(session, "Ann")
        text_ = SourceService(session).text("interview-sam")
        start = text_.index("we just have no time")
        first = service.add("interview-sam", "Time", start, start + 20)
        second = service.add("interview-sam", "Barriers > Risk", start, start + 60)
        with pytest.raises(ConflictError, match="already coded"):
            service.add("interview-sam", "Time", start, start + 20)
        CodingService(session, "Bo").add("interview-sam", "Time", start, start + 20)
        assert first.text == "we just have no time"
        assert [c.uuid for c in service.list(coder="Ann")] == [first.uuid, second.uuid]
        service.remove(first.uuid)
        with pytest.raises(NotFoundError):
            service.remove(first.uuid)
    with both.read_session() as session:
        left = CodingService(session).list()
    assert sorted((c.coder, c.code_path) for c in left) == [
        ("Ann", "Barriers > Risk"),
        ("Bo", "Barriers > Time"),
    ]


def test_the_codebook_on_both_engines(both: Project) -> None:
    with both.session() as session:
        service = CodebookService(session, "Tester")
        service.add_code("Money", parent="Barriers")
        service.update_code("Barriers > Money", definition="No budget")
        with pytest.raises(ConflictError):
            service.add_code("Money", parent="Barriers")
        paths = [c.path for c in service.list_codes()]
    assert "Barriers > Money" in paths and "Enablers > Bridging roles" in paths
    assert CodebookService(both.read_session()).export_codebook().codes[0].name == "Barriers"


def test_memos_on_both_engines(both: Project) -> None:
    with both.session() as session:
        service = MemoService(session, "Ann")
        service.add("project", None, "Remember the anonymity rules")
        memo = service.add("code", "Time", "Split into staff time and money?")
        service.edit(memo.uuid, "Split it.")
        assert [m.text for m in service.list("code", "Barriers > Time")] == ["Split it."]
        service.remove(memo.uuid)
        assert [m.target for m in service.list()] == ["project"]


def test_undo_and_redo_are_per_coder_on_both_engines(both: Project) -> None:
    with both.session() as session:
        CodingService(session, "Ann").add("interview-sam", "Time", 0, 10)
        CodingService(session, "Bo").add("interview-sam", "Risk", 0, 10)
        assert HistoryService(session, "Ann").undo() is not None
        assert HistoryService(session, "Ann").undo() is None
        assert [c.coder for c in CodingService(session).list()] == ["Bo"]
        assert HistoryService(session, "Ann").redo() is not None
        assert sorted(c.coder for c in CodingService(session).list()) == ["Ann", "Bo"]


def test_the_server_refuses_a_write_in_a_read_session(postgres_url: str) -> None:
    with Project.create(postgres_url) as project:
        with project.read_session() as session, pytest.raises(DBAPIError, match="read-only"):
            session.execute(text("DELETE FROM project_settings"))
        assert project.name == project.location.label  # nothing was deleted


def test_a_refused_new_project_leaves_nothing_behind_on_either_engine(
    project_location: str | Path,
) -> None:
    with pytest.raises(RuntimeError), new_project(project_location):
        raise RuntimeError("the codebook was refused")
    location = ProjectLocation.parse(project_location)
    if location.path is not None:
        assert not location.path.exists()
    else:
        engine = make_server_engine(location)
        with engine.connect() as connection:
            assert inspect(connection).get_table_names() == []
        engine.dispose()
    with Project.create(project_location):  # and it can be made afresh
        pass


def test_a_database_that_is_not_empty_is_never_made_a_project(postgres_url: str) -> None:
    engine = make_server_engine(ProjectLocation.parse(postgres_url))
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE someone_elses (x integer)")
    engine.dispose()
    with pytest.raises(QualcodeError, match="holds other tables"):
        Project.create(postgres_url)
    with pytest.raises(QualcodeError, match="holds no qualcode project"):
        Project.open(postgres_url)


def test_a_second_create_on_a_database_project_is_refused(postgres_url: str) -> None:
    Project.create(postgres_url).close()
    with pytest.raises(QualcodeError, match="already holds a qualcode project"):
        Project.create(postgres_url)


def test_an_older_database_is_upgraded_and_a_newer_one_refused(postgres_url: str) -> None:
    engine = make_server_engine(ProjectLocation.parse(postgres_url))
    migrate._run(engine, "upgrade", "0001")
    with Project.open(postgres_url) as project:
        assert migrate.current_revision(project._engine) == migrate.HEAD_REVISION
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(QualcodeError, match="newer qualcode"):
        Project.open(postgres_url)
    assert migrate.current_revision(engine) == "9999"  # refused, never touched
    engine.dispose()


def test_an_unreachable_server_is_one_clean_line(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://nobody@/nowhere?host={tmp_path}"
    with pytest.raises(QualcodeError, match="cannot reach the database") as caught:
        Project.open(url)
    assert "\n" not in str(caught.value)


def test_files_beside_the_project_go_to_a_folder_keyed_by_uuid(postgres_url: str) -> None:
    from qualcode.services.suggestions import model_path_for
    from qualcode.services.user_config import data_dir

    with Project.create(postgres_url) as project:
        model = model_path_for(project)
        assert model.parent == data_dir() / "projects" / project.uuid
        assert model.parent.stat().st_mode & 0o777 == 0o700
        with pytest.raises(QualcodeError, match="project files only"):
            _ = project.path


def test_counts_agreement_and_extracts_read_the_same_on_both_engines(both: Project) -> None:
    from qualcode.domain.reports import ReportFilter
    from qualcode.services.agreement import AgreementService
    from qualcode.services.selection import select_extracts
    from qualcode.services.stats import StatsService

    with both.session() as session:
        CodingService(session, "Ann").add("interview-sam", "Time", 40, 70)
        CodingService(session, "Bo").add("interview-sam", "Time", 50, 80)
    with both.read_session() as session:
        counts = {s.path: s.codings for s in StatsService(session).code_stats(coder="Ann")}
        kappa = AgreementService(session).agreement(sources=["interview-sam"])
        extracts = select_extracts(session, ReportFilter(codes=("Time",), coders=("Bo",)))
    assert counts["Barriers > Time"] == 1
    assert kappa.coders == ("Ann", "Bo")
    assert [(e.coding.coder, e.coding.start, e.coding.created_at.tzinfo) for e in extracts] == [
        ("Bo", 50, UTC)
    ]


# --- what the person types ------------------------------------------------------------


def test_a_location_is_a_file_or_a_password_free_postgresql_url(tmp_path: Path) -> None:
    file = ProjectLocation.parse(tmp_path / "study.qcp")
    assert file.is_file and file.label == "study" and file.display == str(tmp_path / "study.qcp")
    typed = ProjectLocation.parse("postgres://ana@db.example.org:5433/team_study?sslmode=require")
    assert not typed.is_file and typed.label == "team_study"
    assert typed.display == (
        "postgresql+psycopg://ana@db.example.org:5433/team_study?sslmode=require"
    )
    socket = ProjectLocation.parse("postgresql+psycopg://ana@/study?host=/run/postgresql")
    assert socket.display == "postgresql+psycopg://ana@/study?host=/run/postgresql"
    assert ProjectLocation.parse(socket.display) == socket  # stable


@pytest.mark.parametrize(
    "typed",
    [
        "postgresql+psycopg://ana:s3cret@db/study",
        "postgresql://ana@db/study?password=s3cret",
    ],
)
def test_a_password_in_a_url_is_refused_and_never_repeated(typed: str) -> None:
    with pytest.raises(QualcodeError, match=r"PGPASSWORD or ~/\.pgpass") as caught:
        ProjectLocation.parse(typed)
    assert "s3cret" not in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("typed", "message"),
    [("mysql://ana@db/study", "nothing else"), ("postgresql://ana@db/", "names no database")],
)
def test_other_urls_are_refused_in_one_line(typed: str, message: str) -> None:
    with pytest.raises(QualcodeError, match=message):
        ProjectLocation.parse(typed)


def test_the_cli_refuses_a_password_in_one_line() -> None:
    from click.testing import CliRunner

    from qualcode.cli import cli

    result = CliRunner().invoke(cli, ["sources", "postgresql://ana:s3cret@db/study"])
    assert result.exit_code == 2
    assert "PGPASSWORD" in result.output and "s3cret" not in result.output


def test_the_cli_makes_and_reads_a_project_on_the_server(
    postgres_url: str, interview_file: Path
) -> None:
    from click.testing import CliRunner

    from qualcode.cli import cli

    runner = CliRunner()
    made = runner.invoke(cli, ["init", postgres_url, "--name", "Team study"])
    assert made.exit_code == 0, made.output
    assert f"Created the project in {postgres_url}" in made.output
    imported = runner.invoke(cli, ["import", postgres_url, str(interview_file), "--coder", "Ana"])
    assert imported.exit_code == 0, imported.output
    listed = runner.invoke(cli, ["sources", postgres_url, "--json"])
    assert listed.exit_code == 0 and "interview-sam" in listed.output


# --- the suite's own promise: the PostgreSQL tests run, or say plainly why not ----------


@pytest.mark.parametrize(("required", "outcome"), [("0", "1 skipped"), ("1", "1 error")])
def test_without_a_server_the_postgres_tests_skip_or_in_ci_fail(
    required: str, outcome: str, tmp_path: Path
) -> None:
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    env = {
        **os.environ,
        "QUALCODE_POSTGRES_BIN": str(tmp_path),
        "QUALCODE_REQUIRE_POSTGRES": required,
    }
    env["PYTHONPATH"] = str(REPO)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-o", "addopts=", "-q",
         f"{__file__}::test_a_second_create_on_a_database_project_is_refused"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert outcome in result.stdout, result.stdout
    assert "PostgreSQL: skipped, no PostgreSQL server binaries" in result.stdout
