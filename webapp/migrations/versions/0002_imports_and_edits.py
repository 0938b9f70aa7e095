"""Bring-your-own-texts and note mtimes: chapters (paragraph sections), the learner's cleaning
corrections, links edited by hand with an undo history, notes that need review after an
alignment edit, browser import jobs, and when a note's exported content last changed
(`notes.updated_at`, `alignments.updated_at`).

An exported Anki note carries a modification time, and Anki's importer replaces its own copy
only with a strictly newer one. Stamping notes with the export time made two exports within one
second look equal and let every re-export overwrite edits made in Anki. A note's time is now
when it last changed in Tandem: the newer of its own `updated_at` (made, edited, tagged a
leech) and its alignment's (re-aligned: the sentences around it may have changed).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

New NOT NULL columns get a server default so existing rows are filled; `updated_at` starts as
the row's creation time, the last change known.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the new columns (filling existing rows) and the new tables."""
    with op.batch_alter_table("paragraphs") as batch:
        batch.add_column(sa.Column("section", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("versions") as batch:
        batch.add_column(sa.Column("overrides", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("links") as batch:
        batch.add_column(
            sa.Column("manual", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("notes") as batch:
        batch.add_column(sa.Column("needs_review", sa.Text(), nullable=False, server_default=""))
    for table in ("notes", "alignments"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
        op.execute(f"UPDATE {table} SET updated_at = created_at")
        with op.batch_alter_table(table) as batch:
            batch.alter_column("updated_at", existing_type=sa.DateTime(), nullable=False)

    # The day's answer counts filter on time, kind and phase: one index covers them (and the
    # statistics' time ranges, which used the time-only index it replaces).
    op.drop_index("ix_review_logs_reviewed_at", table_name="review_logs")
    op.create_index(
        "ix_review_logs_reviewed_at_kind_phase_before",
        "review_logs",
        ["reviewed_at", "kind", "phase_before"],
    )
    op.create_table(
        "alignment_edits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alignment_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("before", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("undone_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alignment_id"],
            ["alignments.id"],
            name="fk_alignment_edits_alignment_id_alignments",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_alignment_edits"),
    )
    op.create_index("ix_alignment_edits_alignment_id_id", "alignment_edits", ["alignment_id", "id"])
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("accept_doubtful", sa.Boolean(), nullable=False),
        sa.Column("result_article_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('reading', 'preview', 'queued', 'running', 'warning', 'done', 'failed')",
            name=op.f("ck_import_jobs_status"),
        ),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name="fk_import_jobs_article_id_articles",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["result_article_id"],
            ["articles.id"],
            name="fk_import_jobs_result_article_id_articles",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_import_jobs"),
    )
    op.create_table(
        "import_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("detected_lang", sa.String(length=8), nullable=False),
        sa.Column("lang_confidence", sa.Float(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("overrides", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["import_jobs.id"],
            name="fk_import_files_job_id_import_jobs",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_import_files"),
        sa.UniqueConstraint("job_id", "position", name="uq_import_files_job_id_position"),
    )


def downgrade() -> None:
    """Drop the new tables, columns and index."""
    op.drop_index("ix_review_logs_reviewed_at_kind_phase_before", table_name="review_logs")
    op.create_index("ix_review_logs_reviewed_at", "review_logs", ["reviewed_at"])
    op.drop_table("import_files")
    op.drop_table("import_jobs")
    op.drop_table("alignment_edits")
    for table in ("alignments", "notes"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("updated_at")
    with op.batch_alter_table("notes") as batch:
        batch.drop_column("needs_review")
    with op.batch_alter_table("links") as batch:
        batch.drop_column("manual")
    with op.batch_alter_table("versions") as batch:
        batch.drop_column("overrides")
    with op.batch_alter_table("paragraphs") as batch:
        batch.drop_column("section")
