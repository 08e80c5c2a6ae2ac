"""Turning a project location into an engine: per-dialect setup.

SQLite (a project file): permissions, pragmas, locking and the journal mode.

Two processes (a researcher's TUI and a script, say) may write one project. With
Python's sqlite3 a transaction that reads before it writes fails at once with
"database is locked" whatever the busy timeout, so every write transaction starts
with ``BEGIN IMMEDIATE`` and queues for the lock instead (SQLAlchemy's documented
recipe for pysqlite). Read-only sessions use a plain ``BEGIN`` so they never queue.

PostgreSQL (a team project on a server): psycopg 3 at READ COMMITTED, the server's
default, where writers lock rows rather than the whole project, so none of the SQLite
pragmas or ``BEGIN IMMEDIATE`` apply; read-only sessions say ``SET TRANSACTION READ
ONLY`` so the server itself refuses a write made through them. A transaction that
wrote sends ``NOTIFY`` on :data:`CHANGE_CHANNEL` just before it commits, so the server
delivers the notification with the commit, never without it (store/watch.py listens).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event

from qualcode.store.location import ProjectLocation

BUSY_TIMEOUT_SECONDS = 30.0
CONNECT_TIMEOUT_SECONDS = 10
READ_ONLY_OPTION = "qualcode_read_only"
# Notifications are delivered only within one database, and a project is one database,
# so one fixed name is already a channel per project.
CHANGE_CHANNEL = "qualcode_changes"
_WROTE = "qualcode_wrote"  # connection.info flag: this transaction changed something
_WRITES = ("INSERT", "UPDATE", "DELETE")

# File systems on which SQLite's WAL (shared memory between processes) is unsafe.
NETWORK_FILESYSTEMS = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smbfs",
        "smb3",
        "9p",
        "afs",
        "ncpfs",
        "fuse.sshfs",
        "fuse.rclone",
        "davfs",
        "fuse.davfs2",
        "glusterfs",
        "fuse.glusterfs",
        "ceph",
        "lustre",
    }
)


class NetworkFilesystemWarning(UserWarning):
    """The project lives on a network file system, so WAL mode is switched off."""


def filesystem_type(path: Path, mounts_file: Path = Path("/proc/mounts")) -> str | None:
    """The type of the file system holding ``path``, from the longest matching mount."""
    try:
        lines = mounts_file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    target = str(path.resolve())
    best: tuple[int, str] | None = None
    for line in lines:
        fields = line.split()
        if len(fields) < 3:
            continue
        mount_point = fields[1].replace("\\040", " ")
        inside = target == mount_point or target.startswith(mount_point.rstrip("/") + "/")
        if inside and (best is None or len(mount_point) > best[0]):
            best = (len(mount_point), fields[2])
    return best[1] if best else None


def is_network_filesystem(path: Path, mounts_file: Path = Path("/proc/mounts")) -> bool:
    fs_type = filesystem_type(path.parent, mounts_file)
    return fs_type is not None and fs_type.lower() in NETWORK_FILESYSTEMS


def create_private_file(path: Path) -> None:
    """Create an empty file readable and writable by its owner only (0600).

    Transcripts are about vulnerable people; SQLite gives its -wal and -shm files the
    permissions of the database file, so setting them here covers all three.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)


def make_engine(path: Path, *, mounts_file: Path = Path("/proc/mounts")) -> Engine:
    """An engine for the project file at ``path``, configured for safe concurrent use."""
    journal_mode = "WAL"
    if is_network_filesystem(path, mounts_file):
        journal_mode = "DELETE"
        warnings.warn(
            f"{path}: on a network file system; using a rollback journal instead of WAL "
            "(slower, but safe there)",
            NetworkFilesystemWarning,
            stacklevel=2,
        )
    engine = create_engine(
        f"sqlite+pysqlite:///{path}",
        connect_args={"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event, not pysqlite, decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
        cursor.execute(f"PRAGMA journal_mode={journal_mode}")
        # FULL: a coding acknowledged to the researcher survives a power cut too.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY_OPTION):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def make_server_engine(location: ProjectLocation) -> Engine:
    """An engine for a PostgreSQL database; the password comes from libpq (PGPASSWORD
    or ~/.pgpass), never from the URL."""
    engine = create_engine(
        location.sqlalchemy_url(),
        isolation_level="READ COMMITTED",
        pool_pre_ping=True,  # a server restart between two actions is not an error
        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS, "application_name": "qualcode"},
    )

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # psycopg opens the transaction with the first statement, so this is its first.
        if connection.get_execution_options().get(READ_ONLY_OPTION):
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")

    _notify_on_commit(engine)
    return engine


def _notify_on_commit(engine: Engine) -> None:
    """Tell listeners (other coders' watchers) of every transaction that wrote, with one
    ``NOTIFY`` sent inside it: PostgreSQL delivers it at commit and drops it on rollback,
    so no trigger or migration is needed and a write's readers hear of it exactly when
    it can be read. Transactions that only read send nothing."""

    @event.listens_for(engine, "before_cursor_execute")
    def _note_write(
        connection: Connection,
        _cursor: Any,
        statement: str,
        _parameters: Any,
        context: Any,
        _executemany: bool,
    ) -> None:
        compiled = context is not None and (
            context.isinsert or context.isupdate or context.isdelete
        )
        # text() and driver SQL say what they do only in their first word.
        if compiled or statement.lstrip()[:6].upper() in _WRITES:
            connection.info[_WROTE] = True

    @event.listens_for(engine, "commit")
    def _notify(connection: Connection) -> None:
        # Runs just before COMMIT; straight on the DB-API cursor, as a statement made
        # through SQLAlchemy here would re-enter its transaction machinery.
        if not connection.info.pop(_WROTE, False):
            return
        dbapi_connection: Any = connection.connection.dbapi_connection
        if dbapi_connection.info.transaction_status.name == "INERROR":
            return  # the server will roll it back whatever we say: nothing to tell
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT pg_notify(%s, '')", (CHANGE_CHANNEL,))
        finally:
            cursor.close()

    @event.listens_for(engine, "rollback")
    @event.listens_for(engine, "begin")
    def _forget(connection: Connection) -> None:
        connection.info.pop(_WROTE, None)


def engine_for(location: ProjectLocation) -> Engine:
    """The engine for a project location, set up for its dialect."""
    if location.path is not None:
        return make_engine(location.path)
    return make_server_engine(location)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def journal_mode(engine: Engine) -> str:
    """SQLite's journal mode ("wal" or "delete"); a server has none of its own to say."""
    if not is_sqlite(engine):
        return engine.dialect.name
    with engine.connect() as connection:
        return str(connection.exec_driver_sql("PRAGMA journal_mode").scalar())


def fetch_rows(connection: Connection, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    """Rows of ``sql`` (``?`` placeholders) as plain tuples, straight from the DB-API
    cursor on either engine: for the queries that return a row per coding, where
    building 100,000 Row objects costs more than the work done with them."""
    if connection.dialect.paramstyle != "qmark":  # psycopg: %s
        sql = sql.replace("?", "%s")
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, tuple(params))
        return list(cursor.fetchall())
    finally:
        cursor.close()
