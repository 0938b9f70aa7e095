"""Adding articles in a real browser (Debian's Chromium via Playwright, the app served by
waitress): paste two languages, upload two files, correct the cleaner and a language in the
preview, watch the background import finish, and read the result."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from tests.browser import browser_app, serve
from tests.conftest import OTHER_ARTICLE, SEED_FILES
from tests.test_browser import WIDE, screenshot
from webapp.db import get_engine

# Long enough for the model to load and the article to align on a busy machine.
IMPORT_TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app on an empty library (no shipped corpus), served for this module."""
    app = browser_app(tmp_path_factory.mktemp("import-browser"), seed=False)
    yield app
    get_engine(app).dispose()


@pytest.fixture(scope="module")
def server(live_app: Flask) -> Iterator[str]:
    with serve(live_app) as url:
        yield url


@pytest.fixture
def page(chromium: Browser, server: str) -> Iterator[Page]:
    """A fresh page that fails the test on any script or console error (CSP included)."""
    context = chromium.new_context(viewport=WIDE, base_url=server)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield page
    context.close()
    assert errors == []


def wait_for_preview(page: Page) -> None:
    expect(page.locator("form#confirm")).to_be_visible(timeout=IMPORT_TIMEOUT_MS)


def confirm_and_wait(page: Page) -> None:
    page.locator("form#confirm button[type=submit]").click()
    expect(page.get_by_role("link", name="Read it now")).to_be_visible(timeout=IMPORT_TIMEOUT_MS)


def test_paste_two_languages_and_read_them_side_by_side(page: Page) -> None:
    page.goto("/")
    page.get_by_role("link", name="Add article").click()
    page.get_by_label("Text 1", exact=True).fill(SEED_FILES["it"].read_text(encoding="utf-8"))
    page.get_by_label("Text 2", exact=True).fill(SEED_FILES["ar"].read_text(encoding="utf-8"))
    page.get_by_role("button", name="Read and preview").click()
    wait_for_preview(page)
    languages = page.locator("table.languages-found")
    expect(languages).to_contain_text("Italian")
    expect(languages).to_contain_text("Arabic")
    screenshot(page, "import-preview-paste", full_page=True)
    confirm_and_wait(page)
    page.get_by_role("link", name="Read it now").click()
    expect(page.locator(".reader")).to_be_visible()
    expect(page.locator('.pane.help[dir="rtl"]').first).to_be_visible()
    screenshot(page, "import-read-paste")


def test_upload_files_correct_the_cleaner_and_read(page: Page, tmp_path: Path) -> None:
    files = [tmp_path / "artikel-id.txt", tmp_path / "artikel-de.txt"]
    files[0].write_bytes(SEED_FILES["id"].read_bytes())
    files[1].write_bytes(SEED_FILES["de"].read_bytes())
    page.goto("/import/")
    page.locator("input#files").set_input_files([str(f) for f in files])
    page.get_by_role("button", name="Read and preview").click()
    wait_for_preview(page)

    # The Indonesian file carries page noise: the cleaner's removals are highlighted, and the
    # learner takes one back and removes a line the cleaner kept, without reloading.
    removed = page.locator("#line-5-removed")
    expect(removed).to_contain_text("Google I/O Keynote")
    removed.get_by_role("button", name="Restore").click()
    expect(removed).to_have_class("kept")
    kept = page.locator("#line-16")
    expect(kept).to_contain_text("Dan tentu saja")
    kept.get_by_role("button", name="Remove").click()
    expect(kept).to_have_class("removed")
    screenshot(page, "import-preview-upload", full_page=True)

    page.reload()  # the corrections were stored on the server, not only in the page
    expect(
        page.locator(".preview li.kept").filter(has_text="Google I/O Keynote").first
    ).to_be_visible()
    confirm_and_wait(page)
    page.get_by_role("link", name="Read it now").click()
    expect(page.locator(".reader")).to_contain_text("Google I/O Keynote")
    expect(page.locator(".reader")).not_to_contain_text("Dan tentu saja")
    screenshot(page, "import-read-upload")

    # Fix one alignment of the imported article with the keyboard: the restored line has no
    # German counterpart, so the learner merges it with the next pair, then reads the result.
    page.get_by_role("link", name="Fix the alignment").click()
    keynote = page.locator(".link").filter(has_text="Google I/O Keynote")
    keynote.locator(".s").first.click()
    pairs = page.locator(".link").count()
    page.keyboard.press("m")
    expect(page.locator("#status")).to_contain_text("Merged")
    expect(page.locator(".link")).to_have_count(pairs - 1)
    merged = page.locator(".link.selected")
    expect(merged).to_contain_text("Google I/O Keynote")
    link = merged.get_attribute("data-link")
    page.get_by_role("link", name="Read", exact=True).click()
    expect(page.locator(f'.pane.learn .s[data-link="{link}"]').first).to_contain_text(
        "Google I/O Keynote"
    )
    expect(page.locator(f'.pane.help .s[data-link="{link}"]')).not_to_have_count(0)
    screenshot(page, "import-fixed-and-read")


def test_an_unrelated_translation_is_held_for_the_learner(page: Page) -> None:
    page.goto("/")
    arabic = page.locator(".entry").filter(has=page.locator('.lang[title="Arabic"]'))
    arabic.locator(".add a").click()
    expect(page.locator("h1")).to_contain_text("Add a translation")
    page.locator("input#files").set_input_files(str(OTHER_ARTICLE))
    page.get_by_role("button", name="Read and preview").click()
    wait_for_preview(page)
    page.locator("form#confirm button[type=submit]").click()
    warning = page.locator(".warning")
    expect(warning).to_contain_text("does not look like a translation", timeout=IMPORT_TIMEOUT_MS)
    screenshot(page, "import-doubtful")
    page.get_by_role("button", name="Discard this import").click()
    expect(page.locator("h1")).to_contain_text("Add an article")
