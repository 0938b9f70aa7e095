"""The alignment editor: one language pair of an article as rows of links side by side, where
the learner merges, splits, moves sentences, marks sentences with no counterpart and undoes
(the operations are `webapp.editing`).

The page works without JavaScript: a sentence is a link that selects it, and one form holds
every action as a button (a CSRF-protected POST that redirects back). `alignedit.js` adds the
keyboard and sends the same form by fetch, then swaps in the rows again. Rows come a page at a
time around the selection, so a 5,000-link book opens as fast as a short article.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.exceptions import BadRequest, Conflict, NotFound
from werkzeug.wrappers import Response

from webapp import editing, pairs, seed
from webapp.models import Alignment, AlignmentEdit, Article, Link, LinkSentence, Note, Sentence
from webapp.models import Version as LanguageVersion

bp = Blueprint("alignedit", __name__, url_prefix="/read")

PAGE_LINKS = 50
# Edits from this process's threads apply one at a time, so two clicks that name the same
# version can never both pass the version check (SQLite has one writer anyway).
EDIT_LOCK = threading.Lock()
MOVES = {"move-previous": "previous", "move-next": "next"}
SHORTCUTS = (
    (("j", "↓"), "Next pair"),
    (("k", "↑"), "Previous pair"),
    (("l", "→"), "Next sentence"),
    (("h", "←"), "Previous sentence"),
    (("n",), "Next doubtful pair"),
    (("p",), "Previous doubtful pair"),
    (("m",), "Merge the pair with the next one"),
    (("s",), "Split the pair after the selected sentence"),
    (("[",), "Move the selected sentence to the previous pair"),
    (("]",), "Move the selected sentence to the next pair"),
    (("x", "0"), "The selected sentence has no counterpart"),
    (("u", "Ctrl+Z"), "Undo the last edit"),
)


@dataclass(frozen=True)
class Opened:
    """An article's language pair as the editor shows it: `first` in the left pane."""

    article: Article
    first: LanguageVersion
    second: LanguageVersion
    alignment: Alignment
    flipped: bool

    @property
    def first_side(self) -> str:
        """Which side of the stored alignment the left pane shows."""
        return "target" if self.flipped else "source"

    def url(self, endpoint: str, **args: Any) -> str:
        """The URL of one of the editor's endpoints for this pair."""
        pair = {"key": self.article.slug, "first": self.first.lang, "second": self.second.lang}
        return url_for(endpoint, **pair, **args)


@dataclass(frozen=True)
class Item:
    """A sentence as the editor shows it."""

    id: int
    text: str


@dataclass(frozen=True)
class Row:
    """One link: its sentences in each pane, how sure it is, and how many notes point at it."""

    id: int
    position: int
    group_start: bool
    first: tuple[Item, ...]
    second: tuple[Item, ...]
    score: float
    flagged: bool
    manual: bool
    notes: int

    @property
    def kind(self) -> str:
        return f"{len(self.first)}-{len(self.second)}"


@dataclass(frozen=True)
class Screen:
    """Links `start` to `start + len(rows)` of `total`, the selected sentence and its row, the
    alignment's version (which every action sends back), its latest edits, and where the
    earlier and later pages start (None at either end)."""

    rows: tuple[Row, ...]
    start: int
    total: int
    selected: Item | None
    selected_row: Row | None
    version: int
    history: tuple[AlignmentEdit, ...]
    previous_start: int | None
    next_start: int | None

    @property
    def selected_pane(self) -> str:
        """Which pane ("first" or "second") holds the selected sentence."""
        row = self.selected_row
        return "first" if row and self.selected in row.first else "second"

    @property
    def counterparts(self) -> tuple[Item, ...]:
        """The sentences of the other pane in the selected row: where a split may divide it."""
        row = self.selected_row
        if row is None:
            return ()
        return row.second if self.selected_pane == "first" else row.first


