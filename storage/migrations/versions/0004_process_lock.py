"""process lock: one long-polling process per bot token

Revision ID: 0004_process_lock
Revises: 0003
Create Date: 2026-11-30 23:50:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_process_lock"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "process_lock",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_process_lock")),
    )


def downgrade() -> None:
    op.drop_table("process_lock")
