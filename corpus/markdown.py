"""Markdown to reading text: the words a reader sees, one paragraph per line, no syntax.

The file is rendered by markdown-it-py (CommonMark with tables and strikethrough) and the HTML
goes through the same block walk as web pages, so there is one definition of what counts as a
paragraph and what never becomes text. Headings come out on lines of their own, where
`corpus.structure` finds them; link text stays, while images, code blocks, tables, front
matter and raw HTML tags go (a script's content never survives: the walk drops it).
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from corpus.markup import NOT_PROSE, NOT_TEXT, body_paragraphs, parse_html

# Code blocks are rendered as <pre>: program text, not reading text. Inline `code` stays, as it
# is part of its sentence.
_DROP = NOT_TEXT | NOT_PROSE | {"pre"}

# YAML (--- … --- or …) or TOML (+++ … +++) metadata at the very start of the file, as static
# site generators and note-taking apps write it.
_FRONT_MATTER = re.compile(
    r"\A(?:---[ \t]*\n.*?\n(?:---|\.\.\.)|\+\+\+[ \t]*\n.*?\n\+\+\+)[ \t]*(?:\n|\Z)", re.DOTALL
)

_RENDERER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def markdown_paragraphs(markdown: str) -> list[str]:
    """The paragraphs of a Markdown text in reading order (headings, list items and quoted
    paragraphs each one of them), whitespace collapsed; [] when there is no text."""
    body = _FRONT_MATTER.sub("", markdown, count=1)
    root = parse_html(f"<!DOCTYPE html><html><body>{_RENDERER.render(body)}</body></html>")
    return body_paragraphs(root, _DROP) if root is not None else []
