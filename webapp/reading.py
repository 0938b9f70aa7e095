"""What the reader shows: an article in a learning and a helper language, as rows.

Each row is one aligned paragraph group, so the two panes never drift apart however long the
text. Rows come a page at a time (a book has thousands), each sentence knows the link it
belongs to, and sentences and phrases the learner already made cards from are marked.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from werkzeug.exceptions import BadRequest, NotFound

from corpus.language import text_direction
from webapp.models import (
    Alignment,
    Article,
    Link,
    LinkSentence,
    Note,
    Paragraph,
    ReadingPosition,
    Sentence,
    Version,
    utcnow,
)
from webapp.pairs import alignment_between, find_article
from webapp.preferences import Languages

PAGE_ROWS = 40


def direction(lang: str) -> str:
    """The writing direction of a language, for `dir` attributes."""
    return text_direction(lang)


@dataclass(frozen=True)
class SentenceView:
    """One sentence as the page shows it: its text cut into plain and marked (carded) pieces."""

    id: int
    position: int
    link_id: int | None
    flagged: bool
    has_card: bool
    alone: bool
    pieces: tuple[tuple[str, bool], ...]

    @property
    def text(self) -> str:
        return "".join(piece for piece, _ in self.pieces)


@dataclass(frozen=True)
class ParagraphView:
    """Consecutive sentences of one paragraph, with its role (title, heading, body)."""

    role: str
    sentences: tuple[SentenceView, ...]


@dataclass(frozen=True)
class PairView:
    """One aligned pair (a link) in the row: its sentences on each side, in reading order."""

    id: int
    learn: tuple[SentenceView, ...]
    help: tuple[SentenceView, ...]
    score: float
    flagged: bool


@dataclass(frozen=True)
class Row:
    """One aligned paragraph group: the two sides laid out by paragraph, and the same
    sentences pair by pair (for the interleaved layout of narrow screens)."""

    index: int
    learn: tuple[ParagraphView, ...]
    help: tuple[ParagraphView, ...]
    pairs: tuple[PairView, ...]


@dataclass(frozen=True)
class Reading:
    """An article opened in a learning language and, when it has one, a helper language."""

    article: Article
    learn: Version
    help: Version | None
    alignment: Alignment | None
    flipped: bool

    @property
    def languages(self) -> list[str]:
        return [v.lang for v in self.article.versions]


@dataclass(frozen=True)
class Page:
    """Rows `start` to `start + len(rows)` of `total`."""

    rows: tuple[Row, ...]
    start: int
    total: int

    @property
    def next_start(self) -> int | None:
        end = self.start + len(self.rows)
        return end if end < self.total else None

    @property
    def previous_start(self) -> int | None:
        return max(0, self.start - PAGE_ROWS) if self.start > 0 else None


def open_reading(
    session: Session, key: str, learn: str | None, help_lang: str | None, chosen: Languages
) -> Reading:
    """Resolve the article and its two languages; missing ones follow the learner's choice.

    Raises NotFound for an unknown article or a language it lacks, BadRequest for the same
    language twice.
    """
    article = find_article(session, key)
    versions = {v.lang: v for v in article.versions}
    for lang in (learn, help_lang):
        if lang is not None and lang not in versions:
            have = ", ".join(versions)
            raise NotFound(f"{article.title!r} has no {lang!r} version (it has: {have})")
    if learn is not None and learn == help_lang:
        raise BadRequest("choose two different languages to read side by side")
    if learn is None:
        learn = next(
            (
                lang
                for lang in (chosen.learning, chosen.reading, *versions)
                if lang in versions and lang != help_lang
            ),
            next(iter(versions)),
        )
    if help_lang is None:
        help_lang = next(
            (
                lang
                for lang in (chosen.reading, chosen.learning, *versions)
                if lang in versions and lang != learn
            ),
            None,
        )
    learn_version = versions[learn]
    help_version = versions[help_lang] if help_lang else None
    alignment, flipped = None, False
    if help_version is not None:
        alignment, flipped = alignment_between(session, learn_version, help_version)
    return Reading(article, learn_version, help_version, alignment, flipped)


def page(session: Session, reading: Reading, start: int = 0, limit: int | None = None) -> Page:
    """Rows [start, start + limit) of the reading (PAGE_ROWS by default)."""
    start = max(0, start)
    limit = PAGE_ROWS if limit is None else limit
    if reading.alignment is None:
        return _single_language_page(session, reading, start, limit)
    alignment = reading.alignment
    total = (
        session.scalar(select(func.max(Link.paragraph)).where(Link.alignment_id == alignment.id))
        or 0
    ) + 1
    links = session.scalars(
        select(Link)
        .where(
            Link.alignment_id == alignment.id,
            Link.paragraph >= start,
            Link.paragraph < start + limit,
        )
        .order_by(Link.position)
        .options(
            selectinload(Link.members)
            .selectinload(LinkSentence.sentence)
            .selectinload(Sentence.paragraph)
        )
    ).all()
    learn_side = "target" if reading.flipped else "source"
    marks = _card_marks(session, reading)
    by_row: dict[int, list[Link]] = defaultdict(list)
    for link in links:
        by_row[link.paragraph].append(link)
    rows = []
    for index, row_links in sorted(by_row.items()):
        sides: dict[str, list[Sentence]] = {"learn": [], "help": []}
        link_of: dict[int, Link] = {}
        members: list[tuple[Link, list[Sentence], list[Sentence]]] = []
        for link in row_links:
            mine = sorted((m.sentence for m in link.members if m.side == learn_side), key=_position)
            theirs = sorted(
                (m.sentence for m in link.members if m.side != learn_side), key=_position
            )
            sides["learn"] += mine
            sides["help"] += theirs
            link_of.update((s.id, link) for s in mine + theirs)
            members.append((link, mine, theirs))
        alone = frozenset(link.id for link, mine, theirs in members if not mine or not theirs)
        views = {
            s.id: _sentence_view(s, link_of[s.id], alone, marks)
            for s in [*sides["learn"], *sides["help"]]
        }
        pairs = tuple(
            PairView(
                link.id,
                tuple(views[s.id] for s in mine),
                tuple(views[s.id] for s in theirs),
                link.score,
                link.flagged,
            )
            for link, mine, theirs in members
        )
        rows.append(
            Row(
                index,
                _paragraphs(sides["learn"], views),
                _paragraphs(sides["help"], views),
                pairs,
            )
        )
    return Page(tuple(rows), start, total)


def _position(sentence: Sentence) -> int:
    return sentence.position


def _single_language_page(session: Session, reading: Reading, start: int, limit: int) -> Page:
    """A version with no translation: one row per paragraph, one pane."""
    version = reading.learn
    total = session.scalar(
        select(func.count()).select_from(Paragraph).where(Paragraph.version_id == version.id)
    )
    paragraphs = session.scalars(
        select(Paragraph)
        .where(
            Paragraph.version_id == version.id,
            Paragraph.position >= start,
            Paragraph.position < start + limit,
        )
        .order_by(Paragraph.position)
        .options(selectinload(Paragraph.sentences))
    ).all()
    marks = _card_marks(session, reading)
    rows = tuple(
        Row(
            p.position,
            (
                ParagraphView(
                    p.role, tuple(_sentence_view(s, None, frozenset(), marks) for s in p.sentences)
                ),
            ),
            (),
            (),
        )
        for p in paragraphs
    )
    return Page(rows, start, total or 0)


@dataclass(frozen=True)
class _Marks:
    """What the learner already made cards from, in this language pair."""

    carded_links: frozenset[int]
    phrases: dict[int, list[str]]


def _card_marks(session: Session, reading: Reading) -> _Marks:
    cards = session.scalars(
        select(Note).where(
            Note.article_id == reading.article.id, Note.learn_lang == reading.learn.lang
        )
    ).all()
    help_lang = reading.help.lang if reading.help else None
    phrases: dict[int, list[str]] = defaultdict(list)
    for card in cards:
        if card.kind == "word" and card.sentence_id is not None:
            phrases[card.sentence_id].append(card.phrase)
    links = frozenset(
        c.link_id
        for c in cards
        if c.kind == "sentence" and c.link_id is not None and c.help_lang == help_lang
    )
    return _Marks(links, phrases)


def _paragraphs(
    sentences: Sequence[Sentence], views: dict[int, SentenceView]
) -> tuple[ParagraphView, ...]:
    """Group a side's sentences of one row by the paragraph they come from."""
    groups: list[tuple[Paragraph, list[SentenceView]]] = []
    for sentence in sentences:
        if not groups or groups[-1][0].id != sentence.paragraph_id:
            groups.append((sentence.paragraph, []))
        groups[-1][1].append(views[sentence.id])
    return tuple(ParagraphView(paragraph.role, tuple(group)) for paragraph, group in groups)


