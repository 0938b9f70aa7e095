"""The aligner: exact beads on hand-made vectors, the seed article against its written-down gold,
harder perturbed cases, the length-only fallback, and the coarse-to-fine pass."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import corpus.align as align_module
from corpus.align import PARAGRAPH_BEADS, SENTENCE_BEADS, Units, align_documents, align_units
from corpus.embed import Encoder
from corpus.errors import AlignmentError
from corpus.evaluate import perturb, strict_scores
from corpus.ingest import align_article, embed_documents, load_document
from corpus.model import Alignment, Document, Link, Role
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


def check_alignment(alignment: Alignment, src: Document, tgt: Document) -> None:
    """Every sentence and paragraph is in exactly one link, in reading order, and each
    sentence link lies inside the paragraph link of its group."""
    for side, doc in (("source", src), ("target", tgt)):
        sentences = [i for link in alignment.sentences for i in getattr(link, side)]
        assert sentences == list(range(len(doc.sentences)))
        paragraphs = [p for link in alignment.paragraphs for p in getattr(link, side)]
        assert paragraphs == list(range(len(doc.paragraphs)))
        paragraph_of = [k for k, p in enumerate(doc.paragraphs) for _ in p.sentences]
        for link, group in zip(alignment.sentences, alignment.groups, strict=True):
            owner = getattr(alignment.paragraphs[group], side)
            assert {paragraph_of[i] for i in getattr(link, side)} <= set(owner)
    assert list(alignment.groups) == sorted(alignment.groups)


def chapters_of(doc: Document) -> list[int]:
    return [p.section for p in doc.paragraphs for _ in p.sentences]


# The seed article's body, Italian and German paragraph for paragraph, cut into four chapters.
CHAPTERS = ((0, 5), (5, 10), (10, 15), (15, 21))
GERMAN_OFFSET = 2  # the German version has a title and a subtitle the Italian one lacks


def as_book(doc: Document, offset: int, keep: set[int]) -> tuple[Document, list[int]]:
    """The document's body as a book of the kept chapters, and each sentence's index in the
    original document."""
    paragraphs, original = [], []
    starts = list(itertools.accumulate((len(p.sentences) for p in doc.paragraphs), initial=0))
    for section, (first, last) in enumerate(CHAPTERS):
        if section in keep:
            for k in range(offset + first, offset + last):
                paragraphs.append(replace(doc.paragraphs[k], section=section))
                original += range(starts[k], starts[k + 1])
    return replace(doc, paragraphs=tuple(paragraphs)), original


@pytest.mark.parametrize("embedded", [True, False], ids=["embeddings", "lengths"])
def test_a_book_aligns_chapter_by_chapter(
    seed_docs: dict[str, Document], encoder: Encoder, embedded: bool
) -> None:
    """The German book lacks the third chapter: its Italian sentences are left without
    counterpart, and no sentence is ever linked to one in another chapter."""
    src, src_original = as_book(seed_docs["it"], 0, {0, 1, 2, 3})
    tgt, tgt_original = as_book(seed_docs["de"], GERMAN_OFFSET, {0, 1, 3})
    vectors = embed_documents([src, tgt], encoder) if embedded else [None, None]
    alignment = align_documents(src, tgt, *vectors)
    check_alignment(alignment, src, tgt)
    src_chapter, tgt_chapter = chapters_of(src), chapters_of(tgt)
    for link in alignment.sentences:
        chapters = {src_chapter[i] for i in link.source} | {tgt_chapter[j] for j in link.target}
        assert len(chapters) == 1, link
    missing = [link for link in alignment.sentences if 2 in {src_chapter[i] for i in link.source}]
    assert missing and all(not link.target for link in missing)
    if embedded:
        gold = gold_links(read_gold(seed_docs), "it", "de")
        src_book = {o: k for k, o in enumerate(src_original)}
        tgt_book = {o: k for k, o in enumerate(tgt_original)}
        expected = set()
        for source, target in gold:
            if any(j not in tgt_book for j in target) and not source:
                continue  # the German title and subtitle are not in the book
            s = tuple(src_book[i] for i in source)
            t = tuple(tgt_book[j] for j in target if j in tgt_book)
            expected.add((s, t))
        assert {(link.source, link.target) for link in alignment.sentences} == expected


def test_single_section_documents_align_as_before(seed_docs: dict[str, Document]) -> None:
    """Sections change nothing for articles: one section is no section."""
    src, tgt = seed_docs["it"], seed_docs["de"]
    numbered = replace(tgt, paragraphs=tuple(replace(p, section=7) for p in tgt.paragraphs))
    assert align_documents(src, numbered, None, None) == align_documents(src, tgt, None, None)


@pytest.mark.parametrize("embedded", [True, False], ids=["embeddings", "lengths"])
def test_fixed_links_survive_and_gaps_align_among_themselves(
    seed_docs: dict[str, Document], encoder: Encoder, embedded: bool
) -> None:
    src, tgt = seed_docs["it"], seed_docs["de"]
    vectors = embed_documents([src, tgt], encoder) if embedded else [None, None]
    # Hand-made links the machine would not make: a 1-2, a sentence marked as having no
    # counterpart in the middle of a paragraph, and a doubtful 2-1.
    fixed = [
        Link((10,), (13, 14), 1.0),
        Link((17,), (), 1.0),
        Link((25, 26), (30,), 0.7, True),
        Link((), (40,), 1.0),
    ]
    alignment = align_documents(src, tgt, *vectors, fixed=fixed)
    check_alignment(alignment, src, tgt)
    for link in fixed:
        assert link in alignment.sentences
    cuts = [(-1, -1), (10, 14), (26, 30), (len(src.sentences), len(tgt.sentences))]
    for link in alignment.sentences:
        if link in fixed:
            continue
        inside = [
            k
            for k, ((s0, t0), (s1, t1)) in enumerate(itertools.pairwise(cuts))
            if all(s0 < i < s1 for i in link.source) and all(t0 < j < t1 for j in link.target)
        ]
        assert inside, link
        assert all(i != 17 for i in link.source) and all(j != 40 for j in link.target)


def test_fixing_every_link_gives_the_alignment_back(seed_docs: dict[str, Document]) -> None:
    src, tgt = seed_docs["id"], seed_docs["ar"]
    free = align_documents(src, tgt, None, None)
    fixed = align_documents(src, tgt, None, None, fixed=free.sentences)
    assert fixed.sentences == free.sentences
    check_alignment(fixed, src, tgt)


def test_without_fixed_links_nothing_changes(seed_docs: dict[str, Document]) -> None:
    src, tgt = seed_docs["it"], seed_docs["de"]
    assert align_documents(src, tgt, None, None, fixed=()) == align_documents(src, tgt, None, None)


@pytest.mark.parametrize(
    ("fixed", "message"),
    [
        pytest.param([Link((), (), 1.0)], "fixed link 0 joins no sentences", id="empty"),
        pytest.param([Link((99,), (0,), 1.0)], "names a sentence that does not exist", id="range"),
        pytest.param(
            [Link((5,), (5,), 1.0), Link((4,), (6,), 1.0)],
            "fixed link 1 overlaps or precedes an earlier one",
            id="order",
        ),
        pytest.param(
            [Link((5, 6), (5,), 1.0), Link((6,), (6,), 1.0)], "fixed link 1 overlaps", id="overlap"
        ),
    ],
)
def test_bad_fixed_links_are_refused(
    seed_docs: dict[str, Document], fixed: list[Link], message: str
) -> None:
    with pytest.raises(AlignmentError, match=message):
        align_documents(seed_docs["it"], seed_docs["de"], None, None, fixed=fixed)
