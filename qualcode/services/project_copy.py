"""Moving a whole project between a file and a PostgreSQL database, losslessly.

``copy_project`` reads SOURCE without ever changing it (a file is read from a private
copy, upgraded there if it is older; a database is read in one read-only snapshot, so
coders working on it meanwhile do not tear the copy) and writes DEST, which must be new:
a file that does not exist yet, or a database with no tables (or with an empty project
schema, as a freshly prepared server database has). Every row is copied with its keys,
then every table is compared, source against copy; any difference, or any failure on
the way, undoes the copy: the half-made file is removed, the database's new tables are
dropped or its transaction rolled back. Only a copy that checked out is left behind.

Everything is copied, the analysis cache included: it is small beside the transcripts,
keyed by content (so valid wherever the project lives), and copying it keeps "identical
table by table" a plain statement with no exceptions. The project keeps its UUID: a copy
made to move a project is the same project in a new place.
"""

from __future__ import annotations

import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

from qualcode.domain.errors import QualcodeError
from qualcode.services.project import COMPANION_SUFFIXES, PROJECT_SUFFIX, Where, location_of
from qualcode.store.copies import NotAProjectError, place_new_file, read_only_copy
from qualcode.store.engine import READ_ONLY_OPTION, make_server_engine
from qualcode.store.location import ProjectLocation
from qualcode.store.migrate import (
    HEAD_REVISION,
    create_project_database,
    create_project_file,
    current_revision,
    discard_project_database,
    open_project_file,
)
from qualcode.store.table_copy import (
    ALEMBIC_TABLE,
    copy_tables,
    differences,
    nonempty_tables,
    tables_present,
)

# What the summary names, in this order, when there are any (table -> plural noun).
_SUMMARY = (
    ("sources", "sources"),
    ("codings", "codings"),
    ("codes", "codes"),
    ("coders", "coders"),
    ("cases", "cases"),
    ("memos", "memos"),
    ("review_entries", "review comments"),
    ("identifiers", "register entries"),
    ("audit_log", "audit entries"),
)


class CopyCheckError(QualcodeError):
    """The copy does not hold what the source does; it was undone."""


@dataclass(frozen=True, slots=True)
class CopyReport:
    """What was copied where: rows per table, all of them checked."""

    source: str
    destination: str
    rows: dict[str, int]
    seconds: float

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def summary(self) -> str:
        """One sentence a researcher can read: the things they know, then the total."""
        named = [f"{self.rows[table]:,} {noun}" for table, noun in _SUMMARY if self.rows.get(table)]
        return (
            f"{', '.join(named) or 'an empty project'} ({self.total_rows:,} rows in "
            f"{len(self.rows)} tables) copied and checked table by table."
        )


def copy_project(source: Where, destination: Where) -> CopyReport:
    """Copy the project at ``source`` into the new ``destination``, all or nothing."""
    started = time.perf_counter()
    origin, target = location_of(source), location_of(destination)
    if _same(origin, target):
        raise QualcodeError(f"{target.display}: SOURCE and DEST are the same project")
    with _reading(origin) as reading, _writing(target) as writing:
        rows = copy_tables(reading, writing)
        found = differences(reading, writing)
        if found:
            raise CopyCheckError(
                f"the copy differs from {origin.display} ({'; '.join(found)}); "
                f"it was undone and {target.display} left as it was"
            )
    return CopyReport(origin.display, target.display, rows, time.perf_counter() - started)


def _same(one: ProjectLocation, other: ProjectLocation) -> bool:
    if one.path is not None and other.path is not None:
        return one.path.resolve() == other.path.resolve()
    return one == other


# --- SOURCE: read, never written ---------------------------------------------------


@contextmanager
def _reading(location: ProjectLocation) -> Iterator[Connection]:
    """A read-only connection to ``location`` in one consistent snapshot."""
    if location.path is not None:
        with _reading_file(location.path) as connection:
            yield connection
    else:
        with _reading_database(location) as connection:
            yield connection


@contextmanager
def _reading_file(path: Path) -> Iterator[Connection]:
    # A private copy: the file itself is never opened for writing, and an older project
    # is upgraded in the copy, never in place.
    with tempfile.TemporaryDirectory(prefix="qualcode-copy-") as folder:
        private = Path(folder) / "source.qcp"
        read_only_copy(path, private)
        engine = open_project_file(private)
        try:
            with _snapshot(engine) as connection:
                yield connection
        finally:
            engine.dispose()


