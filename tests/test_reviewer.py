"""The review screen over HTTP, on the shipped corpus with notes made through `create_card`:
counts, card faces in both languages and directions, the buttons and their intervals, form and
JSON answers, idempotency, a second tab, CSRF, undo, the done state, escaping and the CSP.

The module's database (the shipped corpus, a small article full of markup and the notes) is
built once per test session and copied per test; `load_review_deck` is shared with
`test_review_browser.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import lxml.html
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from tests.test_reader import (
    assert_no_inline_code,
    fragment,
    has_class,
    html,
    in_session,
    load_shipped_corpus,
    one,
    post_json,
    text,
    use_database,
)
from webapp import CONTENT_SECURITY_POLICY, reviewer, store
from webapp.cards import CardRequest, create_card
from webapp.db import get_session
from webapp.models import Alignment, Card, ReviewLog
from webapp.review import load_settings, save_settings

# The sentences the notes are made of (the start of each; the corpus has them in full).
ITALIAN_FIRST = "Per il tempo più lungo, sono stato un grande sostenitore"
GERMAN_FIRST = "Für die längste Zeit war ich ein wichtiger Befürworter"
ITALIAN_NETWORKING = '"È per il networking!" Proclamo,'
GERMAN_NETWORKING = "„Es ist zum Networking!“ Ich würde proklamieren,"
ARABIC_FIRST = "لأطول وقت ، كنت مؤيدًا رئيسيًا لقبول دعوات LinkedIn من الغرباء."
PHRASE = "per il networking"
MEANING = "fürs Networking"

# A small German/Italian article whose text holds markup: it must show as text, never run.
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
HOSTILE_GERMAN = f"Der Hausmeister klebte {SCRIPT} und {IMG} an die Tür der Schule."
HOSTILE_ITALIAN = f"Il custode attaccò {SCRIPT} e {IMG} alla porta della scuola."
HOSTILE = {
    "de": (
        "Ein Zettel an der Schultür\n\n"
        f"{HOSTILE_GERMAN} Die Kinder lasen den Zettel am Morgen & lachten laut.\n\n"
        "Am Nachmittag nahm die Direktorin den Zettel wieder ab und warf ihn weg.\n"
    ),
    "it": (
        "Un biglietto sulla porta della scuola\n\n"
        f"{HOSTILE_ITALIAN} I bambini lessero il biglietto al mattino & risero forte.\n\n"
        "Nel pomeriggio la direttrice tolse il biglietto e lo buttò via.\n"
    ),
}

# The cards are due in this order, a second apart, the day before the tests' clock.
CREATED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Deck:
    """The ids of the module's cards, in the order the queue shows them."""

    recognition: int  # it → de, "Per il tempo più lungo…"
    production: int  # de → it, the same note
    networking: int  # it → de, '"È per il networking!" Proclamo…'
    networking_production: int  # de → it, the same note
    cloze: int  # the word note "per il networking" in that sentence
    arabic: int  # ar → de, "لأطول وقت…"
    hostile: int  # de → it, the sentence with markup

    @property
    def ids(self) -> list[int]:
        return [getattr(self, f.name) for f in fields(self)]


def _link(session: Session, learn: str, help_: str, start: str) -> tuple[int, int]:
    """The link joining `learn` and `help_` whose learning sentence starts with `start`, and the
    id of that sentence."""
    for alignment in session.scalars(select(Alignment).order_by(Alignment.id)):
        langs = (alignment.source_version.lang, alignment.target_version.lang)
        if set(langs) != {learn, help_}:
            continue
        side = "source" if langs[0] == learn else "target"
        for link in alignment.links:
            for member in link.members:
                if member.side == side and member.sentence.text.startswith(start):
                    return link.id, member.sentence_id
    raise AssertionError(f"no {learn}–{help_} pair starts with {start!r}")


