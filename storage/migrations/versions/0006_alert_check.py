"""alert check: a write's immediate-alert check, kept until it is done (a crash leaves it to the sweep)

Revision ID: 0006_alert_check
Revises: 0005_name_keys
Create Date: 2026-12-01 04:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0006_alert_check"
down_revision = "0005_name_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("sections", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_alert_check_project_id_project"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_alert_check_user_id_app_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_check")),
    )
    op.create_index(op.f("ix_alert_check_created_at"), "alert_check", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_alert_check_created_at"), table_name="alert_check")
    op.drop_table("alert_check")
