"""The library and the reader in a real browser: Debian's Chromium, driven by Playwright, against
the app served by waitress on the shipped corpus, with CSRF and the Content-Security-Policy on.

One server and one browser serve the whole module; each test gets a fresh browser context.
Screenshots go to `test-artifacts/` for a person to look at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, ConsoleMessage, Page, expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.browser import browser_app, serve
from webapp import seed, store
from webapp.db import get_engine
from webapp.models import Article, Note, Version

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 400, "height": 900}

# Markup as text, the way a pasted article might carry it: it must show, never run.
XSS_GERMAN = """Ein Test über gefährliche Zeichen

Der Gärtner schrieb <script>alert(1)</script> auf ein Schild im Garten. Danach pflanzte er \
zwölf Tomaten neben dem Zaun.

Seine Nachbarin las <img src=x onerror=alert(1)> auf dem Schild und lachte laut. Am Abend \
regnete es in der ganzen Stadt.
"""
XSS_ITALIAN = """Una prova sui caratteri pericolosi

Il giardiniere scrisse <script>alert(1)</script> su un cartello nel giardino. Poi piantò \
dodici pomodori accanto al recinto.

La sua vicina lesse <img src=x onerror=alert(1)> sul cartello e rise forte. La sera piovve in \
tutta la città.
"""


@dataclass(frozen=True)
class Slugs:
    """The articles the browser tests open."""

    four: str  # the seed article in id, it, ar, de
    german: str  # the seed article that exists in German only
    xss: str  # the article whose text holds markup


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app on a fresh SQLite file, seeded with the shipped corpus plus the markup article."""
    root = tmp_path_factory.mktemp("browser")
    app = browser_app(root, seed=True)
    files = [root / "gefahr.de.txt", root / "pericolo.it.txt"]
    files[0].write_text(XSS_GERMAN, encoding="utf-8")
    files[1].write_text(XSS_ITALIAN, encoding="utf-8")
    with app.app_context():
        session = seed.prepared_session()
        report = store.ingest_files(session, files, max_bytes=app.config["MAX_INGEST_BYTES"])
        assert not report.failed, report.failed
        session.commit()
    yield app
    get_engine(app).dispose()


@pytest.fixture(scope="module")
def slugs(live_app: Flask) -> Slugs:
    """The slugs of the seed article in four languages, the German-only one and the markup one."""
    with Session(get_engine(live_app)) as session:
        langs: dict[str, set[str]] = {}
        for slug, lang in session.execute(
            select(Article.slug, Version.lang).join(Version, Version.article_id == Article.id)
        ):
            langs.setdefault(slug, set()).add(lang)
    by_langs = {frozenset(v): k for k, v in langs.items()}
    xss = next(slug for slug, v in langs.items() if v == {"de", "it"} and "zeichen" in slug)
    return Slugs(by_langs[frozenset({"id", "it", "ar", "de"})], by_langs[frozenset({"de"})], xss)


@pytest.fixture(scope="module")
def server(live_app: Flask) -> Iterator[str]:
    """The base URL of the app served by waitress."""
    with serve(live_app) as url:
        yield url


@dataclass
class Problems:
    """What went wrong in the page: uncaught errors and console errors (CSP reports among them)."""

    errors: list[str]


@pytest.fixture
def problems() -> Problems:
    """An empty record of page problems, which `page` fills."""
    return Problems([])


@pytest.fixture
def page(chromium: Browser, server: str, problems: Problems) -> Iterator[Page]:
    """A page in a fresh context (no cookies, no stored settings) at a wide viewport, which
    records every script error and console error."""
    context = chromium.new_context(viewport=WIDE, base_url=server)
    context.set_default_timeout(5000)
    page = context.new_page()
    page.on("pageerror", lambda error: problems.errors.append(f"page error: {error}"))

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.errors.append(f"console: {message.text}")

    page.on("console", console)
    yield page
    context.close()


def screenshot(page: Page, name: str, *, full_page: bool = False) -> None:
    """Keep a picture of the page for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page, animations="disabled")


def open_reader(page: Page, slug: str, learn: str, help_lang: str) -> None:
    """Open the reader and wait until its script has picked the current sentence."""
    page.goto(f"/read/{slug}?learn={learn}&help={help_lang}")
    expect(page.locator('.s.current[data-side="l"]')).to_have_count(1)


def current_index(page: Page) -> int:
    """The position of the current sentence among the learning pane's sentences."""
    index: int = page.evaluate(
        "[...document.querySelectorAll('.pane.learn .s')]"
        ".indexOf(document.querySelector('.pane.learn .s.current'))"
    )
    return index


