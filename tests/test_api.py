"""The JSON API the reader's scripts use: articles, aligned rows, reading progress, and the
one error format (`{"error": ...}` with a meaningful status)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.test_reader import (
    GERMAN_ONLY,
    GERMAN_ONLY_SENTENCES,
    GERMAN_SUBTITLE,
    GERMAN_TITLE,
    HOSTILE_BOLD_IT,
    HOSTILE_SENTENCE_IT,
    HOSTILE_SLUG,
    HOSTILE_TITLE_DE,
    HOSTILE_TITLE_IT,
    IT_DE_ROWS,
    LINKEDIN,
    SENTENCES,
    choose_languages,
    csrf_token,
    html,
    in_session,
    library_entry,
    load_hostile_article,
    load_shipped_corpus,
    one,
    post_json,
    rows_of,
    text,
)
from webapp import pairs, reading
from webapp.models import ReadingPosition, Sentence


@pytest.fixture
def corpus(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """`app` with the shipped corpus in its database."""
    load_shipped_corpus(app, tmp_path_factory)
    return app


def get_json(client: FlaskClient, url: str, status: int = 200) -> Any:
    """GET `url`, check the status and that the answer is JSON, and decode it."""
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def api_rows(client: FlaskClient, query: str, slug: str = LINKEDIN) -> Any:
    return get_json(client, f"/api/articles/{slug}/rows?{query}")


def sentence_ids(rows: list[dict[str, Any]], side: str) -> list[int]:
    return [s["id"] for row in rows for pair in row["pairs"] for s in pair[side]]


def positions(app: Flask) -> list[tuple[int, str, int | None, int]]:
    """Every stored reading position as (article id, language, sentence id, position)."""

    def read(session: Session) -> list[tuple[int, str, int | None, int]]:
        return [
            (p.article_id, p.lang, p.sentence_id, p.position)
            for p in session.scalars(select(ReadingPosition))
        ]

    return in_session(app, read)


def sentence_position(app: Flask, sentence_id: int) -> int:
    return in_session(app, lambda session: session.get_one(Sentence, sentence_id).position)


# Articles ------------------------------------------------------------------------------------


def test_articles_lists_every_article_with_progress_and_cards(
    corpus: Flask, client: FlaskClient
) -> None:
    articles = get_json(client, "/api/articles")["articles"]
    assert [a["slug"] for a in articles] == [LINKEDIN, GERMAN_ONLY]
    linkedin, german = articles
    assert [v["lang"] for v in linkedin["versions"]] == ["id", "it", "ar", "de"]
    assert {v["lang"]: v["sentences"] for v in linkedin["versions"]} == SENTENCES
    assert len(linkedin["alignments"]) == 6
    assert {(a["source"], a["target"]) for a in linkedin["alignments"]} >= {("it", "de")}
    assert (linkedin["learn"], linkedin["progress"], linkedin["cards"]) == ("id", 0, 0)
    assert linkedin["single_language"] is False
    assert (german["learn"], german["sentences"], german["progress"], german["cards"]) == (
        "de",
        GERMAN_ONLY_SENTENCES,
        0,
        0,
    )
    assert german["single_language"] is True
    assert german["alignments"] == []

    choose_languages(client, "de", "it")
    linkedin = get_json(client, "/api/articles")["articles"][0]
    assert (linkedin["learn"], linkedin["display_title"]) == ("de", GERMAN_TITLE)
    assert linkedin["sentences"] == SENTENCES["de"]


# Rows ----------------------------------------------------------------------------------------


def test_rows_pair_the_sentences_of_both_languages(corpus: Flask, client: FlaskClient) -> None:
    data = api_rows(client, "learn=it&help=de")
    assert (data["article"], data["learn"], data["help"]) == (LINKEDIN, "it", "de")
    assert (data["start"], data["total"], data["next_start"]) == (0, IT_DE_ROWS, None)
    assert [row["index"] for row in data["rows"]] == list(range(IT_DE_ROWS))

    title = data["rows"][0]["pairs"]
    assert len(title) == 1
    assert title[0]["learn"] == []
    assert [s["text"] for s in title[0]["help"]] == [GERMAN_TITLE]
    assert [s["text"] for s in data["rows"][1]["pairs"][0]["help"]] == [GERMAN_SUBTITLE]
    first = data["rows"][2]["pairs"][0]
    assert first["learn"][0]["text"].startswith("Per il tempo più lungo")
    assert first["help"][0]["text"].startswith("Für die längste Zeit")
    assert isinstance(first["link"], int)
    assert 0 < first["score"] <= 1
    assert first["flagged"] is False
    assert first["learn"][0]["carded"] is False

    # Every stored link of the pair, in reading order, exactly once.
    stored = in_session(corpus, lambda session: pairs.aligned_rows(session, LINKEDIN, "it", "de"))
    served = [(row["index"], pair) for row in data["rows"] for pair in row["pairs"]]
    assert [
        (
            index,
            p["link"],
            tuple(s["text"] for s in p["learn"]),
            tuple(s["text"] for s in p["help"]),
        )
        for index, p in served
    ] == [(r.paragraph, r.link_id, r.source, r.target) for r in stored]
    assert len(sentence_ids(data["rows"], "learn")) == SENTENCES["it"]
    assert len(sentence_ids(data["rows"], "help")) == SENTENCES["de"]


def test_rows_in_the_other_direction_swap_the_sides(corpus: Flask, client: FlaskClient) -> None:
    forward = api_rows(client, "learn=it&help=de")
    backward = api_rows(client, "learn=de&help=it")
    assert (backward["learn"], backward["help"]) == ("de", "it")
    assert [
        (p["link"], p["learn"], p["help"]) for row in backward["rows"] for p in row["pairs"]
    ] == [(p["link"], p["help"], p["learn"]) for row in forward["rows"] for p in row["pairs"]]


def test_rows_come_a_page_at_a_time(corpus: Flask, client: FlaskClient) -> None:
    first = api_rows(client, "learn=it&help=de&limit=3")
    assert [r["index"] for r in first["rows"]] == [0, 1, 2]
    assert (first["start"], first["next_start"], first["total"]) == (0, 3, IT_DE_ROWS)

    second = api_rows(client, f"learn=it&help=de&limit=3&start={first['next_start']}")
    assert [r["index"] for r in second["rows"]] == [3, 4, 5]
    assert (second["start"], second["next_start"]) == (3, 6)

    last = api_rows(client, "learn=it&help=de&limit=5&start=21")
    assert [r["index"] for r in last["rows"]] == [21, 22]
    assert last["next_start"] is None

    beyond = api_rows(client, "learn=it&help=de&start=50")
    assert (beyond["rows"], beyond["next_start"]) == ([], None)

    # Out-of-range values are clamped, not errors.
    assert len(api_rows(client, "learn=it&help=de&limit=0")["rows"]) == 1
    assert len(api_rows(client, "learn=it&help=de&limit=100000")["rows"]) == IT_DE_ROWS
    negative = api_rows(client, "learn=it&help=de&start=-4&limit=2")
    assert (negative["start"], [r["index"] for r in negative["rows"]]) == (0, [0, 1])


def test_rows_default_to_a_page_of_page_rows(
    corpus: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reading, "PAGE_ROWS", 5)
    data = api_rows(client, "learn=it&help=de")
    assert [r["index"] for r in data["rows"]] == [0, 1, 2, 3, 4]
    assert data["next_start"] == 5


def test_rows_of_a_single_language_article_are_paragraphs(
    corpus: Flask, client: FlaskClient
) -> None:
    data = api_rows(client, "limit=2", slug=GERMAN_ONLY)
    assert (data["learn"], data["help"], data["start"], data["next_start"]) == ("de", None, 0, 2)
    assert [r["index"] for r in data["rows"]] == [0, 1]
    paragraph = data["rows"][0]["paragraphs"][0]
    assert paragraph["role"] in ("title", "body")
    assert paragraph["sentences"][0]["text"].startswith("Ich werde es einfach da rausbringen")
    assert "pairs" not in data["rows"][0]


def test_rows_follow_the_language_choice_when_not_given(corpus: Flask, client: FlaskClient) -> None:
    choose_languages(client, "ar", "de")
    data = api_rows(client, "limit=1")
    assert (data["learn"], data["help"]) == ("ar", "de")


# Errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        pytest.param(
            "/api/articles/nothing/rows?learn=it&help=de", 404, "no article 'nothing'", id="article"
        ),
        pytest.param(
            f"/api/articles/{LINKEDIN}/rows?learn=fr&help=de",
            404,
            "(it has: id, it, ar, de)",
            id="missing learning language",
        ),
        pytest.param(
            f"/api/articles/{LINKEDIN}/rows?learn=it&help=xx",
            404,
            "no 'xx' version",
            id="missing helper language",
        ),
        pytest.param(
            f"/api/articles/{GERMAN_ONLY}/rows?learn=de&help=it",
            404,
            "(it has: de)",
            id="single language",
        ),
        pytest.param(
            f"/api/articles/{LINKEDIN}/rows?learn=de&help=de",
            400,
            "two different languages",
            id="same language",
        ),
        pytest.param("/api/nothing", 404, "", id="no such endpoint"),
        pytest.param("/api/cards", 405, "", id="GET on a POST endpoint"),
    ],
)
def test_errors_are_json(
    corpus: Flask, client: FlaskClient, url: str, status: int, message: str
) -> None:
    data = get_json(client, url, status)
    assert list(data) == ["error"]
    assert message in data["error"]


@pytest.mark.parametrize("endpoint", ["/api/cards", "/api/progress"])
@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(b"{not json", "send a JSON object", id="malformed"),
        pytest.param(b"[1, 2]", "send a JSON object", id="a list"),
        pytest.param(b'"text"', "send a JSON object", id="a string"),
        pytest.param(b"", "send a JSON object", id="empty"),
    ],
)
def test_bad_json_is_a_400(
    corpus: Flask, client: FlaskClient, endpoint: str, body: bytes, message: str
) -> None:
    response = client.post(
        endpoint,
        data=body,
        headers={"Content-Type": "application/json", "X-CSRFToken": csrf_token(client)},
    )
    assert response.status_code == 400
    assert response.get_json() == {"error": message}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(
            {"article": LINKEDIN, "learn": "it", "sentence": "5"},
            "sentence must be a number",
            id="sentence text",
        ),
        pytest.param(
            {"article": LINKEDIN, "learn": "it", "sentence": True},
            "sentence must be a number",
            id="sentence bool",
        ),
        pytest.param(
            {"article": LINKEDIN, "learn": "it"}, "sentence must be a number", id="no sentence"
        ),
        pytest.param(
            {"article": 1, "learn": "it", "sentence": 1},
            "article must be text",
            id="article number",
        ),
        pytest.param(
            {"article": LINKEDIN, "learn": ["it"], "sentence": 1},
            "learn must be text",
            id="learn list",
        ),
    ],
)
def test_progress_with_wrongly_typed_fields_is_a_400(
    corpus: Flask, client: FlaskClient, body: dict[str, Any], message: str
) -> None:
    response = post_json(client, "/api/progress", body, csrf_token(client))
    assert response.status_code == 400
    assert response.get_json() == {"error": message}


def test_a_page_asked_for_as_json_gets_a_json_error(corpus: Flask, client: FlaskClient) -> None:
    response = client.get("/read/nothing", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json() == {
        "error": "no article 'nothing': see `tandem articles` for the list"
    }


def test_api_post_without_csrf_token_is_refused(corpus: Flask, client: FlaskClient) -> None:
    sentence = sentence_ids(api_rows(client, "learn=it&help=de")["rows"], "learn")[0]
    body = {"article": LINKEDIN, "learn": "it", "sentence": sentence}
    for token in (None, "forged"):
        response = post_json(client, "/api/progress", body, token)
        assert response.status_code == 400
        assert "CSRF" in response.get_json()["error"]
    assert positions(corpus) == []


# Escaping ------------------------------------------------------------------------------------


def test_json_carries_hostile_text_as_data(
    app: Flask, client: FlaskClient, tmp_path_factory: pytest.TempPathFactory
) -> None:
    load_hostile_article(app, tmp_path_factory)
    response = client.get(f"/api/articles/{HOSTILE_SLUG}/rows?learn=it&help=de")
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    data = response.get_json()
    texts = {s["text"] for row in data["rows"] for p in row["pairs"] for s in p["learn"]}
    # Exactly the text as written: not stripped, not HTML-escaped (escaping is the page's job).
    assert {HOSTILE_TITLE_IT, HOSTILE_SENTENCE_IT, HOSTILE_BOLD_IT} <= texts
    articles = get_json(client, "/api/articles")["articles"]
    assert articles[0]["title"] == HOSTILE_TITLE_DE


# Progress ------------------------------------------------------------------------------------


def test_progress_is_stored_and_shown(corpus: Flask, client: FlaskClient) -> None:
    choose_languages(client, "it", "de")
    rows = api_rows(client, "learn=it&help=de")["rows"]
    sentence = rows[10]["pairs"][0]["learn"][0]["id"]
    position = sentence_position(corpus, sentence)

    response = post_json(
        client,
        "/api/progress",
        {"article": LINKEDIN, "learn": "it", "sentence": sentence},
        csrf_token(client),
    )
    assert response.status_code == 200
    assert response.get_json() == {"ok": True}
    article_id = get_json(client, "/api/articles")["articles"][0]["id"]
    assert positions(corpus) == [(article_id, "it", sentence, position)]

    percent = round(100 * (position + 1) / SENTENCES["it"])
    assert 0 < percent < 100
    entry = library_entry(html(client.get("/")), LINKEDIN)
    assert f"{percent}% read" in text(entry)
    assert one(entry, ".//progress").get("value") == str(percent)
    assert get_json(client, "/api/articles")["articles"][0]["progress"] == percent
    assert "0% read" in text(library_entry(html(client.get("/")), GERMAN_ONLY))

    # The reader reopens at the row holding that sentence.
    tree = html(client.get(f"/read/{LINKEDIN}?learn=it&help=de"))
    assert one(tree, "//article").get("data-position") == str(position)
    assert rows_of(tree)[0] == 10
    assert tree.xpath("//section[@data-row='10']//span[@data-s=$s]", s=str(sentence))
    assert one(tree, "//a[@class='earlier']").get("href").endswith("start=0")
    # With another helper the row numbers differ; the first row still holds the sentence.
    tree = html(client.get(f"/read/{LINKEDIN}?learn=it&help=ar"))
    assert one(tree, "//article").get("data-position") == str(position)
    first = tree.xpath("//section[@data-row]")[0]
    assert first.xpath(".//span[@data-side='l'][@data-s=$s]", s=str(sentence))
    # An explicit start wins; another learning language has no position yet.
    assert rows_of(html(client.get(f"/read/{LINKEDIN}?learn=it&help=de&start=0")))[0] == 0
    other = html(client.get(f"/read/{LINKEDIN}?learn=de&help=it"))
    assert one(other, "//article").get("data-position") == ""
    assert rows_of(other)[0] == 0


def test_progress_moves_instead_of_adding_rows(corpus: Flask, client: FlaskClient) -> None:
    ids = sentence_ids(api_rows(client, "learn=it&help=de")["rows"], "learn")
    token = csrf_token(client)
    for sentence in (ids[5], ids[-1]):
        body = {"article": LINKEDIN, "learn": "it", "sentence": sentence}
        assert post_json(client, "/api/progress", body, token).status_code == 200
    assert [(lang, s) for _, lang, s, _ in positions(corpus)] == [("it", ids[-1])]
    choose_languages(client, "it", "de")
    assert get_json(client, "/api/articles")["articles"][0]["progress"] == 100


def test_progress_in_a_single_language_article(corpus: Flask, client: FlaskClient) -> None:
    data = api_rows(client, "start=10&limit=1", slug=GERMAN_ONLY)
    sentence = data["rows"][0]["paragraphs"][0]["sentences"][0]["id"]
    body = {"article": GERMAN_ONLY, "learn": "de", "sentence": sentence}
    assert post_json(client, "/api/progress", body, csrf_token(client)).status_code == 200
    tree = html(client.get(f"/read/{GERMAN_ONLY}"))
    assert rows_of(tree)[0] == 10
    assert one(tree, "//article").get("data-position") == str(sentence_position(corpus, sentence))


def test_progress_with_a_sentence_of_another_version_is_a_400(
    corpus: Flask, client: FlaskClient
) -> None:
    german = sentence_ids(api_rows(client, "learn=it&help=de")["rows"], "help")[3]
    token = csrf_token(client)
    response = post_json(
        client, "/api/progress", {"article": LINKEDIN, "learn": "it", "sentence": german}, token
    )
    assert response.status_code == 400
    assert response.get_json() == {"error": "that sentence is not in the version being read"}
    unknown = post_json(
        client, "/api/progress", {"article": LINKEDIN, "learn": "it", "sentence": 10**9}, token
    )
    assert unknown.status_code == 400
    other_article = api_rows(client, "limit=1", slug=GERMAN_ONLY)["rows"][0]["paragraphs"][0]
    other_sentence = other_article["sentences"][0]["id"]
    response = post_json(
        client,
        "/api/progress",
        {"article": LINKEDIN, "learn": "de", "sentence": other_sentence},
        token,
    )
    assert response.status_code == 400
    assert positions(corpus) == []


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        pytest.param(
            {"article": "nothing", "learn": "it", "sentence": 1}, 404, "no article", id="article"
        ),
        pytest.param(
            {"article": LINKEDIN, "learn": "fr", "sentence": 1},
            404,
            "no 'fr' version",
            id="language",
        ),
    ],
)
def test_progress_of_what_does_not_exist_is_a_404(
    corpus: Flask, client: FlaskClient, body: dict[str, Any], status: int, message: str
) -> None:
    response = post_json(client, "/api/progress", body, csrf_token(client))
    assert response.status_code == status
    assert message in response.get_json()["error"]
    assert positions(corpus) == []


def test_error_bodies_declare_their_true_length(corpus: Flask, client: FlaskClient) -> None:
    """A stale Content-Length makes browsers drop the body, and with it the message."""
    for response in (
        client.get("/api/articles/no-such-article/rows"),
        client.post("/api/cards", json={}),  # no CSRF token
        client.get("/read/no-such-article"),
    ):
        assert response.status_code in (400, 404)
        assert int(response.headers["Content-Length"]) == len(response.data)
