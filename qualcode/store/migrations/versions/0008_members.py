"""members: each coder's role in a shared project and, on PostgreSQL, their login

An existing project gets an empty table: with no members, whoever uses the project is
its owner, as before.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 22:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coder_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("login", sa.String(length=63), nullable=True),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "role IN ('owner', 'reviewer', 'coder', 'read-only')", name=op.f("ck_members_role")
        ),
        sa.ForeignKeyConstraint(
            ["coder_id"],
            ["coders.id"],
            name=op.f("fk_members_coder_id_coders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint("coder_id", name=op.f("uq_members_coder_id")),
        sa.UniqueConstraint("login", name=op.f("uq_members_login")),
    )


def downgrade() -> None:
    op.drop_table("members")