@contextmanager
def _reading_database(location: ProjectLocation) -> Iterator[Connection]:
    engine = make_server_engine(location)
    try:
        with _reachable(location):
            revision = current_revision(engine)
        if revision is None:
            raise NotAProjectError(f"{location.display}: holds no qualcode project")
        if revision != HEAD_REVISION:
            # Upgrading it would change SOURCE; opening it in qualcode does that, on purpose.
            raise QualcodeError(
                f"{location.display}: its schema ({revision}) is not this qualcode's "
                f"({HEAD_REVISION}); open it with `qualcode open` first, then copy"
            )
        # REPEATABLE READ: every table read from the same moment, coders working or not.
        with _snapshot(engine, isolation_level="REPEATABLE READ") as connection:
            yield connection
    finally:
        engine.dispose()


@contextmanager
def _snapshot(engine: Engine, **options: str) -> Iterator[Connection]:
    with engine.connect() as connection:
        reading = connection.execution_options(**{READ_ONLY_OPTION: True}, **options)
        with reading.begin():
            yield reading


# --- DEST: new, and left as it was unless the copy checked out ----------------------


@contextmanager
def _writing(location: ProjectLocation) -> Iterator[Connection]:
    if location.path is not None:
        with _writing_file(location.path) as connection:
            yield connection
    else:
        with _writing_database(location) as connection:
            yield connection


def _refuse_existing(path: Path) -> None:
    if path.exists() or path.is_symlink():
        raise QualcodeError(
            f"{path}: already exists; a copy is a new project, so DEST must not exist yet"
        )


@contextmanager
def _writing_file(path: Path) -> Iterator[Connection]:
    """The copy is built under a hidden name beside DEST and appears under DEST's name
    only once it has checked out, so nobody ever opens a half-copied project."""
    if path.suffix != PROJECT_SUFFIX:
        raise QualcodeError(f"{path}: a project file name must end in {PROJECT_SUFFIX}")
    _refuse_existing(path)
    building = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.copying")
    try:
        engine = create_project_file(building)
        try:
            with engine.begin() as connection:
                yield connection
        finally:
            engine.dispose()  # the last connection closed: the WAL is folded into the file
        if not place_new_file(building, path):
            raise QualcodeError(f"{path}: appeared while copying; the copy was not kept")
    finally:
        _discard(building)


def _discard(path: Path) -> None:
    for file in (path, *(path.with_name(path.name + s) for s in COMPANION_SUFFIXES)):
        with suppress(FileNotFoundError):
            file.unlink()


@contextmanager
def _writing_database(location: ProjectLocation) -> Iterator[Connection]:
    engine, made = _empty_database(location)
    try:
        with engine.begin() as connection:
            if not made:
                _refuse_filled(location, connection)
            yield connection
    except BaseException:
        if made:  # the tables are ours, made a moment ago in an empty database
            with suppress(Exception):
                discard_project_database(engine)
        raise
    finally:
        engine.dispose()


def _empty_database(location: ProjectLocation) -> tuple[Engine, bool]:
    """An engine on DEST with the newest schema, and whether this copy made it."""
    engine = make_server_engine(location)
    try:
        with _reachable(location), engine.connect() as connection:
            present = tables_present(connection)
    except BaseException:
        engine.dispose()
        raise
    if not present:
        engine.dispose()
        with _reachable(location):
            return create_project_database(location), True
    if ALEMBIC_TABLE not in present:
        engine.dispose()
        raise QualcodeError(
            f"{location.display}: the database holds other tables; a copy needs an empty database"
        )
    revision = current_revision(engine)
    if revision != HEAD_REVISION:
        engine.dispose()
        raise QualcodeError(
            f"{location.display}: holds a project schema {revision}, not this qualcode's "
            f"({HEAD_REVISION}); a copy needs an empty database"
        )
    return engine, False


def _refuse_filled(location: ProjectLocation, connection: Connection) -> None:
    """A prepared but empty project schema is fine; one with anything in it is not."""
    filled = nonempty_tables(connection)
    if filled:
        raise QualcodeError(
            f"{location.display}: already holds a project ({', '.join(filled[:3])}"
            f"{' ...' if len(filled) > 3 else ''} not empty); a copy needs an empty "
            "database (copy first, then qualcode serve-setup)"
        )


@contextmanager
def _reachable(location: ProjectLocation) -> Iterator[None]:
    """A server that cannot be reached, said in one line (libpq's first line of why)."""
    try:
        yield
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else "no connection"
        raise QualcodeError(f"{location.display}: cannot reach the database ({reason})") from None
