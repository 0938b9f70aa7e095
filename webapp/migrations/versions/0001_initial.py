"""Initial schema: articles, language versions, paragraphs, sentences, removals, alignments, links,
settings, notes and their cards, the review log, and reading positions.

Revision ID: 0001
Revises:
Create Date: 2026-11-22

Timestamps are plain `sa.DateTime()` here: `webapp.db.UTCDateTime` stores naive UTC in that type,
and migrations must not import application code that may change later.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _cascade(column: str, target: str, table: str) -> sa.ForeignKeyConstraint:
    """A foreign key from `table.column` to `target.id` that deletes the row with its parent."""
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete="CASCADE"
    )


def _set_null(column: str, target: str, table: str) -> sa.ForeignKeyConstraint:
    """A foreign key that is cleared, not cascaded, when its target row goes."""
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete="SET NULL"
    )


def upgrade() -> None:
    """Create every table and index."""
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_articles"),
        sa.UniqueConstraint("slug", name="uq_articles_slug"),
    )
    op.create_table(
        "versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("lang_confidence", sa.Float(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("ingested_at", sa.DateTime(), nullable=False),
        _cascade("article_id", "articles", "versions"),
        sa.PrimaryKeyConstraint("id", name="pk_versions"),
        sa.UniqueConstraint("article_id", "lang", name="uq_versions_article_id_lang"),
    )
    op.create_index("ix_versions_checksum", "versions", ["checksum"])
    op.create_index("ix_versions_source", "versions", ["source"])

    op.create_table(
        "removals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        _cascade("version_id", "versions", "removals"),
        sa.PrimaryKeyConstraint("id", name="pk_removals"),
    )
    op.create_index("ix_removals_version_id_position", "removals", ["version_id", "position"])
    op.create_table(
        "paragraphs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        _cascade("version_id", "versions", "paragraphs"),
        sa.PrimaryKeyConstraint("id", name="pk_paragraphs"),
        sa.UniqueConstraint("version_id", "position", name="uq_paragraphs_version_id_position"),
    )
    op.create_table(
        "sentences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("paragraph_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _cascade("paragraph_id", "paragraphs", "sentences"),
        _cascade("version_id", "versions", "sentences"),
        sa.PrimaryKeyConstraint("id", name="pk_sentences"),
    )
    op.create_index("ix_sentences_paragraph_id", "sentences", ["paragraph_id"])
    op.create_index(
        "ix_sentences_version_id_position", "sentences", ["version_id", "position"], unique=True
    )

    op.create_table(
        "alignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("source_version_id", sa.Integer(), nullable=False),
        sa.Column("target_version_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("quality", sa.Float(), nullable=False),
        sa.Column("flagged", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _cascade("article_id", "articles", "alignments"),
        _cascade("source_version_id", "versions", "alignments"),
        _cascade("target_version_id", "versions", "alignments"),
        sa.PrimaryKeyConstraint("id", name="pk_alignments"),
        sa.UniqueConstraint(
            "source_version_id",
            "target_version_id",
            name="uq_alignments_source_version_id_target_version_id",
        ),
    )
    op.create_index("ix_alignments_article_id", "alignments", ["article_id"])
    op.create_index("ix_alignments_target_version_id", "alignments", ["target_version_id"])

    op.create_table(
        "links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alignment_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("paragraph", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        _cascade("alignment_id", "alignments", "links"),
        sa.PrimaryKeyConstraint("id", name="pk_links"),
        sa.UniqueConstraint("alignment_id", "position", name="uq_links_alignment_id_position"),
    )
    op.create_index("ix_links_alignment_id_paragraph", "links", ["alignment_id", "paragraph"])
    op.create_table(
        "link_sentences",
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("sentence_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=6), nullable=False),
        # op.f(): the name is final; the naming convention must not prefix it again.
        sa.CheckConstraint("side IN ('source', 'target')", name=op.f("ck_link_sentences_side")),
        _cascade("link_id", "links", "link_sentences"),
        _cascade("sentence_id", "sentences", "link_sentences"),
        sa.PrimaryKeyConstraint("link_id", "sentence_id", name="pk_link_sentences"),
    )
    op.create_index("ix_link_sentences_sentence_id", "link_sentences", ["sentence_id"])
    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_settings"),
    )
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=True),
        sa.Column("sentence_id", sa.Integer(), nullable=True),
        sa.Column("learn_lang", sa.String(length=8), nullable=False),
        sa.Column("help_lang", sa.String(length=8), nullable=False),
        sa.Column("phrase", sa.Text(), nullable=False),
        sa.Column("meaning", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('sentence', 'word')", name="ck_notes_kind"),
        _cascade("article_id", "articles", "notes"),
        _set_null("link_id", "links", "notes"),
        _set_null("sentence_id", "sentences", "notes"),
        sa.PrimaryKeyConstraint("id", name="pk_cards"),
        sa.UniqueConstraint(
            "link_id",
            "learn_lang",
            "help_lang",
            "kind",
            "phrase",
            name="uq_notes_link_id_learn_lang_help_lang_kind_phrase",
        ),
    )
    op.create_index("ix_notes_article_id", "notes", ["article_id"])
    op.create_index("ix_notes_link_id", "notes", ["link_id"])
    op.create_table(
        "cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("template", sa.String(length=12), nullable=False),
        sa.Column("phase", sa.String(length=12), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("stability", sa.Float(), nullable=True),
        sa.Column("difficulty", sa.Float(), nullable=True),
        sa.Column("due", sa.DateTime(), nullable=False),
        sa.Column("last_review", sa.DateTime(), nullable=True),
        sa.Column("reps", sa.Integer(), nullable=False),
        sa.Column("lapses", sa.Integer(), nullable=False),
        sa.Column("suspended", sa.Boolean(), nullable=False),
        sa.Column("buried_until", sa.DateTime(), nullable=True),
        sa.Column("leech", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "template IN ('recognition', 'production', 'cloze')", name="ck_cards_template"
        ),
        _cascade("note_id", "notes", "cards"),
        sa.PrimaryKeyConstraint("id", name="pk_cards"),
        sa.UniqueConstraint("note_id", "template", name="uq_cards_note_id_template"),
    )
    op.create_index(
        "ix_cards_phase_due_suspended_buried_until",
        "cards",
        ["phase", "due", "suspended", "buried_until"],
    )
    op.create_table(
        "review_logs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=6), nullable=False),
        sa.Column("undoes_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("phase_before", sa.String(length=12), nullable=False),
        sa.Column("phase_after", sa.String(length=12), nullable=False),
        sa.Column("state_before", sa.Text(), nullable=False),
        sa.Column("state_after", sa.Text(), nullable=False),
        sa.Column("interval_seconds", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.CheckConstraint("kind IN ('review', 'undo')", name="ck_review_logs_kind"),
        _cascade("card_id", "cards", "review_logs"),
        sa.ForeignKeyConstraint(
            ["undoes_id"], ["review_logs.id"], name="fk_review_logs_undoes_id_review_logs"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_review_logs"),
        sa.UniqueConstraint("request_id", name="uq_review_logs_request_id"),
    )
    op.create_index("ix_review_logs_card_id_id", "review_logs", ["card_id", "id"])
    op.create_index("ix_review_logs_reviewed_at", "review_logs", ["reviewed_at"])
    op.create_index("ix_review_logs_undoes_id", "review_logs", ["undoes_id"])
    op.create_table(
        "reading_positions",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("sentence_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _cascade("article_id", "articles", "reading_positions"),
        _set_null("sentence_id", "sentences", "reading_positions"),
        sa.PrimaryKeyConstraint("article_id", "lang", name="pk_reading_positions"),
    )


def downgrade() -> None:
    """Drop every table, children first (indexes go with their tables)."""
    for table in (
        "review_logs",
        "cards",
        "reading_positions",
        "notes",
        "settings",
        "link_sentences",
        "links",
        "alignments",
        "sentences",
        "paragraphs",
        "removals",
        "versions",
        "articles",
    ):
        op.drop_table(table)
