"""The JSON API the pages use: articles, aligned rows, card creation, reading position.

Errors come back as {"error": "..."} with a proper status through the app's one error boundary.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import BadRequest

from webapp import cards, library, reading, seed
from webapp.preferences import default_directions, get_languages

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/articles")
def articles() -> ResponseReturnValue:
    """Every article with its languages, alignment quality, progress and card count."""
    session = seed.prepared_session()
    return jsonify(articles=library.entries(session, get_languages(session)))


@bp.get("/articles/<key>/rows")
def rows(key: str) -> ResponseReturnValue:
    """A page of aligned rows for a language pair (`learn`, `help`, `start`, `limit`)."""
    session = seed.prepared_session()
    opened = reading.open_reading(
        session, key, request.args.get("learn"), request.args.get("help"), get_languages(session)
    )
    limit = min(max(request.args.get("limit", reading.PAGE_ROWS, type=int), 1), 500)
    page = reading.page(session, opened, request.args.get("start", 0, type=int), limit)
    return jsonify(
        article=opened.article.slug,
        learn=opened.learn.lang,
        help=opened.help.lang if opened.help else None,
        start=page.start,
        total=page.total,
        next_start=page.next_start,
        rows=[_row_json(row) for row in page.rows],
    )


def _row_json(row: reading.Row) -> dict[str, Any]:
    """A row as JSON: its pairs, or for a single-language article its paragraphs."""

    def sentences(views: tuple[reading.SentenceView, ...]) -> list[dict[str, Any]]:
        return [{"id": v.id, "text": v.text, "carded": v.has_card} for v in views]

    if not row.pairs:
        return {
            "index": row.index,
            "paragraphs": [
                {"role": p.role, "sentences": sentences(p.sentences)} for p in row.learn
            ],
        }
    return {
        "index": row.index,
        "pairs": [
            {
                "link": pair.id,
                "learn": sentences(pair.learn),
                "help": sentences(pair.help),
                "score": pair.score,
                "flagged": pair.flagged,
            }
            for pair in row.pairs
        ],
    }


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("send a JSON object")
    return body


def _integer(body: dict[str, Any], name: str, required: bool = True) -> int | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadRequest(f"{name} must be a number")
    return value


def _text(body: dict[str, Any], name: str, default: str = "") -> str:
    value = body.get(name, default)
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be text")
    return value


@bp.post("/cards")
def create_card() -> ResponseReturnValue:
    """Make a sentence or word card from an aligned pair; 201 when new, 200 when it existed."""
    body = _json_body()
    session = seed.prepared_session()
    directions = body.get("directions") or default_directions(session)
    if not isinstance(directions, list) or not all(isinstance(d, str) for d in directions):
        raise BadRequest('directions must be a list such as ["recognition", "production"]')
    note, created = cards.create_card(
        session,
        cards.CardRequest(
            link_id=_integer(body, "link") or 0,
            kind=_text(body, "kind"),
            learn=_text(body, "learn"),
            help=_text(body, "help"),
            sentence_id=_integer(body, "sentence", required=False),
            phrase=_text(body, "phrase"),
            meaning=_text(body, "meaning"),
            directions=tuple(directions),
        ),
    )
    session.commit()
    return jsonify(
        card={
            "id": note.id,
            "kind": note.kind,
            "link": note.link_id,
            "sentence": note.sentence_id,
            "phrase": note.phrase,
            "meaning": note.meaning,
            "directions": [card.template for card in note.cards],
        },
        created=created,
    ), (201 if created else 200)


@bp.post("/progress")
def progress() -> ResponseReturnValue:
    """Remember the sentence the learner reached in an article's learning language."""
    body = _json_body()
    session = seed.prepared_session()
    opened = reading.open_reading(
        session,
        _text(body, "article"),
        _text(body, "learn") or None,
        None,
        get_languages(session),
    )
    reading.remember_position(session, opened, _integer(body, "sentence") or 0)
    session.commit()
    return jsonify(ok=True)
