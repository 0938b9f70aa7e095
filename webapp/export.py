"""Exporting to Anki: turn what the learner selected into `decks.export` notes, with their
schedule and review history, and write the package. The CLI and the download link share it.

Everything is read with a handful of column queries (notes, cards, answers, the text of the
links and of their paragraph groups), never an ORM object per row: an export of 50,000 notes
reads about half a million rows, and loading them as objects took half a minute.

A note's modification time in Anki (`ExportNote.modified`) is when its exported content last
changed in Tandem: the newer of the note's own `updated_at` (made, edited, a card tagged a
leech) and its alignment's (re-aligned, so the sentences around it may have changed). An
article's title never changes once it is stored, and sentences keep their text for good (a
changed sentence is a new row), so nothing else can change what a note shows.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar, TypeVarTuple

from sqlalchemy import ColumnElement, Row, Select, and_, case, func, or_, select, tuple_
from sqlalchemy.orm import Session, aliased

from decks.errors import ExportError
from decks.export import (
    ExportCard,
    ExportNote,
    ExportReview,
    ExportSummary,
    ReviewKind,
    Template,
    write_package,
)
from webapp import review
from webapp.models import (
    Alignment,
    Article,
    Card,
    Link,
    LinkSentence,
    Note,
    ReviewLog,
    Sentence,
    Version,
)
from webapp.pairs import find_alignment, find_article
from webapp.preferences import default_directions

_KIND: dict[str, ReviewKind] = {
    "new": "learn",
    "learning": "learn",
    "review": "review",
    "relearning": "relearn",
}

Condition = ColumnElement[bool]
# A note can be exported while it has what its fields show: a sentence note its pair, a word
# note its sentence.
SHOWABLE: Condition = or_(
    and_(Note.kind == "sentence", Note.link_id.is_not(None)),
    and_(Note.kind == "word", Note.sentence_id.is_not(None)),
)
Key = TypeVar("Key")
Columns = TypeVarTuple("Columns")


@dataclass(frozen=True)
class Selection:
    """What to export: everything, or one article (optionally one language pair), and whether
    every aligned sentence pair of it becomes a note, not only the cards made."""

    article: str | None = None
    source: str | None = None
    target: str | None = None
    everything: bool = False
    all_sentences: bool = False


def export(
    session: Session,
    selection: Selection,
    path: Path,
    *,
    now: datetime,
    with_scheduling: bool = True,
) -> ExportSummary:
    """Write the selection to `path`; ExportError (or a 404/400) says what is wrong."""
    with _collector_paused():  # the package's rows would make it walk the new notes again
        notes = export_notes(session, selection)
        return write_package(
            path,
            notes,
            now=now,
            settings=review.load_settings(session),
            with_scheduling=with_scheduling,
        )


def export_notes(session: Session, selection: Selection) -> list[ExportNote]:
    """The selected notes, ready for `decks.export.write_package`."""
    if not selection.everything and selection.article is None:
        raise ExportError("choose an article (--article) or everything (--all)")
    if (selection.source is None) != (selection.target is None):
        raise ExportError("give both --source and --target, or neither")
    if selection.all_sentences and (selection.article is None or selection.source is None):
        raise ExportError("--all-sentences needs --article, --source and --target")
    article, wanted = _conditions(session, selection)
    wanted.append(SHOWABLE)
    with _collector_paused():
        if selection.all_sentences:
            assert article is not None and selection.source and selection.target
            every_pair = _all_sentences(session, article, selection.source, selection.target)
            return every_pair + _notes(session, [*wanted, Note.kind == "word"])
        return _notes(session, wanted)


def left_out(session: Session, selection: Selection) -> int:
    """How many selected notes cannot be exported because an alignment edit or a changed text
    took away the pair they show (they wait in the card list, flagged "needs review")."""
    _, wanted = _conditions(session, selection)
    count = session.scalar(select(func.count(Note.id)).where(*wanted, ~SHOWABLE))
    return count or 0


def _conditions(session: Session, selection: Selection) -> tuple[Article | None, list[Condition]]:
    """The selected article, and conditions on `Note` for the selection."""
    wanted: list[Condition] = []
    article = None
    if selection.article is not None:
        article = find_article(session, selection.article)
        wanted.append(Note.article_id == article.id)
    if selection.source is not None:
        wanted += [Note.learn_lang == selection.source, Note.help_lang == selection.target]
    return article, wanted


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while an export reads its notes (and, in
    `export`, writes them).

    Reading a large export makes about a million objects that all live until the package is
    written. The collector kept walking them, a third of the reading time (and again while
    the package's rows were made), and could free nothing: reference counting frees whatever
    the export drops, and any cyclic garbage made meanwhile (by this or another thread) is
    collected once the collector runs again. Pauses nest: only the outermost resumes it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read(session: Session, statement: Select[*Columns]) -> Sequence[Row[*Columns]]:
    """All rows of a column query, read at once through the session's connection: plain rows
    without the ORM's work per row (which was most of the time of reading a large export),
    fetched together rather than one by one."""
    return session.connection().execute(statement).all()


# -- notes the learner made ----------------------------------------------------------------


def _notes(session: Session, wanted: Sequence[Condition]) -> list[ExportNote]:
    """The notes matching `wanted` (conditions on `Note`), in the order they were made."""
    rows = _read(
        session,
        select(
            Note.id,
            Note.kind,
            Note.article_id,
            Note.link_id,
            Note.sentence_id,
            Note.learn_lang,
            Note.help_lang,
            Note.phrase,
            Note.meaning,
            Note.updated_at,
        )
        .where(*wanted)
        .order_by(Note.id),
    )
    if not rows:
        return []
    links = select(Note.link_id).where(*wanted)
    texts = _texts(session, tuple_(Link.alignment_id, Link.paragraph).in_(_groups(links)))
    cards, leeches = _cards(session, wanted)
    articles = _articles(session, select(Note.article_id).where(*wanted))
    phrase_sentences: dict[int | None, str] = {
        sentence_id: text
        for sentence_id, text in _read(
            session,
            select(Sentence.id, Sentence.text).where(
                Sentence.id.in_(select(Note.sentence_id).where(*wanted, Note.kind == "word"))
            ),
        )
    }
    result = []
    for (
        note_id,
        kind,
        article_id,
        link_id,
        sentence_id,
        learn,
        help_,
        phrase,
        meaning,
        updated,
    ) in rows:
        sentences = texts.sentences.get(link_id, {})
        context = texts.context(link_id)
        slug, title = articles[article_id]
        result.append(
            ExportNote(
                key=_key(kind, note_id, link_id, learn, help_),
                kind="word" if kind == "word" else "sentence",
                learn_lang=learn,
                help_lang=help_,
                sentence=phrase_sentences.get(sentence_id) or sentences.get(learn, ""),
                translation=sentences.get(help_, ""),
                modified=max(updated, texts.modified.get(link_id, updated)),
                sentence_paragraph=context.get(learn, ""),
                translation_paragraph=context.get(help_, ""),
                phrase=phrase,
                meaning=meaning,
                article_title=title,
                tags=_tags(slug, kind, learn, help_, note_id in leeches),
                cards=cards.get(note_id, ()),
            )
        )
    return result


def _key(kind: str, note_id: int, link_id: int | None, learn: str, help_: str) -> str:
    """A sentence note shares its identity with the link, so a pair exported with
    --all-sentences and later carded updates the same Anki note."""
    if kind == "sentence" and link_id is not None:
        return _pair_key(link_id, learn, help_)
    return f"{kind}:{note_id}"


def _pair_key(link_id: int, learn: str, help_: str) -> str:
    return f"sentence:{link_id}:{learn}:{help_}"


def _articles(session: Session, ids: Select[int]) -> dict[int, tuple[str, str]]:
    """(slug, title) of the articles whose ids `ids` (a subquery) selects."""
    rows = _read(
        session, select(Article.id, Article.slug, Article.title).where(Article.id.in_(ids))
    )
    return {article_id: (slug, title) for article_id, slug, title in rows}


def _tags(slug: str, kind: str, learn: str, help_: str, leech: bool) -> tuple[str, ...]:
    tags = (f"tandem::{slug}", f"lang::{learn}", f"lang::{help_}", kind)
    return (*tags, "leech") if leech else tags


def _template(name: str) -> Template:
    if name not in ("recognition", "production", "cloze"):
        raise ExportError(f"unknown card template {name!r}")
    return name  # type: ignore[return-value]


def _cards(
    session: Session, wanted: Sequence[Condition]
) -> tuple[dict[int, tuple[ExportCard, ...]], set[int]]:
    """The cards of the notes matching `wanted` by note, with their states and review
    histories; and the notes that have a leech among their cards."""
    history = _history(session, wanted)
    rows = _read(
        session,
        select(
            Card.id,
            Card.note_id,
            Card.leech,
            Card.template,
            Card.suspended,
            Card.phase,
            Card.step,
            Card.stability,
            Card.difficulty,
            # A new card's due only orders the queue; leaving it out lets new cards share.
            case((Card.phase == "new", None), else_=Card.due).label("due"),
            Card.last_review,
            Card.reps,
            Card.lapses,
        )
        .join(Note, Note.id == Card.note_id)
        .where(*wanted)
        .order_by(Card.id),
    )
    cards: dict[int, list[ExportCard]] = defaultdict(list)
    leeches = set()
    # Cards without answers (most of a large export: new cards) in the same state are equal,
    # and ExportCards are immutable: each such state is made once.
    unanswered: dict[tuple[object, ...], ExportCard] = {}
    for row in rows:
        card_id, note_id, leech = row[:3]
        reviews = history.get(card_id)
        if reviews is None:
            card = unanswered.get(row[3:])
            if card is None:
                card = unanswered[row[3:]] = _card(row, ())
        else:
            card = _card(row, tuple(reviews))
        cards[note_id].append(card)
        if leech:
            leeches.add(note_id)
    return {note_id: tuple(of_note) for note_id, of_note in cards.items()}, leeches


def _card(row: Row[Any], reviews: tuple[ExportReview, ...]) -> ExportCard:
    """The export card of a row of `_cards`' query."""
    return ExportCard(
        template=_template(row.template),
        state=review.state_of(row),
        suspended=row.suspended,
        reviews=reviews,
    )


