"""Section-, paragraph- then sentence-level alignment of two documents, by dynamic programming
over beads. Chapters of two books are matched first, paragraphs inside matched chapters next,
and sentences inside matched paragraphs last; an article has one section and starts with
paragraphs. Links a learner fixed by hand are kept, and only the stretches between them are
aligned again.

A bead joins 0–3 consecutive units (paragraphs or sentences) of one side to 0–3 of the other.
With embeddings, a bead scores like the best published aligners do: cosine similarity of the
summed unit vectors, minus a margin against each side's nearest neighbours (so generic sentences
that resemble everything do not win), minus a length-ratio penalty, plus anchor agreement
(shared numbers and names). Skipping a unit (1-0 / 0-1) earns a fixed skip score. Without
embeddings (model missing, or a language it was not trained on) beads score by Gale–Church length
probability plus anchors. Long inputs are aligned coarse-to-fine: pairs of units are merged,
aligned, and the path found there bounds a narrow band for the full-resolution pass.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import numpy.typing as npt

from corpus.anchors import Anchors, anchor_agreement, find_anchors
from corpus.embed import Vectors
from corpus.errors import AlignmentError
from corpus.model import Alignment, Document, Link

# Bead shapes (source units, target units). Paragraphs rarely merge more than two at a time.
SENTENCE_BEADS = ((1, 1), (1, 0), (0, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1))
PARAGRAPH_BEADS = ((1, 1), (1, 0), (0, 1), (1, 2), (2, 1))
_COARSE_BEADS = ((1, 1), (1, 0), (0, 1), (1, 2), (2, 1))

# Embedding scores (units of cosine similarity), tuned on perturbed copies of the seed article
# (random seeds 100-103) and evaluated on others: see bench/align_quality.py.
SKIP_SCORE = -0.1
MARGIN_WEIGHT = 1.5
LENGTH_WEIGHT = 0.4
ANCHOR_WEIGHT = 0.12
NEIGHBOURS = 4
FLAG_BELOW = 0.55

# Gale–Church (1993) bead priors and length variance; scores are log probabilities.
_GC_PRIOR = {
    (1, 1): 0.89,
    (1, 0): 0.005,
    (0, 1): 0.005,
    (2, 1): 0.0445,
    (1, 2): 0.0445,
    (2, 2): 0.011,
    (1, 3): 0.002,
    (3, 1): 0.002,
}
_GC_VARIANCE = 6.8
_GC_ANCHOR_WEIGHT = 2.0
GC_FLAG_BELOW = 0.15

# Section alignment re-estimates the length ratio from matched sections (see _align_sections)
# this many times at most, stopping when it moves by less than the tolerance (log scale).
RATIO_PASSES = 3
RATIO_TOLERANCE = 0.01

# Above this many cells the full table is too slow in Python: go coarse-to-fine.
_FULL_TABLE_CELLS = 6_000
_BAND_WIDTH = 6


@dataclass(frozen=True)
class Units:
    """One side of an alignment problem: lengths in characters, anchors, and optional vectors."""

    lengths: tuple[int, ...]
    anchors: tuple[Anchors, ...]
    vectors: Vectors | None

    def __len__(self) -> int:
        return len(self.lengths)

    @classmethod
    def from_texts(cls, texts: Sequence[str], vectors: Vectors | None) -> Units:
        """Units for a list of sentences, with their embeddings when available."""
        return cls(tuple(len(t) for t in texts), tuple(find_anchors(t) for t in texts), vectors)

    def merged(self, groups: Sequence[Sequence[int]]) -> Units:
        """Units made by joining the given groups of units (for paragraphs or a coarse pass)."""
        lengths = tuple(sum(self.lengths[i] for i in g) for g in groups)
        anchors = tuple(
            Anchors(
                frozenset().union(*(self.anchors[i].numbers for i in g)),
                frozenset().union(*(self.anchors[i].names for i in g)),
            )
            for g in groups
        )
        vectors = None
        if self.vectors is not None:
            dim = self.vectors.shape[1]
            rows = [
                self.vectors[list(g)].sum(axis=0) if g else np.zeros(dim, np.float32)
                for g in groups
            ]
            vectors = _normalise(np.asarray(rows, dtype=np.float32).reshape(len(groups), dim))
        return Units(lengths, anchors, vectors)


def _normalise(vectors: Vectors) -> Vectors:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    result: Vectors = (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
    return result


def _neighbour_similarity(a: Vectors, b: Vectors, k: int = NEIGHBOURS) -> Vectors:
    """Mean similarity of each row of `a` to its k most similar rows of `b` (the margin base)."""
    result = np.zeros(len(a), dtype=np.float32)
    if len(b) == 0:
        return result
    k = min(k, len(b))
    for start in range(0, len(a), 1024):
        sims = a[start : start + 1024] @ b.T
        top = np.partition(sims, len(b) - k, axis=1)[:, len(b) - k :]
        result[start : start + 1024] = top.mean(axis=1)
    return result


def _prefix_sums(values: Vectors) -> npt.NDArray[np.float64]:
    """Running sums with a leading zero row, so any run's sum is one subtraction."""
    sums = np.cumsum(values, axis=0, dtype=np.float64)
    return np.concatenate([np.zeros((1, *sums.shape[1:])), sums])


