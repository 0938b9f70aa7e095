"""The alignment editor in a real browser: Debian's Chromium driven by Playwright, against the
app served by waitress on the shipped corpus, with CSRF and the Content-Security-Policy on.

A learner opens the editor from the reader, jumps to a doubtful pair, merges it with the next
one with the keyboard, undoes and merges again, and reads the merged pair in the reader; another
marks an Arabic sentence as having no counterpart with a button and takes it back with Ctrl+Z.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from tests import test_browser
from tests.test_alignedit import flag_links
from tests.test_browser import Problems, has_class, screenshot
from tests.test_reader import LINKEDIN
from webapp.db import get_engine

DOUBTFUL = (5, 9)
# The reader's browser fixtures, shared rather than repeated: the app on the shipped corpus
# served by waitress, and a fresh page per test that records script and console errors.
live_app, server = test_browser.live_app, test_browser.server
page, problems = test_browser.page, test_browser.problems


@pytest.fixture(scope="module", autouse=True)
def doubtful(live_app: Flask) -> None:
    """Two it-de links flagged doubtful in the served app (the seed article aligns without
    doubt), as the aligner flags links it is unsure of."""
    with Session(get_engine(live_app)) as session:
        flag_links(session, LINKEDIN, DOUBTFUL)
        session.commit()


def selected_row(page: Page) -> tuple[str, int, int]:
    """The selected link: its id and how many sentences each pane holds."""
    row = page.locator(".link.selected")
    expect(row).to_have_count(1)
    link = row.get_attribute("data-link") or ""
    return link, row.locator(".pane.first .s").count(), row.locator(".pane.second .s").count()


def test_fix_a_pair_with_the_keyboard_undo_redo_and_read_it(page: Page, problems: Problems) -> None:
    page.goto(f"/read/{LINKEDIN}?learn=it&help=de")
    page.get_by_role("link", name="Fix the alignment").click()
    expect(page).to_have_url(re.compile(rf"/read/{LINKEDIN}/align/it/de$"))
    expect(page.locator(".aligner-keys")).to_contain_text("Merge the pair with the next one")
    expect(page.locator(".link .s.selected")).to_have_count(1)
    expect(page.locator(".link.flagged")).to_have_count(len(DOUBTFUL))
    total = page.locator(".link").count()

    page.keyboard.press("n")
    doubtful = page.locator(".link.selected")
    expect(doubtful).to_have_class(has_class("flagged"))
    assert doubtful.get_attribute("data-pos") == str(DOUBTFUL[0])
    link, first, second = selected_row(page)
    following = page.locator(f'.link[data-pos="{DOUBTFUL[0] + 1}"]')
    more = following.locator(".pane.first .s").count(), following.locator(".pane.second .s").count()
    screenshot(page, "editor-doubtful-selected")

    page.keyboard.press("m")
    expect(page.locator("#status")).to_contain_text("Merged")
    expect(page.locator(".link")).to_have_count(total - 1)
    assert selected_row(page) == (link, first + more[0], second + more[1])
    expect(page.locator(".link.selected")).to_have_class(has_class("manual"))
    screenshot(page, "editor-merged")

    page.keyboard.press("u")
    expect(page.locator("#status")).to_contain_text("Undone: Merged")
    expect(page.locator(".link")).to_have_count(total)
    assert selected_row(page) == (link, first, second)
    expect(page.locator(".link.selected")).to_have_class(has_class("flagged"))

    page.keyboard.press("m")  # and again
    expect(page.locator(".link")).to_have_count(total - 1)
    assert selected_row(page) == (link, first + more[0], second + more[1])
    expect(page.locator(".history li")).to_have_count(2)

    page.goto(f"/read/{LINKEDIN}?learn=it&help=de")
    learn = page.locator(f'.pane.learn .s[data-link="{link}"]')
    helper = page.locator(f'.pane.help .s[data-link="{link}"]')
    expect(learn).to_have_count(first + more[0])
    expect(helper).to_have_count(second + more[1])
    learn.first.hover()
    expect(page.locator(f'.pane .s.hl[data-link="{link}"]')).to_have_count(
        first + more[0] + second + more[1]
    )
    expect(page.locator(f'.s.flagged[data-link="{link}"]')).to_have_count(0)
    screenshot(page, "reader-after-merge")
    assert problems.errors == []


def test_no_counterpart_by_button_then_ctrl_z_in_an_arabic_pair(
    page: Page, problems: Problems
) -> None:
    page.goto(f"/read/{LINKEDIN}/align/ar/it")
    expect(page.locator(".link .pane.first").first).to_have_attribute("dir", "rtl")
    row = page.locator(".link").nth(4)
    sentence = row.locator(".pane.first .s").first
    sentence.click()
    expect(sentence).to_have_class(has_class("selected"))
    expect(page.locator(".edit-form .selected-text q")).to_have_attribute("dir", "rtl")
    total = page.locator(".link").count()

    page.get_by_role("button", name="No counterpart").click()
    expect(page.locator("#status")).to_contain_text("no counterpart")
    expect(page.locator(".link")).to_have_count(total + 1)
    alone = page.locator(".link.selected")
    expect(alone.locator(".pane.second .none")).to_have_count(1)
    screenshot(page, "editor-ar-it-no-counterpart")

    page.keyboard.press("Control+z")
    expect(page.locator("#status")).to_contain_text("Undone")
    expect(page.locator(".link")).to_have_count(total)
    # The URL follows the selection, so a reload opens the same place.
    page.reload()
    expect(page.locator(".link .s.selected")).to_have_attribute(
        "data-s", sentence.get_attribute("data-s") or ""
    )
    assert problems.errors == []


def test_the_keys_walk_pairs_and_sentences(page: Page, problems: Problems) -> None:
    page.goto(f"/read/{LINKEDIN}/align/de/it")
    start = page.locator(".link.selected").get_attribute("data-pos")
    assert start == "0"
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(page.locator(".link.selected")).to_have_attribute("data-pos", "2")
    page.keyboard.press("k")
    expect(page.locator(".link.selected")).to_have_attribute("data-pos", "1")
    before = page.locator(".s.selected").get_attribute("data-s")
    page.keyboard.press("l")
    after = page.locator(".s.selected").get_attribute("data-s")
    assert after != before
    page.keyboard.press("h")
    expect(page.locator(".s.selected")).to_have_attribute("data-s", before or "")
    # The split select offers the other pane's sentences of the selected pair.
    options = page.locator(".edit-form select[name=other] option")
    expect(options).to_have_count(2 + page.locator(".link.selected .pane.second .s").count())
    assert problems.errors == []
