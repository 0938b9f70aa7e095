"""Grouping translations: the seeds form one four-language article and one German article."""

from __future__ import annotations

from corpus.embed import Encoder
from corpus.group import compare, group_documents, translation_doubt
from corpus.ingest import embed_documents, load_document
from corpus.model import Alignment, Document, Link
from tests.conftest import OTHER_ARTICLE


def seeds_and_other(seed_docs: dict[str, Document]) -> list[Document]:
    return [*seed_docs.values(), load_document(OTHER_ARTICLE)]


def test_the_seeds_group_without_a_manifest(
    seed_docs: dict[str, Document], encoder: Encoder
) -> None:
    docs = seeds_and_other(seed_docs)
    assert group_documents(docs, embed_documents(docs, encoder)) == [[0, 1, 2, 3], [4]]


def test_order_of_files_does_not_matter(seed_docs: dict[str, Document], encoder: Encoder) -> None:
    docs = seeds_and_other(seed_docs)[::-1]
    groups = group_documents(docs, embed_documents(docs, encoder))
    assert sorted(map(sorted, groups)) == [[0], [1, 2, 3, 4]]


def test_the_unrelated_article_scores_far_below_the_translations(
    seed_docs: dict[str, Document], encoder: Encoder
) -> None:
    docs = seeds_and_other(seed_docs)
    vectors = embed_documents(docs, encoder)
    translations = [compare(docs, vectors, i, j) for i in range(4) for j in range(i + 1, 4)]
    unrelated = [compare(docs, vectors, i, 4) for i in range(3)]  # id, it, ar against 004
    assert min(e.score for e in translations) > max(e.score for e in unrelated) + 0.2
    assert all(e.score >= e.threshold for e in translations)
    assert all(e.score < e.threshold for e in unrelated)


def test_same_language_documents_are_never_one_article(
    seed_docs: dict[str, Document], encoder: Encoder
) -> None:
    german = seed_docs["de"]
    copy = Document("copy.txt", "other", "de", 1.0, german.paragraphs)
    docs = [german, copy, seed_docs["it"]]
    groups = group_documents(docs, embed_documents(docs, encoder))
    assert [0, 1] not in groups and not any({0, 1} <= set(g) for g in groups)


def test_a_stored_article_is_joined_by_its_new_translation(
    seed_docs: dict[str, Document], encoder: Encoder
) -> None:
    docs = [seed_docs["it"], seed_docs["id"], seed_docs["de"]]
    groups = group_documents(docs, embed_documents(docs, encoder), [None, "7", "7"])
    assert groups == [[0, 1, 2]]


def test_two_stored_articles_are_never_merged(
    seed_docs: dict[str, Document], encoder: Encoder
) -> None:
    docs = [seed_docs["it"], seed_docs["de"]]
    assert group_documents(docs, embed_documents(docs, encoder), ["1", "2"]) == [[0], [1]]


def test_without_embeddings_numbers_and_shape_decide(seed_docs: dict[str, Document]) -> None:
    docs = seeds_and_other(seed_docs)
    assert group_documents(docs, [None] * len(docs)) == [[0, 1, 2, 3], [4]]


def test_translation_doubt_trusts_similarity_when_there_is_one() -> None:
    clean = Alignment((), (Link((0,), (0,), 0.9),) * 10, (0,) * 10, "embeddings")
    assert translation_doubt(clean, 0.68) is None
    reason = translation_doubt(clean, 0.35)
    assert reason is not None and "35% similar" in reason


def test_without_embeddings_translation_doubt_counts_lost_sentences() -> None:
    good = (Link((0,), (0,), 0.9),) * 7
    lost = (Link((0,), (), 0.4), Link((), (0,), 0.4), Link((0,), (0,), 0.3, flagged=True))
    assert translation_doubt(Alignment((), good + lost, (0,) * 10, "length"), None) is None
    reason = translation_doubt(Alignment((), good[:3] + lost * 2, (0,) * 9, "length"), None)
    assert reason is not None and "67% of the sentences" in reason
