"""The library and reader pages, end to end on the shipped corpus: titles, languages, panes,
rows, pagination, the language choice, escaping of hostile text and the security headers.

The helpers at the top (a prepared database per test, CSRF tokens, HTML parsing) are shared
with `test_api.py` and `test_cards.py`.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import TypeVar
from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from webapp import CONTENT_SECURITY_POLICY, reading, store
from webapp.db import get_engine, get_session
from webapp.models import Setting
from webapp.preferences import LEARNING, READING
from webapp.seed import SHIPPED_ARTICLES

# The shipped corpus holds one article in four languages and one German-only article.
LINKEDIN = "mengapa-anda-tidak-perlu-menambahkan-orang-asing-di"
GERMAN_ONLY = "ich-werde-es-einfach-da-rausbringen-ich-habe"
INDONESIAN_TITLE = "Mengapa Anda tidak perlu menambahkan orang asing di linkedin"
GERMAN_TITLE = "Warum Sie keine Fremden auf LinkedIn hinzufügen sollten"
GERMAN_SUBTITLE = (
    "Folgendes ist passiert, als ich über 300 zufällige LinkedIn-Anfragen angenommen habe"
)
SENTENCES = {"id": 41, "it": 40, "ar": 41, "de": 42}
GERMAN_ONLY_SENTENCES = 65
IT_DE_ROWS = 23  # aligned paragraph groups of the Italian and German versions

# A small German and Italian article full of markup, quotes and ampersands.
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
HOSTILE = {
    "de": (
        f'Warnung: {SCRIPT} und "Zitate" & Kaufleute\n\n'
        "Die Stadt hat am Montag beschlossen, die Bibliothek bis spät in den Abend zu öffnen.\n"
        f"Jemand schrieb {SCRIPT} und {IMG} in das Formular der Bibliothek.\n"
        'Der Text enthält "Anführungszeichen" & kaufmännische Und-Zeichen, die niemand '
        "erwartet hatte.\n"
        "Am Wochenende bleibt die Bibliothek geschlossen, sagte die Leiterin <b>ausdrücklich</b>.\n"
    ),
    "it": (
        f'Avviso: {SCRIPT} e "virgolette" & commerciali\n\n'
        "Lunedì il comune ha deciso di aprire la biblioteca fino a tarda sera.\n"
        f"Qualcuno ha scritto {SCRIPT} e {IMG} nel modulo della biblioteca.\n"
        'Il testo contiene "virgolette" & e commerciali che nessuno si aspettava.\n'
        "Nel fine settimana la biblioteca resta chiusa, ha detto la direttrice "
        "<b>espressamente</b>.\n"
    ),
}
HOSTILE_SLUG = "warnung-script-alert-1-script-und-zitate-kaufleute"
HOSTILE_TITLE_DE = f'Warnung: {SCRIPT} und "Zitate" & Kaufleute'
HOSTILE_TITLE_IT = f'Avviso: {SCRIPT} e "virgolette" & commerciali'
HOSTILE_SENTENCE_IT = f"Qualcuno ha scritto {SCRIPT} e {IMG} nel modulo della biblioteca."
HOSTILE_BOLD_IT = (
    "Nel fine settimana la biblioteca resta chiusa, ha detto la direttrice <b>espressamente</b>."
)

T = TypeVar("T")
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


# Shared helpers -------------------------------------------------------------------------------


def use_database(app: Flask, cache: Path, build: Callable[[Flask], None]) -> None:
    """Give `app` the database `build` makes, built once per test session and copied per test.

    Ingesting runs the embedding model (seconds); copying a file takes milliseconds.
    """
    engine = get_engine(app)
    database = Path(engine.url.database or "")
    engine.dispose()
    if not cache.exists():
        build(app)
        engine.dispose()  # the last connection closing checkpoints the WAL into the file
        partial = cache.with_suffix(".partial")
        shutil.copyfile(database, partial)
        partial.replace(cache)
        return
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(cache, database)


def ingest_shipped_corpus(app: Flask) -> None:
    """Ingest the articles that ship with Tandem into `app`'s database."""
    with app.app_context():
        session = get_session()
        report = store.ingest_files(
            session,
            sorted(SHIPPED_ARTICLES.glob("*.txt")),
            max_bytes=app.config["MAX_INGEST_BYTES"],
        )
        session.commit()
    assert report.failed == []
    assert sorted(report.articles) == sorted([LINKEDIN, GERMAN_ONLY])


