"""The app's exchange actions on a project on a PostgreSQL server: the backend passes the
project's location, not a file path (a server project has none)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from qualcode.services.codebook import CodebookService
from qualcode.services.project import Project, location_of
from qualcode.services.sources import SourceService
from qualcode.tui.backend import Backend


def test_the_apps_export_and_merge_work_on_a_server_project(
    postgres_url: str, interview_file: Path, tmp_path: Path
) -> None:
    with Project.create(postgres_url) as project, project.session() as session:
        SourceService(session, "Ann").import_files([interview_file])
        CodebookService(session, "Ann").add_code("Time", None)
    colleague = tmp_path / "colleague.qcp"
    with Project.create(colleague) as project, project.session() as session:
        CodebookService(session, "Bo").add_code("Hope", None)
    backend = Backend.open(location_of(postgres_url), "Ann")
    try:
        exported = backend.export_project(tmp_path / "study.qdpx", pseudonymise=False)
        assert exported.sources == 1 and zipfile.is_zipfile(exported.path)
        _, report = backend.merge_file(colleague)
        assert report.written and report.backup is not None and Path(report.backup).is_file()
    finally:
        backend.close()
    with Project.open(postgres_url) as project, project.read_session() as session:
        names = {c.path for c in CodebookService(session).list_codes()}
    assert {"Time", "Hope"} <= names
