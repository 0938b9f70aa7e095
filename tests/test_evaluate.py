"""The evaluation tools: strict scores and perturbed cases whose gold stays consistent."""

from __future__ import annotations

import random

import pytest

from corpus.evaluate import perturb, strict_scores


def test_strict_scores_count_exact_links_only() -> None:
    gold = [((0,), (0,)), ((1, 2), (1,)), ((3,), ())]
    predicted = [((0,), (0,)), ((1,), (1,)), ((2,), ()), ((3,), ())]
    scores = strict_scores(gold, predicted)
    assert (scores.precision, scores.recall) == (0.5, 2 / 3)
    assert strict_scores(gold, predicted, include_null=False).recall == 0.5


@pytest.mark.parametrize("seed", range(5))
def test_perturbed_gold_covers_every_sentence_once_in_order(seed: int) -> None:
    source = [f"Satz {k}, mit einem Komma in der Mitte und genug Text." for k in range(40)]
    target = [f"Frase {k}, con una virgola nel mezzo e abbastanza testo." for k in range(40)]
    case = perturb(source, target, random.Random(seed), rate=0.5)
    src = [i for s, _ in case.gold for i in s]
    tgt = [j for _, t in case.gold for j in t]
    assert src == list(range(len(case.source)))
    assert tgt == list(range(len(case.target)))
    kinds = {(len(s), len(t)) for s, t in case.gold}
    assert kinds - {(1, 1)}, "a perturbed case must contain harder links"
