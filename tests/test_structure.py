"""Paragraph roles: title, subtitle and headings are told from body text by their shape."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.clean import clean_text
from corpus.model import Role
from corpus.structure import classify_paragraphs, ends_sentence, is_heading_like

ARTICLES = Path(__file__).resolve().parents[1] / "corpus" / "articles"
SEEDS = {path.name[:3]: path for path in sorted(ARTICLES.glob("*.txt"))}

# Every paragraph not listed here is BODY.
EXPECTED = {
    "000": {
        "Mengapa Anda tidak perlu menambahkan orang asing di linkedin": Role.TITLE,
        "Jaringan Besar, Tapi Agak Berarti": Role.HEADING,
        "Membangun Jaringan yang Berarti": Role.HEADING,
    },
    "001": {
        "Una grande rete, ma un po 'insignificante": Role.HEADING,
        "Costruire una rete significativa": Role.HEADING,
    },
    "002": {
        "لماذا يجب أن لا تضيف الغرباء على ينكدين": Role.TITLE,
        "شبكة كبيرة ، ولكن لا معنى لها إلى حد ما": Role.HEADING,
        "بناء شبكة هادفة": Role.HEADING,
    },
    "003": {
        "Warum Sie keine Fremden auf LinkedIn hinzufügen sollten": Role.TITLE,
        "Folgendes ist passiert, als ich über 300 zufällige LinkedIn-Anfragen angenommen habe": (
            Role.SUBTITLE
        ),
        "Ein großes, aber etwas bedeutungsloses Netzwerk": Role.HEADING,
        "Aufbau eines aussagekräftigen Netzwerks": Role.HEADING,
    },
    "004": {
        "1. Sie werden sich nicht geografisch einschränken": Role.HEADING,
        "2. Sie eröffnen sich neue Möglichkeiten": Role.HEADING,
        "3. Sie können Ihren Fuß in die Tür bekommen": Role.HEADING,
        "4. Sie werden nichts tun, was Sie nicht rückgängig machen können": Role.HEADING,
    },
}


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_seed_roles(prefix: str) -> None:
    texts = clean_text(SEEDS[prefix].read_text(encoding="utf-8")).texts
    roles = classify_paragraphs(texts)
    found = {text: role for text, role in zip(texts, roles, strict=True) if role is not Role.BODY}
    assert found == EXPECTED[prefix]


@pytest.mark.parametrize(
    "text",
    [
        "Jaringan Besar, Tapi Agak Berarti",
        "بناء شبكة هادفة",
        "1. Sie werden sich nicht geografisch einschränken",
        "2. Warum ist das wichtig?",
        "IV. Der letzte Teil",
        "Google I/O Keynote (2017)",
    ],
)
def test_heading_like(text: str) -> None:
    assert is_heading_like(text)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Wahrscheinlich nicht.", id="period"),
        pytest.param("Was bringt ein Netzwerk?", id="question mark"),
        pytest.param("Je mehr, desto besser!", id="exclamation mark"),
        pytest.param("Fragen Sie sich Folgendes:", id="colon"),
        pytest.param("Erstens;", id="semicolon"),
        pytest.param("ما الهدف من وجود شبكة مهنية؟", id="arabic question mark"),
        pytest.param("Itu karena saya sekarang memiliki …", id="final ellipsis"),
        pytest.param("Das liegt daran, dass ich jetzt eine…", id="ellipsis without space"),
        pytest.param(
            "Also werde ich mich dieses Jahr stattdessen auf… konzentrieren", id="inner ellipsis"
        ),
        pytest.param("„Es ist zum Networking!“", id="closing quote after mark"),
        pytest.param("Er sagte (leise.)", id="closing bracket after mark"),
        pytest.param("und dann kam er nach Hause,", id="comma"),
        pytest.param(" ".join(["Wort"] * 16), id="too many words"),
        pytest.param("Netzwerk" * 16, id="too many characters"),
        pytest.param("1. Preheat the oven.", id="numbered sentence"),
        pytest.param("* * *", id="no letters"),
        pytest.param("", id="empty"),
    ],
)
def test_not_heading_like(text: str) -> None:
    assert not is_heading_like(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ende.", True),
        ("Ende!»", True),
        ("Ende?”)", True),
        ("انتهى؟", True),
        ("終わり。", True),
        ("Ende", False),
        ("(2025)", False),
        ("", False),
    ],
)
def test_ends_sentence(text: str, expected: bool) -> None:
    assert ends_sentence(text) is expected


BODY = "This paragraph is prose: it ends like a sentence does."


@pytest.mark.parametrize(
    ("texts", "roles"),
    [
        pytest.param(
            ["Title", "Subtitle", BODY, "Heading", BODY],
            [Role.TITLE, Role.SUBTITLE, Role.BODY, Role.HEADING, Role.BODY],
            id="title, subtitle and heading",
        ),
        pytest.param(
            ["Title", BODY, "Heading", "Another heading", BODY],
            [Role.TITLE, Role.BODY, Role.HEADING, Role.HEADING, Role.BODY],
            id="subtitle only right after the title",
        ),
        pytest.param(
            [BODY, "Heading", BODY],
            [Role.BODY, Role.HEADING, Role.BODY],
            id="no title when the first paragraph is prose",
        ),
        pytest.param(["Title"], [Role.TITLE], id="title alone"),
        pytest.param([], [], id="empty"),
    ],
)
def test_classify_paragraphs(texts: list[str], roles: list[Role]) -> None:
    assert classify_paragraphs(texts) == tuple(roles)
