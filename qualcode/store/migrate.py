"""Creating, recognising, backing up and upgrading projects, in a file or on a server.

A new file is created from the models and stamped with the newest revision; an
older file is copied to a backup beside it first and then upgraded, so a failed
migration never costs a researcher their project.

A new PostgreSQL project is made by running every migration on the empty database,
so the scripts that upgrade a team's database are the ones each new one was built
with. An older one is upgraded in one transaction (PostgreSQL's DDL is transactional:
a failed migration leaves the database as it was) under an advisory lock, so ten coders
opening it at once upgrade it once. qualcode takes no copy of a server database before
upgrading: backing that up (``pg_dump``) is the database administrator's job, as it is
for everything else on their server. A database holding a newer revision than this
qualcode knows is refused, never touched.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from qualcode.domain.errors import QualcodeError
from qualcode.store.copies import NotAProjectError, application_id, copy_database
from qualcode.store.engine import (
    create_private_file,
    is_sqlite,
    make_engine,
    make_server_engine,
)
from qualcode.store.location import ProjectLocation
from qualcode.store.models import Base

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# "QCOD" in the SQLite header's application id (bytes 68-71): a qualcode project is
# recognised by what it is, not by what it is called.
APPLICATION_ID = 0x51434F44

# The revisions this qualcode knows, oldest first. Kept here (and checked against the
# migration scripts by a test) so that opening a project need not load Alembic, which
# costs a command line call a fifth of a second.
REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008")
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
        except (OperationalError, ProgrammingError):  # no alembic_version table: not stamped
            return None


def _run(engine: Engine, action: str, revision: str) -> None:
    with engine.begin() as connection:
        _run_on(connection, action, revision)


def _run_on(connection: Connection, action: str, revision: str) -> None:
    from alembic import command  # deferred: only migrations need Alembic

    config = alembic_config()
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

    Safe on anything, however large, and on a project this process has open (see
    :func:`~qualcode.store.copies.application_id`)."""
    found = application_id(Path(path))
    if found is None:
        return None
    return "a qualcode project" if found == APPLICATION_ID else "an SQLite database"


def database_path(engine: Engine) -> Path | None:
    """The file behind an engine (None for anything that is not a file)."""
    if not is_sqlite(engine):
        return None
    database = engine.url.database
    return Path(database) if database and database != ":memory:" else None


def open_project_file(path: Path) -> Engine:
    """Open an existing project, upgrading it (after a backup) if it is older."""
    if not path.is_file():
        raise QualcodeError(f"{path}: no such project file")
    kind = database_kind(path)
    if kind is None:
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
    if kind != "a qualcode project":  # made before the application id
        with engine.begin() as connection:
            connection.exec_driver_sql(f"PRAGMA application_id={APPLICATION_ID}")
    return engine


# One number for "someone is creating or upgrading this project's schema" (b"QCOD").
_SCHEMA_LOCK = APPLICATION_ID


def _lock_schema(connection: Connection) -> None:
    """Wait for any other qualcode changing this database's schema; released at commit."""
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})


def _connect_error(location: ProjectLocation, error: OperationalError) -> QualcodeError:
    reason = str(error.orig).strip().splitlines()[0] if error.orig else "no connection"
    return QualcodeError(f"{location.display}: cannot reach the database ({reason})")


@contextmanager
def _given_up_on_failure(engine: Engine, location: ProjectLocation) -> Iterator[None]:
    """On any failure the engine's connections are closed (nothing is left open on the
    server), and an unreachable server is said in one line."""
    try:
        yield
    except OperationalError as error:
        engine.dispose()
        raise _connect_error(location, error) from None
    except BaseException:
        engine.dispose()
        raise


def create_project_database(location: ProjectLocation) -> Engine:
    """Build the newest schema in an empty PostgreSQL database by running every migration."""
    engine = make_server_engine(location)
    with _given_up_on_failure(engine, location), engine.begin() as connection:
        _lock_schema(connection)
        tables = set(inspect(connection).get_table_names())
        if "alembic_version" in tables:
            raise QualcodeError(f"{location.display}: already holds a qualcode project")
        if tables:
            raise QualcodeError(
                f"{location.display}: the database holds other tables; "
                "a new project needs an empty database"
            )
        _run_on(connection, "upgrade", "head")
    return engine


def open_project_database(location: ProjectLocation) -> Engine:
    """Open a PostgreSQL project, upgrading it (in one locked transaction) if it is older."""
    engine = make_server_engine(location)
    with _given_up_on_failure(engine, location):
        revision = current_revision(engine)
        if revision is None:
            raise NotAProjectError(f"{location.display}: holds no qualcode project")
        if revision not in REVISIONS:
            raise QualcodeError(
                f"{location.display}: made by a newer qualcode (schema {revision}); "
                "please upgrade qualcode"
            )
        if revision != HEAD_REVISION:
            with engine.begin() as connection:
                _lock_schema(connection)
                # Alembic reads the revision again after the lock: a coder who upgraded
                # it a moment ago leaves nothing to do.
                _run_on(connection, "upgrade", "head")
    return engine


def discard_project_database(engine: Engine) -> None:
    """Drop a project schema made moments ago whose setting-up failed (all or nothing).

    Only ever called on a database this process found empty and filled itself.
    """
    with engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")


def create_project_store(location: ProjectLocation) -> Engine:
    """A new project at ``location``: a file or an empty database."""
    if location.path is not None:
        return create_project_file(location.path)
    return create_project_database(location)


def open_project_store(location: ProjectLocation) -> Engine:
    """An existing project at ``location``, upgraded to the newest schema if older."""
    if location.path is not None:
        return open_project_file(location.path)
    return open_project_database(location)
