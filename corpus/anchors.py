"""Anchors: tokens that survive translation unchanged, so they tie sentences together.

Numbers are normalised across scripts and separators (1.457 = 1,457 = 1،457 = ١٬٤٥٧), and
Latin-script names (LinkedIn, Mumbai) are kept as written. A sentence pair that shares a rare
anchor is very likely a translation pair; one whose numbers disagree is very likely not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Arabic-Indic and Extended Arabic-Indic digits, plus the Arabic thousands and decimal separators.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٬٫", "01234567890123456789,.")
_NUMBER = re.compile(r"\d+(?:[.,،'’ \u00a0\u202f]\d{3})+(?!\d)|\d+(?:[.,]\d+)?")
_GROUPED = re.compile(r"^\d{1,3}(?:[.,،'’ \u00a0\u202f]\d{3})+$")
# Latin-script words with a capital (LinkedIn, Mumbai). Many are ordinary capitalised words; only
# those found on both sides of a pair count, which keeps German nouns from mattering.
_LATIN_WORD = re.compile(r"(?<![^\W\d_])[A-Za-z]{3,}(?![^\W\d_])")


@dataclass(frozen=True)
class Anchors:
    """The numbers and Latin-script capitalised words of a text."""

    numbers: frozenset[str]
    names: frozenset[str]

    def __bool__(self) -> bool:
        return bool(self.numbers or self.names)


def normalise_number(raw: str) -> str:
    """Return a number written in any script with any thousands separator in one canonical form."""
    text = raw.translate(_DIGITS)
    if _GROUPED.match(text):
        return re.sub(r"\D", "", text)
    text = text.replace(",", ".")
    return text if "." in text else text.lstrip("0") or "0"


def find_anchors(text: str) -> Anchors:
    """Collect the anchors of one sentence or paragraph."""
    translated = text.translate(_DIGITS)
    numbers = frozenset(normalise_number(m.group()) for m in _NUMBER.finditer(translated))
    names = frozenset(word for word in _LATIN_WORD.findall(text) if not word.islower())
    return Anchors(numbers, names)


def anchor_agreement(a: Anchors, b: Anchors) -> float:
    """Score in [-1, 1]: shared anchors count for, numbers present on both sides but disjoint
    count against; 0 when there is nothing to compare."""
    score = 0.0
    if a.numbers and b.numbers:
        shared = len(a.numbers & b.numbers)
        score += shared / len(a.numbers | b.numbers) if shared else -1.0
    elif a.numbers or b.numbers:
        score -= 0.25
    if a.names and b.names:
        score += 0.5 * len(a.names & b.names) / len(a.names | b.names)
    return max(-1.0, min(1.0, score))