def _history(session: Session, wanted: Sequence[Condition]) -> dict[int, list[ExportReview]]:
    """Each card's answers still in effect, oldest first, as Anki review-log rows."""
    undo = aliased(ReviewLog)
    rows = _read(
        session,
        select(
            ReviewLog.card_id,
            ReviewLog.reviewed_at,
            ReviewLog.rating,
            ReviewLog.interval_seconds,
            ReviewLog.duration_ms,
            ReviewLog.phase_before,
        )
        .join(Card, Card.id == ReviewLog.card_id)
        .join(Note, Note.id == Card.note_id)
        .where(
            *wanted,
            ReviewLog.kind == "review",
            ~select(undo.id).where(undo.undoes_id == ReviewLog.id).exists(),
        )
        .order_by(ReviewLog.id),
    )
    history: dict[int, list[ExportReview]] = defaultdict(list)
    last: dict[int, timedelta] = {}
    for card_id, when, rating, seconds, duration, phase in rows:
        interval = timedelta(seconds=seconds)
        history[card_id].append(
            ExportReview(
                reviewed_at=when,
                rating=rating,
                interval=interval,
                last_interval=last.get(card_id, timedelta(0)),
                duration_ms=duration or 0,
                kind=_KIND.get(phase, "review"),
            )
        )
        last[card_id] = interval
    return history


