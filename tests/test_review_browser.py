"""The review screen in a real browser: Debian's Chromium, driven by Playwright, against the app
served by waitress with CSRF and the Content-Security-Policy on.

Each test gets its own copy of the review deck (see `test_reviewer.py`) and its own server, so
answers never leak between tests; one browser serves the module. The review screen must work
with the keyboard alone and replace cards without loading a page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Request,
    ViewportSize,
    expect,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.browser import serve
from tests.test_reviewer import Deck, load_review_deck, show_first
from webapp import create_app
from webapp.db import get_engine, upgrade_database
from webapp.models import Card, ReviewLog

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
WIDE: ViewportSize = {"width": 1280, "height": 900}
# Reported by the page itself, so a blocked script or style shows up as a console error.
REPORT_CSP = """document.addEventListener("securitypolicyviolation", (event) =>
    console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`));"""


@dataclass(frozen=True)
class Live:
    """An app with its own copy of the review deck, served by waitress."""

    app: Flask
    url: str
    deck: Deck


@pytest.fixture
def live(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A fresh database holding the review deck, and the app serving it."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("TANDEM_DATABASE_URL", "TANDEM_SECRET_KEY", "TANDEM_MAX_INGEST_BYTES"):
            patch.delenv(name, raising=False)
        patch.setenv("TANDEM_INSTANCE_PATH", str(tmp_path / "instance"))
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "review-browser-tests",
                "SEED_CORPUS": False,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'tandem.sqlite3'}",
            }
        )
    upgrade_database(app)
    deck = load_review_deck(app, tmp_path_factory)
    with serve(app) as url:
        yield Live(app, url, deck)
    get_engine(app).dispose()


@dataclass
class Watch:
    """What the page did: script and console errors (CSP violations among them), and the
    answers it posted."""

    errors: list[str]
    answers: list[str]


@pytest.fixture
def watch() -> Watch:
    return Watch([], [])


@pytest.fixture
def page(chromium: Browser, live: Live, watch: Watch) -> Iterator[Page]:
    """A page in a fresh context that records errors and posted answers."""
    context = chromium.new_context(viewport=WIDE, base_url=live.url)
    context.set_default_timeout(5000)
    context.add_init_script(REPORT_CSP)
    page = context.new_page()
    page.on("pageerror", lambda error: watch.errors.append(f"page error: {error}"))

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            watch.errors.append(f"console: {message.text}")

    def request(sent: Request) -> None:
        if sent.method == "POST" and sent.url.endswith("/review/answer"):
            watch.answers.append(sent.post_data or "")

    page.on("console", console)
    page.on("request", request)
    yield page
    context.close()


def logs(app: Flask) -> list[tuple[str, int]]:
    """(kind, card) of every review log row, oldest first."""
    with Session(get_engine(app)) as session:
        rows = session.execute(select(ReviewLog.kind, ReviewLog.card_id).order_by(ReviewLog.id))
        return [(kind, card) for kind, card in rows]


def reps(app: Flask, card_id: int) -> int:
    with Session(get_engine(app)) as session:
        return session.get_one(Card, card_id).reps


def screenshot(page: Page, name: str) -> None:
    """Keep a picture of the page in `test-artifacts/` for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), animations="disabled")


def expect_card(page: Page, card_id: int, counts: tuple[int, int, int]) -> None:
    """The page shows `card_id`, unrevealed, under these counts (learning, reviews, new)."""
    card = page.locator(".flashcard")
    expect(card).to_have_attribute("data-card", str(card_id))
    expect(page.locator(".flashcard.revealed")).to_have_count(0)
    expect(page.locator("#answer")).to_be_hidden()
    expect(page.locator(".counts .count")).to_have_text([str(n) for n in counts])


def test_three_cards_by_keyboard_then_undo_twice(page: Page, live: Live, watch: Watch) -> None:
    deck, total = live.deck, len(live.deck.ids)
    page.goto("/review/")
    expect_card(page, deck.recognition, (0, 0, total))
    page.evaluate("window.__marker = 'same page'")

    answers = [
        ("3", deck.production),
        ("Space", deck.networking),
        ("1", deck.networking_production),
    ]
    for done, (key, following) in enumerate(answers, start=1):
        page.keyboard.press("Space")
        expect(page.locator(".flashcard.revealed")).to_have_count(1)
        expect(page.locator("#answer")).to_be_visible()
        expect(page.locator(".flashcard .rate")).to_have_count(4)
        if done == 1:
            expect(page.locator(".rate.r3 .interval")).to_have_text("10m")
            expect(page.locator(".flashcard .front")).to_have_attribute("lang", "it")
            screenshot(page, "review")
        page.keyboard.press(key)
        # Good and Again both leave the card learning, due in minutes: only "new" goes down.
        expect_card(page, following, (0, 0, total - done))
        if done == 1:
            expect(page.locator("#status")).to_have_text("Next in 10m")
    assert page.evaluate("window.__marker") == "same page"
    answered = [deck.recognition, deck.production, deck.networking]
    assert logs(live.app) == [("review", card) for card in answered]
    assert reps(live.app, deck.networking) == 1

    page.keyboard.press("u")
    expect_card(page, deck.networking, (0, 0, total - 2))
    expect(page.locator("#status")).to_have_text("Undone: the card is back as it was.")
    assert logs(live.app)[-1] == ("undo", deck.networking)
    assert reps(live.app, deck.networking) == 0

    page.keyboard.press("Control+z")
    expect_card(page, deck.production, (0, 0, total - 1))
    assert [kind for kind, _ in logs(live.app)] == ["review"] * 3 + ["undo"] * 2
    assert logs(live.app)[-1] == ("undo", deck.production)
    assert reps(live.app, deck.production) == 0
    assert reps(live.app, deck.recognition) == 1

    assert page.evaluate("window.__marker") == "same page"
    assert len(watch.answers) == 3
    assert watch.errors == []


def test_a_double_click_on_good_answers_once(page: Page, live: Live, watch: Watch) -> None:
    deck, total = live.deck, len(live.deck.ids)
    page.goto("/review/")
    page.evaluate("window.__marker = 'same page'")
    page.get_by_role("link", name="Show answer").click()
    expect(page.locator("#answer")).to_be_visible()
    page.locator(".rate.r3").dblclick()
    expect_card(page, deck.production, (0, 0, total - 1))
    # Give a second answer the time to arrive, were one on its way.
    page.wait_for_load_state("networkidle")
    assert logs(live.app) == [("review", deck.recognition)]
    assert len(watch.answers) == 1
    assert page.evaluate("window.__marker") == "same page"
    assert watch.errors == []


def test_a_held_space_reveals_without_answering(page: Page, live: Live, watch: Watch) -> None:
    page.goto("/review/")
    expect_card(page, live.deck.recognition, (0, 0, len(live.deck.ids)))
    page.keyboard.down("Space")
    page.keyboard.down("Space")  # the key repeats while held
    page.keyboard.down("Space")
    page.keyboard.up("Space")
    expect(page.locator("#answer")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert watch.answers == []
    assert logs(live.app) == []
    page.keyboard.press("Space")  # a fresh press answers Good
    expect_card(page, live.deck.production, (0, 0, len(live.deck.ids) - 1))
    assert watch.errors == []


def test_an_answer_lost_on_the_way_can_be_given_again(page: Page, live: Live, watch: Watch) -> None:
    page.goto("/review/")
    page.keyboard.press("Space")
    page.route("**/review/answer", lambda route: route.abort())
    page.keyboard.press("3")
    expect(page.locator("#status")).to_contain_text("cannot be reached")
    expect(page.locator(".flashcard.revealed")).to_have_attribute(
        "data-card", str(live.deck.recognition)
    )
    assert logs(live.app) == []
    page.unroute("**/review/answer")
    page.keyboard.press("3")  # the keys still work, and the same showing is answered once
    expect_card(page, live.deck.production, (0, 0, len(live.deck.ids) - 1))
    assert logs(live.app) == [("review", live.deck.recognition)]
    sent = {json.loads(body)["request"] for body in watch.answers}
    assert len(watch.answers) == 2 and len(sent) == 1
    # The aborted request is the only thing the console complains about.
    assert [e for e in watch.errors if "net::ERR_FAILED" not in e] == []


def test_the_arabic_card_reads_right_to_left(page: Page, live: Live, watch: Watch) -> None:
    show_first(live.app, live.deck.arabic)
    page.goto("/review/")
    expect(page.locator(".flashcard")).to_have_attribute("data-card", str(live.deck.arabic))
    page.keyboard.press("Space")
    direction = "(p) => getComputedStyle(p).direction"
    assert page.locator(".flashcard .front").evaluate(direction) == "rtl"
    assert page.locator(".flashcard .back").evaluate(direction) == "ltr"
    assert page.locator(".flashcard .context-learn").evaluate(direction) == "rtl"
    page.keyboard.press("p")
    expect(page.locator(".flashcard .context")).to_have_attribute("open", "")
    expect(page.locator(".flashcard .context-learn")).to_be_visible()
    screenshot(page, "review-arabic")
    assert watch.errors == []