def move_to(page: Page, index: int) -> None:
    """Walk the current sentence to `index` with j and k, as a learner would."""
    here = current_index(page)
    for _ in range(abs(index - here)):
        page.keyboard.press("j" if index > here else "k")
    expect(page.locator(".pane.learn .s").nth(index)).to_have_class(has_class("current"))


def has_class(name: str) -> re.Pattern[str]:
    """Matches a class attribute that holds `name` among others."""
    return re.compile(rf"(^|\s){re.escape(name)}(\s|$)")


def paired_learn_indexes(page: Page) -> list[int]:
    """Indexes of the learning sentences in body paragraphs that have a helper counterpart."""
    indexes: list[int] = page.evaluate(
        """() => [...document.querySelectorAll('.pane.learn .s')]
            .map((s, i) => [s, i])
            .filter(([s]) => s.closest('p.p') && !s.closest('.subtitle') && s.dataset.link
                && document.querySelector(`.pane.help .s[data-link="${s.dataset.link}"]`))
            .map(([, i]) => i)"""
    )
    assert indexes, "no learning sentence with a counterpart"
    return indexes


def test_library_lists_the_seed_articles(page: Page, slugs: Slugs, problems: Problems) -> None:
    page.goto("/")
    entries = page.locator(".library .entry")
    # The two seed articles, and the markup article this module adds.
    expect(entries).to_have_count(3)
    four = page.locator(f'.entry[data-article="{slugs.four}"]')
    expect(four.locator(".lang")).to_have_text(["id", "it", "ar", "de"])
    expect(four.locator(".badge")).to_have_count(0)
    expect(four.locator(".pairs a").first).to_be_visible()
    german = page.locator(f'.entry[data-article="{slugs.german}"]')
    expect(german.locator(".lang")).to_have_text(["de"])
    expect(german.locator(".badge")).to_contain_text("single language")
    expect(german.locator(".pairs")).to_have_count(0)
    screenshot(page, "library", full_page=True)
    assert problems.errors == []


def test_reader_shows_italian_beside_german_in_aligned_rows(
    page: Page, slugs: Slugs, problems: Problems
) -> None:
    open_reader(page, slugs.four, "it", "de")
    learn, help_pane = page.locator(".pane.learn"), page.locator(".pane.help")
    expect(learn.first).to_have_attribute("lang", "it")
    expect(help_pane.first).to_have_attribute("lang", "de")
    expect(page.locator(".pane.learn[lang=it]").first).to_be_visible()
    expect(page.locator(".pane.help[lang=de]").first).to_be_visible()
    assert page.locator(".pane.learn[lang=it] .s").count() > 10
    assert page.locator(".pane.help[lang=de] .s").count() > 10

    body_row = page.locator(".row:has(> .pane.learn > p.p:not(.subtitle))").first
    learn_top = body_row.locator(".pane.learn").bounding_box()
    help_top = body_row.locator(".pane.help").bounding_box()
    assert learn_top and help_top
    assert abs(learn_top["y"] - help_top["y"]) <= 2
    assert help_top["x"] > learn_top["x"] + learn_top["width"]  # side by side
    # Every row starts both panes on the same line, however long each side is.
    worst = page.evaluate(
        """() => Math.max(...[...document.querySelectorAll('.row')].map((row) => Math.abs(
            row.querySelector('.pane.learn').getBoundingClientRect().top
            - row.querySelector('.pane.help').getBoundingClientRect().top)))"""
    )
    assert worst <= 2
    screenshot(page, "reader-it-de-wide")
    assert problems.errors == []


def test_hover_highlights_the_counterpart_and_click_pins_it(
    page: Page, slugs: Slugs, problems: Problems
) -> None:
    open_reader(page, slugs.four, "it", "de")
    sentence = page.locator(".pane.learn .s").nth(paired_learn_indexes(page)[1])
    link = sentence.get_attribute("data-link")
    linked = page.locator(f'.s[data-link="{link}"]')
    assert linked.count() >= 2

    sentence.hover()
    expect(page.locator(f'.pane.help .s.hl[data-link="{link}"]')).not_to_have_count(0)
    expect(page.locator(f'.s[data-link="{link}"]:not(.hl)')).to_have_count(0)

    page.mouse.move(2, 2)
    expect(page.locator(f'.s.hl[data-link="{link}"]')).to_have_count(0)

    sentence.click()
    page.mouse.move(2, 2)
    expect(page.locator(f'.s[data-link="{link}"]:not(.pinned)')).to_have_count(0)
    expect(page.locator(".s.pinned")).to_have_count(linked.count())
    assert problems.errors == []