class _Scorer:
    """Scores every bead of one alignment problem; shared by the full and the banded pass."""

    def __init__(
        self, src: Units, tgt: Units, src_knn: Vectors | None, tgt_knn: Vectors | None, ratio: float
    ) -> None:
        self.src, self.tgt = src, tgt
        self.embedded = src.vectors is not None and tgt.vectors is not None
        self.ratio = ratio
        self.src_len = np.concatenate([[0], np.cumsum(src.lengths)])
        self.tgt_len = np.concatenate([[0], np.cumsum(tgt.lengths)])
        self._blocks: dict[tuple[str, int], Vectors] = {}
        if self.embedded:
            assert src.vectors is not None and tgt.vectors is not None
            assert src_knn is not None and tgt_knn is not None
            self.src_cum = _prefix_sums(src.vectors)
            self.tgt_cum = _prefix_sums(tgt.vectors)
            self.src_knn = _prefix_sums(src_knn)
            self.tgt_knn = _prefix_sums(tgt_knn)

    def _block(self, side: str, size: int) -> Vectors:
        """Normalised sums of every run of `size` consecutive vectors, row r = units r..r+size."""
        key = (side, size)
        if key not in self._blocks:
            cum = self.src_cum if side == "s" else self.tgt_cum
            self._blocks[key] = _normalise((cum[size:] - cum[:-size]).astype(np.float32))
        return self._blocks[key]

    def cosines(self, i: int, a: int, js: range, b: int) -> Vectors:
        """Cosine of the bead src[i-a:i] ~ tgt[j-b:j] for every end column j in `js`."""
        src_block = self._block("s", a)[i - a]
        tgt_block = self._block("t", b)[js.start - b : js.stop - b]
        result: Vectors = tgt_block @ src_block
        return result

    def bead_scores(self, i: int, a: int, js: range, b: int) -> list[float]:
        """DP scores of the bead (a, b) ending at row i and each column of `js`."""
        if a == 0 or b == 0:
            return [self.skip_score(a + b)] * len(js)
        ls = float(self.src_len[i] - self.src_len[i - a])
        src_anchor = self._anchor_block(self.src.anchors, i, a)
        scores = []
        if self.embedded:
            cos = self.cosines(i, a, js, b)
            knn_s = (self.src_knn[i] - self.src_knn[i - a]) / a
            for k, j in enumerate(js):
                lt = float(self.tgt_len[j] - self.tgt_len[j - b])
                knn_t = (self.tgt_knn[j] - self.tgt_knn[j - b]) / b
                margin = float(cos[k]) - MARGIN_WEIGHT * 0.5 * (knn_s + knn_t)
                scores.append(
                    float(cos[k])
                    + margin
                    - LENGTH_WEIGHT * abs(math.log((lt + 10) / (self.ratio * ls + 10)))
                    + ANCHOR_WEIGHT * self._agreement(src_anchor, j, b)
                )
            return scores
        prior = math.log(_GC_PRIOR.get((a, b), 0.001))
        for j in js:
            lt = float(self.tgt_len[j] - self.tgt_len[j - b])
            scores.append(
                prior
                + math.log(max(_length_probability(ls, lt, self.ratio), 1e-12))
                + _GC_ANCHOR_WEIGHT * self._agreement(src_anchor, j, b)
            )
        return scores

    def skip_score(self, units: int) -> float:
        """Score of leaving `units` units without a counterpart."""
        if self.embedded:
            return SKIP_SCORE * units
        return math.log(_GC_PRIOR[(1, 0)])

    def _anchor_block(self, anchors: Sequence[Anchors], end: int, size: int) -> Anchors:
        if size == 1:
            return anchors[end - 1]
        chunk = anchors[end - size : end]
        return Anchors(
            frozenset().union(*(x.numbers for x in chunk)),
            frozenset().union(*(x.names for x in chunk)),
        )

    def _agreement(self, src_anchor: Anchors, j: int, b: int) -> float:
        tgt_anchor = self._anchor_block(self.tgt.anchors, j, b)
        if not src_anchor and not tgt_anchor:
            return 0.0
        return anchor_agreement(src_anchor, tgt_anchor)

    def link(self, i0: int, i1: int, j0: int, j1: int) -> Link:
        """The reported link of a chosen bead, with a confidence in [0, 1] and a flag."""
        source, target = tuple(range(i0, i1)), tuple(range(j0, j1))
        if self.embedded:
            if source and target:
                # How much better the pair fits than each side's usual near neighbours: short
                # sentences ("Probably not.") have modest cosines but a clear margin.
                cos = float(self.cosines(i1, i1 - i0, range(j1, j1 + 1), j1 - j0)[0])
                knn_s = (self.src_knn[i1] - self.src_knn[i0]) / (i1 - i0)
                knn_t = (self.tgt_knn[j1] - self.tgt_knn[j0]) / (j1 - j0)
                confidence = 0.5 + cos - 0.5 * (knn_s + knn_t)
            else:
                confidence = self._skip_confidence(i0, i1, j0, j1)
            confidence = min(1.0, max(0.0, float(confidence)))
            return Link(source, target, round(confidence, 4), confidence < FLAG_BELOW)
        if source and target:
            ls = float(self.src_len[i1] - self.src_len[i0])
            lt = float(self.tgt_len[j1] - self.tgt_len[j0])
            confidence = _length_probability(ls, lt, self.ratio)
        else:
            confidence = 0.5
        return Link(source, target, round(float(confidence), 4), confidence < GC_FLAG_BELOW)

    def _skip_confidence(self, i0: int, i1: int, j0: int, j1: int) -> float:
        """How sure we are a unit has no counterpart: 1 minus its best similarity nearby."""
        if i1 > i0:
            assert self.src.vectors is not None and self.tgt.vectors is not None
            own, other, centre = self.src.vectors[i0], self.tgt.vectors, j0
        else:
            assert self.src.vectors is not None and self.tgt.vectors is not None
            own, other, centre = self.tgt.vectors[j0], self.src.vectors, i0
        window = other[max(0, centre - 2) : centre + 2]
        best = float((window @ own).max()) if len(window) else 0.0
        return 1.0 - best


