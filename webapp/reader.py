"""The reader: an article in two languages side by side, row by row, and the fragments that
load further rows as the learner scrolls."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from webapp import reading, seed
from webapp.preferences import get_languages

bp = Blueprint("reader", __name__, url_prefix="/read")


def _open(key: str) -> reading.Reading:
    session = seed.prepared_session()
    return reading.open_reading(
        session, key, request.args.get("learn"), request.args.get("help"), get_languages(session)
    )


@bp.get("/<key>")
def read(key: str) -> str:
    """The reader page: the first rows, or the rows where the learner stopped reading."""
    session = seed.prepared_session()
    opened = _open(key)
    start = request.args.get("start", type=int)
    position = reading.saved_position(session, opened)
    if start is None:
        start = 0 if position is None else reading.start_of_position(session, opened, position)
    return render_template(
        "reader/read.html",
        reading=opened,
        page=reading.page(session, opened, start),
        position=position,
    )


@bp.get("/<key>/rows")
def rows(key: str) -> str:
    """A page of rows as an HTML fragment, for progressive loading."""
    session = seed.prepared_session()
    opened = _open(key)
    return render_template(
        "reader/rows.html",
        reading=opened,
        page=reading.page(session, opened, request.args.get("start", 0, type=int)),
    )
