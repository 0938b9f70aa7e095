"""Language detection: the seeds are recognised, short or unclear texts and mixed documents are
refused with a useful message, and a learner can force a language."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpus.clean import clean_text
from corpus.errors import LanguageError
from corpus.language import _detector, detect_language, language_name

ROOT = Path(__file__).resolve().parents[1]
SEEDS = {path.name[:3]: path for path in sorted((ROOT / "corpus" / "articles").glob("*.txt"))}


def paragraphs(prefix: str) -> tuple[str, ...]:
    return clean_text(SEEDS[prefix].read_text(encoding="utf-8")).texts


@pytest.mark.parametrize(
    ("prefix", "code"),
    [("000", "id"), ("001", "it"), ("002", "ar"), ("003", "de"), ("004", "de")],
)
def test_seed_languages(prefix: str, code: str) -> None:
    found, confidence = detect_language(prefix, paragraphs(prefix))
    assert found == code
    assert 0.9 <= confidence <= 1.0


def test_close_languages_do_not_make_a_document_mixed() -> None:
    # Several Indonesian paragraphs of seed 000 are detected as Malay one by one.
    assert detect_language("000", paragraphs("000"))[0] == "id"


def test_a_minority_paragraph_does_not_make_a_document_mixed() -> None:
    texts = [*paragraphs("003"), *paragraphs("001")[:2]]
    assert detect_language("de+it", texts)[0] == "de"


def test_mixed_document_is_refused_with_both_languages_and_shares() -> None:
    german, italian = paragraphs("003"), paragraphs("001")
    texts = [text for pair in zip(german, italian, strict=False) for text in pair]
    with pytest.raises(LanguageError) as caught:
        detect_language("bilingual.txt", texts)
    assert caught.value.source == "bilingual.txt"
    assert "German (" in caught.value.reason
    assert "Italian (" in caught.value.reason
    assert "%" in caught.value.reason


@pytest.mark.parametrize(
    ("texts", "reason"),
    [
        pytest.param([], "too little text", id="nothing"),
        pytest.param(["Hallo", "Welt"], "too little text", id="nine letters"),
        pytest.param(["1234 5678 !!! 90"], "too little text", id="no letters"),
        pytest.param(
            ["Ja ja ja ja ja ja ja ja ja ja ja ja"], "could not be determined", id="unclear"
        ),
    ],
)
def test_undeterminable_language_is_refused(texts: list[str], reason: str) -> None:
    with pytest.raises(LanguageError, match=reason):
        detect_language("short.txt", texts)


@pytest.mark.parametrize(
    ("forced", "code"), [("de", "de"), ("GL", "gl"), (" id ", "id"), ("nb", "nb")]
)
def test_forced_language_skips_detection(forced: str, code: str) -> None:
    assert detect_language("x.txt", ["Hallo"], forced=forced) == (code, 1.0)


@pytest.mark.parametrize("forced", ["xx", "german", "deu", ""])
def test_forced_language_must_be_an_iso_code(forced: str) -> None:
    with pytest.raises(LanguageError, match="not an ISO 639-1 language code"):
        detect_language("x.txt", paragraphs("003"), forced=forced)


@pytest.mark.parametrize(
    ("code", "name"),
    [("de", "German"), ("ID", "Indonesian"), ("ar", "Arabic"), ("nb", "Norwegian Bokmål")],
)
def test_language_name(code: str, name: str) -> None:
    assert language_name(code) == name


def test_language_name_of_an_unknown_code_is_the_code() -> None:
    assert language_name("qq") == "qq"


def test_detector_is_built_once() -> None:
    assert _detector() is _detector()


def test_importing_does_not_load_the_detector() -> None:
    code = "import sys, corpus.language; assert 'lingua' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_a_book_is_sampled() -> None:
    book = list(paragraphs("003")) * 400  # about 2 MB of text
    detect_language("warm-up", paragraphs("003"))
    start = time.perf_counter()
    assert detect_language("book.txt", book)[0] == "de"
    assert time.perf_counter() - start < 5