def _length_probability(ls: float, lt: float, ratio: float) -> float:
    """Gale–Church: probability that lengths this different come from one translation bead."""
    mean = (ls + lt / ratio) / 2
    delta = (lt - ls * ratio) / math.sqrt(max(mean, 1.0) * _GC_VARIANCE)
    return 2 * (1 - 0.5 * (1 + math.erf(abs(delta) / math.sqrt(2))))


def _dp(
    scorer: _Scorer,
    n: int,
    m: int,
    beads: Sequence[tuple[int, int]],
    band: Sequence[tuple[int, int]],
) -> list[tuple[int, int, int, int]]:
    """Best-scoring monotone path of beads from (0, 0) to (n, m) inside `band` (per-row column
    ranges, inclusive). Returns beads as (i0, i1, j0, j1)."""
    neg = -math.inf
    score: list[dict[int, float]] = [dict() for _ in range(n + 1)]
    back: list[dict[int, tuple[int, int]]] = [dict() for _ in range(n + 1)]
    score[0][0] = 0.0
    # Same-row beads (0-b) extend what the other beads reached in this row, so they go last.
    ordered = sorted(beads, key=lambda bead: bead[0] == 0)
    for i in range(n + 1):
        lo, hi = band[i]
        row = score[i]
        row_back = back[i]
        for a, b in ordered:
            if a > i:
                continue
            j_lo, j_hi = max(lo, b), hi
            if j_lo > j_hi:
                continue
            prev = score[i - a]
            cols = range(j_lo, j_hi + 1)
            candidates = [(j, prev.get(j - b, neg)) for j in cols]
            if all(p == neg for _, p in candidates):
                continue
            if a == 0:
                # Same-row move: must run left to right so chains of 0-1 beads accumulate.
                for j, _ in candidates:
                    base = row.get(j - b, neg)
                    if base == neg:
                        continue
                    value = base + scorer.skip_score(b)
                    if value > row.get(j, neg):
                        row[j] = value
                        row_back[j] = (a, b)
                continue
            bead = scorer.bead_scores(i, a, cols, b)
            for (j, p), s in zip(candidates, bead, strict=True):
                if p == neg:
                    continue
                value = p + s
                if value > row.get(j, neg):
                    row[j] = value
                    row_back[j] = (a, b)
    if m not in score[n]:
        raise ValueError("alignment band does not reach the end")
    path = []
    i, j = n, m
    while i or j:
        a, b = back[i][j]
        path.append((i - a, i, j - b, j))
        i, j = i - a, j - b
    path.reverse()
    return path


