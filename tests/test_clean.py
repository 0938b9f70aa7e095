"""Cleaning: paragraphs are split (and hard-wrapped text joined), page noise is removed by
general rules, every removal is recorded, and no article text is lost."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.clean import (
    BYLINE,
    NAVIGATION,
    REMOVED_BY_YOU,
    REPEATED,
    SITE_NAME,
    Cleaned,
    clean_text,
    split_paragraphs,
)
from corpus.model import Corrections, Removal

ARTICLES = Path(__file__).resolve().parents[1] / "corpus" / "articles"
SEEDS = {path.name[:3]: path for path in sorted(ARTICLES.glob("*.txt"))}
GOOGLE = "Google I/O Keynote (Google I/O '17) (Mungkin 2025)"
ARABIC_VIDEO = (
    "شاهد ما فعله عمال توصيل الطلبات عندما اعطاهم هذا الرجل بقشيش 500 دولار | لحظات مؤثرة "
    "(أبريل 2025)"
)
BODY = "This is the first sentence of the article, and it is clearly a sentence."

EXPECTED_REMOVALS = {
    "000": (
        Removal(1, "Skip to main content", NAVIGATION),
        Removal(3, "muse", SITE_NAME),
        Removal(5, GOOGLE, REPEATED),
        Removal(7, GOOGLE, REPEATED),
        Removal(8, "Anonim", BYLINE),
    ),
    "001": (),
    "002": (
        Removal(1, "Skip to main content", NAVIGATION),
        Removal(3, "الفكرة", SITE_NAME),
        Removal(5, ARABIC_VIDEO, REPEATED),
        Removal(7, ARABIC_VIDEO, REPEATED),
        Removal(8, "Anonim", BYLINE),
    ),
    "003": (),
    "004": (),
}
TITLES = {
    "000": "Mengapa Anda tidak perlu menambahkan orang asing di linkedin",
    "002": "لماذا يجب أن لا تضيف الغرباء على ينكدين",
}


def seed(prefix: str) -> str:
    return SEEDS[prefix].read_text(encoding="utf-8")


def texts(text: str) -> list[str]:
    return [paragraph for _, paragraph in clean_text(text).paragraphs]


@pytest.mark.parametrize("prefix", sorted(EXPECTED_REMOVALS))
def test_seed_removals_are_exactly_the_noise(prefix: str) -> None:
    assert clean_text(seed(prefix)).removed == EXPECTED_REMOVALS[prefix]


@pytest.mark.parametrize("prefix", sorted(EXPECTED_REMOVALS))
def test_seed_keeps_every_other_line(prefix: str) -> None:
    removed_lines = {removal.line for removal in EXPECTED_REMOVALS[prefix]} - {3}
    expected = [
        (number, TITLES.get(prefix, line) if number == 3 and prefix in TITLES else line)
        for number, line in enumerate(seed(prefix).split("\n"), start=1)
        if line.strip() and number not in removed_lines
    ]
    assert list(clean_text(seed(prefix)).paragraphs) == expected


@pytest.mark.parametrize("prefix", ["000", "002"])
def test_seed_title_loses_only_its_site_name(prefix: str) -> None:
    assert clean_text(seed(prefix)).paragraphs[0] == (3, TITLES[prefix])


@pytest.mark.parametrize(
    "line",
    [
        "Skip to main content",
        "SKIP TO CONTENT",
        "Jump to navigation",
        "Menu",
        "Share",
        "Share:",
        "Advertisement",
        "Cookie settings",
        "Cookie-Richtlinie",
        "Subscribe",
        "Sign in",
        "Read more »",
        "Related articles",
        "Zum Inhalt springen",
        "Weiterlesen →",
        "Anzeige",
        "Aller au contenu principal",
        "Lire la suite…",
        "Saltar al contenido",
        "Leer más",
        "Vai al contenuto",
        "Leggi anche",
        "Langsung ke konten",
        "Baca juga",
        "Pular para o conteúdo",
        "Naar de inhoud",
        "اقرأ أيضا",
    ],
)
def test_navigation_lines_are_removed(line: str) -> None:
    cleaned = clean_text(f"{line}\n{BODY}")
    assert cleaned.removed == (Removal(1, line, NAVIGATION),)
    assert cleaned.texts == (BODY,)


@pytest.mark.parametrize(
    "line",
    [
        "Share your thoughts with the people you trust most.",
        "Menu planning for the week ahead",
        "Cookies",
        "Cookie dough ice cream",
        "Read more books.",
    ],
)
def test_navigation_matches_whole_labels_only(line: str) -> None:
    assert clean_text(f"{BODY}\n{line}").removed == ()


def test_repeated_lines_lose_every_copy() -> None:
    text = f"Title of the article\n{GOOGLE}\n{BODY}\n{GOOGLE}\nMore text follows here, calmly."
    cleaned = clean_text(text)
    assert cleaned.removed == (Removal(2, GOOGLE, REPEATED), Removal(4, GOOGLE, REPEATED))
    assert GOOGLE not in cleaned.texts


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("Wahrscheinlich nicht.", id="full sentence"),
        pytest.param("„Komm eins, komm alle!“", id="sentence in quotes"),
        pytest.param("Chapter 1", id="chapter marker"),
        pytest.param("IV.", id="roman numeral"),
        pytest.param("THE BOY WHO LIVED", id="all capitals"),
        pytest.param("x " * 110, id="long line"),
        pytest.param("* * *", id="no letters"),
    ],
)
def test_repeated_lines_that_are_text_stay(line: str) -> None:
    text = f"{BODY}\n{line}\nSome more text in between, for good measure.\n{line}"
    assert clean_text(text).removed == ()


def test_repeated_first_line_keeps_its_first_copy_as_title() -> None:
    cleaned = clean_text(f"The Title\n{BODY}\nThe Title")
    assert cleaned.texts == ("The Title", BODY)
    assert cleaned.removed == (Removal(3, "The Title", REPEATED),)


@pytest.mark.parametrize(
    "byline",
    [
        "By Jane Doe",
        "by Jane van der Berg",
        "Von Max Mustermann",
        "Oleh Budi Santoso",
        "Par Jean-Paul Sartre",
        "Anonymous",
        "Anonim",
        "Anonimo",
        "Anonyme",
        "بقلم أحمد علي",
    ],
)
def test_known_bylines_in_the_header_are_removed(byline: str) -> None:
    cleaned = clean_text(f"A headline for the story\n{byline}\n{BODY}")
    assert cleaned.removed == (Removal(2, byline, BYLINE),)


@pytest.mark.parametrize("name", ["Jane Doe", "Anonim", "Müller"])
def test_lone_names_in_the_header_are_removed(name: str) -> None:
    cleaned = clean_text(f"A headline for the story\n\n{name}\n\n{BODY}")
    assert cleaned.removed == (Removal(3, name, BYLINE),)


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("Einleitung", id="section word"),
        pytest.param("Table of contents", id="section phrase"),
        pytest.param("PREFACE", id="all capitals"),
        pytest.param("12 March", id="date"),
        pytest.param("Nein.", id="sentence"),
        pytest.param("the end", id="lower case"),
        pytest.param("Three words here", id="three words"),
        pytest.param("Von hier aus", id="byline marker before lower-case words"),
    ],
)
def test_header_lines_that_are_not_bylines_stay(line: str) -> None:
    assert clean_text(f"A headline for the story\n{line}\n{BODY}").removed == ()


def test_bylines_are_only_looked_for_before_the_body() -> None:
    text = f"A headline for the story\n{BODY}\nJane Doe\nBy Jane Doe\n{BODY[:-1]}, again."
    assert clean_text(text).removed == ()


def test_title_is_never_taken_for_a_lone_name() -> None:
    cleaned = clean_text(f"Dune\n{BODY}")
    assert cleaned.texts == ("Dune", BODY)


@pytest.mark.parametrize("separator", [" - ", " | ", " – ", " — ", " :: "])
def test_site_name_is_split_from_the_title(separator: str) -> None:
    cleaned = clean_text(f"Why you should not add strangers{separator}The Muse\n{BODY}")
    assert cleaned.texts[0] == "Why you should not add strangers"
    assert cleaned.removed == (Removal(1, "The Muse", SITE_NAME),)


@pytest.mark.parametrize(
    "title",
    [
        pytest.param("Why you should not add strangers - a long story of regret", id="long"),
        pytest.param("Dune - Frank Herbert", id="rest not longer"),
        pytest.param("Star Wars - Episode IV", id="part number"),
        pytest.param("Networking - Teil 2", id="part number in German"),
        pytest.param("Why you should not add strangers - really.", id="sentence"),
        pytest.param("A title without any separator", id="no separator"),
        pytest.param("A well-known title", id="hyphen inside a word"),
    ],
)
def test_title_suffixes_that_are_not_site_names_stay(title: str) -> None:
    cleaned = clean_text(f"{title}\n{BODY}")
    assert cleaned.texts[0] == title
    assert cleaned.removed == ()


def test_site_name_is_only_split_from_the_title() -> None:
    text = f"A headline for the story\n{BODY}\nAnother heading - Site"
    assert clean_text(text).removed == ()


def test_whitespace_is_collapsed_and_invisible_characters_dropped() -> None:
    cleaned = clean_text("  Ein\u00a0 Titel\t mit\u200b Leerraum  \r\n\r\nText  hier.\r")
    assert cleaned.paragraphs == ((1, "Ein Titel mit Leerraum"), (3, "Text hier."))


GUTENBERG = """\
CHAPTER I.
Down the Rabbit-Hole

