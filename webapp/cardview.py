"""What a card shows: its front and back in the note's two languages, built from the aligned
pair it points at, and the paragraph around it in both languages for context."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from webapp.models import Alignment, Card, Link, LinkSentence, Note, Sentence, Version
from webapp.reading import direction, mark_phrases


@dataclass(frozen=True)
class Text:
    """Text in one language, cut into plain and emphasised (or blanked) pieces."""

    lang: str
    pieces: tuple[tuple[str, bool], ...]

    @property
    def dir(self) -> str:
        return direction(self.lang)

    @property
    def plain(self) -> str:
        return "".join(piece for piece, _ in self.pieces)


@dataclass(frozen=True)
class Face:
    """The two sides of a card, the learner's meaning, and the paragraph it came from."""

    template: str
    front: Text
    back: Text
    hint: Text | None
    meaning: str
    context: tuple[Text, Text] | None
    missing: bool


def summary(note: Note) -> str:
    """The note's learning-language text in one line, for lists."""
    if note.kind == "word":
        return f"{note.phrase} — {note.sentence.text if note.sentence else ''}".strip(" —")
    link = note.link
    if link is None:
        return ""
    source = link.alignment.source_version.lang
    return " ".join(_split(link, "source" if source == note.learn_lang else "target")[0])


def _plain(lang: str, sentences: list[str]) -> Text:
    return Text(lang, ((" ".join(sentences), False),))


def _with_phrase(lang: str, text: str, phrase: str, *, blank: bool) -> Text:
    """The sentence with the phrase emphasised, or replaced by a blank for the question.

    Every occurrence is blanked: one left standing would give the answer away."""
    pieces = mark_phrases(text, [phrase])
    return Text(
        lang, tuple(("[…]" if blank and marked else piece, marked) for piece, marked in pieces)
    )


def face(session: Session, card: Card) -> Face:
    """Front and back of a card as the review screen shows them.

    The pair comes out of its paragraph group, which the context needs anyway: five small
    queries in all, because this runs for every card shown."""
    note = session.scalars(
        select(Note)
        .where(Note.id == card.note_id)
        .options(selectinload(Note.sentence), selectinload(Note.link))
    ).one()
    learn: list[str] = []
    help_: list[str] = []
    context = None
    if note.link is not None:
        learn_side = _learn_side(session, note.link, note.learn_lang)
        around: dict[bool, list[str]] = {True: [], False: []}
        for link_id, side, text in _group(session, note.link):
            around[side == learn_side].append(text)
            if link_id == note.link_id:
                (learn if side == learn_side else help_).append(text)
        context = (_plain(note.learn_lang, around[True]), _plain(note.help_lang, around[False]))
    if note.kind == "word" and note.sentence is not None:
        learn = [note.sentence.text]
    learn_text, help_text = _plain(note.learn_lang, learn), _plain(note.help_lang, help_)
    hint = None
    if card.template == "cloze":
        sentence = learn_text.plain
        front = _with_phrase(note.learn_lang, sentence, note.phrase, blank=True)
        back = _with_phrase(note.learn_lang, sentence, note.phrase, blank=False)
        hint = help_text
    elif card.template == "production":
        front, back = help_text, learn_text
    else:
        front, back = learn_text, help_text
    return Face(card.template, front, back, hint, note.meaning, context, not learn)


def _learn_side(session: Session, link: Link, learn_lang: str) -> str:
    """Which side of the link's alignment ("source" or "target") is the learning language."""
    source_lang = session.scalar(
        select(Version.lang)
        .join(Alignment, Alignment.source_version_id == Version.id)
        .where(Alignment.id == link.alignment_id)
    )
    return "source" if source_lang == learn_lang else "target"


def _group(session: Session, link: Link) -> list[tuple[int, str, str]]:
    """(link id, side, text) of every sentence in the aligned paragraph group of the pair, in
    reading order: one plain query, as this runs for every card shown."""
    rows = session.execute(
        select(Link.id, LinkSentence.side, Sentence.text)
        .join(LinkSentence, LinkSentence.link_id == Link.id)
        .join(Sentence, Sentence.id == LinkSentence.sentence_id)
        .where(Link.alignment_id == link.alignment_id, Link.paragraph == link.paragraph)
        .order_by(Link.position, Sentence.position)
    )
    return [(link_id, side, text) for link_id, side, text in rows]


def _split(link: Link, learn_side: str) -> tuple[list[str], list[str]]:
    members = sorted(link.members, key=lambda m: m.sentence.position)
    return (
        [m.sentence.text for m in members if m.side == learn_side],
        [m.sentence.text for m in members if m.side != learn_side],
    )