def build_deck(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The shipped corpus, the article with markup, and notes made the way the reader makes
    them; the cards fall due in `Deck` order."""
    load_shipped_corpus(app, tmp_path_factory)
    folder = tmp_path_factory.mktemp("review-hostile")
    files = []
    for lang, body in HOSTILE.items():
        path = folder / f"zettel-{lang}.txt"
        path.write_text(body, encoding="utf-8")
        files.append(path.resolve())
    with app.app_context():
        session = get_session()
        report = store.ingest_files(
            session, files, max_bytes=app.config["MAX_INGEST_BYTES"], manifest=[files]
        )
        assert report.failed == [] and len(report.articles) == 1, report
        first, _ = _link(session, "it", "de", ITALIAN_FIRST)
        networking, italian = _link(session, "it", "de", ITALIAN_NETWORKING)
        arabic, _ = _link(session, "ar", "de", ARABIC_FIRST)
        hostile, _ = _link(session, "de", "it", HOSTILE_GERMAN)
        requests = [
            CardRequest(first, "sentence", "it", "de"),
            CardRequest(networking, "sentence", "it", "de"),
            CardRequest(networking, "word", "it", "de", italian, PHRASE, MEANING),
            CardRequest(arabic, "sentence", "ar", "de", directions=("recognition",)),
            CardRequest(hostile, "sentence", "de", "it", directions=("recognition",)),
        ]
        cards: list[Card] = []
        for request in requests:
            note, created = create_card(session, request)
            assert created
            # Recognition before production, as `Deck` lists them.
            cards += sorted(note.cards, key=lambda c: c.template != "recognition")
        for k, card in enumerate(cards):
            card.due = CREATED + timedelta(seconds=k)
        session.commit()


def load_review_deck(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Deck:
    """Give `app` the module's database (built once per session) and return its cards."""
    cache = tmp_path_factory.getbasetemp() / "review-deck.sqlite3"
    use_database(app, cache, lambda app: build_deck(app, tmp_path_factory))
    ids = in_session(app, lambda s: list(s.scalars(select(Card.id).order_by(Card.due))))
    return Deck(*ids)


# Fixtures and helpers ------------------------------------------------------------------------


class Clock:
    """The time the review screen sees; tests move it on."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """A fixed clock for the review screen, so queues and intervals are the same every run."""
    fixed = Clock(NOW)
    monkeypatch.setattr(reviewer, "_now", fixed)
    return fixed


@pytest.fixture
def deck(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Deck:
    """`app` with the module's cards in its database."""
    return load_review_deck(app, tmp_path_factory)


@dataclass(frozen=True)
class Shown:
    """What a review page shows, parsed."""

    tree: lxml.html.HtmlElement
    body: str

    @property
    def counts(self) -> tuple[int, int, int]:
        """Learning, reviews, new."""
        spans = [
            one(self.tree, f"//span[{has_class('count')} and {has_class(k)}]")
            for k in ("learning", "reviews", "new")
        ]
        learning, reviews, new = (int(text(s)) for s in spans)
        return learning, reviews, new

    @property
    def card(self) -> lxml.html.HtmlElement:
        return one(self.tree, f"//article[{has_class('flashcard')}]")

    @property
    def card_id(self) -> int:
        return int(self.card.get("data-card"))

    @property
    def revealed(self) -> bool:
        return "revealed" in self.card.get("class").split()

    def face(self, name: str) -> lxml.html.HtmlElement:
        """The paragraph of the card with class `name` (front, back, hint, context-learn...)."""
        return one(self.card, f".//p[{has_class(name)}]")

    def field(self, name: str) -> str:
        """A hidden field of the answer form."""
        value: str = one(self.card, ".//form//input[@name=$name]", name=name).get("value")
        return value

    @property
    def buttons(self) -> list[tuple[str, str, str]]:
        """(value, interval, label) of each answer button."""
        return [
            (b.get("value"), text(one(b, ".//span[@class='interval']")), text(b))
            for b in self.card.xpath(".//button[@name='rating']")
        ]


def show(client: FlaskClient, *, reveal: bool = False) -> Shown:
    response = client.get("/review/?reveal=1" if reveal else "/review/")
    assert response.status_code == 200, response.get_data(as_text=True)
    return Shown(html(response), response.get_data(as_text=True))


def csrf(shown: Shown) -> str:
    token: str = one(shown.tree, "//meta[@name='csrf-token']").get("content")
    return token


def answer_json(client: FlaskClient, shown: Shown, rating: int, **extra: Any) -> TestResponse:
    """Answer the card `shown` shows, the way review.js does."""
    body = {
        "card": shown.card_id,
        "rating": rating,
        "version": int(shown.field("version")),
        "request": shown.field("request"),
        "duration_ms": 4200,
        **extra,
    }
    return post_json(client, "/review/answer", body, csrf(shown))


def answer_form(client: FlaskClient, shown: Shown, rating: int) -> TestResponse:
    """Answer the card `shown` shows, the way its form does without a script."""
    data = {n: shown.field(n) for n in ("csrf_token", "card", "version", "request")}
    return client.post("/review/answer", data={**data, "rating": str(rating)})


def show_first(app: Flask, card_id: int) -> None:
    """Make `card_id` the first card of the queue."""
    in_session(app, lambda s: _set_due(s, card_id, CREATED - timedelta(days=1)))


def _set_due(session: Session, card_id: int, due: datetime) -> None:
    session.execute(update(Card).where(Card.id == card_id).values(due=due))
    session.commit()


def card_state(app: Flask, card_id: int) -> dict[str, Any]:
    """Every column of a card row."""

    def read(session: Session) -> dict[str, Any]:
        card = session.get_one(Card, card_id)
        return {c.key: getattr(card, c.key) for c in Card.__table__.columns}

    return in_session(app, read)


def log_kinds(app: Flask) -> list[tuple[str, int]]:
    """(kind, card) of every review log row, oldest first."""
    return in_session(
        app,
        lambda s: [
            (kind, card)
            for kind, card in s.execute(
                select(ReviewLog.kind, ReviewLog.card_id).order_by(ReviewLog.id)
            )
        ],
    )


def error_of(response: TestResponse, status: int) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    data = response.get_json()
    assert list(data) == ["error"]
    message: str = data["error"]
    return message


def unchanged(app: Flask, deck: Deck) -> bool:
    """No card was answered: no log rows, every card still new at version 0."""

    def check(session: Session) -> bool:
        logs = session.scalar(select(func.count()).select_from(ReviewLog))
        cards = session.execute(select(Card.phase, Card.version, Card.reps)).all()
        return logs == 0 and len(cards) == len(deck.ids) and set(cards) == {("new", 0, 0)}

    return in_session(app, check)


# The page ------------------------------------------------------------------------------------


def test_the_page_shows_the_counts_and_the_first_front(deck: Deck, client: FlaskClient) -> None:
    shown = show(client)
    assert shown.counts == (0, 0, len(deck.ids))
    assert shown.card_id == deck.recognition
    assert not shown.revealed
    front = shown.face("front")
    assert (front.get("lang"), front.get("dir")) == ("it", "ltr")
    assert text(front).startswith(ITALIAN_FIRST)
    assert text(one(shown.card, ".//p[@class='kind']")) == "What does this mean?"
    # The answer is hidden (by the stylesheet) until revealed; the link reveals it.
    show_link = one(shown.card, ".//a[@data-action='reveal']")
    assert show_link.get("href") == "/review/?reveal=1"
    with client.get("/static/tandem.css") as css:
        hidden = ".flashcard .answer, .flashcard .buttons { display: none; }"
        assert hidden in css.get_data(as_text=True)

    revealed = show(client, reveal=True)
    assert revealed.revealed
    assert revealed.card_id == deck.recognition
    assert revealed.card.xpath(".//a[@data-action='reveal']") == []
    back = revealed.face("back")
    assert (back.get("lang"), back.get("dir")) == ("de", "ltr")
    assert text(back).startswith(GERMAN_FIRST)
    assert_no_inline_code(revealed.tree)


def test_the_four_buttons_show_their_intervals(deck: Deck, client: FlaskClient) -> None:
    shown = show(client, reveal=True)
    assert [(value, interval) for value, interval, _ in shown.buttons] == [
        ("1", "1m"),
        ("2", "6m"),
        ("3", "10m"),
        ("4", "8d"),
    ]
    assert [label for _, _, label in shown.buttons] == [
        "1m Again 1",
        "6m Hard 2",
        "10m Good 3",
        "8d Easy 4",
    ]


def test_the_card_fragment_is_the_next_card_without_the_page(
    deck: Deck, client: FlaskClient
) -> None:
    response = client.get("/review/card")
    assert response.status_code == 200
    tree = fragment(response)
    assert tree.xpath("//html | //header | //script") == []
    card = one(tree, f"//article[{has_class('flashcard')}]")
    assert int(card.get("data-card")) == deck.recognition
    assert "revealed" not in card.get("class")
    assert text(one(tree, f"//span[{has_class('new')}]")) == str(len(deck.ids))


# Answering -----------------------------------------------------------------------------------


def test_a_form_answer_redirects_to_the_next_card(
    app: Flask, deck: Deck, client: FlaskClient, clock: Clock
) -> None:
    response = answer_form(client, show(client, reveal=True), 3)
    assert response.status_code == 302
    assert response.headers["Location"] == "/review/"
    assert log_kinds(app) == [("review", deck.recognition)]
    state = card_state(app, deck.recognition)
    assert (state["phase"], state["reps"], state["version"]) == ("learning", 1, 1)
    assert state["due"] == NOW + timedelta(minutes=10)

    shown = show(client)
    assert shown.card_id == deck.production
    assert shown.counts == (0, 0, len(deck.ids) - 1)

    clock.advance(minutes=10)  # the learning card is due again, and comes first
    shown = show(client)
    assert shown.card_id == deck.recognition
    assert shown.counts == (1, 0, len(deck.ids) - 1)


def test_a_json_answer_returns_the_interval(app: Flask, deck: Deck, client: FlaskClient) -> None:
    response = answer_json(client, show(client), 4)
    assert response.status_code == 200
    data = response.get_json()
    due = datetime.fromisoformat(data.pop("due"))
    assert data == {
        "card": deck.recognition,
        "interval": "8d",
        "leech": False,
        "repeated": False,
    }
    assert due == NOW + timedelta(days=8)
    state = card_state(app, deck.recognition)
    assert (state["phase"], state["due"]) == ("review", due)
    logged = in_session(app, lambda s: s.scalars(select(ReviewLog)).one())
    assert (logged.rating, logged.duration_ms, logged.interval_seconds) == (4, 4200, 8 * 86_400)


def test_the_same_request_twice_is_applied_once(
    app: Flask, deck: Deck, client: FlaskClient
) -> None:
    shown = show(client, reveal=True)
    first = answer_json(client, shown, 3)
    again = answer_json(client, shown, 3)
    assert first.status_code == again.status_code == 200
    assert first.get_json()["repeated"] is False
    assert again.get_json()["repeated"] is True
    assert again.get_json()["interval"] == first.get_json()["interval"] == "10m"
    assert log_kinds(app) == [("review", deck.recognition)]
    state = card_state(app, deck.recognition)
    assert (state["reps"], state["version"]) == (1, 1)
    # The form path is idempotent too: a resubmitted form is not a second answer.
    assert answer_form(client, shown, 3).status_code == 302
    assert log_kinds(app) == [("review", deck.recognition)]


def test_a_second_tab_cannot_answer_the_same_showing_again(
    app: Flask, deck: Deck, client: FlaskClient
) -> None:
    tab1, tab2 = show(client, reveal=True), show(client, reveal=True)
    assert tab1.card_id == tab2.card_id and tab1.field("request") != tab2.field("request")
    assert answer_json(client, tab1, 3).status_code == 200
    message = error_of(answer_json(client, tab2, 1), 409)
    assert "already answered" in message
    assert log_kinds(app) == [("review", deck.recognition)]
    assert card_state(app, deck.recognition)["reps"] == 1
    # Without a script, the stale form leads to the card due now, with a word about why.
    page = answer_form(client, tab2, 1)
    assert page.status_code == 302 and "stale=1" in page.headers["Location"]
    assert "already been answered" in client.get(page.headers["Location"]).get_data(as_text=True)
    assert log_kinds(app) == [("review", deck.recognition)]


def test_answers_and_undo_without_a_csrf_token_change_nothing(
    app: Flask, deck: Deck, client: FlaskClient
) -> None:
    shown = show(client, reveal=True)
    body = {"card": shown.card_id, "rating": 3, "version": 0, "request": shown.field("request")}
    assert "CSRF" in error_of(post_json(client, "/review/answer", body), 400)
    assert "CSRF" in error_of(post_json(client, "/review/answer", body, "forged"), 400)
    form = client.post("/review/answer", data={k: str(v) for k, v in body.items()})
    assert form.status_code == 400 and form.mimetype == "text/html"
    assert unchanged(app, deck)

    assert answer_json(client, shown, 3).status_code == 200
    assert error_of(post_json(client, "/review/undo", {}), 400)
    assert client.post("/review/undo").status_code == 400
    assert log_kinds(app) == [("review", deck.recognition)]


def test_bad_answers_are_refused(app: Flask, deck: Deck, client: FlaskClient) -> None:
    shown = show(client, reveal=True)
    assert "rating" in error_of(answer_json(client, shown, 5), 400)
    assert "number for version" in error_of(answer_json(client, shown, 3, version="x"), 400)
    assert "request id" in error_of(answer_json(client, shown, 3, request=""), 400)
    assert error_of(answer_json(client, shown, 3, card=999_999), 404)
    token = csrf(shown)
    assert error_of(post_json(client, "/review/answer", [1, 2], token), 400)
    assert unchanged(app, deck)


def test_a_long_or_odd_duration_is_stored_within_bounds(
    app: Flask, deck: Deck, client: FlaskClient
) -> None:
    def duration() -> int | None:
        return in_session(
            app, lambda s: s.scalar(select(ReviewLog.duration_ms).order_by(ReviewLog.id.desc()))
        )

    assert answer_json(client, show(client), 3, duration_ms=3_600_000).status_code == 200
    assert duration() == reviewer.MAX_DURATION_MS  # a card left open over lunch
    assert answer_json(client, show(client), 3, duration_ms=-5).status_code == 200
    assert duration() is None
    assert answer_json(client, show(client), 3, duration_ms=True).status_code == 200
    assert duration() is None


# Undo ----------------------------------------------------------------------------------------


def test_undo_restores_the_card_exactly_answer_by_answer(
    app: Flask, deck: Deck, client: FlaskClient, clock: Clock
) -> None:
    fresh = card_state(app, deck.recognition)
    assert answer_json(client, show(client), 3).status_code == 200
    learning = card_state(app, deck.recognition)
    assert learning["phase"] == "learning" and learning["stability"] is not None

    clock.advance(minutes=10)
    shown = show(client)
    assert shown.card_id == deck.recognition
    assert answer_json(client, shown, 3).status_code == 200
    graduated = card_state(app, deck.recognition)
    assert graduated["phase"] == "review" and graduated["reps"] == 2

    clock.advance(seconds=30)
    undone = post_json(client, "/review/undo", {}, csrf(shown))
    assert undone.status_code == 200
    assert undone.get_json() == {"undone": deck.recognition}
    assert card_state(app, deck.recognition) == {**learning, "version": 3}
    shown = show(client)
    assert shown.card_id == deck.recognition  # the card is back, due now
    assert shown.counts == (1, 0, len(deck.ids) - 1)

    # The form undoes the answer before it, back to a new card.
    response = client.post("/review/undo", data={"csrf_token": csrf(shown)})
    assert response.status_code == 302 and response.headers["Location"] == "/review/"
    assert card_state(app, deck.recognition) == {**fresh, "version": 4}
    assert show(client).counts == (0, 0, len(deck.ids))

    assert post_json(client, "/review/undo", {}, csrf(shown)).get_json() == {"undone": None}
    assert log_kinds(app) == [("review", deck.recognition)] * 2 + [("undo", deck.recognition)] * 2


def test_undo_takes_back_the_last_answers_across_cards(
    app: Flask, deck: Deck, client: FlaskClient
) -> None:
    before = {card: card_state(app, card) for card in deck.ids[:2]}
    for rating in (3, 1):
        assert answer_json(client, show(client, reveal=True), rating).status_code == 200
    shown = show(client)
    assert shown.card_id == deck.networking
    assert post_json(client, "/review/undo", {}, csrf(shown)).get_json() == {
        "undone": deck.production
    }
    assert show(client).card_id == deck.production
    assert post_json(client, "/review/undo", {}, csrf(shown)).get_json() == {
        "undone": deck.recognition
    }
    assert show(client).card_id == deck.recognition
    for card, state in before.items():
        assert card_state(app, card) == {**state, "version": 2}


# Faces ---------------------------------------------------------------------------------------


def test_a_cloze_card_blanks_the_phrase_and_hints_at_it(
    app: Flask, deck: Deck, client: FlaskClient
) -> None:
    show_first(app, deck.cloze)
    shown = show(client)
    assert shown.card_id == deck.cloze
    assert text(one(shown.card, ".//p[@class='kind']")) == "Fill the gap"
    front = shown.face("front")
    assert front.get("lang") == "it"
    assert [text(m) for m in front.xpath(".//mark")] == ["[…]"]
    assert text(front).startswith('"È […]!" Proclamo,')
    assert PHRASE not in text(front).lower()
    hint = shown.face("hint")
    assert hint.get("lang") == "de" and text(hint).startswith(GERMAN_NETWORKING)
    assert text(shown.face("meaning")) == f"Meaning: {MEANING}"

    revealed = show(client, reveal=True)
    back = revealed.face("back")
    assert back.get("lang") == "it"
    assert [text(m) for m in back.xpath(".//mark")] == [PHRASE]
    assert text(back).startswith(ITALIAN_NETWORKING)
    assert text(revealed.face("back-help")).startswith(GERMAN_NETWORKING)
    assert revealed.card.xpath(f".//p[{has_class('meaning')}]") != []


def test_a_cloze_blanks_every_occurrence_of_the_phrase(
    app: Flask, deck: Deck, client: FlaskClient
) -> None:
    # "… ricevere centinaia e centinaia di richieste da perfetti sconosciuti."
    def add_note(session: Session) -> int:
        link, sentence = _link(session, "it", "de", "C'è una cosa che non mi aspettavo")
        request = CardRequest(link, "word", "it", "de", sentence, "centinaia", "Hunderte")
        note, _ = create_card(session, request)
        session.commit()
        return note.cards[0].id

    card = in_session(app, add_note)
    show_first(app, card)
    front = show(client).face("front")
    assert [text(m) for m in front.xpath(".//mark")] == ["[…]", "[…]"]
    assert "ricevere […] e […] di richieste" in text(front)
    assert "centinaia" not in text(front)
    back = show(client, reveal=True).face("back")
    assert [text(m) for m in back.xpath(".//mark")] == ["centinaia", "centinaia"]
    assert "ricevere centinaia e centinaia di richieste" in text(back)


def test_a_production_card_asks_in_the_helper_language(
    app: Flask, deck: Deck, client: FlaskClient
) -> None:
    show_first(app, deck.production)
    shown = show(client, reveal=True)
    assert shown.card_id == deck.production
    assert text(one(shown.card, ".//p[@class='kind']")).startswith("Say it in the language")
    front, back = shown.face("front"), shown.face("back")
    assert (front.get("lang"), front.get("dir")) == ("de", "ltr")
    assert text(front).startswith(GERMAN_FIRST)
    assert (back.get("lang"), back.get("dir")) == ("it", "ltr")
    assert text(back).startswith(ITALIAN_FIRST)


def test_the_paragraph_context_shows_both_languages(
    app: Flask, deck: Deck, client: FlaskClient
) -> None:
    show_first(app, deck.networking)
    shown = show(client, reveal=True)
    assert shown.card_id == deck.networking
    learn, help_ = shown.face("context-learn"), shown.face("context-help")
    assert learn.getparent().tag == "details"
    assert learn.get("lang") == "it" and help_.get("lang") == "de"
    # The paragraph holds the card's pair and the pair before it.
    assert text(learn).startswith(ITALIAN_FIRST) and ITALIAN_NETWORKING in text(learn)
    assert text(help_).startswith(GERMAN_FIRST) and GERMAN_NETWORKING in text(help_)


def test_an_arabic_front_is_right_to_left(app: Flask, deck: Deck, client: FlaskClient) -> None:
    show_first(app, deck.arabic)
    shown = show(client, reveal=True)
    assert shown.card_id == deck.arabic
    front, back = shown.face("front"), shown.face("back")
    assert (front.get("lang"), front.get("dir")) == ("ar", "rtl")
    assert text(front) == ARABIC_FIRST
    assert (back.get("lang"), back.get("dir")) == ("de", "ltr")
    assert text(back).startswith(GERMAN_FIRST)
    context = shown.face("context-learn")
    assert (context.get("lang"), context.get("dir")) == ("ar", "rtl")
    assert shown.face("context-help").get("dir") == "ltr"
    assert one(shown.tree, "/html").get("dir") in (None, "ltr")  # direction is per text


def test_hostile_text_is_escaped_on_the_card(app: Flask, deck: Deck, client: FlaskClient) -> None:
    show_first(app, deck.hostile)
    for shown in (show(client), show(client, reveal=True)):
        assert shown.card_id == deck.hostile
        assert SCRIPT not in shown.body and "<img" not in shown.body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown.body
        assert "&lt;img src=x onerror=alert(1)&gt;" in shown.body
        assert text(shown.face("front")).startswith(HOSTILE_GERMAN)
        assert_no_inline_code(shown.tree)
        assert shown.tree.xpath("//img") == []
    assert text(show(client, reveal=True).face("back")).startswith(HOSTILE_ITALIAN)
    assert "&amp; lachten" in show(client, reveal=True).body
    card = client.get("/review/card").get_data(as_text=True)
    assert SCRIPT not in card and "&lt;script&gt;" in card


# Done, and the headers -----------------------------------------------------------------------


def finish_everything(client: FlaskClient) -> Shown:
    """Answer Easy until no card is left; the last page shown."""
    for _ in range(20):
        shown = show(client)
        if not shown.tree.xpath(f"//article[{has_class('flashcard')}]"):
            return shown
        assert answer_json(client, shown, 4).status_code == 200
    raise AssertionError("the queue never ran out")


def test_nothing_due_is_done_for_today(app: Flask, deck: Deck, client: FlaskClient) -> None:
    shown = finish_everything(client)
    assert shown.counts == (0, 0, 0)
    done = one(shown.tree, f"//div[{has_class('done')}]")
    assert text(one(done, ".//h1")) == "Done for now"
    assert "within your daily limits" not in text(done)
    assert shown.tree.xpath("//form[@action='/review/answer']") == []
    assert len(log_kinds(app)) == len(deck.ids)
    assert fragment(client.get("/review/card")).xpath(f"//div[{has_class('done')}]") != []


def test_the_daily_limit_is_named_when_new_cards_wait(
    app: Flask, deck: Deck, client: FlaskClient
) -> None:
    def limit(session: Session) -> None:
        save_settings(session, replace(load_settings(session), new_per_day=2))
        session.commit()

    in_session(app, limit)
    assert show(client).counts == (0, 0, 2)
    shown = finish_everything(client)
    assert shown.counts == (0, 0, 0)
    assert "within your daily limits" in text(one(shown.tree, f"//div[{has_class('done')}]"))


def test_every_review_response_carries_the_content_security_policy(
    app: Flask, deck: Deck, client: FlaskClient
) -> None:
    shown = show(client, reveal=True)
    token = csrf(shown)
    stale = show(client, reveal=True)
    requests: dict[str, Callable[[], TestResponse]] = {
        "page": lambda: client.get("/review/"),
        "revealed": lambda: client.get("/review/?reveal=1"),
        "fragment": lambda: client.get("/review/card"),
        "script": lambda: client.get("/static/review.js"),
        "JSON answer": lambda: answer_json(client, shown, 3),
        "repeated answer": lambda: answer_json(client, shown, 3),
        "409": lambda: answer_json(client, stale, 3),
        "form answer": lambda: answer_form(client, show(client), 3),
        "CSRF failure": lambda: post_json(client, "/review/answer", {}),
        "bad answer": lambda: post_json(client, "/review/answer", {}, token),
        "undo": lambda: post_json(client, "/review/undo", {}, token),
        "form undo": lambda: client.post("/review/undo", data={"csrf_token": token}),
        "405": lambda: client.get("/review/answer"),
        "done": lambda: client.get("/review/", headers={"Accept": "text/html"}),
    }
    for name, request in requests.items():
        if name == "done":
            finish_everything(client)
        response = request()
        assert response.status_code < 500, name
        assert response.headers.get("Content-Security-Policy") == CONTENT_SECURITY_POLICY, name
        assert response.headers.get("X-Content-Type-Options") == "nosniff", name
        response.close()
