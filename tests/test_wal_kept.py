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

import pytest

from qualcode.services.coding import CodingService
from qualcode.services.project import Project


@pytest.mark.xfail(
    strict=True,
    reason="store/migrate.py reads the header with open() after connecting; fix there "
    "(e.g. PRAGMA application_id on the connection), then drop this mark",
)
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
