"""Correcting a stored alignment by hand: merge two links, split one, move a sentence to the
neighbouring link, mark a sentence as having no counterpart, and undo, several steps back.

An edit rewrites a *window* of at most two adjacent links and shifts the links after it
(positions, and paragraph groups when a group is joined or emptied) in two bulk statements, so
an edit costs the same in a 5,000-link book as in a short article, and never touches another
language pair. The window as it was (link ids, positions, groups, scores, flags, members) and
the notes that pointed at it are the edit's `before` snapshot: undo writes it back with the same
ids, so cards and Anki notes find their pair again.

Links the learner made or changed are `manual`, scored 1.0 and not flagged: the learner's
judgement replaces the aligner's doubt, so the reader stops marking them doubtful and the
alignment's quality counts them as sure. Undo brings back the aligner's own scores.

Notes follow the edit. A word note goes with its sentence. A sentence note goes to the merged
link; after a split, to the part holding its first learning-language sentence; after a move or
a "no counterpart" it keeps its link (link ids are kept), unless that link disappeared, when it
follows its first learning-language sentence. A note whose pair lost a language it had, or that
would duplicate another note of the merged pair (the unique key forbids two), is flagged with
`needs_review`; the duplicate is set aside with no pair. No note is ever deleted.

Every operation names the alignment version the learner saw and refuses a stale one with 409,
so a double-submitted form applies once. Nothing here commits.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, insert, select, update
from sqlalchemy.orm import Session
from werkzeug.exceptions import BadRequest, Conflict, NotFound

from corpus.language import language_name
from webapp.models import (
    Alignment,
    AlignmentEdit,
    Link,
    LinkSentence,
    Note,
    Sentence,
    changed_at,
)

SIDES = ("source", "target")
MANUAL_SCORE = 1.0
SNIPPET = 40
# Core tables: the bulk shifts must not try to synchronise thousands of ORM objects.
LINKS = Link.__table__
MEMBERS = LinkSentence.__table__
STALE = (
    "This alignment has changed since the page was shown (a second click, or another tab), so "
    "nothing was done: here it is as it is now."
)


@dataclass(frozen=True)
class Bead:
    """One link as plain values, which the operations rearrange and undo restores: sentence
    ids per side in reading order. `id` is None for a link an edit is about to create."""

    id: int | None
    paragraph: int
    score: float
    flagged: bool
    manual: bool
    source: tuple[int, ...]
    target: tuple[int, ...]

    def side(self, name: str) -> tuple[int, ...]:
        """The sentence ids on one side ("source" or "target")."""
        return self.source if name == "source" else self.target

    @property
    def sentences(self) -> tuple[int, ...]:
        return self.source + self.target


@dataclass(frozen=True)
class Window:
    """Adjacent links from position `start`, with the text of their sentences."""

    start: int
    beads: tuple[Bead, ...]
    texts: dict[int, str]


@dataclass(frozen=True)
class _Plan:
    """What an operation wants written: the new beads of the window, how the paragraph groups
    after it shift, and how sentence notes follow ("link": they keep a link that survives;
    "anchor": they follow their first learning-language sentence)."""

    action: str
    summary: str
    beads: tuple[Bead, ...]
    paragraph_shift: int = 0
    follow: str = "link"


# Reading -------------------------------------------------------------------------------------


def load_window(session: Session, alignment_id: int, first: int, last: int) -> Window:
    """The links at positions first..last (clipped to those that exist) in two queries."""
    rows = session.execute(
        select(LINKS)
        .where(
            LINKS.c.alignment_id == alignment_id,
            LINKS.c.position >= first,
            LINKS.c.position <= last,
        )
        .order_by(LINKS.c.position)
    ).all()
    sides: dict[int, dict[str, list[int]]] = {row.id: {"source": [], "target": []} for row in rows}
    texts: dict[int, str] = {}
    for link_id, side, sentence_id, text in session.execute(
        select(MEMBERS.c.link_id, MEMBERS.c.side, Sentence.id, Sentence.text)
        .join(Sentence, Sentence.id == MEMBERS.c.sentence_id)
        .where(MEMBERS.c.link_id.in_(list(sides)))
        .order_by(Sentence.position)
    ):
        sides[link_id][side].append(sentence_id)
        texts[sentence_id] = text
    beads = tuple(
        Bead(
            row.id,
            row.paragraph,
            row.score,
            row.flagged,
            row.manual,
            tuple(sides[row.id]["source"]),
            tuple(sides[row.id]["target"]),
        )
        for row in rows
    )
    return Window(rows[0].position if rows else first, beads, texts)


def link_of(session: Session, alignment: Alignment, sentence_id: int) -> tuple[int, int]:
    """The id and position of the link holding a sentence in this language pair.

    The alignment is picked out here rather than in SQL: given it, SQLite would walk all the
    pair's links through its covering index instead of the sentence's few links."""
    for link_id, position, alignment_id in session.execute(
        select(LINKS.c.id, LINKS.c.position, LINKS.c.alignment_id)
        .join(MEMBERS, MEMBERS.c.link_id == LINKS.c.id)
        .where(MEMBERS.c.sentence_id == sentence_id)
    ):
        if alignment_id == alignment.id:
            return link_id, position
    raise NotFound(f"sentence {sentence_id} is not in this language pair")


def version(session: Session, alignment: Alignment) -> int:
    """How many edits and undos the alignment has seen. Every change moves it on (edits are
    never deleted and an undo is never taken back), so a request naming an older version comes
    from a page that is out of date."""
    made, undone = session.execute(
        select(func.count(), func.count(AlignmentEdit.undone_at)).where(
            AlignmentEdit.alignment_id == alignment.id
        )
    ).one()
    return int(made) + int(undone)


def history(session: Session, alignment: Alignment, limit: int = 8) -> list[AlignmentEdit]:
    """The latest edits of the alignment, newest first (undone ones say so)."""
    return list(
        session.scalars(
            select(AlignmentEdit)
            .where(AlignmentEdit.alignment_id == alignment.id)
            .order_by(AlignmentEdit.id.desc())
            .limit(limit)
        )
    )


def best_division(share: float, lengths: Sequence[int]) -> int:
    """How many of the other side's sentences go with the first part of a split: the count
    whose share of that side's length is closest to `share`, the first part's share of its own
    side. Translations keep lengths in proportion (Gale and Church), so this is where the
    other side most likely breaks; the learner can still choose, or move a sentence after."""
    total = sum(lengths) or 1
    best, gap, running = 0, share, 0
    for count, length in enumerate(lengths, 1):
        running += length
        if abs(running / total - share) < gap:
            best, gap = count, abs(running / total - share)
    return best


# Operations ----------------------------------------------------------------------------------


def merge(
    session: Session, alignment: Alignment, link_id: int, *, seen: int, now: datetime
) -> AlignmentEdit:
    """Join a link with the next one. Joining across paragraph groups joins the groups, so the
    reader still shows one row per group with both panes side by side."""
    _check(session, alignment, seen)
    position = _position(session, alignment, link_id)
    window = load_window(session, alignment.id, position, position + 1)
    if len(window.beads) < 2:
        raise BadRequest("this is the last pair: there is no next pair to merge it with")
    first, second = window.beads
    merged = _changed(first, first.source + second.source, first.target + second.target)
    plan = _Plan(
        "merge",
        f"Merged {_quote(window, first.sentences[0])} with the next pair",
        (merged,),
        paragraph_shift=first.paragraph - second.paragraph,
    )
    return _apply(session, alignment, window, plan, now)


def split(
    session: Session,
    alignment: Alignment,
    sentence_id: int,
    *,
    other: int | None = None,
    seen: int,
    now: datetime,
) -> AlignmentEdit:
    """Split a link after one of its sentences. `other` is how many sentences of the other side
    stay in the first part; by default, where the lengths say (`best_division`)."""
    _check(session, alignment, seen)
    window, bead = _window_of(session, alignment, sentence_id, 0, 0)
    side = _side_of(bead, sentence_id)
    mine, theirs = bead.side(side), bead.side(_opposite(side))
    cut = mine.index(sentence_id) + 1
    if cut == len(mine):
        raise BadRequest(
            f"{_quote(window, sentence_id)} is the last {_lang(alignment, side)} sentence of its "
            "pair: select the sentence after which the pair should be split"
        )
    if other is None:
        lengths = [len(window.texts[i]) for i in mine]
        other = best_division(
            sum(lengths[:cut]) / (sum(lengths) or 1), [len(window.texts[i]) for i in theirs]
        )
    if not 0 <= other <= len(theirs):
        raise BadRequest(f"the other side of this pair has {len(theirs)} sentences, not {other}")
    parts = {side: (mine[:cut], mine[cut:]), _opposite(side): (theirs[:other], theirs[other:])}
    plan = _Plan(
        "split",
        f"Split the pair {_quote(window, bead.sentences[0])} after {_quote(window, sentence_id)}",
        (
            _changed(bead, parts["source"][0], parts["target"][0]),
            _changed(replace(bead, id=None), parts["source"][1], parts["target"][1]),
        ),
        follow="anchor",
    )
    return _apply(session, alignment, window, plan, now)


def move(
    session: Session,
    alignment: Alignment,
    sentence_id: int,
    direction: str,
    *,
    seen: int,
    now: datetime,
) -> AlignmentEdit:
    """Move the first sentence of a link's side to the end of the previous link, or the last
    one to the start of the next, so reading order never changes. A link left with no
    sentence disappears, and its paragraph group too if it was alone in it."""
    if direction not in ("previous", "next"):
        raise BadRequest("a sentence moves to the previous or the next pair")
    _check(session, alignment, seen)
    back = direction == "previous"
    window, here = _window_of(session, alignment, sentence_id, -1 if back else 0, 0 if back else 1)
    if len(window.beads) < 2:
        raise BadRequest(f"this is the {'first' if back else 'last'} pair: there is no {direction}")
    there = window.beads[0] if back else window.beads[1]
    side = _side_of(here, sentence_id)
    ids = here.side(side)
    if sentence_id != (ids[0] if back else ids[-1]):
        raise BadRequest(
            f"only the {'first' if back else 'last'} {_lang(alignment, side)} sentence of a pair "
            f"can move to the {direction} pair; split the pair first"
        )
    received = (*there.side(side), sentence_id) if back else (sentence_id, *there.side(side))
    moved = _changed(there, **{side: received})
    left = _changed(here, **{side: tuple(i for i in ids if i != sentence_id)})
    shift = 0
    if not left.sentences:
        beads: tuple[Bead, ...] = (moved,)
        if _alone_in_group(session, alignment, here):
            # The emptied group goes: the groups after it move up one, the receiving link too
            # when it comes after.
            shift = -1
            beads = (replace(moved, paragraph=min(here.paragraph, there.paragraph)),)
    else:
        beads = (moved, left) if back else (left, moved)
    plan = _Plan(
        "move",
        f"Moved {_quote(window, sentence_id)} to the {direction} pair",
        beads,
        paragraph_shift=shift,
    )
    return _apply(session, alignment, window, plan, now)


def detach(
    session: Session, alignment: Alignment, sentence_id: int, *, seen: int, now: datetime
) -> AlignmentEdit:
    """Mark a sentence as having no counterpart: it leaves its link for a 1-0 (or 0-1) link of
    its own, before the link when it was the first sentence of its side, after it when the
    last. A sentence inside a side cannot leave without breaking reading order."""
    _check(session, alignment, seen)
    window, bead = _window_of(session, alignment, sentence_id, 0, 0)
    side = _side_of(bead, sentence_id)
    ids = bead.side(side)
    if len(bead.sentences) == 1:
        raise BadRequest(f"{_quote(window, sentence_id)} already has no counterpart")
    if sentence_id not in (ids[0], ids[-1]):
        raise BadRequest(
            f"{_quote(window, sentence_id)} is inside its pair: split the pair first, or mark "
            "the first or last sentence of a side"
        )
    alone = _changed(replace(bead, id=None), **{side: (sentence_id,), _opposite(side): ()})
    rest = _changed(bead, **{side: tuple(i for i in ids if i != sentence_id)})
    plan = _Plan(
        "detach",
        f"Marked {_quote(window, sentence_id)} as having no counterpart",
        (alone, rest) if sentence_id == ids[0] else (rest, alone),
    )
    return _apply(session, alignment, window, plan, now)


def undo(
    session: Session, alignment: Alignment, *, seen: int, now: datetime
) -> AlignmentEdit | None:
    """Undo the latest edit not undone yet; None when there is none.

    Its window comes back exactly (link ids, members, positions, groups, scores, flags), the
    links after it shift back, its notes return to their links and flags, and the alignment's
    summary to what it was. A note made since on a link the undo removes follows its sentence.
    """
    _check(session, alignment, seen)
    edit = session.scalar(
        select(AlignmentEdit)
        .where(AlignmentEdit.alignment_id == alignment.id, AlignmentEdit.undone_at.is_(None))
        .order_by(AlignmentEdit.id.desc())
        .limit(1)
    )
    if edit is None:
        return None
    data: dict[str, Any] = json.loads(edit.before)
    start, after = data["start"], data["after"]
    window = load_window(session, alignment.id, start, start + len(after) - 1)
    if [b.id for b in window.beads] != after:
        raise Conflict("this edit can no longer be undone: the pair has been aligned again since")
    saved = {state["id"]: state for state in data["notes"]}
    restored = list(session.scalars(select(Note).where(Note.id.in_(list(saved)))))
    since = [n for n in _notes_on(session, after) if n.id not in saved]
    old = tuple(_bead_from(item) for item in data["links"])
    origins = _park(session, [*restored, *since])
    _write(session, alignment.id, start, len(after), old, -data["paragraph_shift"])
    for note in restored:
        note.link_id = saved[note.id]["link_id"]
        note.needs_review = saved[note.id]["needs_review"]
        note.updated_at = changed_at(note.updated_at, now)
    plan = _Plan("undo", f"Undid: {edit.summary}", old, follow="anchor")
    _place_notes(session, alignment, since, origins, window.beads, plan, now, restored)
    alignment.quality, alignment.flagged = data["quality"], data["flagged"]
    edit.undone_at = now
    _finish(session)
    return edit


# Writing -------------------------------------------------------------------------------------


def _apply(
    session: Session, alignment: Alignment, window: Window, plan: _Plan, now: datetime
) -> AlignmentEdit:
    """Write a plan: the links, the notes that follow them, the summary, the undo record."""
    notes = _notes_on(session, [b.id for b in window.beads if b.id is not None])
    saved = [{"id": n.id, "link_id": n.link_id, "needs_review": n.needs_review} for n in notes]
    origins = _park(session, notes)
    ids = _write(
        session, alignment.id, window.start, len(window.beads), plan.beads, plan.paragraph_shift
    )
    placed = tuple(replace(bead, id=i) for bead, i in zip(plan.beads, ids, strict=True))
    _place_notes(session, alignment, notes, origins, window.beads, replace(plan, beads=placed), now)
    snapshot = {
        "start": window.start,
        "links": [_bead_json(b) for b in window.beads],
        "after": ids,
        "paragraph_shift": plan.paragraph_shift,
        "notes": saved,
        "quality": alignment.quality,
        "flagged": alignment.flagged,
    }
    _summarise(session, alignment)
    edit = AlignmentEdit(
        alignment_id=alignment.id,
        action=plan.action,
        summary=plan.summary,
        before=json.dumps(snapshot),
        created_at=now,
    )
    session.add(edit)
    _finish(session)
    return edit


def _write(
    session: Session,
    alignment_id: int,
    start: int,
    count: int,
    beads: Sequence[Bead],
    paragraph_shift: int,
) -> list[int]:
    """Replace the `count` links from `start` by `beads`, shift the links after them, and return
    the beads' link ids. A bead without an id gets a fresh one; one naming an id that no longer
    exists (undo) is inserted with it.

    Positions are unique per alignment, so rows are first parked on negative positions (minus
    their final position, minus one) and then flipped back: no statement ever collides."""
    end, shift = start + count, len(beads) - count
    ours = LINKS.c.alignment_id == alignment_id
    old = set(
        session.scalars(
            select(LINKS.c.id).where(ours, LINKS.c.position >= start, LINKS.c.position < end)
        )
    )
    keep = {bead.id for bead in beads} & old
    session.execute(delete(MEMBERS).where(MEMBERS.c.link_id.in_(old)))
    session.execute(delete(LINKS).where(LINKS.c.id.in_(old - keep)))
    if shift or paragraph_shift:
        session.execute(
            update(LINKS)
            .where(ours, LINKS.c.position >= end)
            .values(
                position=-(LINKS.c.position + shift) - 1,
                paragraph=LINKS.c.paragraph + paragraph_shift,
            )
        )
    for offset, bead in enumerate(beads):
        if bead.id in keep:
            session.execute(
                update(LINKS)
                .where(LINKS.c.id == bead.id)
                .values(position=-(start + offset) - 1, **_columns(bead))
            )
    session.execute(
        update(LINKS).where(ours, LINKS.c.position < 0).values(position=-LINKS.c.position - 1)
    )
    ids = []
    for offset, bead in enumerate(beads):
        if bead.id in keep:
            ids.append(bead.id)
            continue
        values = {"alignment_id": alignment_id, "position": start + offset, **_columns(bead)}
        if bead.id is not None:
            values["id"] = bead.id
        ids.append(session.execute(insert(LINKS).values(values).returning(LINKS.c.id)).scalar_one())
    session.execute(
        insert(MEMBERS),
        [
            {"link_id": link_id, "sentence_id": sentence_id, "side": side}
            for link_id, bead in zip(ids, beads, strict=True)
            for side in SIDES
            for sentence_id in bead.side(side)
        ],
    )
    return ids


def _columns(bead: Bead) -> dict[str, Any]:
    return {
        "paragraph": bead.paragraph,
        "score": bead.score,
        "flagged": bead.flagged,
        "manual": bead.manual,
    }


def _summarise(session: Session, alignment: Alignment) -> None:
    """Keep the alignment's summary what the store computes: mean score, flagged count."""
    count, total, flagged = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(LINKS.c.score), 0.0),
            func.coalesce(func.sum(case((LINKS.c.flagged, 1), else_=0)), 0),
        ).where(LINKS.c.alignment_id == alignment.id)
    ).one()
    alignment.quality = round(total / count, 4) if count else 0.0
    alignment.flagged = int(flagged)