def test_arabic_panes_are_right_to_left(page: Page, slugs: Slugs, problems: Problems) -> None:
    alignment = """(side) => {
        // The first row whose two panes both hold body text.
        const row = [...document.querySelectorAll('.row')].find(
            (r) => r.querySelector('.pane.learn p.p .s') && r.querySelector('.pane.help p.p .s'));
        const pane = row.querySelector(`.pane.${side}`);
        // Where the first letter is drawn: at the start edge of the pane's direction.
        const sentence = pane.querySelector('p.p .s');
        const text = [...sentence.childNodes].find((n) => n.nodeType === Node.TEXT_NODE);
        const range = document.createRange();
        range.setStart(text, 0);
        range.setEnd(text, 1);
        const first = range.getBoundingClientRect();
        const box = pane.getBoundingClientRect();
        return {
            dir: pane.getAttribute('dir'),
            direction: getComputedStyle(pane).direction,
            fromLeft: first.left - box.left,
            fromRight: box.right - first.right,
        };
    }"""
    open_reader(page, slugs.four, "de", "ar")
    arabic, german = page.evaluate(alignment, "help"), page.evaluate(alignment, "learn")
    assert (arabic["dir"], arabic["direction"]) == ("rtl", "rtl")
    assert arabic["fromRight"] <= 2 < arabic["fromLeft"]
    assert (german["dir"], german["direction"]) == ("ltr", "ltr")
    assert german["fromLeft"] <= 2 < german["fromRight"]
    screenshot(page, "reader-de-ar-wide")

    open_reader(page, slugs.four, "ar", "it")
    arabic, italian = page.evaluate(alignment, "learn"), page.evaluate(alignment, "help")
    assert (arabic["dir"], arabic["direction"]) == ("rtl", "rtl")
    assert arabic["fromRight"] <= 2 < arabic["fromLeft"]
    assert (italian["dir"], italian["direction"]) == ("ltr", "ltr")
    assert italian["fromLeft"] <= 2 < italian["fromRight"]
    assert problems.errors == []