def open_pair(session: Session, key: str, first: str, second: str) -> Opened:
    """The article and the alignment of two of its languages (404 or 400 when there is none)."""
    article = pairs.find_article(session, key)
    alignment, flipped = pairs.find_alignment(session, article, first, second)
    versions = {v.lang: v for v in article.versions}
    return Opened(article, versions[first], versions[second], alignment, flipped)


def screen(session: Session, opened: Opened, start: int | None, selected: int | None) -> Screen:
    """A page of rows. Without `start` it opens around the selected sentence; a selection that
    is not on the page moves the page to it (after an edit, or from a stale link)."""
    alignment = opened.alignment
    if start is None:
        start = _around(session, alignment, selected)
    rows = _rows(session, opened, max(0, start))
    items = _items(rows)
    if selected is not None and selected not in items:
        rows = _rows(session, opened, _around(session, alignment, selected))
        items = _items(rows)
    chosen = items.get(selected) if selected is not None else None
    if chosen is None and rows:
        chosen = ((rows[0].first or rows[0].second)[0], rows[0])
    total = session.scalar(select(func.count()).where(Link.alignment_id == alignment.id)) or 0
    first = rows[0].position if rows else 0
    end = first + len(rows)
    return Screen(
        rows,
        first,
        total,
        chosen[0] if chosen else None,
        chosen[1] if chosen else None,
        editing.version(session, alignment),
        tuple(editing.history(session, alignment)),
        max(0, first - PAGE_LINKS) if first > 0 else None,
        end if end < total else None,
    )


def _items(rows: tuple[Row, ...]) -> dict[int, tuple[Item, Row]]:
    return {item.id: (item, row) for row in rows for item in (*row.first, *row.second)}


