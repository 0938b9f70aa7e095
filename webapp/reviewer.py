"""The review screen: one card at a time, reveal, four buttons with their intervals, undo.

It works without JavaScript (links and forms); with it, answers go through fetch and the next
card replaces the last without a page load. Every answer carries the card's version and a
request id, so double clicks, retries and a second tab never apply an answer twice.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import replace
from datetime import UTC, datetime

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import BadRequest, Conflict

from decks.scheduler import format_interval
from webapp import cardview, review, seed

bp = Blueprint("reviewer", __name__, url_prefix="/review")

BUTTONS = ((1, "Again"), (2, "Hard"), (3, "Good"), (4, "Easy"))
MAX_DURATION_MS = 60_000  # like Anki: a card left open over lunch is not a minute of study
# Answers from this process's threads write one at a time: SQLite allows one writer, and
# threads that meet its lock back off by sleeping, which made p99 under load 100 times p50.
ANSWER_LOCK = threading.Lock()
UNLIMITED = 1_000_000  # daily limits high enough to ask what the real limits hold back


def _now() -> datetime:
    return datetime.now(UTC)


def _card_context(reveal: bool) -> dict[str, object]:
    session = seed.prepared_session()
    settings = review.load_settings(session)
    now = _now()
    queue = review.Queue(session, now, settings)
    card = queue.next_card()
    context: dict[str, object] = {
        "counts": queue.counts(),
        "card": card,
        "reveal": reveal,
    }
    if card is None:
        # Nothing is due, but new cards or reviews may be waiting beyond today's limits.
        unlimited = replace(settings, new_per_day=UNLIMITED, reviews_per_day=UNLIMITED)
        context["held_back"] = review.next_card(session, now, unlimited) is not None
    else:
        intervals = review.button_intervals(card, now, settings)
        context.update(
            face=cardview.face(session, card),
            buttons=[(r, label, format_interval(intervals[r])) for r, label in BUTTONS],
            request_id=uuid.uuid4().hex,
        )
    return context


@bp.get("/")
def index() -> str:
    """The review page with the next card (its answer shown when `reveal` is set)."""
    return render_template(
        "reviewer/index.html", **_card_context(request.args.get("reveal") == "1")
    )


@bp.get("/card")
def card() -> str:
    """The next card as an HTML fragment, for the page's script."""
    return render_template("reviewer/card.html", **_card_context(False))


def _answer_fields() -> dict[str, object]:
    """The answer's fields, from the script's JSON or the form."""
    data = request.get_json(silent=True) if request.is_json else request.form.to_dict()
    if not isinstance(data, dict):
        raise BadRequest("send the answer as a JSON object or a form")
    return data


def _number(data: dict[str, object], name: str) -> int:
    value = data.get(name)
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise BadRequest(f"the answer needs a number for {name}") from None


@bp.post("/answer")
def answer() -> ResponseReturnValue:
    """Record an answer; JSON for the script, a redirect to the next card for the form."""
    data = _answer_fields()
    session = seed.prepared_session()
    duration = data.get("duration_ms")
    if isinstance(duration, bool) or not isinstance(duration, int) or duration < 0:
        duration = None  # the script measures it; anything else is not a duration
    try:
        with ANSWER_LOCK:  # see ANSWER_LOCK
            result = review.answer_card(
                session,
                _number(data, "card"),
                _number(data, "rating"),
                _now(),
                review.load_settings(session),
                version=_number(data, "version"),
                request_id=str(data.get("request") or ""),
                duration_ms=None if duration is None else min(duration, MAX_DURATION_MS),
            )
            # Read before the commit, which expires the card: reading it after costs a query.
            reply = {
                "card": result.card.id,
                "interval": format_interval(result.interval),
                "due": result.card.due.isoformat(),
                "leech": result.leech,
                "repeated": result.repeated,
            }
            session.commit()
    except Conflict:
        if request.is_json:
            raise
        # A form from a stale tab: say so above the card that is due now.
        return redirect(url_for("reviewer.index", stale=1))
    if not request.is_json:
        return redirect(url_for("reviewer.index"))
    return jsonify(reply)


@bp.post("/undo")
def undo() -> ResponseReturnValue:
    """Take back the last answer; the card comes back exactly as it was."""
    session = seed.prepared_session()
    with ANSWER_LOCK:
        card = review.undo_last(session, _now())
        session.commit()
    if not request.is_json:
        return redirect(url_for("reviewer.index"))
    return jsonify(undone=card.id if card else None)