def _finish(session: Session) -> None:
    """Flush, and forget loaded links: the bulk statements changed them behind the ORM."""
    session.flush()
    for item in list(session.identity_map.values()):
        if isinstance(item, Link):
            session.expire(item)


# Notes ---------------------------------------------------------------------------------------


def _notes_on(session: Session, link_ids: Iterable[int]) -> list[Note]:
    return list(
        session.scalars(select(Note).where(Note.link_id.in_(list(link_ids))).order_by(Note.id))
    )


def _park(session: Session, notes: Sequence[Note]) -> dict[int, int | None]:
    """Take the notes off their links while the links are rewritten (no foreign key or unique
    key can trip mid-way); return where each note was."""
    origins = {note.id: note.link_id for note in notes}
    for note in notes:
        note.link_id = None
    session.flush()
    return origins


def _place_notes(
    session: Session,
    alignment: Alignment,
    notes: Sequence[Note],
    origins: dict[int, int | None],
    old: Sequence[Bead],
    plan: _Plan,
    now: datetime,
    settled: Sequence[Note] = (),
) -> None:
    """Point each note at the link its text is in now and bump its update time; flag a note
    whose pair lost a language it had, and set aside (no pair, flagged) one whose pair lost
    the language it teaches (its cards would have nothing to ask) or that would repeat a note
    already on its new link. Notes whose link survives claim their place first."""
    old_by_id = {bead.id: bead for bead in old}
    new_by_id = {bead.id: bead for bead in plan.beads}
    holder = {sentence: bead.id for bead in plan.beads for sentence in bead.sentences}
    source_lang = alignment.source_version.lang
    taken = {_key(note, note.link_id): note for note in settled}
    targets = {}
    for note in notes:
        before = old_by_id.get(origins[note.id])
        targets[note.id] = _target(
            note, before, new_by_id, holder, plan.follow, _learn_side(note, source_lang)
        )
    for note in sorted(notes, key=lambda n: (targets[n.id] != origins[n.id], n.id)):
        target, before = targets[note.id], old_by_id.get(origins[note.id])
        twin = taken.get(_key(note, target))
        if target is not None and twin is not None:
            note.needs_review = (
                f"The alignment edit “{plan.summary}” put its pair together with the pair of "
                f"another card of the same kind (note {twin.id}); this one was set aside without "
                "a pair so that neither is lost: delete one of them, or undo the edit."
            )
            target = None
        elif target is not None and before is not None:
            lost = [
                side for side in SIDES if before.side(side) and not new_by_id[target].side(side)
            ]
            names = " or ".join(
                language_name(source_lang if side == "source" else alignment.target_version.lang)
                for side in lost
            )
            left = f"The alignment edit “{plan.summary}” left its pair with no {names} sentence"
            if note.kind == "sentence" and _learn_side(note, source_lang) in lost:
                note.needs_review = (
                    f"{left}, so it was set aside without a pair: undo the edit, or delete it."
                )
                target = None
            else:
                taken[_key(note, target)] = note
                if lost:
                    note.needs_review = f"{left}: check the card, or undo the edit."
        note.link_id = target
        note.updated_at = changed_at(note.updated_at, now)