def blurred(page: Page) -> dict[str, bool]:
    """For each helper sentence id, whether it is drawn blurred."""
    result: dict[str, bool] = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('.pane.help .s')].map(
            (s) => [s.id, getComputedStyle(s).filter.includes('blur')]))"""
    )
    return result


def test_hide_translations_blurs_the_helper_until_revealed(
    page: Page, slugs: Slugs, problems: Problems
) -> None:
    open_reader(page, slugs.four, "it", "de")
    button = page.get_by_role("button", name="Hide translations")
    expect(button).to_have_attribute("aria-pressed", "false")
    assert not any(blurred(page).values())
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    assert all(blurred(page).values())

    target = paired_learn_indexes(page)[2]
    move_to(page, target)  # the keys work right after clicking the button
    link = page.locator(".pane.learn .s").nth(target).get_attribute("data-link")
    page.keyboard.press("r")
    revealed = page.locator(f'.pane.help .s[data-link="{link}"]')
    expect(revealed.first).to_have_class(has_class("revealed"))
    expect(page.locator(".pane.help .s.revealed")).to_have_count(revealed.count())
    state = blurred(page)
    shown = {s.get_attribute("id") for s in revealed.all()}
    assert {k for k, v in state.items() if not v} == shown

    # Clicking a blurred helper sentence reveals that one too, and nothing else.
    other_id = page.locator(".pane.help .s:not(.revealed)[data-link]").nth(3).get_attribute("id")
    other = page.locator(f"#{other_id}")
    other_link = other.get_attribute("data-link")
    other.click()
    expect(other).to_have_class(has_class("revealed"))
    page.mouse.move(2, 2)
    shown |= {
        s.get_attribute("id")
        for s in page.locator(f'.pane.help .s[data-link="{other_link}"]').all()
    }
    state = blurred(page)
    assert {k for k, v in state.items() if not v} == shown
    assert len(state) > len(shown) + 10
    screenshot(page, "reader-hide-translations")

    button.click()
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(page.locator(".pane.help .s.revealed")).to_have_count(0)
    assert not any(blurred(page).values())
    assert problems.errors == []


def test_keyboard_moves_hides_the_helper_and_shows_shortcuts(
    page: Page, slugs: Slugs, problems: Problems
) -> None:
    open_reader(page, slugs.four, "it", "de")
    start = min(current_index(page), page.locator(".pane.learn .s").count() - 3)
    move_to(page, start)
    page.keyboard.press("j")
    assert current_index(page) == start + 1
    page.keyboard.press("j")
    page.keyboard.press("k")
    assert current_index(page) == start + 1
    expect(page.locator('.s.current[data-side="l"]')).to_have_count(1)

    page.keyboard.press("Enter")
    link = page.locator(".pane.learn .s.current").get_attribute("data-link")
    expect(page.locator(f'.s[data-link="{link}"]:not(.pinned)')).to_have_count(0)

    toggle = page.get_by_role("button", name="Helper pane")
    page.keyboard.press("h")
    expect(page.locator(".pane.help").first).to_be_hidden()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    page.keyboard.press("h")
    expect(page.locator(".pane.help").first).to_be_visible()
    expect(toggle).to_have_attribute("aria-pressed", "true")

    dialog = page.locator("#shortcuts-dialog")
    expect(dialog).to_be_hidden()
    page.keyboard.press("?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Next sentence")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert problems.errors == []


SELECT_WORD = """(sentence) => {
    // The longest word of the sentence's first text node, selected as a learner would.
    const node = [...sentence.childNodes].find((n) => n.nodeType === Node.TEXT_NODE);
    const words = [...node.data.matchAll(/\\p{L}{5,}/gu)];
    const word = words.reduce((a, b) => (b[0].length > a[0].length ? b : a));
    const range = document.createRange();
    range.setStart(node, word.index);
    range.setEnd(node, word.index + word[0].length);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    document.dispatchEvent(new Event('selectionchange'));
    return word[0];
}"""


def test_cards_from_a_selected_word_and_from_the_current_sentence(
    page: Page, live_app: Flask, slugs: Slugs, problems: Problems
) -> None:
    open_reader(page, slugs.four, "it", "de")
    candidates = paired_learn_indexes(page)
    sentence = page.locator(".pane.learn .s").nth(candidates[3])
    sentence_id, link = sentence.get_attribute("data-s"), sentence.get_attribute("data-link")
    assert sentence_id and link
    word = sentence.evaluate(SELECT_WORD)

    toolbar = page.get_by_role("toolbar", name="Make a card")
    expect(toolbar).to_be_visible()
    toolbar.get_by_role("button", name="Add word card").click()
    dialog = page.locator("#word-card-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".phrase")).to_have_text(word)
    dialog.get_by_label("Meaning (optional)").fill("una parola scelta")
    dialog.get_by_role("button", name="Save card").click()
    expect(page.locator("#status")).to_contain_text("Word card added")
    expect(dialog).to_be_hidden()
    expect(sentence.locator("mark")).to_have_text(word)

    # Escape closes the dialog without making a card, even right after a saved one.
    other = page.locator(".pane.learn .s").nth(candidates[4])
    other.evaluate(SELECT_WORD)
    toolbar.get_by_role("button", name="Add word card").click()
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(other.locator("mark")).to_have_count(0)

    with Session(get_engine(live_app)) as session:
        card = session.scalars(select(Note).where(Note.kind == "word")).one()
        assert (card.phrase, card.meaning) == (word, "una parola scelta")
        assert (card.sentence_id, card.link_id) == (int(sentence_id), int(link))
        assert (card.learn_lang, card.help_lang) == ("it", "de")

    page.reload()
    expect(page.locator(f'.pane.learn .s[data-s="{sentence_id}"] mark')).to_have_text(word)
    page.goto("/")
    expect(page.locator(f'.entry[data-article="{slugs.four}"] .cards')).to_have_text("1 card")

    open_reader(page, slugs.four, "it", "de")
    target = candidates[5]
    move_to(page, target)
    link = page.locator(".pane.learn .s").nth(target).get_attribute("data-link")
    assert link
    page.keyboard.press("c")
    expect(page.locator("#status")).to_contain_text("Sentence card added")
    expect(page.locator(f'.s[data-link="{link}"]:not(.carded)')).to_have_count(0)
    with Session(get_engine(live_app)) as session:
        card = session.scalars(select(Note).where(Note.kind == "sentence")).one()
        assert (card.link_id, card.phrase, card.sentence_id) == (int(link), "", None)
        assert (card.learn_lang, card.help_lang) == ("it", "de")
        assert session.scalar(select(func.count()).select_from(Note)) == 2
    page.reload()
    expect(page.locator(f'.s[data-link="{link}"]:not(.carded)')).to_have_count(0)
    assert problems.errors == []


def test_narrow_screens_interleave_sentences_and_translations(
    page: Page, slugs: Slugs, problems: Problems
) -> None:
    page.set_viewport_size(NARROW)
    open_reader(page, slugs.four, "it", "de")
    expect(page.locator(".interleaved").first).to_be_visible()
    expect(page.locator(".pane.learn").first).to_be_hidden()
    expect(page.locator(".pane.help").first).to_be_hidden()

    pairs = page.locator(".interleaved .pair")
    count = pairs.count()
    assert count > 10
    expect(page.locator(".interleaved .pair > .il-learn")).to_have_count(count)
    with_help = page.locator(".interleaved .pair:has(> details.il-help)")
    without = page.locator(".interleaved .pair:has(> p.il-help.none)")
    assert with_help.count() + without.count() == count
    expect(page.locator("details.il-help > summary").first).to_have_text("Translation")
    # The translation sits under its sentence, never beside it, however short the sentence.
    beside = page.evaluate(
        """() => [...document.querySelectorAll('.interleaved .pair')].filter((pair) =>
            pair.querySelector('.il-help').getBoundingClientRect().top
            < pair.querySelector('.il-learn').getBoundingClientRect().bottom - 1).length"""
    )
    assert beside == 0

    first = with_help.first
    link = first.get_attribute("data-link")
    german = first.locator("details p")
    expect(first.locator(".il-learn")).to_be_visible()
    expect(german).to_be_hidden()
    first.locator("summary").click()
    expect(german).to_be_visible()
    expect(german).to_have_attribute("lang", "de")
    helper_text = page.locator(f'.pane.help .s[data-link="{link}"]').all_text_contents()
    expect(german).to_have_text(" ".join(t.strip() for t in helper_text))
    screenshot(page, "reader-it-de-narrow")

    open_reader(page, slugs.four, "it", "ar")
    first = page.locator(".interleaved .pair:has(> details.il-help)").first
    arabic = first.locator("details p")
    first.locator("summary").click()
    expect(arabic).to_be_visible()
    expect(arabic).to_have_attribute("dir", "rtl")
    assert arabic.evaluate("(p) => getComputedStyle(p).direction") == "rtl"
    screenshot(page, "reader-it-ar-narrow")
    assert problems.errors == []


def test_markup_in_article_text_shows_as_text(page: Page, slugs: Slugs, problems: Problems) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    open_reader(page, slugs.xss, "it", "de")
    page.wait_for_load_state("networkidle")
    learn = page.locator(".pane.learn")
    expect(learn.filter(has_text="<script>alert(1)</script>")).to_have_count(1)
    expect(learn.filter(has_text="<img src=x onerror=alert(1)>")).to_have_count(1)
    expect(page.locator(".pane.help").filter(has_text="<script>alert(1)</script>")).to_have_count(1)
    expect(page.locator(".pane img, .interleaved img")).to_have_count(0)
    expect(page.locator("#rows script")).to_have_count(0)
    page.locator(".pane.learn .s", has_text="<img").hover()
    page.goto("/")
    expect(page.locator(".library img, .library script")).to_have_count(0)
    assert dialogs == []
    assert problems.errors == []


def test_pages_send_a_csp_and_log_no_errors(page: Page, slugs: Slugs, problems: Problems) -> None:
    for path in ("/", f"/read/{slugs.four}?learn=it&help=de", f"/read/{slugs.german}"):
        response = page.goto(path)
        assert response is not None and response.ok, path
        policy = response.headers.get("content-security-policy", "")
        assert "default-src 'self'" in policy and "object-src 'none'" in policy, path
        assert "unsafe-inline" not in policy, path
    expect(page.locator(".reader.single .pane.learn").first).to_be_visible()
    open_reader(page, slugs.four, "it", "de")
    page.locator(".pane.learn .s").nth(3).hover()
    page.keyboard.press("j")
    page.get_by_role("button", name="Hide translations").click()
    page.wait_for_load_state("networkidle")
    assert problems.errors == []

    # CSRF is on: a POST without the page's token is refused (the page's own posts send it).
    status = page.evaluate(
        """async () => (await fetch('/api/cards', {
            method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{}'})).status"""
    )
    assert status == 400


def test_a_word_card_can_be_made_on_a_phone(
    page: Page, live_app: Flask, slugs: Slugs, problems: Problems
) -> None:
    page.set_viewport_size(NARROW)
    open_reader(page, slugs.four, "it", "de")
    sentence = page.locator('.interleaved .s[data-side="l"]').nth(12)
    sentence.scroll_into_view_if_needed()
    word = sentence.evaluate(SELECT_WORD)
    page.get_by_role("toolbar", name="Make a card").get_by_role(
        "button", name="Add word card"
    ).click()
    page.locator("#word-card-dialog").get_by_role("button", name="Save card").click()
    expect(page.locator("#status")).to_contain_text("Word card added")
    with Session(get_engine(live_app)) as session:
        card = session.scalars(select(Note).where(Note.phrase == word)).one()
        assert card.sentence_id == int(sentence.get_attribute("data-s") or 0)
