"""Two rules every write obeys, whichever way a service writes (ORM objects, or an
``insert()``/``update()`` statement through a session):

* **Versions move.** A row with a version column (codes, memos: ``version_id_col``) gets
  ``version + 1`` from every UPDATE, not only from the ORM's own versioned UPDATE; and a
  review thread's version moves with every entry added to it or taken from it. A person
  whose edit dialog read the old version is then refused (``StaleEditError``) instead of
  silently overwriting a merge, an import, an undo or another coder's reply.
* **Text fits its column.** A value longer than its ``String(n)`` column is refused with
  one :class:`ValidationError` naming the field and the limit, before the database sees
  it: PostgreSQL enforces the limit (with a raw ``DataError``), SQLite does not, and the
  two engines must behave alike.

Listeners on the :class:`Session` class, installed once by :mod:`qualcode.store.models`.
Raw connection-level SQL (copies, migrations) is not a service write and is not touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from typing import Any

from sqlalchemy import Column, String, Table, event, inspect, update
from sqlalchemy.orm import DeclarativeBase, ORMExecuteState, Session, UOWTransaction
from sqlalchemy.sql.dml import Insert, Update

from qualcode.domain.errors import ValidationError

# A review entry's table, and the column naming its thread: entries are the talk, so
# the thread's version counts them (models.ReviewThread.version).
_ENTRIES, _THREAD_KEY = "review_entries", "thread_id"
_THREADS = "review_threads"

_base: dict[str, type[DeclarativeBase]] = {}


def install(base: type[DeclarativeBase]) -> None:
    """Apply the rules to every session of ``base``'s models (idempotent)."""
    if _base:
        return
    _base["base"] = base
    event.listen(Session, "do_orm_execute", _on_statement)
    event.listen(Session, "before_flush", _on_flush)


# --- what the models declare -----------------------------------------------------------


@cache
def _versions() -> dict[str, Column[Any]]:
    """Table name -> its ORM version column, for every versioned model."""
    out: dict[str, Column[Any]] = {}
    for mapper in _base["base"].registry.mappers:
        column, table = mapper.version_id_col, mapper.local_table
        # Typed as any column expression and any FROM clause; a model's are a Column
        # of a Table.
        if isinstance(column, Column) and isinstance(table, Table):
            out[table.name] = column
    return out


@cache
def _limits() -> dict[str, dict[str, int]]:
    """Table name -> {column name: its String length}."""
    out: dict[str, dict[str, int]] = {}
    for table in _base["base"].metadata.tables.values():
        lengths = {
            column.name: column.type.length
            for column in table.columns
            if isinstance(column.type, String) and column.type.length
        }
        if lengths:
            out[table.name] = lengths
    return out


def _thread_table() -> Table:
    return _base["base"].metadata.tables[_THREADS]


# --- text limits -------------------------------------------------------------------------


def check_length(table: str, column: str, value: object) -> None:
    """Raise the one-line ValidationError when ``value`` is too long for the column."""
    limit = _limits().get(table, {}).get(column)
    if limit is None or not isinstance(value, str) or len(value) <= limit:
        return
    raise ValidationError(
        f"{field_label(table, column)} is too long: {len(value):,} characters, at most {limit:,}"
    )


# Fields whose table-and-column wording would read oddly.
_LABELS = {
    ("speaker_turns", "speaker"): "speaker name",
    ("sources", "original_filename"): "source file name",
    ("members", "login"): "member's database login",
    ("project_settings", "key"): "setting name",
}


def field_label(table: str, column: str) -> str:
    """A field as a researcher reads it: ``coders.name`` -> "coder name"."""
    if (table, column) in _LABELS:
        return _LABELS[(table, column)]
    noun = table[:-3] + "y" if table.endswith("ies") else table.removesuffix("s")
    return f"{noun} {column}".replace("_", " ")


def _check_row(table: str, values: Mapping[str, object]) -> None:
    # Only the table's limited columns are looked at: a merge inserts codings by the
    # hundred thousand, and they have one short column.
    for column, limit in _limits().get(table, {}).items():
        value = values.get(column)
        if isinstance(value, str) and len(value) > limit:
            check_length(table, column, value)


# --- statements through a session --------------------------------------------------------


def _table_name(statement: Insert | Update) -> str:
    return str(getattr(statement.table, "name", ""))