def align_units(
    src: Units,
    tgt: Units,
    beads: Sequence[tuple[int, int]] = SENTENCE_BEADS,
    src_knn: Vectors | None = None,
    tgt_knn: Vectors | None = None,
    ratio: float | None = None,
) -> list[Link]:
    """Align two sequences of units; every unit ends up in exactly one link, in order."""
    n, m = len(src), len(tgt)
    if n == 0 or m == 0:
        return [Link((i,), (), 1.0) for i in range(n)] + [Link((), (j,), 1.0) for j in range(m)]
    embedded = src.vectors is not None and tgt.vectors is not None
    if embedded and src_knn is None:
        assert src.vectors is not None and tgt.vectors is not None
        src_knn = _neighbour_similarity(src.vectors, tgt.vectors)
        tgt_knn = _neighbour_similarity(tgt.vectors, src.vectors)
    if ratio is None:
        ratio = max(sum(tgt.lengths), 1) / max(sum(src.lengths), 1)
    scorer = _Scorer(src, tgt, src_knn, tgt_knn, ratio)
    band = _band(src, tgt, src_knn, tgt_knn, ratio)
    return [scorer.link(*bead) for bead in _dp(scorer, n, m, beads, band)]


def _band(
    src: Units, tgt: Units, src_knn: Vectors | None, tgt_knn: Vectors | None, ratio: float
) -> list[tuple[int, int]]:
    """Per-row column ranges to search: everything for small inputs, else a band around the
    path found on a half-resolution copy of both sides."""
    n, m = len(src), len(tgt)
    if (n + 1) * (m + 1) <= _FULL_TABLE_CELLS or n < 4 or m < 4:
        return [(0, m)] * (n + 1)
    src_pairs = [list(range(i, min(i + 2, n))) for i in range(0, n, 2)]
    tgt_pairs = [list(range(j, min(j + 2, m))) for j in range(0, m, 2)]
    coarse_knn_s = coarse_knn_t = None
    if src_knn is not None and tgt_knn is not None:
        coarse_knn_s = np.asarray([src_knn[g].mean() for g in src_pairs], dtype=np.float32)
        coarse_knn_t = np.asarray([tgt_knn[g].mean() for g in tgt_pairs], dtype=np.float32)
    coarse = align_units(
        src.merged(src_pairs),
        tgt.merged(tgt_pairs),
        _COARSE_BEADS,
        coarse_knn_s,
        coarse_knn_t,
        ratio,
    )
    lo = [m] * (n + 1)
    hi = [0] * (n + 1)
    for link in coarse:
        ci0 = link.source[0] if link.source else _next_start(link, coarse, "source")
        ci1 = (link.source[-1] + 1) if link.source else ci0
        cj0 = link.target[0] if link.target else _next_start(link, coarse, "target")
        cj1 = (link.target[-1] + 1) if link.target else cj0
        for i in range(2 * ci0, min(2 * ci1, n) + 1):
            lo[i] = min(lo[i], 2 * cj0)
            hi[i] = max(hi[i], min(2 * cj1, m))
    band = []
    for i in range(n + 1):
        band.append((max(0, lo[i] - _BAND_WIDTH), min(m, hi[i] + _BAND_WIDTH)))
    # Keep the band monotone and connected so the DP can always reach (n, m).
    for i in range(1, n + 1):
        band[i] = (max(band[i][0], 0), max(band[i][1], band[i - 1][1]))
    for i in range(n - 1, -1, -1):
        band[i] = (min(band[i][0], band[i + 1][0]), band[i][1])
    band[0] = (0, band[0][1])
    band[n] = (band[n][0], m)
    return band


