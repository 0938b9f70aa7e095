"""The aligner: exact beads on hand-made vectors, the seed article against its written-down gold,
harder perturbed cases, the length-only fallback, and the coarse-to-fine pass."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import numpy as np
import pytest

import corpus.align as align_module
from corpus.align import PARAGRAPH_BEADS, SENTENCE_BEADS, Units, align_units
from corpus.embed import Encoder
from corpus.evaluate import perturb, strict_scores
from corpus.ingest import align_article, embed_documents, load_document
from corpus.model import Document, Role
from tests.conftest import OTHER_ARTICLE

GOLD = Path(__file__).parent / "data" / "seed_gold.tsv"
LANGS = ("id", "it", "ar", "de")


def one_hot(rows: list[list[int]], dim: int = 64) -> np.ndarray:
    """Vectors that are sums of basis directions: a merged sentence is the sum of its parts."""
    vectors = np.zeros((len(rows), dim), dtype=np.float32)
    for r, axes in enumerate(rows):
        vectors[r, axes] = 1.0
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def units(rows: list[list[int]], lengths: list[int] | None = None) -> Units:
    texts = ["x" * (lengths[k] if lengths else 50) for k in range(len(rows))]
    return Units.from_texts(texts, one_hot(rows))


def beads(links: list) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    return [(link.source, link.target) for link in links]


def test_identical_sequences_align_one_to_one() -> None:
    rows = [[k] for k in range(8)]
    assert beads(align_units(units(rows), units(rows))) == [((k,), (k,)) for k in range(8)]


def test_a_merged_sentence_becomes_a_two_to_one_link() -> None:
    src = units([[0], [1], [2], [3]])
    tgt = units([[0], [1, 2], [3]], [50, 100, 50])
    assert beads(align_units(src, tgt)) == [((0,), (0,)), ((1, 2), (1,)), ((3,), (2,))]


def test_a_three_way_split_becomes_a_one_to_three_link() -> None:
    src = units([[0], [1, 2, 3], [4]], [50, 150, 50])
    tgt = units([[0], [1], [2], [3], [4]])
    assert beads(align_units(src, tgt))[1] == ((1,), (1, 2, 3))


def test_a_sentence_without_counterpart_is_skipped() -> None:
    src = units([[0], [1], [9], [2]])
    tgt = units([[0], [1], [2]])
    assert beads(align_units(src, tgt)) == [((0,), (0,)), ((1,), (1,)), ((2,), ()), ((3,), (2,))]


def test_empty_sides_give_only_skips() -> None:
    assert beads(align_units(units([[0], [1]]), Units((), (), None))) == [((0,), ()), ((1,), ())]


def test_numbers_are_anchors_in_the_length_fallback() -> None:
    src = Units.from_texts(["Es waren 1.457 Leute.", "Dann kamen 300 mehr."], None)
    tgt = Units.from_texts(["Erano 300 in più.", "C'erano 1,457 persone."], None)
    links = align_units(src, tgt, SENTENCE_BEADS)
    assert ((0,), (1,)) not in beads(links)  # order is kept: no crossing links
    assert ((1,), (0,)) not in beads(links)


def test_paragraph_beads_never_join_more_than_two() -> None:
    assert max(max(a, b) for a, b in PARAGRAPH_BEADS) == 2


def test_coarse_to_fine_matches_the_full_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """A long input goes through the banded pass; it must find what the full table finds."""
    rng = random.Random(7)
    src_rows, tgt_rows = [], []
    for k in range(150):
        move = rng.random()
        if move < 0.1:
            src_rows.append([k % 60, (k + 1) % 60])
            tgt_rows += [[k % 60], [(k + 1) % 60]]
        elif move < 0.15:
            src_rows.append([k % 60])
        else:
            src_rows.append([k % 60])
            tgt_rows.append([k % 60])
    src, tgt = units(src_rows), units(tgt_rows)
    banded = beads(align_units(src, tgt))
    monkeypatch.setattr(align_module, "_FULL_TABLE_CELLS", 10**9)
    assert banded == beads(align_units(src, tgt))


def read_gold(docs: dict[str, Document]) -> list[dict[str, int | None]]:
    """Rows of the written-down gold, with sentence prefixes turned into sentence indexes."""
    lines = [x for x in GOLD.read_text(encoding="utf-8").splitlines() if not x.startswith("#")]
    header, rows = lines[0].split("\t"), lines[1:]
    units_ = []
    for row in rows:
        unit: dict[str, int | None] = {}
        for lang, cell in zip(header, row.split("\t"), strict=True):
            if cell == "-":
                unit[lang] = None
                continue
            matches = [k for k, s in enumerate(docs[lang].sentences) if s.startswith(cell)]
            assert len(matches) >= 1, (lang, cell)
            taken = {u[lang] for u in units_}
            unit[lang] = next(k for k in matches if k not in taken)
        units_.append(unit)
    return units_


def gold_links(gold: list[dict[str, int | None]], a: str, b: str) -> set:
    result = set()
    for unit in gold:
        s, t = unit[a], unit[b]
        if s is None and t is None:
            continue
        result.add(((s,) if s is not None else (), (t,) if t is not None else ()))
    return result


def test_every_link_of_the_seed_article_is_right(
    seed_docs: dict[str, Document], encoder: Encoder
) -> None:
    docs = [seed_docs[lang] for lang in LANGS]
    gold = read_gold(seed_docs)
    for pair in align_article(docs, embed_documents(docs, encoder)):
        a, b = LANGS[pair.source], LANGS[pair.target]
        predicted = {(link.source, link.target) for link in pair.alignment.sentences}
        assert predicted == gold_links(gold, a, b), (a, b)
        assert pair.alignment.method == "embeddings"


def test_noise_lines_appear_in_no_document(seed_docs: dict[str, Document]) -> None:
    noise = ("Skip to main content", "Anonim", "Google I/O", "- muse", "بقشيش 500")
    for doc in seed_docs.values():
        for sentence in doc.sentences:
            assert not any(n in sentence for n in noise), sentence


def body(doc: Document) -> list[str]:
    return [
        s for p in doc.paragraphs if p.role not in (Role.TITLE, Role.SUBTITLE) for s in p.sentences
    ]


def perturbed_f1(seed_docs: dict[str, Document], encoder: Encoder | None) -> list[float]:
    scores = []
    for a, b in itertools.permutations(LANGS, 2):
        case = perturb(body(seed_docs[a]), body(seed_docs[b]), random.Random(1))
        vs = encoder.encode(case.source) if encoder else None
        vt = encoder.encode(case.target) if encoder else None
        links = align_units(Units.from_texts(case.source, vs), Units.from_texts(case.target, vt))
        scores.append(strict_scores(case.gold, beads(links)).f1)
    return scores


def test_harder_cases_with_embeddings(seed_docs: dict[str, Document], encoder: Encoder) -> None:
    scores = perturbed_f1(seed_docs, encoder)
    assert sum(scores) / len(scores) >= 0.97
    assert min(scores) >= 0.9


def test_harder_cases_with_lengths_only(seed_docs: dict[str, Document]) -> None:
    scores = perturbed_f1(seed_docs, None)
    assert sum(scores) / len(scores) >= 0.8


def test_the_fallback_says_so(seed_docs: dict[str, Document]) -> None:
    docs = [seed_docs["it"], seed_docs["de"]]
    [pair] = align_article(docs, [None, None], "the model is not installed")
    assert pair.alignment.method == "length"
    assert "the model is not installed" in pair.alignment.notes[0]


def test_the_seed_article_aligns_by_length_too(seed_docs: dict[str, Document]) -> None:
    """Paragraph structure carries most of the work: without the model the seed still aligns."""
    docs = [seed_docs["it"], seed_docs["de"]]
    [pair] = align_article(docs, [None, None])
    gold = gold_links(read_gold(seed_docs), "it", "de")
    predicted = {(link.source, link.target) for link in pair.alignment.sentences}
    assert strict_scores(gold, predicted).f1 >= 0.95


def test_unrelated_text_is_flagged(seed_docs: dict[str, Document], encoder: Encoder) -> None:
    other = load_document(OTHER_ARTICLE)
    docs = [seed_docs["it"], other]
    [pair] = align_article(docs, embed_documents(docs, encoder))
    flagged = sum(link.flagged for link in pair.alignment.sentences)
    assert flagged / len(pair.alignment.sentences) > 0.5