def _rows(state: ORMExecuteState, statement: Insert | Update) -> Iterator[Mapping[str, object]]:
    """Every row of values the statement (``state``'s) writes: its own ``values()``
    first, then any executemany parameter sets."""
    yield _own_values(statement)
    parameters = state.parameters
    if isinstance(parameters, Mapping):
        yield parameters
    elif isinstance(parameters, Iterable):
        yield from (p for p in parameters if isinstance(p, Mapping))


def _own_values(statement: Insert | Update) -> dict[str, object]:
    """``values()`` by column name; a bound value as its Python value, an SQL expression
    as itself. (``_values`` is SQLAlchemy's own record of them: compiling the statement
    instead fails for ORM bulk inserts.)"""
    out: dict[str, object] = {}
    for key, value in (getattr(statement, "_values", None) or {}).items():
        name = getattr(key, "name", None) or str(key)
        out[str(name)] = getattr(value, "value", value)
    return out


def _on_statement(state: ORMExecuteState) -> Any:
    statement = state.statement
    if not isinstance(statement, Insert | Update):
        return None
    table = _table_name(statement)
    rows = list(_rows(state, statement))
    for row in rows:
        _check_row(table, row)
    if isinstance(statement, Update):
        column = _versions().get(table)
        if column is not None and column.name not in rows[0]:
            state.statement = statement.values({column.name: column + 1})
        return None
    if table == _ENTRIES:
        threads = {row[_THREAD_KEY] for row in rows if row.get(_THREAD_KEY) is not None}
        result = state.invoke_statement()
        _bump_threads(state.session, threads)
        return result
    return None


def _bump_threads(session: Session, thread_ids: Iterable[object]) -> None:
    """One more on each thread's version, in SQL (two replies at once count twice)."""
    # A statement's row values are typed object; a thread id among them is an int.
    ids = sorted({int(i) for i in thread_ids})  # type: ignore[call-overload]
    if ids:
        threads = _thread_table()
        session.execute(
            update(threads)
            .where(threads.c.id.in_(ids))
            .values(version=threads.c.version + 1)
            .execution_options(synchronize_session=False)
        )
        # Any thread already loaded reads its new version on next access.
        for thread in list(session.identity_map.values()):
            state = inspect(thread)
            # Its identity is its primary key, (id,): the identity map holds only rows
            # that are in the database.
            key = state.identity
            if state.mapper.local_table is threads and key is not None and key[0] in ids:
                session.expire(thread, ["version"])


# --- ORM objects at flush ----------------------------------------------------------------


def _on_flush(session: Session, _context: UOWTransaction, _instances: object) -> None:
    threads: list[int | None] = []
    for obj in list(session.new) + list(session.dirty):
        state = inspect(obj)
        table = state.mapper.local_table.name
        if table not in _limits():
            continue
        if obj in session.new:
            _check_row(table, {key: state.dict.get(key) for key in state.dict})
        else:
            # Only what changed: a row saved long ago, before the rule, stays editable.
            changed = {key: attr.history.added for key, attr in state.attrs.items()}
            for key, added in changed.items():
                for value in added or ():
                    check_length(table, _column_of(state.mapper, key), value)
        if table == _ENTRIES and obj in session.new:
            threads.append(state.dict.get(_THREAD_KEY))
    for obj in session.deleted:
        state = inspect(obj)
        if state.mapper.local_table.name == _ENTRIES:
            threads.append(state.dict.get(_THREAD_KEY))
    _bump_thread_objects(session, [t for t in threads if t is not None])


def _column_of(mapper: Any, key: str) -> str:
    prop = mapper.attrs.get(key)
    columns = getattr(prop, "columns", None)
    return str(columns[0].name) if columns else key


def _bump_thread_objects(session: Session, thread_ids: list[int]) -> None:
    """Entries added or removed through the ORM: the thread row is updated in this same
    flush, its version incremented in SQL."""
    if not thread_ids:
        return
    model = _thread_model()
    for thread_id in sorted({int(i) for i in thread_ids}):
        thread = session.get(model, thread_id)
        if thread is not None:
            thread.version = model.version + 1


@cache
def _thread_model() -> Any:
    for mapper in _base["base"].registry.mappers:
        table = mapper.local_table
        if isinstance(table, Table) and table.name == _THREADS:
            return mapper.class_
    raise LookupError(_THREADS)
