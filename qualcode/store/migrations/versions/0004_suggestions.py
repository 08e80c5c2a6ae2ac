"""suggestion decisions and the analysis cache

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 02:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "suggestion_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column("coder_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "decision IN ('accepted', 'rejected')",
            name=op.f("ck_suggestion_decisions_decision"),
        ),
        sa.CheckConstraint(
            'start >= 0 AND "end" > start', name=op.f("ck_suggestion_decisions_span")
        ),
        sa.ForeignKeyConstraint(
            ["code_id"],
            ["codes.id"],
            name=op.f("fk_suggestion_decisions_code_id_codes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["coder_id"], ["coders.id"], name=op.f("fk_suggestion_decisions_coder_id_coders")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_suggestion_decisions_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestion_decisions")),
        sa.UniqueConstraint("uuid", name=op.f("uq_suggestion_decisions_uuid")),
    )
    with op.batch_alter_table("suggestion_decisions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_suggestion_decisions_source", ["source_id", "start"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_suggestion_decisions_code_id"), ["code_id"], unique=False
        )
    op.create_table(
        "analysis_cache",
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("pipeline", sa.String(length=100), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("content_hash", "pipeline", name=op.f("pk_analysis_cache")),
    )


def downgrade() -> None:
    op.drop_table("analysis_cache")
    with op.batch_alter_table("suggestion_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suggestion_decisions_code_id"))
        batch_op.drop_index("ix_suggestion_decisions_source")
    op.drop_table("suggestion_decisions")
