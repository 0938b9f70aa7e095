"""The card list: search, filters, suspend, bury, edit and delete with confirmation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import make_cards
from webapp.db import get_session
from webapp.models import Card, Note

NOW = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


@pytest.fixture
def cards(app: Flask) -> Iterator[list[int]]:
    with app.app_context():
        session = get_session()
        made = make_cards(session, 3, created=NOW)
        made[0].note.meaning = "<b>bold</b> meaning"
        made[1].note.phrase = "Zebrastreifen"
        made[2].note.kind = "word"
        session.commit()
        yield [c.id for c in made]


def token(client: FlaskClient) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/cards/").text)
    assert match
    return match.group(1)


def listed(client: FlaskClient, query: str = "") -> list[int]:
    return [
        int(x) for x in re.findall(r'<tr data-card="(\d+)"', client.get(f"/cards/{query}").text)
    ]


def test_the_list_shows_every_card_newest_first(client: FlaskClient, cards: list[int]) -> None:
    assert listed(client) == sorted(cards, reverse=True)


def test_search_finds_meaning_and_phrase(client: FlaskClient, cards: list[int]) -> None:
    assert listed(client, "?q=bold") == [cards[0]]
    assert listed(client, "?q=zebra") == [cards[1]]
    assert listed(client, "?q=nothing-like-this") == []


def test_text_is_escaped(client: FlaskClient, cards: list[int]) -> None:
    page = client.get("/cards/").text
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page


def test_suspend_and_filter(app: Flask, client: FlaskClient, cards: list[int]) -> None:
    response = client.post(
        f"/cards/{cards[1]}/suspend", data={"suspended": "1", "csrf_token": token(client)}
    )
    assert response.status_code == 302
    assert listed(client, "?state=suspended") == [cards[1]]
    client.post(f"/cards/{cards[1]}/suspend", data={"suspended": "0", "csrf_token": token(client)})
    assert listed(client, "?state=suspended") == []


def test_bury_until_the_next_day(app: Flask, client: FlaskClient, cards: list[int]) -> None:
    client.post(f"/cards/{cards[0]}/bury", data={"csrf_token": token(client)})
    with app.app_context():
        card = get_session().get_one(Card, cards[0])
        assert card.buried_until is not None and card.buried_until > datetime.now(UTC)
    assert listed(client, "?state=buried") == [cards[0]]


def test_delete_asks_first(app: Flask, client: FlaskClient, cards: list[int]) -> None:
    page = client.get(f"/cards/{cards[2]}/delete").text
    assert "Delete this card?" in page and "last card" in page
    with app.app_context():
        assert get_session().get(Card, cards[2]) is not None
    client.post(f"/cards/{cards[2]}/delete", data={"csrf_token": token(client)})
    with app.app_context():
        assert get_session().get(Card, cards[2]) is None
        assert len(get_session().scalars(select(Note)).all()) == 2


def test_delete_without_the_token_deletes_nothing(
    app: Flask, client: FlaskClient, cards: list[int]
) -> None:
    assert client.post(f"/cards/{cards[2]}/delete").status_code == 400
    with app.app_context():
        assert get_session().get(Card, cards[2]) is not None


def test_edit_directions_adds_and_removes_cards(
    app: Flask, client: FlaskClient, cards: list[int]
) -> None:
    with app.app_context():
        note = get_session().get_one(Card, cards[0]).note
        note_id, made = note.id, note.updated_at
    form = {
        "meaning": "new meaning",
        "direction": ["recognition", "production"],
        "csrf_token": token(client),
    }
    assert client.post(f"/cards/note/{note_id}/edit", data=form).status_code == 302
    with app.app_context():
        note = get_session().get_one(Note, note_id)
        assert note.meaning == "new meaning"
        assert sorted(c.template for c in note.cards) == ["production", "recognition"]
        edited = note.updated_at  # the next export must replace Anki's copy
        assert int(edited.timestamp()) > int(made.timestamp())
    assert client.post(f"/cards/note/{note_id}/edit", data=form).status_code == 302
    with app.app_context():  # the same form again changes nothing
        assert get_session().get_one(Note, note_id).updated_at == edited
    form["direction"] = []
    response = client.post(f"/cards/note/{note_id}/edit", data=form)
    assert response.status_code == 400 and "choose recognition, production or both" in response.text


def test_unknown_cards_are_a_clear_404(client: FlaskClient) -> None:
    response = client.get("/cards/999/delete")
    assert response.status_code == 404 and "may have been deleted" in response.text
