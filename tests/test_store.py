"""The project file: permissions, pragmas, migrations, locking and network file systems."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from qualcode.domain.errors import QualcodeError
from qualcode.store import migrate
from qualcode.store.engine import (
    NetworkFilesystemWarning,
    create_private_file,
    filesystem_type,
    make_engine,
)
from qualcode.store.migrate import create_project_file, current_revision, open_project_file
from qualcode.store.models import Base


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_new_project_is_owner_only_wal_with_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "p.qcp"
    engine = create_project_file(path)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    assert _mode(path) == 0o600
    wal = Path(f"{path}-wal")
    if wal.exists():
        assert _mode(wal) == 0o600
    assert current_revision(engine) == migrate.head_revision()
    engine.dispose()


def test_migrations_and_models_do_not_drift(tmp_path: Path) -> None:
    path = tmp_path / "m.qcp"
    create_private_file(path)
    engine = make_engine(path)
    migrate._run(engine, "upgrade", "head")
    with engine.connect() as connection, warnings.catch_warnings():
        # Alembic cannot compare expression indexes on SQLite; test_store_integrity does.
        warnings.filterwarnings("ignore", message=".*expression-based index")
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_older_project_is_backed_up_then_upgraded(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "old.qcp"
    create_project_file(path).dispose()
    with sqlite3.connect(path) as connection:
        connection.execute("update alembic_version set version_num = '0001'")
    calls: list[tuple[str, str]] = []
    monkeypatch.setattr(migrate, "_run", lambda engine, action, rev: calls.append((action, rev)))
    open_project_file(path).dispose()
    backups = list(tmp_path.glob("old.qcp.backup-0001-*"))
    assert len(backups) == 1 and _mode(backups[0]) == 0o600
    assert sqlite3.connect(backups[0]).execute(
        "select version_num from alembic_version").fetchone() == ("0001",)
    assert calls == [("upgrade", "head")]


def test_project_from_a_newer_qualcode_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.qcp"
    create_project_file(path).dispose()
    with sqlite3.connect(path) as connection:
        connection.execute("update alembic_version set version_num = '9999'")
    with pytest.raises(QualcodeError, match="newer qualcode"):
        open_project_file(path)


@pytest.mark.parametrize("content", [b"", b"hello, not a database", b"PK\x03\x04zip"])
def test_files_that_are_not_projects_are_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.qcp"
    path.write_bytes(content)
    with pytest.raises(QualcodeError, match="not a qualcode project"):
        open_project_file(path)


def test_plain_sqlite_file_is_not_a_project(tmp_path: Path) -> None:
    path = tmp_path / "other.qcp"
    sqlite3.connect(path).execute("create table t (x)").connection.close()
    with pytest.raises(QualcodeError, match="no schema version"):
        open_project_file(path)


def test_network_filesystem_falls_back_to_rollback_journal(tmp_path: Path) -> None:
    mounts = tmp_path / "mounts"
    share = tmp_path / "share"
    share.mkdir()
    mounts.write_text(f"/dev/vda / ext4 rw 0 0\nserver:/export {share} nfs4 rw 0 0\n")
    assert filesystem_type(share / "p.qcp", mounts) == "nfs4"
    path = share / "p.qcp"
    create_private_file(path)
    with pytest.warns(NetworkFilesystemWarning, match="network file system"):
        engine = make_engine(path, mounts_file=mounts)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "delete"
    engine.dispose()


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from qualcode.services.project import Project
    from qualcode.services.coding import CodingService
    path, name, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    with Project.open(path) as project:
        for i in range(count):
            with project.session() as session:
                # reads (source, code tree) before it writes: the case that needs IMMEDIATE
                CodingService(session, name).add("interview-sam", "Time", i + 1, i + 5)
    """
)


def test_two_processes_writing_queue_instead_of_failing(project_path: Path, project,
                                                        interview_file: Path) -> None:
    from qualcode.services.sources import SourceService

    with project.session() as session:
        SourceService(session, "Tester").import_files([interview_file])
    count = 40
    processes = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(project_path), name, str(count)],
                         stderr=subprocess.PIPE, text=True)
        for name in ("Ann", "Bo")
    ]
    errors = [p.communicate(timeout=120)[1] for p in processes]
    assert [p.returncode for p in processes] == [0, 0], errors
    with sqlite3.connect(project_path) as connection:
        assert connection.execute("select count(*) from codings").fetchone() == (2 * count,)


def test_a_real_older_project_is_backed_up_and_upgraded_keeping_its_data(tmp_path: Path) -> None:
    path = tmp_path / "v1.qcp"
    create_private_file(path)
    engine = make_engine(path)
    migrate._run(engine, "upgrade", "0001")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "insert into coders (uuid, name, created_at) values ('u1', 'Ann', '2023-01-01')")
    engine.dispose()
    upgraded = open_project_file(path)
    assert current_revision(upgraded) == migrate.head_revision() != "0001"
    with upgraded.connect() as connection:
        assert connection.exec_driver_sql("select name from coders").scalar() == "Ann"
        connection.exec_driver_sql("select count(*) from history").scalar()
    upgraded.dispose()
    (backup,) = tmp_path.glob("v1.qcp.backup-0001-*")
    with sqlite3.connect(backup) as old:
        assert old.execute("select version_num from alembic_version").fetchone() == ("0001",)
        tables = {r[0] for r in old.execute("select name from sqlite_master where type='table'")}
    assert "history" not in tables


def test_the_known_revisions_match_the_migration_scripts() -> None:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    assert scripts.get_heads() == [migrate.HEAD_REVISION]
    ordered = [s.revision for s in scripts.walk_revisions()][::-1]
    assert tuple(ordered) == migrate.REVISIONS
