"""Building 'laptops' for merge tests: one base project copied, then coded apart."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

from qualcode.services.codebook import CodebookService
from qualcode.services.coding import CodingService
from qualcode.services.identifiers import IdentifierService
from qualcode.services.project import Project
from qualcode.services.sources import SourceService
from tests.conftest import SMALL_CODEBOOK

TIME = "11111111-1111-4111-8111-111111111112"
RISK = "11111111-1111-4111-8111-111111111113"
BRIDGING = "22222222-2222-4222-8222-222222222222"
BARRIERS = "11111111-1111-4111-8111-111111111111"
ENABLERS = "22222222-2222-4222-8222-222222222221"


def make_base(folder: Path, interview: Path) -> Path:
    path = folder / "base.qcp"
    with Project.create(path) as project, project.session() as session:
        CodebookService(session, "Tester").import_codebook(SMALL_CODEBOOK)
        SourceService(session, "Tester").import_files([interview])
        # Reviewed before the laptops copy it, as a lead would before sending it round.
        IdentifierService(session).mark_reviewed("Tester")
    return path


def laptop(base: Path, name: str) -> Path:
    path = base.with_name(f"{name}.qcp")
    shutil.copyfile(base, path)
    return path


def code(path: Path, coder: str, code_path: str, passage: str) -> str:
    with Project.open(path) as project, project.session() as session:
        record = CodingService(session, coder).add_passage("interview-sam", code_path, passage)
    return record.uuid


def coding_uuids(path: Path) -> set[str]:
    with sqlite3.connect(path) as connection:
        return {u for (u,) in connection.execute("SELECT uuid FROM codings")}


def sql(path: Path, statement: str, *args: object) -> None:
    connection = sqlite3.connect(path)
    try:
        connection.execute(statement, args)
        connection.commit()
    finally:
        connection.close()


def fingerprint(path: Path) -> str:
    """A checksum of every row of every table (bar the audit log's own clock)."""
    digest = hashlib.sha256()
    connection = sqlite3.connect(path)
    try:
        tables = [
            t
            for (t,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"
            )
        ]
        for table in tables:
            for row in connection.execute(f'SELECT * FROM "{table}" ORDER BY 1'):
                digest.update(repr((table, row)).encode())
    finally:
        connection.close()
    return digest.hexdigest()
