"""Decide which documents are language versions of one article.

Evidence between two documents in different languages: how well each sentence of one finds a
close sentence in the other (cross-lingual embeddings), shared numbers, and how alike their
shapes are (sentence and paragraph counts). Documents join greedily, best pair first; a group
never holds two documents in one language, and documents already stored under different articles
are never merged. Without embeddings the numbers and shape must carry the decision alone, so the
bar is higher and the caller is told.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from corpus.anchors import find_anchors
from corpus.embed import Vectors
from corpus.model import Alignment, Document

# Calibrated on the seed corpus: translation pairs score 0.82-0.90, the unrelated article on the
# same topic from the same site 0.39-0.44 (0.77-1.00 and 0.30-0.31 without embeddings).
THRESHOLD = 0.6
FALLBACK_THRESHOLD = 0.65
# Is a text the learner placed in an article really a translation of it? With embeddings: the
# seed article's translation pairs score 0.66-0.73 on `semantic_similarity`, a perturbed real
# translation (gettext catalogs, a quarter of the links merged, split or dropped) 0.63, and the
# unrelated German article 0.32-0.39 against each seed version. Without them: the share of
# sentence links that are doubtful or one-sided, at most 0.12 on the seed pairs and at least
# 0.43 against the unrelated article.
DOUBTFUL_SIMILARITY = 0.5
DOUBTFUL_SHARE = 0.4


@dataclass(frozen=True)
class Evidence:
    """Why two documents were (or were not) judged translations of each other."""

    left: int
    right: int
    semantic: float | None
    numbers: float
    shape: float

    @property
    def score(self) -> float:
        """Combined score; compare with `threshold`."""
        if self.semantic is None:
            return 0.6 * self.numbers + 0.4 * self.shape
        return self.semantic + 0.1 * self.numbers + 0.1 * self.shape

    @property
    def threshold(self) -> float:
        """The bar for this kind of evidence: higher when embeddings are missing."""
        return FALLBACK_THRESHOLD if self.semantic is None else THRESHOLD


def semantic_similarity(a: Vectors, b: Vectors) -> float:
    """Mean best-match cosine in both directions: high only when most sentences have a
    counterpart, which a text on the same topic does not."""
    if len(a) == 0 or len(b) == 0:
        return 0.0
    sims = a @ b.T
    return float(0.5 * (sims.max(axis=1).mean() + sims.max(axis=0).mean()))


def _ratio(x: int, y: int) -> float:
    return min(x, y) / max(x, y) if max(x, y) else 1.0


def compare(
    docs: Sequence[Document], vectors: Sequence[Vectors | None], i: int, j: int
) -> Evidence:
    """Evidence that documents i and j are versions of one article."""
    a, b = docs[i], docs[j]
    va, vb = vectors[i], vectors[j]
    semantic = None if va is None or vb is None else semantic_similarity(va, vb)
    na = find_anchors(" ".join(a.sentences)).numbers
    nb = find_anchors(" ".join(b.sentences)).numbers
    numbers = len(na & nb) / len(na | nb) if na | nb else 0.0
    shape = 0.5 * (
        _ratio(len(a.sentences), len(b.sentences)) + _ratio(len(a.paragraphs), len(b.paragraphs))
    )
    return Evidence(i, j, semantic, numbers, shape)


def group_documents(
    docs: Sequence[Document],
    vectors: Sequence[Vectors | None],
    articles: Sequence[str | None] | None = None,
) -> list[list[int]]:
    """Partition document indexes into articles.

    `articles` names the stored article a document already belongs to (None for new ones); two
    documents of different stored articles never end up together. Groups come back in the order
    of their first document.
    """
    known: list[str | None] = list(articles) if articles is not None else [None] * len(docs)
    # Documents of one stored article start together; every other document starts alone.
    group_of: list[int] = []
    for i, label in enumerate(known):
        group_of.append(known.index(label) if label else i)
    members: dict[int, list[int]] = {}
    for i, g in enumerate(group_of):
        members.setdefault(g, []).append(i)
    pairs = [
        compare(docs, vectors, i, j)
        for i in range(len(docs))
        for j in range(i + 1, len(docs))
        if docs[i].lang != docs[j].lang and group_of[i] != group_of[j]
    ]
    for evidence in sorted(pairs, key=lambda e: e.score, reverse=True):
        if evidence.score < evidence.threshold:
            break
        gi, gj = group_of[evidence.left], group_of[evidence.right]
        if gi == gj:
            continue
        left, right = members[gi], members[gj]
        if {docs[k].lang for k in left} & {docs[k].lang for k in right}:
            continue
        if len({known[k] for k in left + right if known[k]}) > 1:
            continue
        for k in right:
            group_of[k] = gi
        members[gi] = sorted(left + right)
        del members[gj]
    return sorted(members.values(), key=lambda g: g[0])


def translation_doubt(alignment: Alignment, similarity: float | None) -> str | None:
    """Why two aligned texts are most likely not translations of each other, or None.

    `similarity` is their `semantic_similarity` when both were embedded; otherwise the judgement
    rests on the share of sentence links that are doubtful or one-sided.
    """
    if similarity is not None:
        if similarity >= DOUBTFUL_SIMILARITY:
            return None
        return f"its sentences are only {similarity:.0%} similar to their closest counterparts"
    links = alignment.sentences
    doubtful = sum(1 for link in links if link.flagged or not link.source or not link.target)
    if not links or doubtful / len(links) <= DOUBTFUL_SHARE:
        return None
    return f"{doubtful / len(links):.0%} of the sentences found no clear counterpart"