def _next_start(link: Link, links: Sequence[Link], side: str) -> int:
    """Where an empty side of a coarse link sits: just before the next link that has that side."""
    index = links.index(link)
    for later in links[index + 1 :]:
        units = later.source if side == "source" else later.target
        if units:
            return units[0]
    previous = [x for x in links[:index] if (x.source if side == "source" else x.target)]
    if previous:
        units = previous[-1].source if side == "source" else previous[-1].target
        return units[-1] + 1
    return 0


def align_documents(
    src: Document,
    tgt: Document,
    src_vectors: Vectors | None,
    tgt_vectors: Vectors | None,
    notes: Sequence[str] = (),
    *,
    fixed: Sequence[Link] = (),
) -> Alignment:
    """Align sections (the chapters of two books), then paragraphs inside each aligned
    section group, then the sentences inside each aligned paragraph group.

    Sections are aligned first only when both documents have more than one; otherwise (every
    article) paragraphs come first. Pass both documents' sentence vectors (rows in
    `Document.sentences` order) to use embeddings; pass None for either to use lengths and
    anchors only.

    `fixed` holds sentence links the learner made by hand, monotonic and non-overlapping: each
    appears in the result unchanged. Links with sentences on both sides cut the documents into
    gaps, and each gap is aligned on its own by the same nested method, restricted to the
    gap's sentences (a one-sided fixed link takes its sentence out of its gap). Paragraph
    groups that share a paragraph across a cut are merged, so sentence links still lie in
    exactly one paragraph link.
    """
    if src_vectors is None or tgt_vectors is None:
        src_vectors = tgt_vectors = None
    problem = _Problem.build(src, tgt, src_vectors, tgt_vectors)
    _check_fixed(fixed, len(problem.src), len(problem.tgt))
    pieces: list[_Piece] = []
    for gap_src, gap_tgt, inside, after in _gaps(fixed, len(problem.src), len(problem.tgt)):
        pieces += _insert_fixed(_align_span(problem, gap_src, gap_tgt), inside, problem)
        if after is not None:
            pieces.append(_fixed_piece(after, problem))
    paragraph_links, sentence_links, groups = _assemble(pieces)
    method = "embeddings" if src_vectors is not None else "length"
    return Alignment(
        tuple(paragraph_links), tuple(sentence_links), tuple(groups), method, tuple(notes)
    )


@dataclass(frozen=True)
class _Problem:
    """What every level of one document pair's alignment shares: sentence units, their
    margins, the pair's length ratio, and each paragraph's sentences and section."""

    src: Units
    tgt: Units
    src_knn: Vectors | None
    tgt_knn: Vectors | None
    ratio: float
    src_paragraphs: tuple[tuple[int, ...], ...]
    tgt_paragraphs: tuple[tuple[int, ...], ...]
    src_sections: tuple[int, ...]
    tgt_sections: tuple[int, ...]

    @cached_property
    def src_paragraph_of(self) -> tuple[int, ...]:
        """The paragraph of each source sentence."""
        return tuple(k for k, members in enumerate(self.src_paragraphs) for _ in members)

    @cached_property
    def tgt_paragraph_of(self) -> tuple[int, ...]:
        """The paragraph of each target sentence."""
        return tuple(k for k, members in enumerate(self.tgt_paragraphs) for _ in members)

    @classmethod
    def build(
        cls, src: Document, tgt: Document, src_vectors: Vectors | None, tgt_vectors: Vectors | None
    ) -> _Problem:
        """The problem of aligning two documents (vectors: both or neither)."""
        src_units = Units.from_texts(src.sentences, src_vectors)
        tgt_units = Units.from_texts(tgt.sentences, tgt_vectors)
        src_knn = tgt_knn = None
        if src_vectors is not None and tgt_vectors is not None:
            src_knn = _neighbour_similarity(src_vectors, tgt_vectors)
            tgt_knn = _neighbour_similarity(tgt_vectors, src_vectors)
        ratio = max(sum(tgt_units.lengths), 1) / max(sum(src_units.lengths), 1)
        return cls(
            src_units,
            tgt_units,
            src_knn,
            tgt_knn,
            ratio,
            _paragraph_members(src),
            _paragraph_members(tgt),
            tuple(p.section for p in src.paragraphs),
            tuple(p.section for p in tgt.paragraphs),
        )


