"""The settings page: scheduler settings and default directions, validation that keeps the old
values, and the optimiser that only applies parameters on request."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from fsrs.scheduler import DEFAULT_PARAMETERS

from decks.simulation import simulate_history
from tests.factories import make_cards
from webapp.db import get_session
from webapp.models import ReviewLog
from webapp.preferences import default_directions
from webapp.review import load_settings
from webapp.settings import format_steps, parse_steps

FORM = {
    "desired_retention": "0.85",
    "learning_steps": "30s 5m 1h",
    "relearning_steps": "15m",
    "maximum_interval": "3650",
    "new_per_day": "15",
    "reviews_per_day": "150",
    "day_starts_at": "5",
    "timezone": "Europe/Rome",
    "leech_threshold": "6",
    "leech_action": "suspend",
    "direction": ["recognition"],
}


def token(client: FlaskClient) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/settings/").text)
    assert match
    return match.group(1)


def test_steps_are_typed_like_anki() -> None:
    assert parse_steps("1m 10m 1h 1d 30s", "x") == (
        timedelta(minutes=1),
        timedelta(minutes=10),
        timedelta(hours=1),
        timedelta(days=1),
        timedelta(seconds=30),
    )
    assert format_steps((timedelta(minutes=1), timedelta(days=2))) == "1m 2d"


def test_the_form_shows_ankis_defaults(client: FlaskClient) -> None:
    page = client.get("/settings/").text
    assert 'value="0.9"' in page and 'value="1m 10m"' in page and 'value="10m"' in page
    assert 'value="36500"' in page and 'value="20"' in page and 'value="200"' in page


def test_settings_are_saved(app: Flask, client: FlaskClient) -> None:
    response = client.post("/settings/", data={**FORM, "csrf_token": token(client)})
    assert response.status_code == 302
    with app.app_context():
        settings = load_settings(get_session())
        assert settings.desired_retention == 0.85
        assert settings.learning_steps == (
            timedelta(seconds=30),
            timedelta(minutes=5),
            timedelta(hours=1),
        )
        assert (settings.timezone, settings.leech_action, settings.day_starts_at) == (
            "Europe/Rome",
            "suspend",
            5,
        )
        assert default_directions(get_session()) == ["recognition"]


def test_bad_settings_are_explained_and_nothing_changes(app: Flask, client: FlaskClient) -> None:
    bad = {
        **FORM,
        "desired_retention": "1.5",
        "timezone": "Nowhere/Town",
        "learning_steps": "1 minute",
        "csrf_token": token(client),
    }
    response = client.post("/settings/", data=bad)
    assert response.status_code == 400
    assert "is not a step like" in response.text
    bad["learning_steps"] = "1m"
    response = client.post("/settings/", data=bad)
    assert "desired retention" in response.text and "unknown time zone" in response.text
    with app.app_context():
        assert load_settings(get_session()).desired_retention == 0.9


def test_the_optimiser_says_when_there_is_too_little_history(client: FlaskClient) -> None:
    response = client.post("/settings/optimise", data={"csrf_token": token(client)})
    assert response.status_code == 200
    assert "optimising needs at least" in response.text


def test_the_optimiser_shows_the_fit_and_applies_it_only_on_request(
    app: Flask, client: FlaskClient
) -> None:
    true = list(DEFAULT_PARAMETERS)
    true[0:4] = [0.64, 3.9, 4.6, 16.6]
    with app.app_context():
        session = get_session()
        cards = make_cards(
            session, 300, created=simulate_history(true, 1, 1, seed=1)[0].reviewed_at
        )
        ids = {k + 1: card.id for k, card in enumerate(cards)}
        for record in simulate_history(true, cards=300, reviews_per_card=6, seed=5):
            session.add(
                ReviewLog(
                    card_id=ids[record.card_id],
                    kind="review",
                    reviewed_at=record.reviewed_at,
                    rating=record.rating,
                    phase_before="review",
                    phase_after="review",
                    state_before="{}",
                    state_after="{}",
                )
            )
        session.commit()
    response = client.post("/settings/optimise", data={"csrf_token": token(client)})
    assert "Log-loss" in response.text, re.findall(r'class="notice"[^<]*<?[^<]*', response.text)
    assert re.search(r"Fitted on \d+ reviews", response.text)
    with app.app_context():
        assert load_settings(get_session()).parameters == tuple(DEFAULT_PARAMETERS)
    fitted = re.search(r'name="parameters" value="([^"]+)"', response.text)
    assert fitted
    applied = client.post(
        "/settings/parameters", data={"parameters": fitted.group(1), "csrf_token": token(client)}
    )
    assert applied.status_code == 302
    with app.app_context():
        parameters = load_settings(get_session()).parameters
        assert parameters != tuple(DEFAULT_PARAMETERS) and len(parameters) == 21


def test_wrong_parameters_are_refused(client: FlaskClient) -> None:
    response = client.post(
        "/settings/parameters", data={"parameters": "1,2,3", "csrf_token": token(client)}
    )
    assert response.status_code == 400
    assert "21 parameters" in response.text
