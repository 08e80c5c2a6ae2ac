"""Creating, recognising, backing up and upgrading project files.

A new file is created from the models and stamped with the newest revision; an
older file is copied to a backup beside it first and then upgraded, so a failed
migration never costs a researcher their project.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from qualcode.domain.errors import QualcodeError
from qualcode.store.copies import SQLITE_HEADER, NotAProjectError, copy_database
from qualcode.store.engine import create_private_file, make_engine
from qualcode.store.models import Base

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# "QCOD" in the SQLite header's application id (bytes 68-71): a qualcode project is
# recognised by what it is, not by what it is called.
APPLICATION_ID = 0x51434F44
_APPLICATION_ID_OFFSET = 68

# The revisions this qualcode knows, oldest first. Kept here (and checked against the
# migration scripts by a test) so that opening a project need not load Alembic, which
# costs a command line call a fifth of a second.
REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006", "0007")
HEAD_REVISION = REVISIONS[-1]

if TYPE_CHECKING:
    from alembic.config import Config


def alembic_config() -> Config:
    from alembic.config import Config  # deferred: only migrations need Alembic

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    return HEAD_REVISION


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        try:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except OperationalError:  # no alembic_version table: not stamped
            return None


def _run(engine: Engine, action: str, revision: str) -> None:
    from alembic import command  # deferred: only migrations need Alembic

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)


def backup_file(path: Path, label: str) -> Path:
    """Copy a live project with SQLite's backup API (consistent even mid-WAL)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.backup-{label}-{stamp}")
    create_private_file(target)
    copy_database(path, target)
    return target


def create_project_file(path: Path) -> Engine:
    """Create a new, owner-only project file at ``path`` with the newest schema."""
    if path.exists():
        raise QualcodeError(f"{path}: already exists")
    create_private_file(path)
    engine = make_engine(path)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"PRAGMA application_id={APPLICATION_ID}")
    Base.metadata.create_all(engine)
    _run(engine, "stamp", "head")
    return engine


def database_kind(path: Path) -> str | None:
    """What ``path`` is if it is a database: "a qualcode project", "an SQLite database"
    (some other program's, or a project from before the application id), or None.

    Reads the file's header only, so it is safe on anything, however large.
    """
    try:
        if not Path(path).is_file():  # never open a FIFO or device: reading could block
            return None
        with Path(path).open("rb") as handle:
            header = handle.read(_APPLICATION_ID_OFFSET + 4)
    except OSError:
        return None
    if not header.startswith(SQLITE_HEADER):
        return None
    application_id = int.from_bytes(header[_APPLICATION_ID_OFFSET:], "big")
    return "a qualcode project" if application_id == APPLICATION_ID else "an SQLite database"


def database_path(engine: Engine) -> Path | None:
    """The file behind an engine (None for anything that is not a file)."""
    database = engine.url.database
    return Path(database) if database and database != ":memory:" else None


def open_project_file(path: Path) -> Engine:
    """Open an existing project, upgrading it (after a backup) if it is older."""
    if not path.is_file():
        raise QualcodeError(f"{path}: no such project file")
    with path.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise NotAProjectError(f"{path}: not a qualcode project (not an SQLite file)")
    engine = make_engine(path)
    revision = current_revision(engine)
    if revision is None:
        engine.dispose()
        raise NotAProjectError(f"{path}: not a qualcode project (no schema version)")
    head = head_revision()
    if revision != head:
        if revision not in REVISIONS:
            engine.dispose()
            raise QualcodeError(
                f"{path}: made by a newer qualcode (schema {revision}); please upgrade qualcode"
            )
        backup_file(path, revision)
        _run(engine, "upgrade", "head")
    if database_kind(path) != "a qualcode project":  # made before the application id
        with engine.begin() as connection:
            connection.exec_driver_sql(f"PRAGMA application_id={APPLICATION_ID}")
    return engine