# -- the text of aligned pairs -------------------------------------------------------------


@dataclass
class _Texts:
    """The text of links and of their paragraph groups, by language, and when each link's
    alignment last changed."""

    # Keyed by link id; a note whose link is gone (None) finds nothing.
    sentences: dict[int | None, dict[str, str]] = field(default_factory=dict)
    groups: dict[int | None, tuple[int, int]] = field(default_factory=dict)
    paragraphs: dict[tuple[int, int], dict[str, str]] = field(default_factory=dict)
    modified: dict[int | None, datetime] = field(default_factory=dict)

    def context(self, link_id: int | None) -> dict[str, str]:
        """The paragraph group around a link, by language (empty for no link)."""
        group = self.groups.get(link_id)
        return self.paragraphs.get(group, {}) if group is not None else {}


def _groups(links: Select[int | None]) -> Select[int, int]:
    """(alignment, paragraph) of each link that `links` (a subquery of link ids) selects."""
    return select(Link.alignment_id, Link.paragraph).where(Link.id.in_(links))


def _texts(session: Session, which: Condition) -> _Texts:
    """The sentences of every link matching `which` (a condition on `Link`), joined per link
    and per paragraph group, in reading order, in one query."""
    source, target = aliased(Version), aliased(Version)
    alignments = {
        alignment_id: ({"source": source_lang, "target": target_lang}, updated_at)
        for alignment_id, source_lang, target_lang, updated_at in _read(
            session,
            select(Alignment.id, source.lang, target.lang, Alignment.updated_at)
            .join(source, source.id == Alignment.source_version_id)
            .join(target, target.id == Alignment.target_version_id)
            .where(Alignment.id.in_(select(Link.alignment_id).where(which))),
        )
    }
    rows = _read(
        session,
        select(Link.id, Link.alignment_id, Link.paragraph, LinkSentence.side, Sentence.text)
        .join(LinkSentence, LinkSentence.link_id == Link.id)
        .join(Sentence, Sentence.id == LinkSentence.sentence_id)
        .where(which)
        .order_by(Link.alignment_id, Link.paragraph, Sentence.position),
    )
    link_parts: dict[int | None, dict[str, list[str]]] = defaultdict(dict)
    group_parts: dict[tuple[int, int], dict[str, list[str]]] = defaultdict(dict)
    texts = _Texts()
    for link_id, alignment_id, paragraph, side, text in rows:
        langs, updated_at = alignments[alignment_id]
        lang = langs[side]
        group = (alignment_id, paragraph)
        link_parts[link_id].setdefault(lang, []).append(text)
        group_parts[group].setdefault(lang, []).append(text)
        texts.groups[link_id] = group
        texts.modified[link_id] = updated_at
    texts.sentences = _joined(link_parts)
    texts.paragraphs = _joined(group_parts)
    return texts


