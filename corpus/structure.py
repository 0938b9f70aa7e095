"""Tell a document's title, subtitle and headings from its body paragraphs.

Plain text has no markup, so the roles come from the shape of each paragraph: headings are
short and do not end like a sentence. The reader shows headings differently and the aligner
pairs them with headings, so a wrong guess costs little, but a body paragraph taken for a
heading would be shown out of place: in doubt, a paragraph is body.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from corpus.model import Role

# What ends a sentence, in the scripts the app meets: Latin and Greek, Arabic (؟), CJK
# (full-width forms) and Devanagari (danda). A colon or semicolon ends a line that leads into
# more text, which a heading does not either.
SENTENCE_END = frozenset(".!?…:;؟。！？।")
# Closing quotes and brackets may follow the final punctuation: „Komm!“, «Viens !», (sic.)
CLOSERS = frozenset("\"'”’“‘»«›‹)]}」』")
# A line that ends with a comma is a sentence cut in two, never a heading.
CONTINUATION = frozenset(",،、，")

MAX_HEADING_WORDS = 15
MAX_HEADING_CHARS = 120

# "1. Sie werden sich …", "2) …", "IV. …": numbered section headings.
NUMBERED = re.compile(r"^(?:\d{1,3}|[IVXLC]{1,6})[.)]\s+\S")


def last_mark(text: str) -> str:
    """The last character of `text` that is not a space, closing quote or bracket ("" if none)."""
    stripped = text.rstrip()
    while stripped and stripped[-1] in CLOSERS:
        stripped = stripped[:-1].rstrip()
    return stripped[-1:] if stripped else ""


def ends_sentence(text: str) -> bool:
    """Whether `text` ends with sentence punctuation, possibly followed by closing quotes."""
    return last_mark(text) in SENTENCE_END


def is_heading_like(text: str) -> bool:
    """Whether a paragraph has the shape of a heading: short, and not ending like a sentence.

    Numbered headings may end with a question or exclamation mark ("2. Warum?"). An ellipsis
    anywhere marks prose that trails off ("Also werde ich mich … auf… konzentrieren"), which
    headings do not do.
    """
    if not any(char.isalpha() for char in text):
        return False
    if len(text.split()) > MAX_HEADING_WORDS or len(text) > MAX_HEADING_CHARS:
        return False
    if "…" in text or "..." in text:
        return False
    mark = last_mark(text)
    if mark in CONTINUATION:
        return False
    if NUMBERED.match(text):
        return mark not in ".;"
    return mark not in SENTENCE_END


def classify_paragraphs(texts: Sequence[str]) -> tuple[Role, ...]:
    """Give each paragraph a role: TITLE, SUBTITLE, HEADING or BODY.

    A heading-like first paragraph is the title, and a heading-like paragraph right after the
    title is its subtitle (the standfirst under a headline); later heading-like paragraphs are
    headings. A document whose first paragraph is prose has no title.
    """
    roles: list[Role] = []
    for index, text in enumerate(texts):
        if not is_heading_like(text):
            roles.append(Role.BODY)
        elif index == 0:
            roles.append(Role.TITLE)
        elif index == 1 and roles[0] is Role.TITLE:
            roles.append(Role.SUBTITLE)
        else:
            roles.append(Role.HEADING)
    return tuple(roles)
