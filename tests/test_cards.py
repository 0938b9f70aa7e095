"""Making cards while reading (`POST /api/cards`): sentence and word cards, double submits,
validation that reports every problem at once, and the marks the reader and library show."""

from __future__ import annotations

from typing import Any

import lxml.html
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from tests.test_reader import (
    GERMAN_SUBTITLE,
    HOSTILE_BOLD_IT,
    LINKEDIN,
    choose_languages,
    csrf_token,
    has_class,
    html,
    in_session,
    library_entry,
    load_hostile_article,
    load_shipped_corpus,
    one,
    post_json,
    text,
)
from webapp.cards import MAX_MEANING, MAX_PHRASE
from webapp.models import Note

# The second pair of row 2 of the Italian/German reading.
ITALIAN = '"È per il networking!" Proclamo,'
PHRASE = "per il networking"


@pytest.fixture
def corpus(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """`app` with the shipped corpus in its database."""
    load_shipped_corpus(app, tmp_path_factory)
    return app


@pytest.fixture
def token(corpus: Flask, client: FlaskClient) -> str:
    """A CSRF token for `client` (the corpus is loaded first, so the page has content)."""
    return csrf_token(client)


def rows(client: FlaskClient, learn: str = "it", help_: str = "de") -> list[dict[str, Any]]:
    response = client.get(f"/api/articles/{LINKEDIN}/rows?learn={learn}&help={help_}")
    assert response.status_code == 200
    rows_: list[dict[str, Any]] = response.get_json()["rows"]
    return rows_


def pair(client: FlaskClient, row: int, index: int = 0) -> dict[str, Any]:
    """One aligned pair of the Italian/German reading."""
    found: dict[str, Any] = rows(client)[row]["pairs"][index]
    return found


def networking(client: FlaskClient) -> dict[str, Any]:
    """The pair whose Italian sentence holds PHRASE."""
    found = pair(client, 2, 1)
    assert found["learn"][0]["text"].startswith(ITALIAN)
    return found


def add_card(client: FlaskClient, token: str | None, **body: Any) -> TestResponse:
    return post_json(client, "/api/cards", {"learn": "it", "help": "de", **body}, token)


def stored_cards(app: Flask) -> list[dict[str, Any]]:
    """Every card row, as plain values."""

    def read(session: Session) -> list[dict[str, Any]]:
        return [
            {
                "kind": c.kind,
                "article": c.article.slug,
                "link": c.link_id,
                "sentence": c.sentence_id,
                "learn": c.learn_lang,
                "help": c.help_lang,
                "phrase": c.phrase,
                "meaning": c.meaning,
            }
            for c in session.scalars(select(Note).order_by(Note.id))
        ]

    return in_session(app, read)


def library_cards(client: FlaskClient) -> str:
    """What the library says about the cards of the four-language article."""
    entry = library_entry(html(client.get("/")), LINKEDIN)
    return text(one(entry, ".//span[@class='cards']"))


def error(response: TestResponse, status: int) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    data = response.get_json()
    assert list(data) == ["error"]
    message: str = data["error"]
    return message


# Creating ------------------------------------------------------------------------------------


def test_sentence_card_is_created_once(corpus: Flask, client: FlaskClient, token: str) -> None:
    link = pair(client, 2)["link"]
    first = add_card(client, token, kind="sentence", link=link)
    assert first.status_code == 201
    data = first.get_json()
    assert data["created"] is True
    assert data["card"] == {
        "id": data["card"]["id"],
        "kind": "sentence",
        "directions": ["production", "recognition"],
        "link": link,
        "sentence": None,
        "phrase": "",
        "meaning": "",
    }

    again = add_card(client, token, kind="sentence", link=link)  # a double submit
    assert again.status_code == 200
    assert again.get_json() == {**data, "created": False}
    assert stored_cards(corpus) == [
        {
            "kind": "sentence",
            "article": LINKEDIN,
            "link": link,
            "sentence": None,
            "learn": "it",
            "help": "de",
            "phrase": "",
            "meaning": "",
        }
    ]


def test_the_same_pair_in_the_other_direction_is_another_card(
    corpus: Flask, client: FlaskClient, token: str
) -> None:
    link = pair(client, 2)["link"]
    assert add_card(client, token, kind="sentence", link=link).status_code == 201
    reverse = post_json(
        client, "/api/cards", {"kind": "sentence", "link": link, "learn": "de", "help": "it"}, token
    )
    assert reverse.status_code == 201
    assert [(c["learn"], c["help"]) for c in stored_cards(corpus)] == [("it", "de"), ("de", "it")]


def test_word_card_is_stored_with_its_sentence(
    corpus: Flask, client: FlaskClient, token: str
) -> None:
    found = networking(client)
    sentence = found["learn"][0]["id"]
    response = add_card(
        client,
        token,
        kind="word",
        link=found["link"],
        sentence=sentence,
        phrase="  per il\n networking ",
        meaning="  for networking  ",
    )
    assert response.status_code == 201
    data = response.get_json()
    assert data["created"] is True
    assert (data["card"]["phrase"], data["card"]["meaning"]) == (PHRASE, "for networking")
    assert stored_cards(corpus) == [
        {
            "kind": "word",
            "article": LINKEDIN,
            "link": found["link"],
            "sentence": sentence,
            "learn": "it",
            "help": "de",
            "phrase": PHRASE,
            "meaning": "for networking",
        }
    ]
    # The same phrase again, however spaced, is the same card.
    again = add_card(
        client, token, kind="word", link=found["link"], sentence=sentence, phrase=PHRASE
    )
    assert again.status_code == 200
    assert again.get_json()["created"] is False
    assert len(stored_cards(corpus)) == 1


def test_a_word_card_and_a_sentence_card_of_one_pair_are_two_cards(
    corpus: Flask, client: FlaskClient, token: str
) -> None:
    found = networking(client)
    sentence = found["learn"][0]["id"]
    assert add_card(client, token, kind="sentence", link=found["link"]).status_code == 201
    for phrase in (PHRASE, "Proclamo"):
        response = add_card(
            client, token, kind="word", link=found["link"], sentence=sentence, phrase=phrase
        )
        assert response.status_code == 201
    assert [c["kind"] for c in stored_cards(corpus)] == ["sentence", "word", "word"]


# Refusing ------------------------------------------------------------------------------------


def test_every_problem_is_reported_at_once(corpus: Flask, client: FlaskClient, token: str) -> None:
    found = networking(client)
    response = post_json(
        client,
        "/api/cards",
        {"kind": "word", "link": found["link"], "learn": "en", "help": "fr", "phrase": " "},
        token,
    )
    message = error(response, 400)
    assert "this pair joins de and it, not en and fr" in message
    assert "select a word or phrase first" in message

    response = add_card(
        client, token, kind="flash", link=found["link"], meaning="x" * (MAX_MEANING + 1)
    )
    message = error(response, 400)
    assert "kind must be 'sentence' or 'word'" in message
    assert f"longer than {MAX_MEANING} characters" in message
    assert stored_cards(corpus) == []


def test_the_same_language_twice_is_refused(corpus: Flask, client: FlaskClient, token: str) -> None:
    response = post_json(
        client,
        "/api/cards",
        {"kind": "sentence", "link": pair(client, 2)["link"], "learn": "it", "help": "it"},
        token,
    )
    assert "not it and it" in error(response, 400)


def test_a_phrase_not_in_the_sentence_is_refused(
    corpus: Flask, client: FlaskClient, token: str
) -> None:
    found = networking(client)
    response = add_card(
        client,
        token,
        kind="word",
        link=found["link"],
        sentence=found["learn"][0]["id"],
        phrase="Bibliothek",
    )
    assert error(response, 400) == "the selected phrase is not in that sentence"
    too_long = add_card(
        client,
        token,
        kind="word",
        link=found["link"],
        sentence=found["learn"][0]["id"],
        phrase="x" * (MAX_PHRASE + 1),
    )
    assert f"at most {MAX_PHRASE} characters" in error(too_long, 400)
    assert stored_cards(corpus) == []


@pytest.mark.parametrize("which", ["helper side", "another pair", "missing"])
def test_a_word_card_needs_a_learning_sentence_of_its_pair(
    corpus: Flask, client: FlaskClient, token: str, which: str
) -> None:
    found = networking(client)
    sentence = {
        "helper side": found["help"][0]["id"],
        "another pair": pair(client, 2, 0)["learn"][0]["id"],
        "missing": None,
    }[which]
    response = add_card(
        client, token, kind="word", link=found["link"], sentence=sentence, phrase="Networking"
    )
    message = error(response, 400)
    assert message == "a word card needs a sentence of the learning language from this pair"
    assert stored_cards(corpus) == []


def test_an_unknown_link_is_a_404(corpus: Flask, client: FlaskClient, token: str) -> None:
    response = add_card(client, token, kind="sentence", link=10**9)
    assert error(response, 404) == f"no aligned pair {10**9}"
    assert "link must be a number" in error(add_card(client, token, kind="sentence"), 400)
    text_link = add_card(client, token, kind="sentence", link=str(pair(client, 2)["link"]))
    assert "link must be a number" in error(text_link, 400)
    assert stored_cards(corpus) == []


def test_a_sentence_without_counterpart_makes_no_sentence_card(
    corpus: Flask, client: FlaskClient, token: str
) -> None:
    subtitle = pair(client, 1)
    assert subtitle["learn"] == []
    assert [s["text"] for s in subtitle["help"]] == [GERMAN_SUBTITLE]
    for learn, help_ in (("it", "de"), ("de", "it")):
        response = post_json(
            client,
            "/api/cards",
            {"kind": "sentence", "link": subtitle["link"], "learn": learn, "help": help_},
            token,
        )
        assert error(response, 400) == "this sentence has no counterpart to make a card with"
    assert stored_cards(corpus) == []


def test_cards_without_csrf_token_are_refused(corpus: Flask, client: FlaskClient) -> None:
    link = pair(client, 2)["link"]
    for token in (None, "forged"):
        response = add_card(client, token, kind="sentence", link=link)
        assert "CSRF" in error(response, 400)
    assert stored_cards(corpus) == []


# What the pages show -------------------------------------------------------------------------


def test_reader_and_library_show_the_cards(corpus: Flask, client: FlaskClient, token: str) -> None:
    choose_languages(client, "it", "de")
    sentence_pair = pair(client, 2)
    found = networking(client)
    assert add_card(client, token, kind="sentence", link=sentence_pair["link"]).status_code == 201
    assert library_cards(client) == "2 cards"  # recognition and production
    response = add_card(
        client,
        token,
        kind="word",
        link=found["link"],
        sentence=found["learn"][0]["id"],
        phrase="PER IL NETWORKING",
    )
    assert response.status_code == 201

    assert library_cards(client) == "3 cards"

    tree = html(client.get(f"/read/{LINKEDIN}?learn=it&help=de"))
    carded = tree.xpath(f"//span[{has_class('carded')}]")
    assert carded
    assert {s.get("data-link") for s in carded} == {str(sentence_pair["link"])}
    assert {s.get("data-side") for s in carded} == {"l", "h"}
    marks = tree.xpath("//div[contains(@class, 'pane')]//mark")
    assert [m.text for m in marks] == ["per il networking"]  # as written in the sentence
    holder = marks[0].getparent()
    assert holder.get("data-s") == str(found["learn"][0]["id"])
    assert holder.get("data-side") == "l"
    assert text(holder).startswith(ITALIAN)

    data = rows(client)
    assert [s["carded"] for s in data[2]["pairs"][0]["learn"]] == [True]
    assert [s["carded"] for s in data[2]["pairs"][0]["help"]] == [True]
    assert [s["carded"] for s in found["learn"]] == [False]


def test_card_marks_belong_to_their_languages(
    corpus: Flask, client: FlaskClient, token: str
) -> None:
    found = networking(client)
    assert add_card(client, token, kind="sentence", link=found["link"]).status_code == 201
    response = add_card(
        client,
        token,
        kind="word",
        link=found["link"],
        sentence=found["learn"][0]["id"],
        phrase=PHRASE,
    )
    assert response.status_code == 201
    # Learning Italian with Arabic help: the phrase is still marked, the it/de pair card is not.
    tree = html(client.get(f"/read/{LINKEDIN}?learn=it&help=ar"))
    assert tree.xpath(f"//span[{has_class('carded')}]") == []
    assert [m.text for m in tree.xpath("//div[contains(@class, 'pane')]//mark")] == [PHRASE]
    # Learning German: neither card is Italian-learning's.
    tree = html(client.get(f"/read/{LINKEDIN}?learn=de&help=it"))
    assert tree.xpath(f"//span[{has_class('carded')}]") == []
    assert tree.xpath("//div[contains(@class, 'pane')]//mark") == []


def test_a_phrase_with_markup_is_stored_as_text_and_shown_escaped(
    app: Flask, client: FlaskClient, tmp_path_factory: pytest.TempPathFactory
) -> None:
    load_hostile_article(app, tmp_path_factory)
    slug = "warnung-script-alert-1-script-und-zitate-kaufleute"
    response = client.get(f"/api/articles/{slug}/rows?learn=it&help=de")
    found = next(
        p
        for row in response.get_json()["rows"]
        for p in row["pairs"]
        if p["learn"] and p["learn"][0]["text"] == HOSTILE_BOLD_IT
    )
    phrase = "direttrice <b>espressamente</b>"
    created = post_json(
        client,
        "/api/cards",
        {
            "kind": "word",
            "link": found["link"],
            "sentence": found["learn"][0]["id"],
            "phrase": phrase,
            "meaning": "<i>expressly</i>",
            "learn": "it",
            "help": "de",
        },
        csrf_token(client),
    )
    assert created.status_code == 201
    assert [(c["phrase"], c["meaning"]) for c in stored_cards(app)] == [
        (phrase, "<i>expressly</i>")
    ]

    body = client.get(f"/read/{slug}?learn=it&help=de").get_data(as_text=True)
    assert "<mark>direttrice &lt;b&gt;espressamente&lt;/b&gt;</mark>" in body
    assert "<b>" not in body
    tree = lxml.html.document_fromstring(body)
    assert [m.text for m in tree.xpath("//div[contains(@class, 'pane')]//mark")] == [phrase]
    assert tree.xpath("//b") == []


def test_a_sentence_card_can_be_made_in_one_direction(
    corpus: Flask, client: FlaskClient, token: str
) -> None:
    link = pair(client, 2)["link"]
    response = add_card(client, token, kind="sentence", link=link, directions=["production"])
    assert response.status_code == 201
    assert response.get_json()["card"]["directions"] == ["production"]
    refused = add_card(client, token, kind="sentence", link=link, directions=["sideways"])
    assert "directions must be" in error(refused, 400)
