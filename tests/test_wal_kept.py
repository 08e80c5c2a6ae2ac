"""Another process closing a project must not take the -wal from under an open app.

Found making the live screens (issue 15): ``store/migrate.open_project_file`` reads the
file's header with a plain ``open()`` (``database_kind``) after its engine connected;
closing that handle drops every POSIX lock this process holds on the file (SQLite's
documented pitfall), so the next process to close the project thinks it is the last,
checkpoints and deletes the -wal and -shm. The open app then reads and writes a
deleted WAL: others' work stops showing, and its own commits are at risk.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from qualcode.services.coding import CodingService
from qualcode.services.project import Project


def test_a_project_open_here_keeps_its_wal_when_another_process_closes_it(
    project_path: Path,
) -> None:
    path = project_path
    Project.create(path).close()
    with Project.open(path) as opened:
        with opened.read_session() as session:
            CodingService(session).list()
        code = f"from qualcode.services.project import Project\nProject.open({str(path)!r}).close()"
        environment = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
        subprocess.run([sys.executable, "-c", code], check=True, env=environment)
        assert path.with_name(path.name + "-wal").exists()


def test_opening_the_project_again_in_this_process_keeps_the_first_ones_locks(
    project_path: Path,
) -> None:
    """The app opens its own project again for an export or a merge: that second open
    (and its checks of what the file is) must not drop the first one's locks."""
    from qualcode.services.project_import import is_qdpx
    from qualcode.store.migrate import database_kind

    path = project_path
    Project.create(path).close()
    with Project.open(path) as opened:
        with opened.read_session() as session:
            CodingService(session).list()
        Project.open(path).close()
        assert database_kind(path) == "a qualcode project" and not is_qdpx(path)
        code = f"from qualcode.services.project import Project\nProject.open({str(path)!r}).close()"
        environment = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
        subprocess.run([sys.executable, "-c", code], check=True, env=environment)
        assert path.with_name(path.name + "-wal").exists()