@dataclass(frozen=True)
class _Piece:
    """A run of sentence links in reading order that lie in one paragraph group, with the
    paragraphs of that group and its score; pieces sharing a paragraph are merged."""

    src_paragraphs: frozenset[int]
    tgt_paragraphs: frozenset[int]
    link: Link
    sentences: tuple[Link, ...]


# A paragraph's sentences restricted to a gap: (paragraph index, sentence indexes).
_Block = tuple[int, tuple[int, ...]]


def _align_span(problem: _Problem, src_idx: Sequence[int], tgt_idx: Sequence[int]) -> list[_Piece]:
    """Align the given sentences of each side: sections first when both sides span several,
    then paragraphs, then sentences inside each paragraph group."""
    src_blocks = _blocks(problem.src_paragraphs, src_idx)
    tgt_blocks = _blocks(problem.tgt_paragraphs, tgt_idx)
    src_sections = _by_section(src_blocks, problem.src_sections)
    tgt_sections = _by_section(tgt_blocks, problem.tgt_sections)
    if len(src_sections) <= 1 or len(tgt_sections) <= 1:
        return _align_paragraphs(problem, src_blocks, tgt_blocks)
    section_links, ratio = _align_sections(
        problem,
        problem.src.merged([_sentences(s) for s in src_sections]),
        problem.tgt.merged([_sentences(t) for t in tgt_sections]),
    )
    problem = replace(problem, ratio=ratio)
    pieces = []
    for slink in section_links:
        src_part = [b for k in slink.source for b in src_sections[k]]
        tgt_part = [b for k in slink.target for b in tgt_sections[k]]
        # A chapter without counterpart lends its confidence to its paragraphs; otherwise the
        # paragraphs' own margins say more than a chapter's, which all resemble each other.
        one_sided = not src_part or not tgt_part
        for piece in _align_paragraphs(problem, src_part, tgt_part):
            link = _nested(slink, piece.link, one_sided, inherit_flag=False)
            sentences = tuple(
                _nested(slink, s, one_sided, inherit_flag=False) for s in piece.sentences
            )
            pieces.append(_Piece(piece.src_paragraphs, piece.tgt_paragraphs, link, sentences))
    return pieces


def _align_sections(problem: _Problem, src: Units, tgt: Units) -> tuple[list[Link], float]:
    """Align sections, and find the pair's length ratio from the sections matched one to one.

    The ratio of the documents' total lengths is biased when a chapter is missing from one of
    them (by a quarter if one of four is), enough to make merging the missing chapter with its
    neighbour look better than skipping it. So the ratio is re-estimated from the 1-1 section
    links and the sections aligned again, until it settles; the paragraphs and sentences inside
    are then aligned with it too.
    """
    ratio = problem.ratio
    for _ in range(RATIO_PASSES):
        links = align_units(src, tgt, PARAGRAPH_BEADS, ratio=ratio)
        matched = [link for link in links if len(link.source) == len(link.target) == 1]
        if not matched:
            break
        src_length = sum(src.lengths[link.source[0]] for link in matched)
        tgt_length = sum(tgt.lengths[link.target[0]] for link in matched)
        estimate = max(tgt_length, 1) / max(src_length, 1)
        if abs(math.log(estimate / ratio)) < RATIO_TOLERANCE:
            break
        ratio = estimate
    return links, ratio