def _sentence_view(
    sentence: Sentence, link: Link | None, alone: frozenset[int], marks: _Marks
) -> SentenceView:
    return SentenceView(
        sentence.id,
        sentence.position,
        link.id if link else None,
        bool(link and link.flagged),
        bool(link and link.id in marks.carded_links),
        bool(link and link.id in alone),
        mark_phrases(sentence.text, marks.phrases.get(sentence.id, [])),
    )


def phrase_pattern(phrases: Sequence[str], text: str) -> re.Pattern[str] | None:
    """A pattern finding the phrases in `text`, ignoring case and how words are spaced, longest
    first. A phrase matches whole words ("di" not inside "LinkedIn") unless the learner chose
    part of a word, which `text` shows by having it only inside words. Card validation, marks
    and clozes all use this, so a card that was accepted is always found again."""
    wanted = sorted({" ".join(p.split()) for p in phrases} - {""}, key=len, reverse=True)
    if not wanted:
        return None
    parts = []
    for phrase in wanted:
        loose = r"\s+".join(map(re.escape, phrase.split(" ")))
        whole = _whole_words(phrase, loose)
        parts.append(whole if re.search(whole, text, re.IGNORECASE) else loose)
    return re.compile("|".join(parts), re.IGNORECASE)


def _whole_words(phrase: str, pattern: str) -> str:
    """`pattern` anchored at word edges, except for scripts written without spaces (CJK and
    later blocks), where a word can start anywhere."""
    spaced = "\u2e80"
    if phrase[0].isalnum() and phrase[0] < spaced:
        pattern = r"(?<!\w)" + pattern
    if phrase[-1].isalnum() and phrase[-1] < spaced:
        pattern += r"(?!\w)"
    return pattern


