"""From read text to a Document: `build_document` is what `load_document` does after reading,
with the learner's corrections to the cleaner and the sections of a book."""

from __future__ import annotations

import hashlib

import pytest

from corpus.clean import REMOVED_BY_YOU
from corpus.embed import BATCH, Encoder
from corpus.errors import InputError
from corpus.ingest import (
    CachedEmbedder,
    align_article,
    build_document,
    document_checksum,
    load_document,
)
from corpus.model import Corrections, Document
from corpus.read import read_document_text, read_upload
from tests.books import build_epub, chapter
from tests.conftest import SEED_FILES

ITALIAN = SEED_FILES["it"]
INDONESIAN = SEED_FILES["id"]


def test_load_document_is_read_then_build_document() -> None:
    text = read_document_text(ITALIAN)
    built = build_document(str(ITALIAN), text)
    assert built == load_document(ITALIAN)
    assert built.checksum == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert {p.section for p in built.paragraphs} == {0}


def test_corrections_make_a_different_document_and_the_same_ones_the_same() -> None:
    text = read_document_text(INDONESIAN)
    plain = build_document("id.txt", text)
    corrected = build_document("id.txt", text, restore=frozenset({8}), remove=frozenset({10}))
    again = build_document("id.txt", text, restore=frozenset({8}), remove=frozenset({10}))
    assert corrected.checksum != plain.checksum
    assert corrected.checksum == again.checksum
    assert corrected.corrections == Corrections(frozenset({8}), frozenset({10}))
    assert corrected.checksum == document_checksum(text, corrected.corrections)
    assert "Anonim" in [p.text for p in corrected.paragraphs]
    assert [r.reason for r in corrected.removed if r.line == 10] == [REMOVED_BY_YOU]


def test_corrections_that_do_not_apply_leave_the_document_unchanged() -> None:
    text = read_document_text(INDONESIAN)
    stale = build_document("id.txt", text, restore=frozenset({2}), remove=frozenset({1, 999}))
    assert stale == build_document("id.txt", text)


def test_removing_everything_is_refused() -> None:
    with pytest.raises(InputError, match="no article text is left"):
        build_document("short.txt", "Ein Titel\nEin Satz.\n", lang="de", remove=frozenset({1, 2}))


BOOK = build_epub(
    [
        chapter("<h1>Primo capitolo</h1>", "Era una bella giornata di aprile, fredda e limpida."),
        chapter("<h1>Secondo capitolo</h1>", "Gli orologi battevano le tredici, e lui uscì."),
        chapter("<h1>Terzo capitolo</h1>", "Winston si voltò di scatto verso la finestra."),
    ]
)


def test_a_books_paragraphs_know_their_chapter() -> None:
    doc = build_document("libro.epub", read_upload("libro.epub", BOOK, max_bytes=100_000))
    assert [(p.section, p.text) for p in doc.paragraphs][::2] == [
        (0, "Primo capitolo"),
        (1, "Secondo capitolo"),
        (2, "Terzo capitolo"),
    ]
    assert doc.lang == "it"
    assert {p.section for p in doc.paragraphs} == {0, 1, 2}


def seed_book(lang: str, offset: int, keep: set[int], heading: str) -> bytes:
    """The seed article's body as an EPUB: four chapters under numbered headings, each chapter
    opening with the book's running header."""
    body = [p.text for p in load_document(SEED_FILES[lang]).paragraphs][offset:]
    cuts = ((0, 5), (5, 10), (10, 15), (15, 21))
    return build_epub(
        [
            chapter("<p>Tandem</p>", f"<h1>{heading} {k + 1}</h1>", *body[first:last])
            for k, (first, last) in enumerate(cuts)
            if k in keep
        ]
    )


def test_two_books_align_chapter_by_chapter() -> None:
    """From upload to alignment: the German edition lacks the third chapter."""
    italian = seed_book("it", 0, {0, 1, 2, 3}, "Capitolo")
    german = seed_book("de", 2, {0, 1, 3}, "Kapitel")
    docs = [
        build_document(name, read_upload(name, data, max_bytes=1_000_000))
        for name, data in (("libro.epub", italian), ("buch.epub", german))
    ]
    assert [doc.lang for doc in docs] == ["it", "de"]
    assert [r.reason for r in docs[0].removed] == ["repeated line"] * 3
    [pair] = align_article(docs, [None, None])
    chapters = [[p.section for p in doc.paragraphs for _ in p.sentences] for doc in docs]
    german_chapter = {0: 0, 1: 1, 3: 2}
    for link in pair.alignment.sentences:
        source = {chapters[0][i] for i in link.source}
        target = {chapters[1][j] for j in link.target}
        assert not source or not target or {german_chapter[s] for s in source} == target
        assert link.target == () or source != {2}


def test_the_embedder_reports_its_progress_batch_by_batch(
    encoder: Encoder, seed_docs: dict[str, Document]
) -> None:
    reports: list[tuple[int, int]] = []
    embedder = CachedEmbedder(encoder, lambda done, total: reports.append((done, total)))
    docs = list(seed_docs.values())
    total = sum(len(doc.sentences) for doc in docs)
    vectors = embedder(docs)
    assert [len(v) for v in vectors if v is not None] == [len(doc.sentences) for doc in docs]
    assert reports[-1] == (total, total)
    assert len(reports) == -(-total // BATCH)
    embedder(docs)  # cached: nothing to embed, nothing to report
    assert reports[-1] == (total, total) and len(reports) == -(-total // BATCH)
