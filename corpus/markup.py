"""Text of an (X)HTML element tree, one string per block: shared by web pages, EPUB chapters and
the HTML that Markdown files may embed.

Only text nodes are ever read, never attributes, so no markup can leak into the text; elements
whose content is never text a reader wants (scripts, styles, forms) are dropped with everything
inside them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from lxml import etree
from lxml import html as lxml_html

# Elements whose content is never text, whatever the document.
NOT_TEXT = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "math",
        "iframe",
        "object",
        "embed",
        "canvas",
        "head",
        "form",
        "button",
        "select",
        "textarea",
    }
)
# Navigation, asides (sidebars, pop-up footnotes) and tables: not reading text, and a table's
# cells would come out as a column of fragments that align with nothing.
NOT_PROSE = frozenset({"nav", "aside", "table"})
# In a web page, headers and footers are the site's; in a book they hold the chapter's title.
PAGE_CHROME = frozenset({"header", "footer"})

# Inline elements continue the paragraph they are in; every other element starts a new one.
HTML_INLINE = frozenset(
    {
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "cite",
        "code",
        "data",
        "del",
        "dfn",
        "em",
        "font",
        "i",
        "ins",
        "kbd",
        "label",
        "mark",
        "q",
        "rp",
        "rt",
        "ruby",
        "s",
        "samp",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "time",
        "tt",
        "u",
        "var",
        "wbr",
        "img",
    }
)
HTML_BREAKS = frozenset({"br", "hr"})

# A line break while walking blocks; NUL cannot occur in text that passed the binary checks.
_BREAK = "\x00"
_DOUBLE_BREAK = re.compile(r"\x00\s*\x00")


def body_paragraphs(root: etree._Element, drop: Iterable[str]) -> list[str]:
    """The paragraphs of a parsed document's body (or of `root` when it has none), after
    removing the `drop` elements with their content. Modifies `root`."""
    etree.strip_elements(root, *drop, with_tail=False)
    body = root.find("body")
    return list(blocks(body if body is not None else root, HTML_INLINE, HTML_BREAKS))


def blocks(
    element: etree._Element, inline: frozenset[str], breaks: frozenset[str]
) -> Iterator[str]:
    """Yield the text of each block of `element` in document order, one string per block.

    Inline children and their tails join the surrounding block; a block child ends the
    current block, so nested lists and quotes come out as separate lines. One line break is a
    space (it often falls mid-sentence); two in a row separate paragraphs, as on pages that
    use them instead of paragraph elements. Only text nodes are read, never attributes, so no
    markup can leak into the output.
    """
    pieces: list[str] = []

    def flush() -> Iterator[str]:
        for part in _DOUBLE_BREAK.split("".join(pieces)):
            text = " ".join(part.replace(_BREAK, " ").split())
            if text:
                yield text
        pieces.clear()

    if element.text:
        pieces.append(element.text)
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in inline:
            pieces.append(inline_text(child))
        elif tag in breaks:
            pieces.append(_BREAK)
        elif tag:
            yield from flush()
            yield from blocks(child, inline, breaks)
        if child.tail:
            pieces.append(child.tail)
    yield from flush()


def inline_text(element: etree._Element) -> str:
    """All the text inside an element (the parsers drop comments, so only text nodes)."""
    return "".join(text for text in element.itertext() if isinstance(text, str))


def parse_html(markup: str) -> etree._Element | None:
    """Parse HTML leniently, as browsers do, without comments or processing instructions;
    None when there is nothing to parse."""
    parser = lxml_html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        return lxml_html.document_fromstring(markup.encode("utf-8"), parser=parser)
    except (etree.ParserError, ValueError):
        return None