def _target(
    note: Note,
    before: Bead | None,
    new_by_id: dict[int | None, Bead],
    holder: dict[int, int | None],
    follow: str,
    learn_side: str,
) -> int | None:
    """The link a note belongs on after an edit (see the module docstring)."""
    if note.kind == "word" and note.sentence_id in holder:
        return holder[note.sentence_id]
    if before is None:
        return None
    if follow == "link" and before.id in new_by_id:
        return before.id
    anchor = (before.side(learn_side) or before.sentences)[0]
    return holder.get(anchor)


def _learn_side(note: Note, source_lang: str) -> str:
    """The side of an alignment (its source in `source_lang`) in the note's learning language."""
    return "source" if note.learn_lang == source_lang else "target"


def _key(note: Note, link_id: int | None) -> tuple[Any, ...]:
    """The note's unique key (models.Note) if it pointed at `link_id`."""
    return (link_id, note.learn_lang, note.help_lang, note.kind, note.phrase)


# Small helpers -------------------------------------------------------------------------------


def _check(session: Session, alignment: Alignment, seen: int) -> None:
    if seen != version(session, alignment):
        raise Conflict(STALE)


def _position(session: Session, alignment: Alignment, link_id: int) -> int:
    position = session.scalar(
        select(LINKS.c.position).where(LINKS.c.id == link_id, LINKS.c.alignment_id == alignment.id)
    )
    if position is None:
        raise NotFound(f"pair {link_id} is not in this language pair (it may have been merged)")
    return int(position)


