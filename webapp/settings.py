"""Settings: the scheduler (Anki's defaults), the directions new sentence cards get, and
"Optimise my scheduler", which fits FSRS to the learner's own history and applies the result
only when asked."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import aliased
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response

from decks.errors import NotEnoughHistory, SettingsError
from decks.optimiser import ReviewRecord, optimise
from decks.settings import LEECH_ACTIONS, SchedulerSettings
from webapp import review, seed
from webapp.models import ReviewLog
from webapp.preferences import ALL_DIRECTIONS, default_directions, set_default_directions

bp = Blueprint("settings", __name__, url_prefix="/settings")

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400}
_STEP = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")


def format_steps(steps: tuple[timedelta, ...]) -> str:
    """Steps as the learner types them: "1m 10m"."""
    parts = []
    for step in steps:
        seconds = step.total_seconds()
        unit = next(u for u in ("d", "h", "m", "s") if seconds % _UNITS[u] == 0)
        parts.append(f"{int(seconds // _UNITS[unit])}{unit}")
    return " ".join(parts)


def parse_steps(text: str, name: str) -> tuple[timedelta, ...]:
    """ "1m 10m" → steps; a clear error names what cannot be read."""
    steps = []
    for part in text.split():
        match = _STEP.match(part)
        if match is None:
            raise SettingsError(f"{name}: {part!r} is not a step like 30s, 10m, 1h or 1d")
        steps.append(timedelta(seconds=float(match[1]) * _UNITS[match[2]]))
    return tuple(steps)


def _page(**extra: Any) -> str:
    session = seed.prepared_session()
    settings = review.load_settings(session)
    return render_template(
        "settings/index.html",
        settings=settings,
        learning_steps=format_steps(settings.learning_steps),
        relearning_steps=format_steps(settings.relearning_steps),
        directions=default_directions(session),
        leech_actions=LEECH_ACTIONS,
        **extra,
    )


@bp.get("/")
def index() -> str:
    """The settings form."""
    return _page()


@bp.post("/")
def save() -> ResponseReturnValue:
    """Validate and store the scheduler settings and default directions, or show why not."""
    session = seed.prepared_session()
    form = request.form
    directions = form.getlist("direction")
    try:
        settings = replace(
            review.load_settings(session),
            desired_retention=float(form["desired_retention"]),
            learning_steps=parse_steps(form["learning_steps"], "learning steps"),
            relearning_steps=parse_steps(form["relearning_steps"], "relearning steps"),
            maximum_interval=int(form["maximum_interval"]),
            new_per_day=int(form["new_per_day"]),
            reviews_per_day=int(form["reviews_per_day"]),
            day_starts_at=int(form["day_starts_at"]),
            timezone=form["timezone"].strip(),
            leech_threshold=int(form["leech_threshold"]),
            leech_action=form["leech_action"],
        )
        if not directions or set(directions) - set(ALL_DIRECTIONS):
            raise SettingsError("choose at least one direction for new sentence cards")
    except (KeyError, ValueError) as exc:
        return _page(error=f"every field needs a value of the right kind ({exc})"), 400
    except SettingsError as exc:
        return _page(error=str(exc)), 400
    review.save_settings(session, settings)
    set_default_directions(session, directions)
    session.commit()
    return redirect(url_for("settings.index", saved=1))


def history() -> list[ReviewRecord]:
    """Every answer still in effect (undone ones left out), for the optimiser."""
    session = seed.prepared_session()
    undo = aliased(ReviewLog)
    rows = session.execute(
        select(ReviewLog.card_id, ReviewLog.reviewed_at, ReviewLog.rating).where(
            ReviewLog.kind == "review",
            ~select(undo.id).where(undo.undoes_id == ReviewLog.id).exists(),
        )
    )
    return [ReviewRecord(card_id, when, rating) for card_id, when, rating in rows]


@bp.post("/optimise")
def run_optimiser() -> str:
    """Fit parameters to the learner's history and show how they compare; nothing changes."""
    session = seed.prepared_session()
    settings = review.load_settings(session)
    try:
        fit = optimise(history(), settings.parameters, settings.zone, settings.day_starts_at)
    except NotEnoughHistory as exc:
        return _page(optimise_error=str(exc))
    return _page(fit=fit, fitted=",".join(f"{p:.6f}" for p in fit.parameters))


@bp.post("/parameters")
def apply_parameters() -> Response:
    """Apply parameters the learner accepted on the optimiser's result."""
    session = seed.prepared_session()
    try:
        values = tuple(float(p) for p in request.form.get("parameters", "").split(","))
        settings = replace(review.load_settings(session), parameters=values)
    except (ValueError, SettingsError) as exc:
        raise BadRequest(f"these parameters cannot be used: {exc}") from None
    review.save_settings(session, settings)
    session.commit()
    return redirect(url_for("settings.index", applied=1))


@bp.post("/parameters/reset")
def reset_parameters() -> Response:
    """Go back to FSRS's default parameters."""
    session = seed.prepared_session()
    review.save_settings(
        session,
        replace(review.load_settings(session), parameters=SchedulerSettings().parameters),
    )
    session.commit()
    return redirect(url_for("settings.index", applied=1))
