"""How a text marks its sections (the chapters of a book): a line holding only a form feed.

Readers of formats with chapters (EPUB) join them with such lines; readers of every other format
turn form feeds into plain line breaks, since a page break in a text file is layout, not a
chapter. The cleaner and the pipeline then number each paragraph's section from the break
lines before it, and the aligner matches chapters before paragraphs.

Line numbers here, as everywhere in `corpus`, count "\\n"-separated lines from 1 (after CRLF and
CR are read as LF). `str.splitlines` must not be used on such text: it also splits at form feeds.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

SECTION_BREAK = "\f"


def text_lines(text: str) -> list[str]:
    """The lines of `text` as the cleaner numbers them (CRLF and CR count as one line break)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def join_sections(sections: Sequence[Sequence[str]]) -> str:
    """One text from sections of paragraphs: paragraphs separated by a blank line, sections by
    a line holding only a form feed."""
    return f"\n{SECTION_BREAK}\n".join("\n\n".join(section) for section in sections) + "\n"


def section_breaks(text: str) -> tuple[int, ...]:
    """The 1-based line numbers of the section break lines of `text`, in order."""
    return tuple(
        number for number, line in enumerate(text_lines(text), start=1) if line == SECTION_BREAK
    )


def section_of(line: int, breaks: Sequence[int]) -> int:
    """The 0-based section of a line: how many section breaks come before it."""
    return bisect.bisect_left(breaks, line)
