"""Notes follow their text when a pair is realigned (a changed file was ingested again).

Realignment replaces the links whose sentences changed. A note on a replaced link moves to the
new link that holds its sentence: a word note's own sentence, or for a sentence note the first
learning-language sentence of its old pair. A note whose sentence is gone, or whose new link
already carries the same card, is left without a pair and flagged for review — never deleted.
(The alignment editor moves notes for its own edits in `webapp.editing`.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.models import Alignment, Link, Note, changed_at


@dataclass(frozen=True)
class Departure:
    """A note taken off a link that realignment removes, with that link's sentences."""

    note: Note
    source: tuple[int, ...]
    target: tuple[int, ...]


def detach_notes(session: Session, doomed: Sequence[Link]) -> list[Departure]:
    """Take the notes off links about to be deleted, remembering the sentences they showed."""
    members = {
        link.id: (
            tuple(m.sentence_id for m in link.members if m.side == "source"),
            tuple(m.sentence_id for m in link.members if m.side == "target"),
        )
        for link in doomed
    }
    notes = session.scalars(select(Note).where(Note.link_id.in_(list(members))).order_by(Note.id))
    departures = []
    for note in notes:
        assert note.link_id is not None
        departures.append(Departure(note, *members[note.link_id]))
        note.link_id = None
    session.flush()
    return departures


def reattach_notes(
    session: Session,
    alignment: Alignment,
    departures: Sequence[Departure],
    links: Sequence[Link],
    now: datetime,
) -> None:
    """Point each departed note at the new link holding its sentence, or flag it."""
    if not departures:
        return
    holder = {m.sentence_id: link for link in links for m in link.members}
    taken = {
        (n.link_id, n.learn_lang, n.help_lang, n.kind, n.phrase)
        for n in session.scalars(select(Note).where(Note.link_id.in_([link.id for link in links])))
    }
    source_lang = alignment.source_version.lang
    for departure in departures:
        note = departure.note
        learn = departure.source if note.learn_lang == source_lang else departure.target
        anchors = [note.sentence_id] if note.kind == "word" else list(learn[:1])
        target = next((holder[s] for s in anchors if s in holder), None)
        key = (target.id if target else None, note.learn_lang, note.help_lang, note.kind)
        if target is None:
            note.needs_review = (
                "Its sentence is no longer in the article: the text changed and the pair was "
                "realigned. Check the card, or delete it."
            )
        elif (*key, note.phrase) in taken:
            note.needs_review = (
                "The article's text changed and its sentence now belongs to a pair that already "
                "has the same card; this one was set aside so that neither is lost."
            )
        else:
            note.link_id = target.id
            taken.add((*key, note.phrase))
        note.updated_at = changed_at(note.updated_at, now)
