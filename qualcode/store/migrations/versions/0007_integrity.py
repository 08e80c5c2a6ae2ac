"""integrity for many writers: one coding per coder, span and code; sibling names unique
ignoring case; a version on codes, memos and review threads

Until now single-writer SQLite and a check before each insert kept these rules. With
several coders writing at once (and on PostgreSQL) only the database can referee, so
the rules become a unique index each. A project that already breaks a rule is repaired
first, losing no work: of exact-duplicate codings one is kept (their memos joined and
review threads pointed at it, the others remembered as removed), and a clashing sibling
code is renamed "Name (2)". Every repair is written to the audit log and logged.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 22:00:00
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

log = logging.getLogger("qualcode.migrations")

_audit = sa.table(
    "audit_log",
    sa.column("at", sa.DateTime()),
    sa.column("coder_id", sa.Integer()),
    sa.column("action", sa.String()),
    sa.column("entity", sa.String()),
    sa.column("entity_uuid", sa.String()),
    sa.column("details", sa.Text()),
)
_removed = sa.table(
    "removed_codings",
    sa.column("uuid", sa.String()),
    sa.column("coder_uuid", sa.String()),
    sa.column("removed_at", sa.DateTime()),
)


def upgrade() -> None:
    connection = op.get_bind()
    _merge_duplicate_codings(connection)
    _rename_clashing_siblings(connection)
    op.drop_index("ix_codings_counts", table_name="codings")
    op.create_index(
        "ix_codings_counts",
        "codings",
        ["code_id", "source_id", "start", "end", "coder_id"],
        unique=True,
    )
    op.create_index(
        "uq_codes_sibling_name",
        "codes",
        [sa.text("coalesce(parent_id, 0)"), sa.text("lower(name)")],
        unique=True,
    )
    for table in ("codes", "memos", "review_threads"):
        op.add_column(table, sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    for table in ("review_threads", "memos", "codes"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("version")
    op.drop_index("uq_codes_sibling_name", table_name="codes")
    op.drop_index("ix_codings_counts", table_name="codings")
    op.create_index(
        "ix_codings_counts", "codings", ["code_id", "source_id", "start", "end", "coder_id"]
    )


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _record(connection: sa.Connection, entity: str, uuid: str, details: dict[str, object]) -> None:
    connection.execute(
        _audit.insert().values(
            at=_now(),
            coder_id=None,
            action="migration.repair",
            entity=entity,
            entity_uuid=uuid,
            details=json.dumps({"migration": revision, **details}, ensure_ascii=False),
        )
    )


def _merge_duplicate_codings(connection: sa.Connection) -> None:
    """Keep the oldest of each set of identical codings (same source, code, coder and
    span): the others' memos are added to it and their review threads moved to it."""
    groups = connection.execute(
        sa.text(
            'SELECT source_id, code_id, coder_id, start, "end" FROM codings '
            'GROUP BY source_id, code_id, coder_id, start, "end" HAVING count(*) > 1'
        )
    ).all()
    for source_id, code_id, coder_id, start, end in groups:
        rows = connection.execute(
            sa.text(
                "SELECT c.id, c.uuid, c.memo, k.uuid FROM codings c "
                "JOIN coders k ON k.id = c.coder_id "
                "WHERE c.source_id = :s AND c.code_id = :c AND c.coder_id = :k "
                'AND c.start = :a AND c."end" = :b ORDER BY c.id'
            ),
            {"s": source_id, "c": code_id, "k": coder_id, "a": start, "b": end},
        ).all()
        kept_id, kept_uuid, kept_memo, coder_uuid = rows[0]
        memos = [kept_memo] if kept_memo else []
        for _, _, memo, _ in rows[1:]:
            if memo and memo not in memos:
                memos.append(memo)
        connection.execute(
            sa.text("UPDATE codings SET memo = :m WHERE id = :i"),
            {"m": "\n\n".join(memos), "i": kept_id},
        )
        dropped = [uuid for _, uuid, _, _ in rows[1:]]
        for uuid in dropped:
            connection.execute(
                sa.text("UPDATE review_threads SET coding_uuid = :k WHERE coding_uuid = :u"),
                {"k": kept_uuid, "u": uuid},
            )
            connection.execute(sa.text("DELETE FROM codings WHERE uuid = :u"), {"u": uuid})
            connection.execute(
                _removed.insert().values(uuid=uuid, coder_uuid=coder_uuid, removed_at=_now())
            )
        _record(connection, "coding", kept_uuid, {"kept": kept_uuid, "merged": dropped})
        log.warning(
            "Coding %s had %d exact duplicate(s) by the same coder; they were merged into it "
            "(memos kept).",
            kept_uuid,
            len(dropped),
        )


def _rename_clashing_siblings(connection: sa.Connection) -> None:
    """Codes that share a parent and a name (ignoring case): the oldest keeps the name,
    each other one becomes "Name (2)", "Name (3)"... with its codings untouched."""
    rows = connection.execute(sa.text("SELECT id, uuid, parent_id, name FROM codes ORDER BY id"))
    siblings: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for code_id, uuid, parent_id, name in rows:
        siblings[parent_id or 0].append((code_id, uuid, name))
    for codes in siblings.values():
        taken = {name.lower() for _, _, name in codes}
        seen: set[str] = set()
        for code_id, uuid, name in codes:
            if name.lower() not in seen:
                seen.add(name.lower())
                continue
            number = 2
            while f"{name} ({number})".lower() in taken:
                number += 1
            new_name = f"{name} ({number})"
            taken.add(new_name.lower())
            seen.add(new_name.lower())
            connection.execute(
                sa.text("UPDATE codes SET name = :n WHERE id = :i"), {"n": new_name, "i": code_id}
            )
            _record(connection, "code", uuid, {"renamed_from": name, "renamed_to": new_name})
            log.warning("Code '%s' had a sibling of the same name; it is now '%s'.", name, new_name)
