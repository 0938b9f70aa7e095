"""Measuring alignment quality: strict link precision, recall and F1, and harder test cases
made from a gold alignment by merging, splitting and dropping sentences.

Strict means a predicted link counts only when it joins exactly the same sentences on both
sides as a gold link, as in the evaluations of Vecalign and Bertalign.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Bead = tuple[tuple[int, ...], tuple[int, ...]]


@dataclass(frozen=True)
class Scores:
    """Strict precision, recall and F1 of predicted links against gold links."""

    precision: float
    recall: float
    f1: float
    gold: int
    predicted: int


def strict_scores(
    gold: Iterable[Bead], predicted: Iterable[Bead], *, include_null: bool = True
) -> Scores:
    """Compare two sets of links; `include_null=False` ignores 1-0 and 0-1 links."""

    def keep(links: Iterable[Bead]) -> set[Bead]:
        return {(tuple(s), tuple(t)) for s, t in links if include_null or (s and t)}

    g, p = keep(gold), keep(predicted)
    hits = len(g & p)
    precision = hits / len(p) if p else 0.0
    recall = hits / len(g) if g else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, len(g), len(p))


@dataclass(frozen=True)
class Case:
    """Two sentence lists and their gold links."""

    source: tuple[str, ...]
    target: tuple[str, ...]
    gold: tuple[Bead, ...]


_COMMA = re.compile(r"[,،;؛:] ")


def perturb(
    source: Sequence[str], target: Sequence[str], rng: random.Random, rate: float = 0.25
) -> Case:
    """Make a harder case from a 1-1 parallel text: about `rate` of the links become 2-1, 1-2,
    1-0 or 0-1 by merging two neighbouring sentences on one side, splitting a sentence at a
    comma, or dropping a sentence. Order is never changed."""
    if len(source) != len(target):
        raise ValueError("perturb needs a 1-1 parallel text")
    src: list[str] = []
    tgt: list[str] = []
    gold: list[Bead] = []
    k = 0
    while k < len(source):
        s0, t0 = len(src), len(tgt)
        move = rng.random() < rate and rng.choice(
            ["merge_src", "merge_tgt", "split_src", "split_tgt", "drop_src", "drop_tgt"]
        )
        if move in ("merge_src", "merge_tgt") and k + 1 < len(source):
            if move == "merge_src":
                src.append(f"{source[k]} {source[k + 1]}")
                tgt += [target[k], target[k + 1]]
                gold.append(((s0,), (t0, t0 + 1)))
            else:
                src += [source[k], source[k + 1]]
                tgt.append(f"{target[k]} {target[k + 1]}")
                gold.append(((s0, s0 + 1), (t0,)))
            k += 2
            continue
        if move in ("split_src", "split_tgt"):
            text = source[k] if move == "split_src" else target[k]
            parts = _split_at_comma(text)
            if parts:
                if move == "split_src":
                    src += parts
                    tgt.append(target[k])
                    gold.append(((s0, s0 + 1), (t0,)))
                else:
                    src.append(source[k])
                    tgt += parts
                    gold.append(((s0,), (t0, t0 + 1)))
                k += 1
                continue
        if move == "drop_src":
            tgt.append(target[k])
            gold.append(((), (t0,)))
        elif move == "drop_tgt":
            src.append(source[k])
            gold.append(((s0,), ()))
        else:
            src.append(source[k])
            tgt.append(target[k])
            gold.append(((s0,), (t0,)))
        k += 1
    return Case(tuple(src), tuple(tgt), tuple(gold))


def _split_at_comma(text: str) -> list[str] | None:
    """Split a sentence in two at the comma nearest its middle, if both halves are substantial."""
    cuts = [m.end() for m in _COMMA.finditer(text)]
    cuts = [c for c in cuts if 15 <= c <= len(text) - 15]
    if not cuts:
        return None
    cut = min(cuts, key=lambda c: abs(c - len(text) / 2))
    return [text[:cut].strip(), text[cut:].strip()]