def _align_paragraphs(
    problem: _Problem, src_blocks: Sequence[_Block], tgt_blocks: Sequence[_Block]
) -> list[_Piece]:
    """Align paragraphs (restricted to the given sentences), then the sentences inside each
    aligned paragraph group."""
    paragraph_links = align_units(
        problem.src.merged([sentences for _, sentences in src_blocks]),
        problem.tgt.merged([sentences for _, sentences in tgt_blocks]),
        PARAGRAPH_BEADS,
        ratio=problem.ratio,
    )
    pieces = []
    for local in paragraph_links:
        src_part = [src_blocks[k] for k in local.source]
        tgt_part = [tgt_blocks[k] for k in local.target]
        plink = Link(
            tuple(p for p, _ in src_part), tuple(p for p, _ in tgt_part), local.score, local.flagged
        )
        s_idx = _sentences(src_part)
        t_idx = _sentences(tgt_part)
        sentence_links = align_units(
            _subset(problem.src, s_idx),
            _subset(problem.tgt, t_idx),
            SENTENCE_BEADS,
            None if problem.src_knn is None else problem.src_knn[s_idx],
            None if problem.tgt_knn is None else problem.tgt_knn[t_idx],
            problem.ratio,
        )
        one_sided = not s_idx or not t_idx
        sentences = tuple(
            _nested(
                plink,
                Link(
                    tuple(s_idx[i] for i in link.source),
                    tuple(t_idx[j] for j in link.target),
                    link.score,
                    link.flagged,
                ),
                one_sided,
                inherit_flag=True,
            )
            for link in sentence_links
        )
        pieces.append(_Piece(frozenset(plink.source), frozenset(plink.target), plink, sentences))
    return pieces


def _nested(outer: Link, inner: Link, one_sided: bool, *, inherit_flag: bool) -> Link:
    """A link inside an aligned group of larger units. A group with no counterpart lends its
    own confidence to everything in it; a doubtful paragraph link makes every sentence link
    inside it doubtful (`inherit_flag`)."""
    if one_sided:
        return Link(inner.source, inner.target, outer.score, inner.flagged or outer.flagged)
    if inherit_flag and outer.flagged and not inner.flagged:
        return Link(inner.source, inner.target, inner.score, True)
    return inner


def _blocks(paragraphs: Sequence[Sequence[int]], indexes: Sequence[int]) -> list[_Block]:
    """Each paragraph that has some of the given sentences, with just those sentences."""
    if len(indexes) == sum(len(p) for p in paragraphs):
        return [(k, tuple(members)) for k, members in enumerate(paragraphs) if members]
    wanted = set(indexes)
    blocks = [(k, tuple(i for i in members if i in wanted)) for k, members in enumerate(paragraphs)]
    return [(k, members) for k, members in blocks if members]


def _by_section(blocks: Sequence[_Block], sections: Sequence[int]) -> list[list[_Block]]:
    """Blocks grouped into runs of one section."""
    groups: list[list[_Block]] = []
    for block in blocks:
        if groups and sections[groups[-1][-1][0]] == sections[block[0]]:
            groups[-1].append(block)
        else:
            groups.append([block])
    return groups


def _sentences(blocks: Sequence[_Block]) -> list[int]:
    return [i for _, members in blocks for i in members]


def _check_fixed(fixed: Sequence[Link], n: int, m: int) -> None:
    """Refuse fixed links that are empty, out of range, out of order or overlapping, all
    reported at once: aligning around them would silently give a wrong result."""
    problems = []
    last_source = last_target = -1
    for k, link in enumerate(fixed):
        if not link.source and not link.target:
            problems.append(f"fixed link {k} joins no sentences")
        if any(not 0 <= i < n for i in link.source) or any(not 0 <= j < m for j in link.target):
            problems.append(f"fixed link {k} names a sentence that does not exist")
        for index in link.source:
            if index <= last_source:
                problems.append(f"fixed link {k} overlaps or precedes an earlier one")
            last_source = max(last_source, index)
        for index in link.target:
            if index <= last_target:
                problems.append(f"fixed link {k} overlaps or precedes an earlier one")
            last_target = max(last_target, index)
    if problems:
        raise AlignmentError("; ".join(dict.fromkeys(problems)))


def _gaps(
    fixed: Sequence[Link], n: int, m: int
) -> list[tuple[list[int], list[int], list[Link], Link | None]]:
    """The stretches between fixed links that have both sides: for each, its free source and
    target sentences, the one-sided fixed links inside it, and the fixed link that ends it
    (None for the last stretch)."""
    gaps: list[tuple[list[int], list[int], list[Link], Link | None]] = []
    start_s = start_t = 0
    inside: list[Link] = []
    for link in [*fixed, None]:
        if link is not None and not (link.source and link.target):
            inside.append(link)
            continue
        end_s = link.source[0] if link is not None else n
        end_t = link.target[0] if link is not None else m
        taken = {i for x in inside for i in x.source}, {j for x in inside for j in x.target}
        gaps.append(
            (
                [i for i in range(start_s, end_s) if i not in taken[0]],
                [j for j in range(start_t, end_t) if j not in taken[1]],
                inside,
                link,
            )
        )
        if link is not None:
            start_s, start_t = link.source[-1] + 1, link.target[-1] + 1
        inside = []
    return gaps


