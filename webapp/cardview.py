"""What a card shows: its front and back in the note's two languages, built from the aligned
pair it points at, and the paragraph around it in both languages for context."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from webapp.models import Card, Link, LinkSentence, Note
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


def _sides(link: Link | None, note: Note) -> tuple[list[str], list[str]]:
    """The learning- and helper-language sentences of the note's aligned pair."""
    if link is None:
        return [], []
    learn_side = "source" if link.alignment.source_version.lang == note.learn_lang else "target"
    members = sorted(link.members, key=lambda m: m.sentence.position)
    learn = [m.sentence.text for m in members if m.side == learn_side]
    help_ = [m.sentence.text for m in members if m.side != learn_side]
    return learn, help_


def summary(note: Note) -> str:
    """The note's learning-language text in one line, for lists."""
    if note.kind == "word":
        return f"{note.phrase} — {note.sentence.text if note.sentence else ''}".strip(" —")
    return " ".join(_sides(note.link, note)[0])


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
    """Front and back of a card as the review screen shows them."""
    note = session.scalars(
        select(Note)
        .where(Note.id == card.note_id)
        .options(
            selectinload(Note.sentence),
            selectinload(Note.link).selectinload(Link.members).selectinload(LinkSentence.sentence),
        )
    ).one()
    link = note.link
    learn, help_ = _sides(link, note)
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
    return Face(
        card.template, front, back, hint, note.meaning, _context(session, link, note), not learn
    )


def _context(session: Session, link: Link | None, note: Note) -> tuple[Text, Text] | None:
    """The whole aligned paragraph group the pair sits in, in both languages."""
    if link is None:
        return None
    group = session.scalars(
        select(Link)
        .where(Link.alignment_id == link.alignment_id, Link.paragraph == link.paragraph)
        .order_by(Link.position)
        .options(selectinload(Link.members).selectinload(LinkSentence.sentence))
    ).all()
    learn: list[str] = []
    help_: list[str] = []
    for other in group:
        mine, theirs = _sides(other, note)
        learn += mine
        help_ += theirs
    return _plain(note.learn_lang, learn), _plain(note.help_lang, help_)