def _window_of(
    session: Session, alignment: Alignment, sentence_id: int, before: int, after: int
) -> tuple[Window, Bead]:
    """The window from `before` to `after` links around the link of a sentence, and that link."""
    link_id, position = link_of(session, alignment, sentence_id)
    window = load_window(session, alignment.id, position + before, position + after)
    return window, next(bead for bead in window.beads if bead.id == link_id)


def _alone_in_group(session: Session, alignment: Alignment, bead: Bead) -> bool:
    count = session.scalar(
        select(func.count()).where(
            LINKS.c.alignment_id == alignment.id, LINKS.c.paragraph == bead.paragraph
        )
    )
    return count == 1


def _changed(
    bead: Bead, source: Sequence[int] | None = None, target: Sequence[int] | None = None
) -> Bead:
    """The bead with new sides, as the learner made it: manual, sure, not flagged."""
    return replace(
        bead,
        source=bead.source if source is None else tuple(source),
        target=bead.target if target is None else tuple(target),
        score=MANUAL_SCORE,
        flagged=False,
        manual=True,
    )


def _side_of(bead: Bead, sentence_id: int) -> str:
    return "source" if sentence_id in bead.source else "target"


def _opposite(side: str) -> str:
    return "target" if side == "source" else "source"


def _lang(alignment: Alignment, side: str) -> str:
    version_ = alignment.source_version if side == "source" else alignment.target_version
    return language_name(version_.lang)


def _quote(window: Window, sentence_id: int) -> str:
    text = " ".join(window.texts[sentence_id].split())
    return f"“{text[:SNIPPET]}…”" if len(text) > SNIPPET else f"“{text}”"


def _bead_json(bead: Bead) -> dict[str, Any]:
    return {
        "id": bead.id,
        **_columns(bead),
        "source": list(bead.source),
        "target": list(bead.target),
    }


def _bead_from(data: dict[str, Any]) -> Bead:
    return Bead(
        data["id"],
        data["paragraph"],
        data["score"],
        data["flagged"],
        data["manual"],
        tuple(data["source"]),
        tuple(data["target"]),
    )