def _fixed_piece(link: Link, problem: _Problem) -> _Piece:
    """A fixed link as a piece of its own, in the paragraphs of its sentences."""
    src_paragraphs = frozenset(problem.src_paragraph_of[i] for i in link.source)
    tgt_paragraphs = frozenset(problem.tgt_paragraph_of[j] for j in link.target)
    group = Link(
        tuple(sorted(src_paragraphs)), tuple(sorted(tgt_paragraphs)), link.score, link.flagged
    )
    return _Piece(src_paragraphs, tgt_paragraphs, group, (link,))


def _insert_fixed(pieces: list[_Piece], inside: Sequence[Link], problem: _Problem) -> list[_Piece]:
    """Put one-sided fixed links among a gap's sentence links, each before the first link that
    comes after it on its side; a piece it falls into is cut in two around it."""
    if not inside:
        return pieces
    flat: list[tuple[int, Link]] = [
        (k, s) for k, piece in enumerate(pieces) for s in piece.sentences
    ]
    for link in inside:
        at = next((pos for pos, (_, s) in enumerate(flat) if _comes_after(s, link)), len(flat))
        flat.insert(at, (-1, link))
    result = []
    for k, run in itertools.groupby(flat, key=lambda item: item[0]):
        links = tuple(s for _, s in run)
        if k < 0:
            result += [_fixed_piece(link, problem) for link in links]
        else:
            piece = pieces[k]
            result.append(_Piece(piece.src_paragraphs, piece.tgt_paragraphs, piece.link, links))
    return result


def _comes_after(link: Link, one_sided: Link) -> bool:
    """Whether `link` has a sentence after the one-sided link's, on that link's side."""
    if one_sided.source:
        return any(i > one_sided.source[-1] for i in link.source)
    return any(j > one_sided.target[-1] for j in link.target)


def _assemble(pieces: Sequence[_Piece]) -> tuple[list[Link], list[Link], list[int]]:
    """Paragraph links, sentence links and each sentence link's group from pieces in reading
    order. Pieces that share a paragraph, with everything between them, become one group
    (its score the lowest of theirs, flagged if any was); alone, a piece keeps its link."""
    merged: list[list[_Piece]] = []
    owner_src: dict[int, int] = {}
    owner_tgt: dict[int, int] = {}
    for piece in pieces:
        owners = [owner_src[p] for p in piece.src_paragraphs if p in owner_src]
        owners += [owner_tgt[p] for p in piece.tgt_paragraphs if p in owner_tgt]
        if owners:
            first = min(owners)
            merged[first:] = [[x for group in merged[first:] for x in group] + [piece]]
        else:
            merged.append([piece])
        index = len(merged) - 1
        for group_piece in merged[index]:
            owner_src.update(dict.fromkeys(group_piece.src_paragraphs, index))
            owner_tgt.update(dict.fromkeys(group_piece.tgt_paragraphs, index))
    paragraph_links: list[Link] = []
    sentence_links: list[Link] = []
    groups: list[int] = []
    for number, group in enumerate(merged):
        paragraph_links.append(_group_link(group))
        for piece in group:
            sentence_links += piece.sentences
            groups += [number] * len(piece.sentences)
    return paragraph_links, sentence_links, groups


def _group_link(group: Sequence[_Piece]) -> Link:
    links = list(dict.fromkeys(piece.link for piece in group))
    if len(links) == 1:
        return links[0]
    return Link(
        tuple(sorted({p for piece in group for p in piece.src_paragraphs})),
        tuple(sorted({p for piece in group for p in piece.tgt_paragraphs})),
        min(link.score for link in links),
        any(link.flagged for link in links),
    )


def _paragraph_members(doc: Document) -> tuple[tuple[int, ...], ...]:
    """Sentence indexes of each paragraph."""
    members, start = [], 0
    for paragraph in doc.paragraphs:
        members.append(tuple(range(start, start + len(paragraph.sentences))))
        start += len(paragraph.sentences)
    return tuple(members)


def _subset(units: Units, indexes: Sequence[int]) -> Units:
    return Units(
        tuple(units.lengths[i] for i in indexes),
        tuple(units.anchors[i] for i in indexes),
        None if units.vectors is None else units.vectors[list(indexes)],
    )