def mark_phrases(text: str, phrases: Sequence[str]) -> tuple[tuple[str, bool], ...]:
    """Cut `text` into pieces, marking every case-insensitive occurrence of the phrases.

    Pieces stay plain strings: the template escapes them, so no markup is ever built here.
    """
    pattern = phrase_pattern(phrases, text)
    if pattern is None:
        return ((text, False),)
    pieces: list[tuple[str, bool]] = []
    last = 0
    for match in pattern.finditer(text):
        if match.start() > last:
            pieces.append((text[last : match.start()], False))
        pieces.append((match.group(), True))
        last = match.end()
    if last < len(text):
        pieces.append((text[last:], False))
    return tuple(pieces)


def start_of_position(session: Session, reading: Reading, position: int) -> int:
    """The row that holds the learning-language sentence at `position` (to reopen there)."""
    if reading.alignment is None:
        paragraph = session.scalar(
            select(Sentence.paragraph_id).where(
                Sentence.version_id == reading.learn.id, Sentence.position == position
            )
        )
        row = session.scalar(select(Paragraph.position).where(Paragraph.id == paragraph))
        return row or 0
    row = session.scalar(
        select(Link.paragraph)
        .join(LinkSentence, LinkSentence.link_id == Link.id)
        .join(Sentence, Sentence.id == LinkSentence.sentence_id)
        .where(
            Link.alignment_id == reading.alignment.id,
            Sentence.version_id == reading.learn.id,
            Sentence.position == position,
        )
    )
    return row or 0


def remember_position(session: Session, reading: Reading, sentence_id: int) -> None:
    """Store where the learner is in the learning-language version (the caller commits)."""
    sentence = session.get(Sentence, sentence_id)
    if sentence is None or sentence.version_id != reading.learn.id:
        raise BadRequest("that sentence is not in the version being read")
    row = session.get(ReadingPosition, (reading.article.id, reading.learn.lang))
    if row is None:
        row = ReadingPosition(article_id=reading.article.id, lang=reading.learn.lang)
        session.add(row)
    row.sentence_id, row.position, row.updated_at = sentence.id, sentence.position, utcnow()


def saved_position(session: Session, reading: Reading) -> int | None:
    """The sentence position the learner stopped at, if any."""
    row = session.get(ReadingPosition, (reading.article.id, reading.learn.lang))
    return row.position if row else None
