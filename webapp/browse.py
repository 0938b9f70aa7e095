"""The card list: browse and search cards, and suspend, bury, edit or delete them."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from decks.days import day_bounds
from webapp import cards, cardview, review, seed
from webapp.models import Card, LinkSentence, Note, Sentence

bp = Blueprint("browse", __name__, url_prefix="/cards")

PAGE_SIZE = 50
FILTERS = {
    "all": "All cards",
    "new": "New",
    "learning": "Learning",
    "review": "Review",
    "suspended": "Suspended",
    "buried": "Buried",
    "leech": "Leeches",
    "flagged": "Needs review",
}


def _query(q: str, state: str, now: datetime) -> Select[tuple[Card]]:
    """Cards matching the search text (phrase, meaning or either sentence) and the filter."""
    query = select(Card).join(Note)
    if q:
        pattern = f"%{q}%"
        in_pair = (
            select(LinkSentence.link_id)
            .join(Sentence, Sentence.id == LinkSentence.sentence_id)
            .where(LinkSentence.link_id == Note.link_id, Sentence.text.ilike(pattern))
            .exists()
        )
        query = query.where(or_(Note.phrase.ilike(pattern), Note.meaning.ilike(pattern), in_pair))
    if state in ("new", "review"):
        query = query.where(Card.phase == state)
    elif state == "learning":
        query = query.where(Card.phase.in_(("learning", "relearning")))
    elif state == "suspended":
        query = query.where(Card.suspended.is_(True))
    elif state == "buried":
        query = query.where(Card.buried_until > now)
    elif state == "leech":
        query = query.where(Card.leech.is_(True))
    elif state == "flagged":
        query = query.where(Note.needs_review != "")
    return query


@bp.get("/")
def index() -> str:
    """A page of cards, newest first, with the search and filter the learner chose."""
    session = seed.prepared_session()
    q = request.args.get("q", "").strip()[:200]
    state = request.args.get("state", "all")
    state = state if state in FILTERS else "all"
    page = max(1, request.args.get("page", 1, type=int))
    now = datetime.now(UTC)
    query = _query(q, state, now)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Card.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
        .options(selectinload(Card.note))
    ).all()
    return render_template(
        "browse/index.html",
        rows=[(card, cardview.summary(card.note)) for card in rows],
        q=q,
        state=state,
        filters=FILTERS,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        total=total,
        now=now,
    )


def _card(session: Session, card_id: int) -> Card:
    card = session.get(Card, card_id)
    if card is None:
        raise NotFound(f"no card {card_id}: it may have been deleted")
    return card


def _back() -> Response:
    target = request.form.get("next", "")
    return redirect(target if target.startswith("/cards") else url_for("browse.index"))


@bp.post("/<int:card_id>/suspend")
def suspend(card_id: int) -> Response:
    """Suspend or unsuspend (the form says which)."""
    session = seed.prepared_session()
    cards.set_suspended(_card(session, card_id), request.form.get("suspended") == "1")
    session.commit()
    return _back()


@bp.post("/<int:card_id>/bury")
def bury(card_id: int) -> Response:
    """Hide a card until the learner's next day starts."""
    session = seed.prepared_session()
    settings = review.load_settings(session)
    _, tomorrow = day_bounds(datetime.now(UTC), settings.zone, settings.day_starts_at)
    cards.bury(_card(session, card_id), tomorrow)
    session.commit()
    return _back()


@bp.route("/<int:card_id>/delete", methods=["GET", "POST"])
def delete(card_id: int) -> str | Response:
    """Ask first; delete on the confirming POST."""
    session = seed.prepared_session()
    card = _card(session, card_id)
    if request.method == "GET":
        return render_template("browse/delete.html", card=card, text=cardview.summary(card.note))
    cards.delete_card(session, card)
    session.commit()
    return redirect(url_for("browse.index"))


@bp.post("/note/<int:note_id>/reviewed")
def reviewed(note_id: int) -> Response:
    """The learner looked at a note an alignment edit flagged and finds it right: clear the flag."""
    session = seed.prepared_session()
    note = session.get(Note, note_id)
    if note is None:
        raise NotFound(f"no note {note_id}")
    note.needs_review = ""
    session.commit()
    return _back()


@bp.route("/note/<int:note_id>/edit", methods=["GET", "POST"])
def edit(note_id: int) -> str | Response:
    """Edit the meaning, the phrase of a word note, or the directions of a sentence note."""
    session = seed.prepared_session()
    note = session.get(Note, note_id)
    if note is None:
        raise NotFound(f"no note {note_id}")
    if request.method == "POST":
        cards.edit_note(
            session,
            note,
            meaning=request.form.get("meaning", ""),
            phrase=request.form.get("phrase"),
            directions=tuple(request.form.getlist("direction"))
            if note.kind == "sentence"
            else None,
            now=datetime.now(UTC),
        )
        session.commit()
        return redirect(url_for("browse.index"))
    return render_template(
        "browse/edit.html",
        note=note,
        text=cardview.summary(note),
        directions=[card.template for card in note.cards],
    )
