"""When a note's exported content last changed: `notes.updated_at` and `alignments.updated_at`.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

An exported Anki note carries a modification time, and Anki's importer replaces its own copy
only with a strictly newer one. Stamping notes with the export time made two exports within one
second look equal and let every re-export overwrite edits made in Anki. A note's time is now
when it last changed in Tandem: the newer of its own `updated_at` (made, edited, tagged a
leech) and its alignment's (re-aligned: the sentences around it may have changed).

Existing rows take their creation time, the last change known.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("notes", "alignments")


def upgrade() -> None:
    """Add the column to each table, fill it from `created_at`, then make it required."""
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
        op.execute(f"UPDATE {table} SET updated_at = created_at")
        with op.batch_alter_table(table) as batch:
            batch.alter_column("updated_at", existing_type=sa.DateTime(), nullable=False)


def downgrade() -> None:
    """Drop the columns again."""
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("updated_at")