Alice was beginning to get very tired of sitting by her sister on the
bank, and of having nothing to do: once or twice she had peeped into
the book her sister was reading, but it had no pictures or
conversations in it, "and what is the use of a book," thought Alice
"without pictures or conversations?"

    Twinkle, twinkle, little bat!
    How I wonder what you're at!

So she was considering in her own mind (as well as she could, for the
hot day made her feel very sleepy and stupid), whether the pleasure of
making a daisy-chain would be worth the trouble of getting up and
picking the daisies, when suddenly a White Rabbit with pink eyes ran
close by her.
"""


def test_hard_wrapped_blocks_are_joined() -> None:
    paragraphs = split_paragraphs(GUTENBERG)
    assert [line for line, _ in paragraphs] == [1, 2, 4, 10, 11, 13]
    assert paragraphs[2][1].startswith("Alice was beginning to get very tired of sitting by her")
    assert paragraphs[2][1].endswith('thought Alice "without pictures or conversations?"')
    assert paragraphs[5][1].endswith("pink eyes ran close by her.")


def test_verse_in_hard_wrapped_text_keeps_its_lines() -> None:
    paragraphs = dict(split_paragraphs(GUTENBERG))
    assert paragraphs[10] == "Twinkle, twinkle, little bat!"
    assert paragraphs[11] == "How I wonder what you're at!"


@pytest.mark.parametrize("prefix", ["001", "004"])
def test_one_paragraph_per_line_is_not_joined(prefix: str) -> None:
    lines = [line for line in seed(prefix).split("\n") if line.strip()]
    assert len(split_paragraphs(seed(prefix))) == len(lines)


def test_empty_text_gives_nothing() -> None:
    assert clean_text("\n \n") == Cleaned(paragraphs=(), removed=())


LINES = st.sampled_from(
    [
        BODY,
        GOOGLE,
        "Menu",
        "Anonim",
        "Jane Doe",
        "A headline - Site",
        "Chapter 2",
        "Probably not.",
        "",
        "Short line",
        "Ein ganz gewöhnlicher Satz, der nichts Besonderes sagt.",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(LINES, max_size=12))
def test_every_paragraph_is_kept_or_accounted_for(lines: list[str]) -> None:
    text = "\n".join(lines)
    cleaned = clean_text(text)
    before = dict(split_paragraphs(text))
    after = dict(cleaned.paragraphs)
    for removal in cleaned.removed:
        if removal.reason == SITE_NAME:
            assert before[removal.line].endswith(removal.text)
            assert before[removal.line].startswith(after[removal.line])
        else:
            assert before[removal.line] == removal.text
            assert removal.line not in after
    untouched = set(before) - {removal.line for removal in cleaned.removed}
    assert all(after[line] == before[line] for line in untouched)


def book(*chapters: str) -> str:
    """A text with sections, as `corpus.sections.join_sections` writes a book."""
    return "\n\f\n".join(chapters) + "\n"


def test_a_section_break_is_never_a_paragraph_nor_joins_wrapped_lines() -> None:
    text = book(GUTENBERG.strip(), GUTENBERG.strip())
    cleaned = clean_text(text)
    assert "\f" not in "".join(cleaned.texts)
    assert cleaned.breaks == (GUTENBERG.count("\n") + 1,)
    first, second = (
        cleaned.texts[: len(cleaned.texts) // 2],
        cleaned.texts[len(cleaned.texts) // 2 :],
    )
    assert first == second
    assert first[-1].endswith("pink eyes ran close by her.")
    assert cleaned.sections == (0,) * len(first) + (1,) * len(second)


def test_every_line_knows_its_section() -> None:
    cleaned = clean_text(book("Menu\nTitle", "Chapter 2\nText."))
    assert cleaned.breaks == (3,)
    assert [cleaned.section_of(r.line) for r in cleaned.removed] == [0]
    assert cleaned.paragraphs == ((2, "Title"), (4, "Chapter 2"), (5, "Text."))
    assert cleaned.sections == (0, 1, 1)


RUNNING_HEADER = "The Hound of the Baskervilles"


def test_a_running_header_on_every_chapter_is_removed_but_the_title() -> None:
    chapters = [f"{RUNNING_HEADER}\nChapter {k}\n{BODY}" for k in range(1, 5)]
    cleaned = clean_text(book(*chapters))
    assert cleaned.texts[0] == RUNNING_HEADER
    assert cleaned.texts.count(RUNNING_HEADER) == 1
    assert [r.reason for r in cleaned.removed] == [REPEATED] * 3


def test_a_book_keeps_its_own_repetitions() -> None:
    refrain = "Row, row, row your boat"
    contents = "Contents\nThe Boy Who Lived\nThe Vanishing Glass"
    one = f"The Boy Who Lived\n{BODY}\n{refrain}\n{BODY[:-1]} twice.\n{refrain}"
    two = f"The Vanishing Glass\n{BODY}"
    cleaned = clean_text(book(contents, one, two))
    assert cleaned.removed == ()
    assert cleaned.texts.count(refrain) == 2
    assert cleaned.texts.count("The Boy Who Lived") == 2


def test_header_rules_apply_to_the_first_section_only() -> None:
    first = f"A headline for the story\nJane Doe\n{BODY}"
    chapter = f"Chapter 2\nHarry Potter\n{BODY}"
    cleaned = clean_text(book(first, chapter, "Chapter 3 - Dudley\nBy Jane Doe\n" + BODY))
    assert cleaned.removed == (Removal(2, "Jane Doe", BYLINE),)


SEED_000_NAVIGATION = 1
SEED_000_TITLE = 3


def test_restoring_a_removal_puts_the_line_back_in_its_place() -> None:
    cleaned = clean_text(seed("000"), restore=frozenset({SEED_000_NAVIGATION, 8}))
    assert cleaned.paragraphs[0] == (1, "Skip to main content")
    assert (8, "Anonim") in cleaned.paragraphs
    assert [r.line for r in cleaned.removed] == [3, 5, 7]
    assert cleaned.corrections == Corrections(restore=frozenset({1, 8}))


def test_restoring_a_site_name_gives_the_title_its_suffix_back() -> None:
    original = seed("000").split("\n")[SEED_000_TITLE - 1]
    cleaned = clean_text(seed("000"), restore=frozenset({SEED_000_TITLE}))
    assert (SEED_000_TITLE, original) in cleaned.paragraphs
    assert SITE_NAME not in {r.reason for r in cleaned.removed}


def test_removing_a_kept_line_records_it_as_removed_by_you() -> None:
    text = f"Title\n{BODY}\nA line the learner does not want."
    cleaned = clean_text(text, remove=frozenset({3}))
    assert cleaned.texts == ("Title", BODY)
    assert cleaned.removed == (Removal(3, "A line the learner does not want.", REMOVED_BY_YOU),)
    assert cleaned.corrections == Corrections(remove=frozenset({3}))


def test_removing_a_title_removes_it_whole_with_its_site_name() -> None:
    original = seed("000").split("\n")[SEED_000_TITLE - 1]
    cleaned = clean_text(
        seed("000"), restore=frozenset({SEED_000_TITLE}), remove=frozenset({SEED_000_TITLE})
    )
    assert SEED_000_TITLE not in dict(cleaned.paragraphs)
    assert [r for r in cleaned.removed if r.line == SEED_000_TITLE] == [
        Removal(SEED_000_TITLE, original, REMOVED_BY_YOU)
    ]
    assert cleaned.corrections == Corrections(remove=frozenset({SEED_000_TITLE}))


def test_corrections_that_name_nothing_are_ignored() -> None:
    text = f"Menu\nTitle\n\n{BODY}"
    cleaned = clean_text(text, restore=frozenset({2, 3, 99}), remove=frozenset({1, 3, 99}))
    assert cleaned == clean_text(text)
    assert not cleaned.corrections


@settings(max_examples=100, deadline=None)
@given(st.lists(LINES, max_size=12), st.sets(st.integers(1, 14)), st.sets(st.integers(1, 14)))
def test_corrections_move_lines_between_kept_and_removed(
    lines: list[str], restore: set[int], remove: set[int]
) -> None:
    text = "\n".join(lines)
    before = clean_text(text)
    after = clean_text(text, restore=frozenset(restore), remove=frozenset(remove))
    original = dict(split_paragraphs(text))
    kept = dict(after.paragraphs)
    for line in after.corrections.restore:
        assert kept[line] == original[line]
    for line in after.corrections.remove:
        assert Removal(line, original[line], REMOVED_BY_YOU) in after.removed
        assert line not in kept
    untouched = set(original) - after.corrections.restore - after.corrections.remove
    assert {line: kept[line] for line in untouched if line in kept} == {
        line: text for line, text in before.paragraphs if line in untouched
    }
    everything = clean_text(text, restore=frozenset(r.line for r in before.removed))
    assert dict(everything.paragraphs) == original


def test_corrections_json_is_canonical_and_round_trips() -> None:
    corrections = Corrections(restore=frozenset({8, 1}), remove=frozenset({12}))
    assert corrections.to_json() == '{"remove":[12],"restore":[1,8]}'
    assert Corrections.from_json(corrections.to_json()) == corrections
    assert Corrections().to_json() == ""
    assert Corrections.from_json("") == Corrections()
    assert Corrections.from_json('{"restore": [3]}') == Corrections(restore=frozenset({3}))


@pytest.mark.parametrize(
    "text", ["[1]", '{"restore": [0]}', '{"remove": ["3"]}', '{"other": []}', '{"remove": 3}']
)
def test_malformed_corrections_json_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Corrections.from_json(text)
