"""name keys: every worker's and project's names, normalised and in pinyin, behind an index; the names marker

Revision ID: 0005_name_keys
Revises: 0004_process_lock
Create Date: 2026-12-01 03:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_name_keys"
down_revision = "0004_process_lock"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from storage.names import MARKER, key_rows, project_names, worker_names

    name_key = op.create_table(
        "name_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("norm", sa.Text(), nullable=False),
        sa.Column("pinyin", sa.Text(), nullable=False),
        sa.Column("initials", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_name_key")),
    )
    op.create_index("ix_name_key_norm", "name_key", ["kind", "norm"])
    op.create_index("ix_name_key_pinyin", "name_key", ["kind", "pinyin"])
    op.create_index("ix_name_key_initials", "name_key", ["kind", "initials"])
    op.create_index("ix_name_key_ref", "name_key", ["kind", "ref_id"])
    bind = op.get_bind()
    # JSON columns read as text here and decoded: the migration must not depend on today's models.
    worker = sa.table("worker", sa.column("id"), sa.column("name"), sa.column("aliases", sa.JSON), sa.column("id_tail"))
    project = sa.table("project", sa.column("id"), sa.column("code"), sa.column("name"), sa.column("aliases", sa.JSON))
    rows = []
    for wid, name, aliases, tail in bind.execute(sa.select(worker.c.id, worker.c.name, worker.c.aliases, worker.c.id_tail)):
        rows.extend(key_rows("worker", wid, worker_names(name, aliases, tail)))
    for pid, code, name, aliases in bind.execute(sa.select(project.c.id, project.c.code, project.c.name, project.c.aliases)):
        rows.extend(key_rows("project", pid, project_names(code, name, aliases)))
    if rows:
        op.bulk_insert(name_key, rows)
    marker = sa.table("change_marker", sa.column("name"), sa.column("version"))
    if bind.execute(sa.select(marker.c.name).where(marker.c.name == MARKER)).first() is None:
        op.bulk_insert(marker, [{"name": MARKER, "version": 1}])


def downgrade() -> None:
    op.drop_table("name_key")
