"""covering index for counts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 01:01:30.260022
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("codings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_codings_counts", ["code_id", "source_id", "start", "end", "coder_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("codings", schema=None) as batch_op:
        batch_op.drop_index("ix_codings_counts")