def _around(session: Session, alignment: Alignment, sentence_id: int | None) -> int:
    """The page start that shows a sentence's link a quarter of a page down."""
    if sentence_id is None:
        return 0
    try:
        _, position = editing.link_of(session, alignment, sentence_id)
    except NotFound:
        return 0
    return max(0, position - PAGE_LINKS // 4)


def _rows(session: Session, opened: Opened, start: int) -> tuple[Row, ...]:
    """PAGE_LINKS links from `start` in three small queries, whatever the article's length."""
    window = editing.load_window(session, opened.alignment.id, start, start + PAGE_LINKS - 1)
    counts = dict(
        session.execute(
            select(Note.link_id, func.count())
            .where(Note.link_id.in_([bead.id for bead in window.beads]))
            .group_by(Note.link_id)
        ).all()
    )
    second_side = "source" if opened.flipped else "target"
    rows = []
    previous = None
    for offset, bead in enumerate(window.beads):
        rows.append(
            Row(
                bead.id,
                window.start + offset,
                previous is not None and bead.paragraph != previous,
                tuple(Item(i, window.texts[i]) for i in bead.side(opened.first_side)),
                tuple(Item(i, window.texts[i]) for i in bead.side(second_side)),
                bead.score,
                bead.flagged,
                bead.manual,
                counts.get(bead.id, 0),
            )
        )
        previous = bead.paragraph
    return tuple(rows)


def _context(session: Session, opened: Opened) -> dict[str, Any]:
    """What both the page and the fragment render."""
    start = request.args.get("start", type=int)
    selected = request.args.get("sel", type=int)
    return {
        "opened": opened,
        "screen": screen(session, opened, start, selected),
        "shortcuts": SHORTCUTS,
    }


@bp.get("/<key>/align/<first>/<second>")
def editor(key: str, first: str, second: str) -> str:
    """The editor page for the pair, `first` in the left pane."""
    session = seed.prepared_session()
    opened = open_pair(session, key, first, second)
    return render_template("alignedit/editor.html", **_context(session, opened))


@bp.get("/<key>/align/<first>/<second>/screen")
def screen_fragment(key: str, first: str, second: str) -> str:
    """The rows and the action form as an HTML fragment, for the script to swap in."""
    session = seed.prepared_session()
    opened = open_pair(session, key, first, second)
    return render_template("alignedit/screen.html", **_context(session, opened))


@bp.get("/<key>/align/<first>/<second>/doubtful")
def doubtful(key: str, first: str, second: str) -> Response:
    """Jump to the next (or previous) flagged link after position `after`."""
    session = seed.prepared_session()
    opened = open_pair(session, key, first, second)
    after = request.args.get("after", -1, type=int)
    back = request.args.get("direction") == "previous"
    query = select(Link.id).where(Link.alignment_id == opened.alignment.id, Link.flagged)
    query = (
        query.where(Link.position < after).order_by(Link.position.desc())
        if back
        else query.where(Link.position > after).order_by(Link.position)
    )
    link_id = session.scalar(query.limit(1))
    if link_id is None:
        flash(f"No doubtful pair {'before' if back else 'after'} this one.")
        return redirect(_page_url(opened, request.args.get("sel", type=int), None))
    sentence = session.scalar(
        select(Sentence.id)
        .join(LinkSentence, LinkSentence.sentence_id == Sentence.id)
        .where(LinkSentence.link_id == link_id)
        .order_by((LinkSentence.side == opened.first_side).desc(), Sentence.position)
        .limit(1)
    )
    return redirect(_page_url(opened, sentence, None))


@bp.post("/<key>/align/<first>/<second>/edit")
def edit(key: str, first: str, second: str) -> ResponseReturnValue:
    """Apply one action of the form (or the script's JSON): JSON back for the script, a
    redirect to the same place for the form. A stale version is a 409 (the form: a message)."""
    data = _fields()
    session = seed.prepared_session()
    opened = open_pair(session, key, first, second)
    try:
        with EDIT_LOCK:
            message = _perform(session, opened.alignment, data)
            session.commit()
    except (BadRequest, Conflict, NotFound) as error:
        if request.is_json:
            raise
        session.rollback()
        flash(error.description or error.name)
    else:
        if request.is_json:
            return jsonify(version=editing.version(session, opened.alignment), message=message)
        flash(message)
    return redirect(_page_url(opened, _optional(data, "sentence"), _optional(data, "start")))


def _perform(session: Session, alignment: Alignment, data: Mapping[str, Any]) -> str:
    """Run the action the request names; return what it did, in words."""
    action = str(data.get("action", ""))
    seen = _integer(data, "version")
    now = datetime.now(UTC)
    if action == "undo":
        undone = editing.undo(session, alignment, seen=seen, now=now)
        return f"Undone: {undone.summary}" if undone else "There is nothing to undo."
    sentence = _integer(data, "sentence")
    if action == "merge":
        link_id, _ = editing.link_of(session, alignment, sentence)
        done = editing.merge(session, alignment, link_id, seen=seen, now=now)
    elif action == "split":
        other = _optional(data, "other")
        done = editing.split(session, alignment, sentence, other=other, seen=seen, now=now)
    elif action == "detach":
        done = editing.detach(session, alignment, sentence, seen=seen, now=now)
    elif action in MOVES:
        done = editing.move(session, alignment, sentence, MOVES[action], seen=seen, now=now)
    else:
        raise BadRequest(
            "the action must be merge, split, move-previous, move-next, detach or undo"
        )
    return done.summary


def _fields() -> Mapping[str, Any]:
    """The request's fields: the script's JSON object or the form."""
    if not request.is_json:
        return request.form
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest("send the edit as a JSON object or a form")
    return data


def _integer(data: Mapping[str, Any], name: str) -> int:
    """A whole number the edit needs (a 400 that names it otherwise)."""
    value = data.get(name)
    try:
        if isinstance(value, bool):
            raise TypeError(name)
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise BadRequest(f"the edit needs a whole number for {name}") from None


def _optional(data: Mapping[str, Any], name: str) -> int | None:
    """A whole number the learner may leave out (an empty field)."""
    return None if data.get(name) in (None, "") else _integer(data, name)


def _page_url(opened: Opened, sentence: int | None, start: int | None) -> str:
    """The editor at a page and selection, scrolled to the sentence."""
    anchor = f"s{sentence}" if sentence is not None else None
    return opened.url("alignedit.editor", start=start, sel=sentence, _anchor=anchor)
