"""The database schema: articles, their language versions, and the alignments between them.

The corpus pipeline's value objects (`corpus.model`) are stored here once as rows; the reader
renders rows and cards point at them, so nothing is re-derived on the fly. Every child row is
deleted with its parent (ON DELETE CASCADE), which keeps deleting an article a single statement.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from webapp.db import UTCDateTime

# Named constraints let Alembic's batch mode (SQLite) drop and alter them in later migrations.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (the default for creation timestamps)."""
    return datetime.now(UTC)


def changed_at(previous: datetime, now: datetime) -> datetime:
    """The new `updated_at` of a row last changed at `previous` that changes at `now`.

    That is `now`, but never within or before `previous`'s whole second: Anki compares
    modification times in whole seconds and takes a note only when it is strictly newer, so
    two changes within one second (or a clock that went back) must still be told apart.
    """
    return max(now, previous.replace(microsecond=0) + timedelta(seconds=1))


class Base(DeclarativeBase):
    """Declarative base whose metadata Alembic compares the migrations against."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Article(Base):
    """One text read in several languages; the unit a learner opens, lists and deletes."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[Version]] = relationship(
        back_populates="article",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Version.id",
    )

    def __repr__(self) -> str:
        return f"<Article {self.id} {self.slug!r}>"


class Version(Base):
    """One language version of an article, as ingested from one file.

    The checksum and source are indexed so re-ingesting the same file can be detected and skipped.
    """

    __tablename__ = "versions"
    __table_args__ = (
        UniqueConstraint("article_id", "lang"),
        Index(None, "checksum"),
        Index(None, "source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(8))
    lang_confidence: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String)
    checksum: Mapped[str] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(Text)
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The learner's corrections to the cleaner when importing in the browser, as JSON
    # {"restore": [line, ...], "remove": [...]} (1-based lines of the decoded text).
    overrides: Mapped[str] = mapped_column(Text, default="")

    article: Mapped[Article] = relationship(back_populates="versions")
    paragraphs: Mapped[list[Paragraph]] = relationship(
        back_populates="version",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Paragraph.position",
    )
    sentences: Mapped[list[Sentence]] = relationship(
        back_populates="version",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Sentence.position",
    )
    removals: Mapped[list[Removal]] = relationship(
        back_populates="version",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Removal.position",
    )

    def __repr__(self) -> str:
        return f"<Version {self.id} article={self.article_id} {self.lang}>"


class Removal(Base):
    """A line the cleaner removed, kept so the learner can see (and question) what was dropped."""

    __tablename__ = "removals"
    # Not unique: removals are replaced wholesale on re-ingest, and a flush inserts before it
    # deletes, so a unique position would collide with the rows being replaced.
    __table_args__ = (Index(None, "version_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    line: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(40))

    version: Mapped[Version] = relationship(back_populates="removals")


class Paragraph(Base):
    """A block of a version with its structural role; sentences and paragraph links refer to it."""

    __tablename__ = "paragraphs"
    __table_args__ = (UniqueConstraint("version_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
    # The chapter the paragraph belongs to (0 for a single-section text such as a web page).
    section: Mapped[int] = mapped_column(Integer, default=0)

    version: Mapped[Version] = relationship(back_populates="paragraphs")
    sentences: Mapped[list[Sentence]] = relationship(
        back_populates="paragraph",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Sentence.position",
    )


class Sentence(Base):
    """One sentence of a version. `position` is its index in the whole version (0-based), the
    index `corpus.model.Link` uses, so links can be stored without translating indexes."""

    __tablename__ = "sentences"
    __table_args__ = (Index(None, "version_id", "position", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"))
    paragraph_id: Mapped[int] = mapped_column(
        ForeignKey("paragraphs.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)

    version: Mapped[Version] = relationship(back_populates="sentences")
    paragraph: Mapped[Paragraph] = relationship(back_populates="sentences")


class Alignment(Base):
    """The stored result of aligning two versions, with a summary the article list can show."""

    __tablename__ = "alignments"
    __table_args__ = (UniqueConstraint("source_version_id", "target_version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    source_version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"))
    target_version_id: Mapped[int] = mapped_column(
        ForeignKey("versions.id", ondelete="CASCADE"), index=True
    )
    method: Mapped[str] = mapped_column(String(20))
    # Why this method: for example that the model does not cover a language. Shown to people.
    notes: Mapped[str] = mapped_column(Text, default="")
    quality: Mapped[float] = mapped_column(Float)
    flagged: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the links were last saved: the sentences and paragraphs an exported note shows
    # come from them (see `Note.updated_at`).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    article: Mapped[Article] = relationship()
    source_version: Mapped[Version] = relationship(foreign_keys=[source_version_id])
    target_version: Mapped[Version] = relationship(foreign_keys=[target_version_id])
    links: Mapped[list[Link]] = relationship(
        back_populates="alignment",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Link.position",
    )


class Link(Base):
    """One aligned pair of sentence groups, in reading order.

    Links are first-class rows with stable ids because cards and notes point at them: re-rendering
    or re-exporting must find the same pair, never one re-derived from the text.
    """

    __tablename__ = "links"
    __table_args__ = (
        UniqueConstraint("alignment_id", "position"),
        Index(None, "alignment_id", "paragraph"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alignment_id: Mapped[int] = mapped_column(ForeignKey("alignments.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    paragraph: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    flagged: Mapped[bool] = mapped_column()
    # Made or changed by the learner in the alignment editor: kept when the pair is realigned.
    manual: Mapped[bool] = mapped_column(default=False)

    alignment: Mapped[Alignment] = relationship(back_populates="links")
    members: Mapped[list[LinkSentence]] = relationship(
        back_populates="link", cascade="all, delete-orphan", passive_deletes=True
    )
    # Read-only views over `members`; write through `members` (they refresh on the next load).
    sentences: Mapped[list[Sentence]] = relationship(
        secondary="link_sentences", order_by="Sentence.position", viewonly=True
    )
    source_sentences: Mapped[list[Sentence]] = relationship(
        secondary="link_sentences",
        primaryjoin="and_(Link.id == LinkSentence.link_id, LinkSentence.side == 'source')",
        secondaryjoin="LinkSentence.sentence_id == Sentence.id",
        order_by="Sentence.position",
        viewonly=True,
    )
    target_sentences: Mapped[list[Sentence]] = relationship(
        secondary="link_sentences",
        primaryjoin="and_(Link.id == LinkSentence.link_id, LinkSentence.side == 'target')",
        secondaryjoin="LinkSentence.sentence_id == Sentence.id",
        order_by="Sentence.position",
        viewonly=True,
    )


class LinkSentence(Base):
    """Which sentences a link joins, and on which side; either side may be empty."""

    __tablename__ = "link_sentences"
    __table_args__ = (
        CheckConstraint("side IN ('source', 'target')", name="side"),
        Index(None, "sentence_id"),
    )

    link_id: Mapped[int] = mapped_column(
        ForeignKey("links.id", ondelete="CASCADE"), primary_key=True
    )
    sentence_id: Mapped[int] = mapped_column(
        ForeignKey("sentences.id", ondelete="CASCADE"), primary_key=True
    )
    side: Mapped[str] = mapped_column(String(6))

    link: Mapped[Link] = relationship(back_populates="members")
    sentence: Mapped[Sentence] = relationship()


class Setting(Base):
    """Small pieces of application state that outlive a process, such as whether the shipped
    corpus has been ingested (set in the same transaction as that ingest, so a failed first run
    is retried rather than forgotten)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Note(Base):
    """What the learner made while reading: a whole aligned pair (a sentence note) or a word or
    phrase inside one of its learning-language sentences (a word note). Its cards are the
    directions it is reviewed in.

    It points at the link (the stable aligned pair) and, for a word note, the sentence holding
    the phrase; if an alignment edit ever removes them the note stays, unlinked, rather than
    vanish. The unique key makes a double-submitted form create one note.
    """

    __tablename__ = "notes"
    __table_args__ = (
        UniqueConstraint("link_id", "learn_lang", "help_lang", "kind", "phrase"),
        CheckConstraint("kind IN ('sentence', 'word')", name="kind"),
        Index(None, "article_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    link_id: Mapped[int | None] = mapped_column(
        ForeignKey("links.id", ondelete="SET NULL"), index=True
    )
    sentence_id: Mapped[int | None] = mapped_column(ForeignKey("sentences.id", ondelete="SET NULL"))
    learn_lang: Mapped[str] = mapped_column(String(8))
    help_lang: Mapped[str] = mapped_column(String(8))
    # The empty string for sentence notes, so the unique key also covers them.
    phrase: Mapped[str] = mapped_column(Text, default="")
    meaning: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When what the note exports last changed in Tandem: made, edited, its pair changed by an
    # alignment edit, or a card became (or stopped being) a leech. Anki takes an exported note
    # only when it is newer than its own copy, so this, not the export time, is the note's
    # modification time there; set it with `changed_at`.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Why the learner should look at this note, such as its aligned pair being removed by an
    # alignment edit; empty when all is well.
    needs_review: Mapped[str] = mapped_column(Text, default="")

    article: Mapped[Article] = relationship()
    link: Mapped[Link | None] = relationship()
    sentence: Mapped[Sentence | None] = relationship()
    cards: Mapped[list[Card]] = relationship(
        back_populates="note",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Card.id",
    )


class Card(Base):
    """One direction of a note that is reviewed on its own FSRS schedule: recognition
    (learning language → meaning), production (helper language → learning language), or the
    cloze of a word note.

    `version` grows with every answer, edit and undo: an answer names the version it saw, so
    two tabs can never both answer the same showing of a card.
    """

    __tablename__ = "cards"
    __table_args__ = (
        UniqueConstraint("note_id", "template"),
        CheckConstraint("template IN ('recognition', 'production', 'cloze')", name="template"),
        # Covers the queue's queries: due cards of a phase that are neither suspended nor buried.
        Index(None, "phase", "due", "suspended", "buried_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"))
    template: Mapped[str] = mapped_column(String(12))
    phase: Mapped[str] = mapped_column(String(12), default="new")
    step: Mapped[int | None] = mapped_column(Integer)
    stability: Mapped[float | None] = mapped_column(Float)
    difficulty: Mapped[float | None] = mapped_column(Float)
    # New cards are "due" from their creation, which orders them and keeps one index useful.
    due: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_review: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reps: Mapped[int] = mapped_column(Integer, default=0)
    lapses: Mapped[int] = mapped_column(Integer, default=0)
    suspended: Mapped[bool] = mapped_column(default=False)
    buried_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    leech: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    note: Mapped[Note] = relationship(back_populates="cards")


class ReviewLog(Base):
    """The append-only review log: every answer, and every undo as an entry of its own that
    names the answer it takes back. Enough to recompute every card's state from scratch.

    `request_id` makes answers idempotent: a retried or double-clicked answer finds its entry
    and is not applied again.
    """

    __tablename__ = "review_logs"
    __table_args__ = (
        CheckConstraint("kind IN ('review', 'undo')", name="kind"),
        # The day's answer counts filter on all three; statistics use the time alone.
        Index(None, "reviewed_at", "kind", "phase_before"),
        Index(None, "card_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(6), default="review")
    undoes_id: Mapped[int | None] = mapped_column(ForeignKey("review_logs.id"), index=True)
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rating: Mapped[int] = mapped_column(Integer)
    phase_before: Mapped[str] = mapped_column(String(12))
    phase_after: Mapped[str] = mapped_column(String(12))
    state_before: Mapped[str] = mapped_column(Text)
    state_after: Mapped[str] = mapped_column(Text)
    interval_seconds: Mapped[int] = mapped_column(Integer, default=0)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    request_id: Mapped[str | None] = mapped_column(String(64), unique=True)


class ReadingPosition(Base):
    """Where the learner stopped reading an article in a learning language, so the reader can
    reopen there and the library can show progress."""

    __tablename__ = "reading_positions"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    lang: Mapped[str] = mapped_column(String(8), primary_key=True)
    sentence_id: Mapped[int | None] = mapped_column(ForeignKey("sentences.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AlignmentEdit(Base):
    """One change the learner made in the alignment editor, with the pair's links as they were
    before it (JSON), so that the change can be undone exactly, several steps back."""

    __tablename__ = "alignment_edits"
    __table_args__ = (Index(None, "alignment_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alignment_id: Mapped[int] = mapped_column(ForeignKey("alignments.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text)
    before: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ImportJob(Base):
    """An import started in the browser: read and cleaned files awaiting the learner's
    confirmation, then stored in the background. Its status is what the page polls (with the
    progress the worker reports, `webapp.jobs`); a failed job keeps its message and stores
    nothing."""

    __tablename__ = "import_jobs"
    __table_args__ = (
        CheckConstraint(
            "status IN ('reading', 'preview', 'queued', 'running', 'warning', 'done', 'failed')",
            name="status",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The article the files are translations of, when attaching to one.
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(10))
    message: Mapped[str] = mapped_column(Text, default="")
    # Set when the learner chose to keep a translation the aligner doubts.
    accept_doubtful: Mapped[bool] = mapped_column(default=False)
    result_article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    files: Mapped[list[ImportFile]] = relationship(
        back_populates="job",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ImportFile.position",
    )


class ImportFile(Base):
    """One file or pasted text of an import job: its decoded text, the language detected and
    the one the learner confirmed, the learner's corrections to the cleaner, or why it failed."""

    __tablename__ = "import_files"
    __table_args__ = (UniqueConstraint("job_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("import_jobs.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text, default="")
    detected_lang: Mapped[str] = mapped_column(String(8), default="")
    lang_confidence: Mapped[float] = mapped_column(Float, default=0.0)
    lang: Mapped[str] = mapped_column(String(8), default="")
    overrides: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")

    job: Mapped[ImportJob] = relationship(back_populates="files")
