"""What a card shows: its front and back in the note's two languages, built from the aligned
pair it points at, and the paragraph around it in both languages for context."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

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


def _phrase_sides(lang: str, text: str, phrase: str) -> tuple[Text, Text]:
    """The sentence with the phrase blanked (the question) and emphasised (the answer).

    Every occurrence is blanked: one left standing would give the answer away. The phrase is
    found once for both sides."""
    pieces = mark_phrases(text, [phrase])
    blanked = tuple(("[…]" if marked else piece, marked) for piece, marked in pieces)
    return Text(lang, blanked), Text(lang, pieces)


# The note, its sentence and its link's place, with the language of the alignment's source side,
# in one plain query built once: this runs for every card shown, and loading the note's
# relationships through the ORM cost ten times the queries.
_NOTE = (
    select(
        Note.kind,
        Note.learn_lang,
        Note.help_lang,
        Note.phrase,
        Note.meaning,
        Note.link_id,
        Sentence.text.label("sentence"),
        Link.alignment_id,
        Link.paragraph,
        Version.lang.label("source_lang"),
    )
    .outerjoin(Sentence, Sentence.id == Note.sentence_id)
    .outerjoin(Link, Link.id == Note.link_id)
    .outerjoin(Alignment, Alignment.id == Link.alignment_id)
    .outerjoin(Version, Version.id == Alignment.source_version_id)
    .where(Note.id == bindparam("note"))
)
# (link id, side, text) of every sentence in an aligned paragraph group, in reading order.
_GROUP = (
    select(Link.id, LinkSentence.side, Sentence.text)
    .join(LinkSentence, LinkSentence.link_id == Link.id)
    .join(Sentence, Sentence.id == LinkSentence.sentence_id)
    .where(Link.alignment_id == bindparam("alignment"), Link.paragraph == bindparam("paragraph"))
    .order_by(Link.position, Sentence.position)
)


def face(session: Session, card: Card) -> Face:
    """Front and back of a card as the review screen shows them.

    The pair comes out of its paragraph group, which the context needs anyway: two plain
    queries in all, because this runs for every card shown."""
    note = session.execute(_NOTE, {"note": card.note_id}).one()
    learn: list[str] = []
    help_: list[str] = []
    context = None
    if note.link_id is not None:
        learn_side = "source" if note.source_lang == note.learn_lang else "target"
        around: dict[bool, list[str]] = {True: [], False: []}
        group = {"alignment": note.alignment_id, "paragraph": note.paragraph}
        for link_id, side, text in session.execute(_GROUP, group):
            around[side == learn_side].append(text)
            if link_id == note.link_id:
                (learn if side == learn_side else help_).append(text)
        context = (_plain(note.learn_lang, around[True]), _plain(note.help_lang, around[False]))
    if note.kind == "word" and note.sentence is not None:
        learn = [note.sentence]
    learn_text, help_text = _plain(note.learn_lang, learn), _plain(note.help_lang, help_)
    hint = None
    if card.template == "cloze":
        front, back = _phrase_sides(note.learn_lang, learn_text.plain, note.phrase)
        hint = help_text
    elif card.template == "production":
        front, back = help_text, learn_text
    else:
        front, back = learn_text, help_text
    return Face(card.template, front, back, hint, note.meaning, context, not learn)


def _split(link: Link, learn_side: str) -> tuple[list[str], list[str]]:
    members = sorted(link.members, key=lambda m: m.sentence.position)
    return (
        [m.sentence.text for m in members if m.side == learn_side],
        [m.sentence.text for m in members if m.side != learn_side],
    )
