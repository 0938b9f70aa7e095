"""Markdown becomes the words a reader sees: one paragraph per line, headings on lines of their
own, and no syntax, image, code, front matter or HTML (least of all a script) left over."""

from __future__ import annotations

import pytest

from corpus.clean import clean_text
from corpus.errors import InputError
from corpus.markdown import markdown_paragraphs
from corpus.model import Role
from corpus.read import read_upload
from corpus.structure import classify_paragraphs


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        pytest.param("# A *fine* title\n\nText.", ["A fine title", "Text."], id="ATX heading"),
        pytest.param("Title\n=====\n\nText.", ["Title", "Text."], id="setext heading"),
        pytest.param(
            "Some **bold**, _italic_ and ~~struck~~ words.",
            ["Some bold, italic and struck words."],
            id="emphasis",
        ),
        pytest.param(
            'Read [the guide](https://example.org "Guide") or <https://example.org>.',
            ["Read the guide or https://example.org."],
            id="links keep their text",
        ),
        pytest.param(
            "A photo ![a cat on a mat](cat.png) here.\n\n![alone](x.png)",
            ["A photo here."],
            id="images are dropped",
        ),
        pytest.param(
            "Before.\n\n```python\nprint('code')\n```\n\n    indented code\n\nAfter `x = 1` here.",
            ["Before.", "After x = 1 here."],
            id="code blocks are dropped, inline code stays",
        ),
        pytest.param(
            "---\ntitle: Hidden\ntags: [a, b]\n---\n# Visible\n\nText.",
            ["Visible", "Text."],
            id="YAML front matter",
        ),
        pytest.param("+++\ntitle = 'Hidden'\n+++\nText.", ["Text."], id="TOML front matter"),
        pytest.param(
            "- first item\n- second item\n  continued\n\n1. numbered\n2. again",
            ["first item", "second item continued", "numbered", "again"],
            id="list markers",
        ),
        pytest.param(
            "> Quoted line\n> goes on.\n>\n> > Nested quote.",
            ["Quoted line goes on.", "Nested quote."],
            id="blockquote markers",
        ),
        pytest.param(
            "Soft\nbreak and hard  \nbreak.", ["Soft break and hard break."], id="line breaks"
        ),
        pytest.param("Fish &amp; chips \\*not emphasis\\*.", ["Fish & chips *not emphasis*."]),
        pytest.param(
            "Text.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nMore.", ["Text.", "More."], id="tables"
        ),
        pytest.param("Text.\n\n---\n\nMore.", ["Text.", "More."], id="thematic break"),
        pytest.param(
            '<div class="box">\n<p>Raw <b>HTML</b> text.</p>\n</div>\n\nAfter.',
            ["Raw HTML text.", "After."],
            id="HTML block keeps its text only",
        ),
        pytest.param(
            "Inline <span style='color:red'>tags</span> go.<!-- a comment -->",
            ["Inline tags go."],
            id="inline HTML and comments",
        ),
    ],
)
def test_markdown_constructs(markdown: str, expected: list[str]) -> None:
    assert markdown_paragraphs(markdown) == expected


@pytest.mark.parametrize(
    "markdown",
    [
        "Hello <script>alert(1)</script> world.",
        "Hello.\n\n<script>\nalert(1)\n</script>\n\nWorld.",
        "<style>p { color: red }</style>\n\nHello.",
        "Hello <img src=x onerror=alert(1)> world.",
        "<iframe src='https://evil.example'>alert(1)</iframe>\n\nHello.",
    ],
)
def test_no_script_survives(markdown: str) -> None:
    text = " ".join(markdown_paragraphs(markdown))
    for leak in ("alert", "<", ">", "color", "onerror", "evil"):
        assert leak not in text


def test_headings_stand_alone_so_structure_finds_them() -> None:
    markdown = (
        "# Why strangers are no network\n\nIt all started with a click. I accepted everyone.\n\n"
        "## What happened next\n\nNothing good came of it, as you will see below."
    )
    texts = clean_text(read_upload("post.md", markdown.encode(), max_bytes=10_000)).texts
    assert classify_paragraphs(texts) == (Role.TITLE, Role.BODY, Role.HEADING, Role.BODY)


@pytest.mark.parametrize("name", ["notes.md", "NOTES.MARKDOWN"])
def test_markdown_files_are_read_as_markdown(name: str) -> None:
    text = read_upload(name, b"# Title\n\nSome **bold** text.\n", max_bytes=1000)
    assert text == "Title\n\nSome bold text.\n"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(b"", "empty", id="empty"),
        pytest.param(b"![only](an-image.png)\n\n```\ncode\n```\n", "no readable text"),
        pytest.param(b"%PDF-1.7\n", "PDF document", id="binary"),
    ],
)
def test_markdown_without_text_is_refused(data: bytes, reason: str) -> None:
    with pytest.raises(InputError, match=reason):
        read_upload("notes.md", data, max_bytes=1000)