def load_shipped_corpus(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> None:
    """`app`'s database holds the shipped corpus (ingested once per session)."""
    cache = tmp_path_factory.getbasetemp() / "shipped-corpus.sqlite3"
    use_database(app, cache, ingest_shipped_corpus)


def ingest_hostile_article(app: Flask, folder: Path) -> str:
    """Write the German and Italian hostile files to `folder`, ingest them as one article and
    return its slug."""
    files = []
    for lang, text in HOSTILE.items():
        path = folder / f"hostile-{lang}.txt"
        path.write_text(text, encoding="utf-8")
        files.append(path.resolve())
    with app.app_context():
        session = get_session()
        report = store.ingest_files(
            session, files, max_bytes=app.config["MAX_INGEST_BYTES"], manifest=[files]
        )
        session.commit()
    assert report.failed == []
    assert report.articles == [HOSTILE_SLUG]
    return HOSTILE_SLUG


def load_hostile_article(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> None:
    """`app`'s database holds only the hostile article (ingested once per session)."""
    cache = tmp_path_factory.getbasetemp() / "hostile-article.sqlite3"
    use_database(
        app, cache, lambda app: ingest_hostile_article(app, tmp_path_factory.mktemp("hostile"))
    )


def csrf_token(client: FlaskClient, path: str = "/") -> str:
    """The CSRF token a page hands its scripts and forms (bound to the client's session)."""
    response = client.get(path)
    assert response.status_code == 200
    found = CSRF_META.search(response.get_data(as_text=True))
    assert found, "the page has no csrf-token meta element"
    return found.group(1)


def choose_languages(client: FlaskClient, learning: str, reading: str, **form: str) -> TestResponse:
    """Submit the header's language form, with a valid CSRF token."""
    return client.post(
        "/languages",
        data={"learning": learning, "reading": reading, "csrf_token": csrf_token(client), **form},
    )


def post_json(
    client: FlaskClient, url: str, body: object, token: str | None = None
) -> TestResponse:
    """POST `body` as JSON the way reader.js does, with `token` in the X-CSRFToken header."""
    headers = {"Accept": "application/json"}
    if token is not None:
        headers["X-CSRFToken"] = token
    return client.post(url, json=body, headers=headers)


def html(response: TestResponse) -> lxml.html.HtmlElement:
    """The parsed page of a successful or error HTML response."""
    assert response.mimetype == "text/html"
    return lxml.html.document_fromstring(response.get_data(as_text=True))


def fragment(response: TestResponse) -> lxml.html.HtmlElement:
    """A parsed HTML fragment, wrapped in one parent element."""
    assert response.mimetype == "text/html"
    return lxml.html.fragment_fromstring(response.get_data(as_text=True), create_parent="div")


def one(tree: lxml.html.HtmlElement, xpath: str, **variables: str) -> lxml.html.HtmlElement:
    """The single element `xpath` selects."""
    found = tree.xpath(xpath, **variables)
    assert len(found) == 1, f"{xpath}: {len(found)} matches"
    return found[0]


def text(element: lxml.html.HtmlElement) -> str:
    """The element's text with runs of whitespace collapsed."""
    return " ".join(element.text_content().split())


def has_class(name: str) -> str:
    """An XPath predicate testing one class of a class attribute."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def library_entry(tree: lxml.html.HtmlElement, slug: str) -> lxml.html.HtmlElement:
    """The library's list item of the article `slug`."""
    return one(tree, "//li[@data-article=$slug]", slug=slug)


def rows_of(tree: lxml.html.HtmlElement) -> list[int]:
    """The indexes of the reader rows in the page, in order."""
    return [int(row.get("data-row")) for row in tree.xpath("//section[@data-row]")]


def assert_no_inline_code(tree: lxml.html.HtmlElement) -> None:
    """The page runs under a CSP without 'unsafe-inline': every script is a file, no inline
    styles or event handlers."""
    for script in tree.xpath("//script"):
        assert script.get("src"), "an inline <script>"
        assert not (script.text or "").strip()
    assert tree.xpath("//*[@style]") == []
    assert tree.xpath("//@*[starts-with(name(), 'on')]") == []


def stored_setting(app: Flask, key: str) -> str | None:
    """A row of the settings table, read directly."""
    with app.app_context():
        return get_session().scalar(select(Setting.value).where(Setting.key == key))


def in_session(app: Flask, work: Callable[[Session], T]) -> T:
    """Run `work` on a session of `app`'s database."""
    with app.app_context():
        return work(get_session())


@pytest.fixture
def corpus(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """`app` with the shipped corpus in its database."""
    load_shipped_corpus(app, tmp_path_factory)
    return app


@pytest.fixture
def hostile(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> str:
    """`app` with only the hostile German/Italian article; returns its slug."""
    load_hostile_article(app, tmp_path_factory)
    return HOSTILE_SLUG


# Library -------------------------------------------------------------------------------------


def test_library_lists_both_seed_articles(corpus: Flask, client: FlaskClient) -> None:
    tree = html(client.get("/"))
    entries = tree.xpath("//ul[@class='library']/li")
    assert [e.get("data-article") for e in entries] == [LINKEDIN, GERMAN_ONLY]

    linkedin = library_entry(tree, LINKEDIN)
    # No language chosen yet: the first version (Indonesian) names the article.
    heading = one(linkedin, ".//h2")
    assert (heading.get("lang"), text(heading)) == ("id", INDONESIAN_TITLE)
    assert one(heading, ".//a").get("href") == f"/read/{LINKEDIN}"
    assert [text(s) for s in linkedin.xpath(".//span[@class='lang']")] == ["id", "it", "ar", "de"]
    assert f"{SENTENCES['id']} sentences" in text(linkedin)
    assert "0% read" in text(linkedin)
    assert text(one(linkedin, ".//span[@class='cards']")) == "0 cards"
    assert linkedin.xpath(f".//*[{has_class('badge')}]") == []
    pair_links = [a.get("href") for a in linkedin.xpath(".//p[@class='pairs']/a")]
    # Until a language is chosen the first version (Indonesian) is the learning language, and
    # the library offers it with each of the others.
    assert pair_links == [f"/read/{LINKEDIN}?learn=id&help={lang}" for lang in ("it", "ar", "de")]

    german = library_entry(tree, GERMAN_ONLY)
    assert [text(s) for s in german.xpath(".//span[@class='lang']")] == ["de"]
    assert f"{GERMAN_ONLY_SENTENCES} sentences" in text(german)
    assert "0% read" in text(german)
    assert text(one(german, ".//span[@class='cards']")) == "0 cards"
    assert text(one(german, f".//*[{has_class('badge')}]")).startswith("single language")
    assert german.xpath(".//p[@class='pairs']") == []


def test_library_titles_follow_the_learning_language(corpus: Flask, client: FlaskClient) -> None:
    assert choose_languages(client, "de", "it").status_code == 302
    tree = html(client.get("/"))
    heading = one(library_entry(tree, LINKEDIN), ".//h2")
    assert (heading.get("lang"), heading.get("dir"), text(heading)) == ("de", "ltr", GERMAN_TITLE)
    assert f"{SENTENCES['de']} sentences" in text(library_entry(tree, LINKEDIN))

    assert choose_languages(client, "ar", "de").status_code == 302
    heading = one(library_entry(html(client.get("/")), LINKEDIN), ".//h2")
    assert (heading.get("lang"), heading.get("dir")) == ("ar", "rtl")
    assert text(heading) == "لماذا يجب أن لا تضيف الغرباء على ينكدين"


def test_choosing_languages_is_stored_and_selected_on_every_page(
    corpus: Flask, client: FlaskClient
) -> None:
    response = choose_languages(client, "de", "it", next=f"/read/{LINKEDIN}?learn=it&help=de")
    assert response.status_code == 302
    assert response.location == f"/read/{LINKEDIN}?learn=it&help=de"
    assert stored_setting(corpus, LEARNING) == "de"
    assert stored_setting(corpus, READING) == "it"
    for path in ("/", f"/read/{LINKEDIN}?learn=it&help=ar", f"/read/{GERMAN_ONLY}"):
        tree = html(client.get(path))
        header = one(tree, "//form[@class='languages']")
        assert one(header, ".//input[@name='next']").get("value").startswith(path.split("?")[0])
        for name, code in (("learning", "de"), ("reading", "it")):
            selected = header.xpath(f".//select[@name='{name}']/option[@selected]/@value")
            assert selected == [code], (path, name)


def test_the_language_menu_offers_the_stored_languages(corpus: Flask, client: FlaskClient) -> None:
    header = one(html(client.get("/")), "//form[@class='languages']")
    options = header.xpath(".//select[@name='learning']/option")
    assert [(o.get("value"), text(o)) for o in options] == [
        ("", "choose…"),
        ("ar", "Arabic"),
        ("de", "German"),
        ("id", "Indonesian"),
        ("it", "Italian"),
    ]


@pytest.mark.parametrize(
    ("learning", "reading", "message"),
    [
        pytest.param("xx", "de", "'xx' is not a language code", id="unknown learning"),
        pytest.param("de", "zz", "'zz' is not a language code", id="unknown reading"),
        pytest.param("", "de", "'' is not a language code", id="missing"),
        pytest.param("de", "de", "choose two different languages", id="same twice"),
    ],
)
def test_choosing_bad_languages_is_refused(
    corpus: Flask, client: FlaskClient, learning: str, reading: str, message: str
) -> None:
    response = choose_languages(client, learning, reading)
    assert response.status_code == 400
    assert message in text(html(response))
    assert stored_setting(corpus, LEARNING) is None


def test_choosing_languages_without_a_csrf_token_changes_nothing(
    corpus: Flask, client: FlaskClient
) -> None:
    response = client.post("/languages", data={"learning": "de", "reading": "it"})
    assert response.status_code == 400
    assert "CSRF" in text(html(response))
    assert stored_setting(corpus, LEARNING) is None
    forged = client.post(
        "/languages", data={"learning": "de", "reading": "it", "csrf_token": "forged"}
    )
    assert forged.status_code == 400
    assert stored_setting(corpus, LEARNING) is None


def test_choosing_languages_returns_to_the_page_it_came_from(
    corpus: Flask, client: FlaskClient
) -> None:
    response = choose_languages(client, "de", "it", next=f"/read/{LINKEDIN}?learn=it&help=de")
    assert response.status_code == 302
    assert response.location == f"/read/{LINKEDIN}?learn=it&help=de"
    assert choose_languages(client, "de", "it").location == "/"


@pytest.mark.parametrize(
    "target",
    [
        pytest.param("https://evil.example/", id="absolute URL"),
        pytest.param("//evil.example/", id="scheme-relative"),
        pytest.param("/\\evil.example/", id="backslash"),
        pytest.param("/\t/evil.example/", id="tab"),
        pytest.param("/\n/evil.example/", id="newline"),
        pytest.param("read/x", id="relative path"),
    ],
)
def test_choosing_languages_never_redirects_off_site(
    corpus: Flask, client: FlaskClient, target: str
) -> None:
    response = choose_languages(client, "de", "it", next=target)
    assert response.status_code == 302
    # Where a browser goes: the Location header as sent, resolved against the page.
    location = response.headers["Location"]
    assert urlsplit(urljoin("http://localhost/languages", location)).netloc == "localhost", location
    assert stored_setting(corpus, LEARNING) == "de"


# Reader --------------------------------------------------------------------------------------


def test_reader_shows_two_panes_row_by_row(corpus: Flask, client: FlaskClient) -> None:
    response = client.get(f"/read/{LINKEDIN}?learn=it&help=de")
    assert response.status_code == 200
    tree = html(response)
    article = one(tree, "//article")
    assert (article.get("data-article"), article.get("data-learn"), article.get("data-help")) == (
        LINKEDIN,
        "it",
        "de",
    )
    assert article.get("data-position") == ""
    # The Italian version has no title line; the German one names the page.
    assert text(one(tree, "//h1")) == GERMAN_TITLE
    assert one(tree, "//h1").get("lang") == "de"

    assert rows_of(tree) == list(range(IT_DE_ROWS))
    for row in tree.xpath("//section[@data-row]"):
        learn = one(row, "./div[@class='pane learn']")
        help_ = one(row, "./div[@class='pane help']")
        assert (learn.get("lang"), learn.get("dir")) == ("it", "ltr")
        assert (help_.get("lang"), help_.get("dir")) == ("de", "ltr")

    learning = tree.xpath("//div[@class='pane learn']//span[@data-side='l']")
    assert len(learning) == SENTENCES["it"]
    for sentence in learning:
        assert sentence.get("data-link", "").isdigit()
        assert sentence.get("data-s", "").isdigit()
    helping = tree.xpath("//div[@class='pane help']//span[@data-side='h']")
    assert len(helping) == SENTENCES["de"]
    assert all(s.get("data-link", "").isdigit() for s in helping)

    assert tree.xpath("//*[@class='more']") == []  # everything fits on one page
    assert one(tree, "//*[@id='toolbar']").get("role") == "toolbar"


def test_the_german_title_and_subtitle_have_no_italian_counterpart(
    corpus: Flask, client: FlaskClient
) -> None:
    tree = html(client.get(f"/read/{LINKEDIN}?learn=it&help=de"))
    for index, role, expected in ((0, "title", GERMAN_TITLE), (1, "subtitle", GERMAN_SUBTITLE)):
        row = one(tree, "//section[@data-row=$index]", index=str(index))
        assert row.xpath("./div[@class='pane learn']/*") == []
        paragraph = one(row, f"./div[@class='pane help']/*[{has_class(role)}]")
        sentence = one(paragraph, f"./span[{has_class('s')}]")
        assert text(sentence) == expected
        assert "alone" in sentence.get("class").split()
        mark = sentence.getnext()
        assert (mark.get("class"), text(mark)) == ("none", "∅")
        assert mark.get("aria-label") == "no counterpart"
        pair = one(row, "./ol[@class='interleaved']/li")
        assert text(one(pair, "./p[@class='il-learn']")) == "∅ no counterpart"
    body = one(tree, "//section[@data-row='2']")
    assert body.xpath(f".//span[{has_class('alone')}]") == []
    assert body.xpath(".//span[@class='none']") == []


def test_learning_arabic_makes_the_learning_pane_right_to_left(
    corpus: Flask, client: FlaskClient
) -> None:
    tree = html(client.get(f"/read/{LINKEDIN}?learn=ar&help=de"))
    learn = tree.xpath("//div[@class='pane learn']")
    assert learn
    assert {(p.get("lang"), p.get("dir")) for p in learn} == {("ar", "rtl")}
    help_ = tree.xpath("//div[@class='pane help']")
    assert {(p.get("lang"), p.get("dir")) for p in help_} == {("de", "ltr")}
    assert one(tree, "//h1").get("dir") == "rtl"
    assert one(tree, "//html").get("dir") is None  # direction is per pane, not per page
    assert {p.get("dir") for p in tree.xpath("//p[@class='il-learn']")} == {"rtl"}


def test_reader_works_in_either_direction(corpus: Flask, client: FlaskClient) -> None:
    tree = html(client.get(f"/read/{LINKEDIN}?learn=de&help=it"))
    article = one(tree, "//article")
    assert (article.get("data-learn"), article.get("data-help")) == ("de", "it")
    assert rows_of(tree) == list(range(IT_DE_ROWS))
    first = one(tree, "//section[@data-row='0']")
    title = one(first, f"./div[@class='pane learn']/h2/span[{has_class('s')}]")
    assert text(title) == GERMAN_TITLE
    assert "alone" in title.get("class").split()
    assert first.xpath("./div[@class='pane help']/*") == []
    assert len(tree.xpath("//div[@class='pane learn']//span[@data-side='l']")) == SENTENCES["de"]
    assert len(tree.xpath("//span[@data-side='h']")) == SENTENCES["it"]
    italian = text(one(tree, "//section[@data-row='2']/div[@class='pane help']"))
    assert italian.startswith("Per il tempo più lungo")


def test_reader_defaults_follow_the_language_choice(corpus: Flask, client: FlaskClient) -> None:
    article = one(html(client.get(f"/read/{LINKEDIN}")), "//article")
    # Nothing chosen: the first two versions.
    assert (article.get("data-learn"), article.get("data-help")) == ("id", "it")

    choose_languages(client, "de", "ar")
    article = one(html(client.get(f"/read/{LINKEDIN}")), "//article")
    assert (article.get("data-learn"), article.get("data-help")) == ("de", "ar")
    article = one(html(client.get(f"/read/{LINKEDIN}?help=it")), "//article")
    assert (article.get("data-learn"), article.get("data-help")) == ("de", "it")
    article = one(html(client.get(f"/read/{LINKEDIN}?learn=it")), "//article")
    assert (article.get("data-learn"), article.get("data-help")) == ("it", "ar")
    article = one(html(client.get(f"/read/{LINKEDIN}?learn=it&help=de")), "//article")
    assert (article.get("data-learn"), article.get("data-help")) == ("it", "de")


def test_reading_the_known_language_pairs_it_with_the_learned_one(
    corpus: Flask, client: FlaskClient
) -> None:
    """Learning Italian and reading German, the learner opens the German version to learn
    from: the helper should be Italian, one of their two languages, not Indonesian."""
    choose_languages(client, "it", "de")
    article = one(html(client.get(f"/read/{LINKEDIN}?learn=de")), "//article")
    assert (article.get("data-learn"), article.get("data-help")) == ("de", "it")
    article = one(html(client.get(f"/read/{LINKEDIN}?help=it")), "//article")
    assert (article.get("data-learn"), article.get("data-help")) == ("de", "it")


def test_unknown_article_is_a_404_page(corpus: Flask, client: FlaskClient) -> None:
    response = client.get("/read/no-such-article")
    assert response.status_code == 404
    tree = html(response)
    assert text(one(tree, "//h1")) == "404 Not Found"
    assert "no article 'no-such-article'" in text(tree)
    assert client.get("/read/no-such-article/rows").status_code == 404


@pytest.mark.parametrize(
    ("slug", "query", "have"),
    [
        pytest.param(LINKEDIN, "learn=fr&help=de", "id, it, ar, de", id="learning"),
        pytest.param(LINKEDIN, "learn=it&help=fr", "id, it, ar, de", id="helper"),
        pytest.param(GERMAN_ONLY, "learn=it", "de", id="single language"),
    ],
)
def test_a_language_the_article_lacks_is_a_404_listing_its_languages(
    corpus: Flask, client: FlaskClient, slug: str, query: str, have: str
) -> None:
    response = client.get(f"/read/{slug}?{query}")
    assert response.status_code == 404
    assert f"(it has: {have})" in text(html(response))


def test_the_same_language_twice_is_a_400(corpus: Flask, client: FlaskClient) -> None:
    response = client.get(f"/read/{LINKEDIN}?learn=it&help=it")
    assert response.status_code == 400
    assert "two different languages" in text(html(response))


def test_single_language_article_opens_in_one_pane(corpus: Flask, client: FlaskClient) -> None:
    choose_languages(client, "it", "de")  # neither is missing from the choice: de is learned
    response = client.get(f"/read/{GERMAN_ONLY}")
    assert response.status_code == 200
    tree = html(response)
    article = one(tree, "//article")
    assert article.get("class") == "reader single"
    assert (article.get("data-learn"), article.get("data-help")) == ("de", "")
    assert "No translation of this article exists yet" in text(one(tree, "//p[@class='notice']"))
    assert tree.xpath("//div[@class='pane help']") == []
    assert tree.xpath("//ol[@class='interleaved']") == []
    assert {(p.get("lang"), p.get("dir")) for p in tree.xpath("//div[@class='pane learn']")} == {
        ("de", "ltr")
    }
    sentences = tree.xpath("//div[@class='pane learn']//span[@data-side='l']")
    assert len(sentences) == GERMAN_ONLY_SENTENCES
    assert all(s.get("data-link") is None and s.get("data-s").isdigit() for s in sentences)
    assert text(sentences[0]).startswith("Ich werde es einfach da rausbringen")


def test_two_pane_reader_has_no_single_language_notice(corpus: Flask, client: FlaskClient) -> None:
    tree = html(client.get(f"/read/{LINKEDIN}?learn=it&help=de"))
    assert tree.xpath("//p[@class='notice']") == []
    assert one(tree, "//article").get("class") == "reader"


def test_rows_fragment_starts_at_the_asked_row(corpus: Flask, client: FlaskClient) -> None:
    response = client.get(f"/read/{LINKEDIN}/rows?learn=it&help=de&start=20")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert "<header" not in body
    tree = fragment(response)
    assert rows_of(tree) == [20, 21, 22]
    assert tree.xpath("//*[@class='more']") == []
    assert one(tree, "//section[@data-row='20']/div[@class='pane learn']").get("lang") == "it"

    beyond = client.get(f"/read/{LINKEDIN}/rows?learn=it&help=de&start=99")
    assert beyond.status_code == 200
    assert rows_of(fragment(beyond)) == []


def test_single_language_rows_fragment(corpus: Flask, client: FlaskClient) -> None:
    tree = fragment(client.get(f"/read/{GERMAN_ONLY}/rows?start=3"))
    rows = rows_of(tree)
    assert rows[0] == 3
    assert rows == list(range(3, 3 + len(rows)))
    assert tree.xpath("//div[@class='pane help']") == []


def test_reader_pages_long_articles(
    corpus: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reading, "PAGE_ROWS", 5)
    tree = html(client.get(f"/read/{LINKEDIN}?learn=it&help=de"))
    assert rows_of(tree) == [0, 1, 2, 3, 4]
    assert tree.xpath("//a[@class='earlier']") == []
    later = one(tree, "//a[@class='later']")
    assert text(later) == "Continue reading"
    assert later.get("href") == f"/read/{LINKEDIN}?learn=it&help=de&start=5"

    following = client.get(later.get("data-next"))
    assert following.status_code == 200
    rest = fragment(following)
    assert rows_of(rest) == [5, 6, 7, 8, 9]
    assert one(rest, "//a[@class='later']").get("data-next").endswith("start=10")

    second = html(client.get(f"/read/{LINKEDIN}?learn=it&help=de&start=5"))
    assert rows_of(second) == [5, 6, 7, 8, 9]
    earlier = one(second, "//a[@class='earlier']")
    assert text(earlier) == "Show earlier paragraphs"
    assert earlier.get("href") == f"/read/{LINKEDIN}?learn=it&help=de&start=0"

    last = html(client.get(f"/read/{LINKEDIN}?learn=it&help=de&start=20"))
    assert rows_of(last) == [20, 21, 22]
    assert last.xpath("//a[@class='later']") == []
    assert one(last, "//a[@class='earlier']").get("href").endswith("start=15")


# Escaping and security headers ---------------------------------------------------------------


def assert_escaped(body: str) -> None:
    """No markup from the article survives as markup; its escaped form is there instead."""
    assert "<script>" not in body
    assert "<img" not in body
    assert "<b>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body


def test_hostile_text_is_escaped_in_the_library(hostile: str, client: FlaskClient) -> None:
    body = client.get("/").get_data(as_text=True)
    assert "<script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; und &#34;Zitate&#34; &amp; Kaufleute" in body
    tree = lxml.html.document_fromstring(body)
    assert text(one(library_entry(tree, hostile), ".//h2")) == HOSTILE_TITLE_DE
    assert tree.xpath("//script[not(@src)]") == []

    choose_languages(client, "it", "de")
    body = client.get("/").get_data(as_text=True)
    assert "<script>" not in body
    assert "Avviso: &lt;script&gt;alert(1)&lt;/script&gt; e &#34;virgolette&#34; &amp;" in body
    tree = lxml.html.document_fromstring(body)
    assert text(one(library_entry(tree, hostile), ".//h2")) == HOSTILE_TITLE_IT


def test_hostile_text_is_escaped_in_the_reader(hostile: str, client: FlaskClient) -> None:
    response = client.get(f"/read/{hostile}?learn=it&help=de")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert_escaped(body)
    assert "&#34;virgolette&#34; &amp; e commerciali" in body
    tree = lxml.html.document_fromstring(body)
    assert text(one(tree, "//h1")) == HOSTILE_TITLE_IT
    assert text(one(tree, "//title")).startswith(HOSTILE_TITLE_IT)
    learning = [text(s) for s in tree.xpath("//div[@class='pane learn']//span[@data-side='l']")]
    assert HOSTILE_TITLE_IT in learning
    assert HOSTILE_SENTENCE_IT in learning
    assert HOSTILE_BOLD_IT in learning
    assert tree.xpath("//script[not(@src)]") == []
    assert tree.xpath("//img") == []
    assert tree.xpath("//b") == []

    rows = client.get(f"/read/{hostile}/rows?learn=it&help=de").get_data(as_text=True)
    assert_escaped(rows)


def test_every_response_carries_the_content_security_policy(
    corpus: Flask, client: FlaskClient
) -> None:
    token = csrf_token(client)
    responses = {
        "library": client.get("/"),
        "reader": client.get(f"/read/{LINKEDIN}?learn=it&help=de"),
        "single": client.get(f"/read/{GERMAN_ONLY}"),
        "rows": client.get(f"/read/{LINKEDIN}/rows?learn=it&help=de&start=3"),
        "404 page": client.get("/read/nothing"),
        "400 page": client.get(f"/read/{LINKEDIN}?learn=de&help=de"),
        "405": client.get("/languages"),
        "redirect": client.post(
            "/languages", data={"learning": "de", "reading": "it", "csrf_token": token}
        ),
        "CSRF failure": client.post("/languages", data={"learning": "de", "reading": "it"}),
        "script": client.get("/static/reader.js"),
        "stylesheet": client.get("/static/tandem.css"),
        "api": client.get("/api/articles"),
        "api rows": client.get(f"/api/articles/{LINKEDIN}/rows?learn=it&help=de"),
        "api 404": client.get("/api/articles/nothing/rows"),
        "api POST": post_json(client, "/api/cards", {}, token),
    }
    for name, response in responses.items():
        assert response.headers.get("Content-Security-Policy") == CONTENT_SECURITY_POLICY, name
        assert response.headers.get("X-Content-Type-Options") == "nosniff", name
        response.close()
    assert "script-src" not in CONTENT_SECURITY_POLICY  # default-src 'self' governs scripts
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert "default-src 'self'" in CONTENT_SECURITY_POLICY


def test_pages_have_no_inline_scripts_or_styles(corpus: Flask, client: FlaskClient) -> None:
    choose_languages(client, "it", "de")
    for path in (
        "/",
        f"/read/{LINKEDIN}?learn=it&help=de",
        f"/read/{LINKEDIN}?learn=ar&help=id",
        f"/read/{GERMAN_ONLY}",
        "/read/nothing",
    ):
        assert_no_inline_code(html(client.get(path)))
    assert_no_inline_code(fragment(client.get(f"/read/{LINKEDIN}/rows?learn=it&help=de")))


# Units: marking phrases, writing direction ---------------------------------------------------


def marked(pieces: tuple[tuple[str, bool], ...]) -> list[str]:
    return [piece for piece, is_marked in pieces if is_marked]


def test_mark_phrases_without_phrases_is_one_plain_piece() -> None:
    assert reading.mark_phrases("Das Haus.", []) == (("Das Haus.", False),)
    assert reading.mark_phrases("Das Haus.", [""]) == (("Das Haus.", False),)
    assert reading.mark_phrases("", ["Haus"]) == ()
    assert reading.mark_phrases("Das Haus.", ["Hund"]) == (("Das Haus.", False),)


def test_mark_phrases_is_case_insensitive_and_keeps_the_text_as_written() -> None:
    assert reading.mark_phrases("Das HAUS und das haus.", ["Haus"]) == (
        ("Das ", False),
        ("HAUS", True),
        (" und das ", False),
        ("haus", True),
        (".", False),
    )
    assert marked(reading.mark_phrases("Über Öl", ["über", "öL"])) == ["Über", "Öl"]


def test_mark_phrases_marks_several_phrases() -> None:
    pieces = reading.mark_phrases("Der Hund jagt die Katze.", ["katze", "Hund"])
    assert pieces == (
        ("Der ", False),
        ("Hund", True),
        (" jagt die ", False),
        ("Katze", True),
        (".", False),
    )


def test_mark_phrases_prefers_the_longest_of_overlapping_phrases() -> None:
    text_ = "Ein Haustier im Haus."
    assert marked(reading.mark_phrases(text_, ["Haus", "Haustier"])) == ["Haustier", "Haus"]
    assert marked(reading.mark_phrases(text_, ["Haustier", "Haus"])) == ["Haustier", "Haus"]
    # Where two phrases overlap, the one that starts first wins and the other is not split.
    assert marked(reading.mark_phrases("New York City", ["York City", "New York"])) == ["New York"]


def test_mark_phrases_treats_regex_metacharacters_literally() -> None:
    assert marked(reading.mark_phrases("Ist (1+1)? gleich 2.", ["(1+1)?"])) == ["(1+1)?"]
    assert marked(reading.mark_phrases("abc", ["."])) == []
    assert marked(reading.mark_phrases("a.c abc", ["a.c"])) == ["a.c"]
    assert marked(
        reading.mark_phrases(r"C:\temp [x] *y* $z^", [r"\temp", "[x]", "*y*", "$z^"])
    ) == [
        r"\temp",
        "[x]",
        "*y*",
        "$z^",
    ]


def test_mark_phrases_leaves_markup_as_text() -> None:
    assert reading.mark_phrases("sagte <b>laut</b>", ["<b>laut"]) == (
        ("sagte ", False),
        ("<b>laut", True),
        ("</b>", False),
    )


@settings(max_examples=200, deadline=None)
@given(st.text(), st.lists(st.text(max_size=5), max_size=4))
def test_mark_phrases_pieces_always_rebuild_the_text(text_: str, phrases: list[str]) -> None:
    pieces = reading.mark_phrases(text_, phrases)
    assert "".join(piece for piece, _ in pieces) == text_
    assert all(piece for piece, is_marked in pieces if is_marked)
    # Plain text between two marks is one piece: two plain pieces never follow each other.
    assert all(a[1] or b[1] for a, b in pairwise(pieces))


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("ar", "rtl"),
        ("he", "rtl"),
        ("fa", "rtl"),
        ("ur", "rtl"),
        ("ar-EG", "rtl"),
        ("de", "ltr"),
        ("it", "ltr"),
        ("id", "ltr"),
        ("en-US", "ltr"),
        ("zh", "ltr"),
    ],
)
def test_direction(lang: str, expected: str) -> None:
    assert reading.direction(lang) == expected


def test_a_short_phrase_is_a_whole_word_unless_chosen_inside_one() -> None:
    assert reading.mark_phrases("LinkedIn di Mumbai", ["di"]) == (
        ("LinkedIn ", False),
        ("di", True),
        (" Mumbai", False),
    )
    assert reading.mark_phrases("Networking ist gut", ["Network"]) == (
        ("Network", True),
        ("ing ist gut", False),
    )
    assert reading.mark_phrases("私は学生です", ["学生"])[1] == ("学生", True)
