"""Making cards while reading: a note for the aligned pair or the selected phrase, and one
card per direction it is reviewed in.

A request is checked as a whole and every problem is reported at once; a note that already
exists (a double-clicked button, a retried request) is returned instead of made twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.exceptions import BadRequest, NotFound

from webapp.models import Alignment, Card, Link, Note, Sentence, changed_at
from webapp.preferences import ALL_DIRECTIONS
from webapp.reading import phrase_pattern

MAX_PHRASE = 200
MAX_MEANING = 500


SENTENCE_TEMPLATES = ALL_DIRECTIONS


@dataclass(frozen=True)
class CardRequest:
    """What the reader sends: the link, the languages, for a word card the phrase, and for a
    sentence card the directions to review it in."""

    link_id: int
    kind: str
    learn: str
    help: str
    sentence_id: int | None = None
    phrase: str = ""
    meaning: str = ""
    directions: tuple[str, ...] = SENTENCE_TEMPLATES


def create_card(session: Session, request: CardRequest) -> tuple[Note, bool]:
    """The note for `request` with its cards, and whether it was created now (False: it
    already existed)."""
    link = session.get(Link, request.link_id)
    if link is None:
        raise NotFound(f"no aligned pair {request.link_id}")
    alignment: Alignment = link.alignment
    langs = {alignment.source_version.lang, alignment.target_version.lang}
    problems = []
    if request.kind not in ("sentence", "word"):
        problems.append("kind must be 'sentence' or 'word'")
    if {request.learn, request.help} != langs or request.learn == request.help:
        problems.append(
            f"this pair joins {' and '.join(sorted(langs))}, not {request.learn} and {request.help}"
        )
    learn_side = "source" if alignment.source_version.lang == request.learn else "target"
    learn_ids = {m.sentence_id for m in link.members if m.side == learn_side}
    help_ids = {m.sentence_id for m in link.members if m.side != learn_side}
    phrase, meaning = " ".join(request.phrase.split()), request.meaning.strip()
    if request.kind == "sentence" and not (learn_ids and help_ids):
        problems.append("this sentence has no counterpart to make a card with")
    if request.kind == "word":
        problems += _word_problems(session, request, phrase, learn_ids)
    if request.kind == "sentence" and (
        not request.directions or set(request.directions) - set(SENTENCE_TEMPLATES)
    ):
        problems.append("directions must be recognition, production or both")
    if len(meaning) > MAX_MEANING:
        problems.append(f"the meaning is longer than {MAX_MEANING} characters")
    if problems:
        raise BadRequest("; ".join(problems))
    existing = _existing(session, link.id, request, phrase)
    if existing is not None:
        return existing, False
    note = Note(
        kind=request.kind,
        article_id=alignment.article_id,
        link_id=link.id,
        sentence_id=request.sentence_id if request.kind == "word" else None,
        learn_lang=request.learn,
        help_lang=request.help,
        phrase=phrase,
        meaning=meaning,
        cards=[
            Card(template=template)
            for template in (
                ("cloze",) if request.kind == "word" else sorted(set(request.directions))
            )
        ],
    )
    try:
        with session.begin_nested():  # two simultaneous identical requests: one insert wins
            session.add(note)
    except IntegrityError:
        winner = _existing(session, link.id, request, phrase)
        assert winner is not None, "the unique key was violated by this very note"
        return winner, False
    return note, True


def _existing(session: Session, link_id: int, request: CardRequest, phrase: str) -> Note | None:
    return session.scalar(
        select(Note).where(
            Note.link_id == link_id,
            Note.learn_lang == request.learn,
            Note.help_lang == request.help,
            Note.kind == request.kind,
            Note.phrase == phrase,
        )
    )


def _word_problems(
    session: Session, request: CardRequest, phrase: str, learn_ids: set[int]
) -> list[str]:
    if not phrase:
        return ["select a word or phrase first"]
    if len(phrase) > MAX_PHRASE:
        return [f"a word card holds at most {MAX_PHRASE} characters; select less"]
    if request.sentence_id not in learn_ids:
        return ["a word card needs a sentence of the learning language from this pair"]
    sentence = session.get(Sentence, request.sentence_id)
    pattern = phrase_pattern([phrase], sentence.text) if sentence else None
    if sentence is None or pattern is None or not pattern.search(sentence.text):
        return ["the selected phrase is not in that sentence"]
    return []


def set_suspended(card: Card, suspended: bool) -> None:
    """Suspend a card (it leaves the queue until unsuspended) or bring it back."""
    card.suspended = suspended
    card.version += 1


def bury(card: Card, until: datetime) -> None:
    """Keep a card out of the queue until `until` (the start of the learner's next day)."""
    card.buried_until = until
    card.version += 1


def delete_card(session: Session, card: Card) -> None:
    """Delete a card with its review history; its note goes too when it was the last card."""
    note = card.note
    note.cards.remove(card)
    session.delete(card)
    if not note.cards:
        session.delete(note)


def edit_note(
    session: Session,
    note: Note,
    *,
    meaning: str,
    phrase: str | None,
    directions: tuple[str, ...] | None,
    now: datetime,
) -> None:
    """Change what the learner wrote (meaning, the phrase of a word note) and which directions
    a sentence note is reviewed in; every problem is reported at once. Removing a direction
    deletes that card and its history, so the page asks first. A change marks the note as
    changed at `now` (an unchanged form does not), so the next export updates Anki's copy."""
    problems = []
    meaning = meaning.strip()
    if len(meaning) > MAX_MEANING:
        problems.append(f"the meaning is longer than {MAX_MEANING} characters")
    if phrase is not None and note.kind == "word":
        phrase = " ".join(phrase.split())
        text = note.sentence.text if note.sentence else ""
        pattern = phrase_pattern([phrase], text)
        if not phrase or len(phrase) > MAX_PHRASE:
            problems.append(f"the phrase must be 1 to {MAX_PHRASE} characters")
        elif pattern is None or not pattern.search(text):
            problems.append("the phrase must be in the card's sentence")
    if (
        directions is not None
        and note.kind == "sentence"
        and (not directions or set(directions) - set(SENTENCE_TEMPLATES))
    ):
        problems.append("choose recognition, production or both")
    if problems:
        raise BadRequest("; ".join(problems))
    for card in note.cards:  # a page showing the old text can no longer answer it
        card.version += 1
    before = (note.meaning, note.phrase, {card.template for card in note.cards})
    note.meaning = meaning
    if phrase is not None and note.kind == "word":
        note.phrase = phrase
    if directions is not None and note.kind == "sentence":
        have = {card.template: card for card in note.cards}
        for template in set(directions) - set(have):
            note.cards.append(Card(template=template))
        for template in set(have) - set(directions):
            note.cards.remove(have[template])
            session.delete(have[template])
    if (note.meaning, note.phrase, {card.template for card in note.cards}) != before:
        note.updated_at = changed_at(note.updated_at, now)
