"""Copying every table's rows from one open project to another, on either engine.

Rows travel as they are, primary keys included, so every reference between them
(a coding's code, a reply's thread) stays true without translating a single id. Tables
go parents first (``sorted_tables``); a table that refers to itself (the codebook tree)
goes parents before children, since a code moved under a newer one has a larger id than
its parent. Afterwards PostgreSQL's sequences are moved past the copied ids, or the
first coding added on the server would collide with a copied one.

The digest says whether two projects hold the same rows: per table, the row count and an
order-independent sum of every row's hash, its values normalised for the engines'
differences (datetimes as UTC, floats by their exact ``repr``, booleans as integers).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    Table,
    func,
    insert,
    inspect,
    literal,
    select,
    text,
)

from qualcode.store.models import Base

BATCH_ROWS = 5_000
# Sums of 128-bit row hashes, kept modulo 2**128: order-independent, and (unlike XOR)
# two identical rows do not cancel out.
_DIGEST_MODULUS = 1 << 128
# Alembic's bookkeeping: each destination is stamped with its own revision, not copied.
ALEMBIC_TABLE = "alembic_version"


@dataclass(frozen=True, slots=True)
class TableDigest:
    """What one table holds, in a form two engines can compare."""

    table: str
    rows: int
    digest: int


def project_tables() -> list[Table]:
    """Every table of a project, parents before the tables that refer to them."""
    return list(Base.metadata.sorted_tables)


def _self_reference(table: Table) -> tuple[str, str] | None:
    """(referring column, referred column) of a foreign key from ``table`` to itself."""
    for key in table.foreign_keys:
        if key.column.table is table:
            return key.parent.name, key.column.name
    return None


def _ordered_rows(source: Connection, table: Table) -> Iterator[list[dict[str, Any]]]:
    """``table``'s rows in batches, in an order that inserts them without breaking a
    foreign key (by primary key; parents first where the table refers to itself)."""
    statement = select(table).order_by(*table.primary_key.columns)
    reference = _self_reference(table)
    if reference is None:
        result = source.execution_options(stream_results=True, yield_per=BATCH_ROWS).execute(
            statement
        )
        for partition in result.mappings().partitions():
            yield [dict(row) for row in partition]
        return
    rows = _parents_first([dict(row) for row in source.execute(statement).mappings()], *reference)
    for start in range(0, len(rows), BATCH_ROWS):
        yield rows[start : start + BATCH_ROWS]


def _parents_first(rows: list[dict[str, Any]], child: str, parent: str) -> list[dict[str, Any]]:
    """``rows`` with every row after the row it refers to (a tree; any loop is kept
    in its original order, and the database then refuses it as it should)."""
    present = {row[parent] for row in rows}
    placed: set[Any] = set()
    ordered: list[dict[str, Any]] = []
    waiting = rows
    while waiting:
        ready = [
            r for r in waiting if r[child] is None or r[child] in placed or r[child] not in present
        ]
        if not ready:
            ordered.extend(waiting)
            break
        ordered.extend(ready)
        placed.update(r[parent] for r in ready)
        ready_ids = {id(r) for r in ready}
        waiting = [r for r in waiting if id(r) not in ready_ids]
    return ordered


def insert_batch(destination: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert one batch of rows as they are (the test of all-or-nothing breaks this)."""
    if rows:  # an empty list would insert one row of defaults
        destination.execute(insert(table), rows)


def copy_tables(
    source: Connection, destination: Connection, tables: Sequence[Table] | None = None
) -> dict[str, int]:
    """Copy every row of ``tables`` (all of a project's) from ``source`` into the empty
    tables of ``destination``, in the caller's transaction; rows copied per table."""
    copied: dict[str, int] = {}
    for table in tables if tables is not None else project_tables():
        count = 0
        for batch in _ordered_rows(source, table):
            insert_batch(destination, table, batch)
            count += len(batch)
        copied[table.name] = count
    reset_sequences(destination)
    return copied


def reset_sequences(connection: Connection) -> None:
    """Move each PostgreSQL id sequence past the largest id now in its table.

    SQLite needs nothing: it numbers a new row after the largest id present.
    """
    if connection.dialect.name != "postgresql":
        return
    for table in project_tables():
        columns = list(table.primary_key.columns)
        if len(columns) != 1 or not isinstance(columns[0].type, Integer):
            continue
        column = columns[0].name
        sequence = connection.execute(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": table.name, "column": column},
        ).scalar()
        if sequence is None:
            continue
        largest = connection.execute(select(func.max(table.c[column]))).scalar()
        # is_called=false: the next id handed out is exactly this one.
        connection.execute(
            text("SELECT setval(CAST(:sequence AS regclass), :next, false)"),
            {"sequence": sequence, "next": (largest or 0) + 1},
        )


def _normalised(value: Any) -> str:
    """One spelling per value whichever engine returned it."""
    if value is None:
        return "N"
    if isinstance(value, bool):
        return f"i{int(value)}"
    if isinstance(value, int):
        return f"i{value}"
    if isinstance(value, float | Decimal):
        return f"f{float(value)!r}"
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return f"t{moment.astimezone(UTC).isoformat()}"
    if isinstance(value, date):
        return f"d{value.isoformat()}"
    if isinstance(value, bytes | bytearray | memoryview):
        return f"b{bytes(value).hex()}"
    return f"s{value}"


# The spellings of the types nearly every value has, looked up by exact type: the
# digest of 100,000 codings spells two million values.
_FAST: dict[type, Callable[[Any], str]] = {
    str: lambda value: "s" + value,
    int: lambda value: f"i{value}",
    type(None): lambda _value: "N",
}


def _row_hash(row: Sequence[Any]) -> int:
    spelled = "\x1f".join([_FAST.get(type(value), _normalised)(value) for value in row])
    return int.from_bytes(
        hashlib.blake2b(spelled.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    )


def table_digest(connection: Connection, table: Table) -> TableDigest:
    """``table``'s row count and an order-independent digest of its rows."""
    rows, total = 0, 0
    result = connection.execution_options(stream_results=True, yield_per=BATCH_ROWS).execute(
        select(*table.columns)
    )
    for row in result:
        rows += 1
        total = (total + _row_hash(row)) % _DIGEST_MODULUS
    return TableDigest(table.name, rows, total)


def digests(connection: Connection) -> list[TableDigest]:
    """The digest of every project table."""
    return [table_digest(connection, table) for table in project_tables()]


def differences(source: Connection, destination: Connection) -> list[str]:
    """Tables whose content differs between two projects, each said in a few words."""
    found = []
    for mine, theirs in zip(digests(source), digests(destination), strict=True):
        if mine.rows != theirs.rows:
            found.append(f"{mine.table}: {mine.rows} rows, the copy has {theirs.rows}")
        elif mine.digest != theirs.digest:
            found.append(f"{mine.table}: same {mine.rows} rows in number, different content")
    return found


def tables_present(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def nonempty_tables(connection: Connection) -> list[str]:
    """The project tables holding at least one row."""
    present = tables_present(connection)
    return [
        table.name
        for table in project_tables()
        if table.name in present
        and connection.execute(select(literal(1)).select_from(table).limit(1)).first()
    ]
