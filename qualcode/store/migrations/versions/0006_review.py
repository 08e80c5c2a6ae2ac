"""peer review: comment threads with status, consensus decisions, removed codings

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_threads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("coding_uuid", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint('start >= 0 AND "end" > start', name=op.f("ck_review_threads_span")),
        sa.ForeignKeyConstraint(
            ["code_id"],
            ["codes.id"],
            name=op.f("fk_review_threads_code_id_codes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_review_threads_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_threads")),
        sa.UniqueConstraint("uuid", name=op.f("uq_review_threads_uuid")),
    )
    with op.batch_alter_table("review_threads", schema=None) as batch_op:
        batch_op.create_index(
            "ix_review_threads_source_code", ["source_id", "code_id", "start"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_review_threads_code_id"), ["code_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_review_threads_coding_uuid"), ["coding_uuid"], unique=False
        )
    op.create_table(
        "review_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("coder_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('comment', 'status', 'decision')", name=op.f("ck_review_entries_kind")
        ),
        sa.CheckConstraint(
            "status IS NULL OR status IN "
            "('open', 'agree', 'disagree', 'needs discussion', 'resolved')",
            name=op.f("ck_review_entries_status"),
        ),
        sa.ForeignKeyConstraint(
            ["coder_id"], ["coders.id"], name=op.f("fk_review_entries_coder_id_coders")
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["review_threads.id"],
            name=op.f("fk_review_entries_thread_id_review_threads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_entries")),
        sa.UniqueConstraint("uuid", name=op.f("uq_review_entries_uuid")),
    )
    with op.batch_alter_table("review_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_entries_thread_id"), ["thread_id"], unique=False
        )
    op.create_table(
        "removed_codings",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("coder_uuid", sa.String(length=36), nullable=False),
        sa.Column("removed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("uuid", name=op.f("pk_removed_codings")),
    )
    with op.batch_alter_table("removed_codings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_removed_codings_coder_uuid"), ["coder_uuid"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("removed_codings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_removed_codings_coder_uuid"))
    op.drop_table("removed_codings")
    with op.batch_alter_table("review_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_entries_thread_id"))
    op.drop_table("review_entries")
    with op.batch_alter_table("review_threads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_threads_coding_uuid"))
        batch_op.drop_index(batch_op.f("ix_review_threads_code_id"))
        batch_op.drop_index("ix_review_threads_source_code")
    op.drop_table("review_threads")