def _joined(parts: Mapping[Key, dict[str, list[str]]]) -> dict[Key, dict[str, str]]:
    """Each language's sentences as one text."""
    return {
        key: {lang: " ".join(texts) for lang, texts in by_lang.items()}
        for key, by_lang in parts.items()
    }


# -- every sentence pair of an article -----------------------------------------------------


def _all_sentences(session: Session, article: Article, learn: str, help_: str) -> list[ExportNote]:
    """One sentence note per aligned pair with both sides, in reading order; pairs the learner
    already made cards from keep their cards and schedule, the others get new cards."""
    alignment, _ = find_alignment(session, article, learn, help_)
    made = {
        note.key: note
        for note in _notes(
            session,
            [
                Note.article_id == article.id,
                Note.kind == "sentence",
                Note.learn_lang == learn,
                Note.help_lang == help_,
            ],
        )
    }
    texts = _texts(session, Link.alignment_id == alignment.id)
    directions = tuple(ExportCard(template=_template(d)) for d in default_directions(session))
    tags = _tags(article.slug, "sentence", learn, help_, False)
    result = []
    for (link_id,) in _read(
        session, select(Link.id).where(Link.alignment_id == alignment.id).order_by(Link.position)
    ):
        sentences = texts.sentences.get(link_id, {})
        if learn not in sentences or help_ not in sentences:
            continue
        key = _pair_key(link_id, learn, help_)
        if key in made:
            result.append(made[key])
            continue
        context = texts.context(link_id)
        result.append(
            ExportNote(
                key=key,
                kind="sentence",
                learn_lang=learn,
                help_lang=help_,
                sentence=sentences[learn],
                translation=sentences[help_],
                modified=alignment.updated_at,
                sentence_paragraph=context.get(learn, ""),
                translation_paragraph=context.get(help_, ""),
                article_title=article.title,
                tags=tags,
                cards=directions,
            )
        )
    return result
