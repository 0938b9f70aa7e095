"""EPUB books: chapters in spine order become sections, navigation is skipped, no markup or
script reaches the text, and every broken, protected or hostile archive is refused clearly."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest

import corpus.epub as epub_module
from corpus.epub import MAX_ENTRIES, epub_chapters
from corpus.errors import InputError
from corpus.ingest import collect_files
from corpus.read import read_document_text, read_upload
from corpus.sections import SECTION_BREAK, section_breaks
from tests.books import CONTAINER, build_epub, chapter, zip_entries

ONE = chapter("<h1>Chapter One</h1>", "It was a bright cold day in April.", "The clocks struck.")
TWO = chapter("<h1>Chapter Two</h1>", "Winston turned round.")
THREE = chapter("<h2>Chapter Three</h2>", "Outside, even through the shut window-pane.")
LIMIT = 1024 * 1024


def chapters(data: bytes, max_bytes: int = LIMIT) -> list[list[str]]:
    return epub_chapters("book.epub", data, max_bytes=max_bytes)


def refused(data: bytes, max_bytes: int = LIMIT) -> str:
    with pytest.raises(InputError) as caught:
        chapters(data, max_bytes)
    assert caught.value.source == "book.epub"
    return caught.value.reason


def test_chapters_come_in_spine_order() -> None:
    data = build_epub([ONE, TWO, THREE], spine=["c2", "c0", "c1"])
    assert chapters(data) == [
        ["Chapter Three", "Outside, even through the shut window-pane."],
        ["Chapter One", "It was a bright cold day in April.", "The clocks struck."],
        ["Chapter Two", "Winston turned round."],
    ]


def test_navigation_documents_are_skipped() -> None:
    # The nav document is in the spine (as EPUB 3 books often do); the NCX is the spine's toc.
    text = " ".join(p for c in chapters(build_epub([ONE, TWO])) for p in c)
    assert "Contents" not in text and "Table of contents" not in text and "NCX" not in text


def test_non_linear_and_guide_contents_chapters_are_skipped() -> None:
    contents = chapter("<h1>Contents</h1>", "Chapter One", "Chapter Two")
    notes = chapter("<h1>Endnotes</h1>", "1. A note.")
    data = build_epub([contents, ONE, TWO, notes], linear_no=["c3"], guide_toc="c0.xhtml")
    assert [c[0] for c in chapters(data)] == ["Chapter One", "Chapter Two"]


def test_chapters_without_text_are_skipped() -> None:
    cover = chapter('<div><img src="cover.jpg" alt="Cover of the book"/></div>')
    blank = chapter("<p>  </p>", "<script>var x = 'no text';</script>")
    assert [c[0] for c in chapters(build_epub([cover, ONE, blank, TWO]))] == [
        "Chapter One",
        "Chapter Two",
    ]


def test_no_markup_script_or_style_reaches_the_text() -> None:
    hostile = chapter(
        "<header><h1>Chapter <em>One</em></h1></header>",
        "<style>p { color: red }</style>",
        '<p>It was <a href="x" onclick="steal()">bright</a>.<script>alert(1)</script></p>',
        '<aside epub:type="footnote"><p>A pop-up footnote.</p></aside>',
        "<table><tr><td>cell</td></tr></table>",
        '<p>Cold<img src="x" onerror="alert(2)"/> day.</p>',
        "<footer>End of chapter one.</footer>",
    )
    assert chapters(build_epub([hostile])) == [
        ["Chapter One", "It was bright.", "Cold day.", "End of chapter one."]
    ]


def test_xhtml_entities_and_encoded_hrefs_are_read() -> None:
    with_dtd = (
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN"'
        ' "http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml"><head><title/></head>'
        "<body><p>Caf&eacute;&nbsp;au lait &amp; cr&#232;me.</p></body></html>"
    )
    data = build_epub([with_dtd, ONE], hrefs={"c0": "Text/caf%C3%A9%201.xhtml"})
    assert chapters(data)[0] == ["Café au lait & crème."]


def test_a_book_is_one_text_with_its_chapters_as_sections(tmp_path: Path) -> None:
    data = build_epub([ONE, TWO, THREE])
    text = read_upload("book.EPUB", data, max_bytes=LIMIT)
    assert text.split(f"\n{SECTION_BREAK}\n")[1] == "Chapter Two\n\nWinston turned round."
    assert section_breaks(text) == (6, 10)
    path = tmp_path / "book.epub"
    path.write_bytes(data)
    assert read_document_text(path) == text
    assert list(collect_files([tmp_path])) == [path]


def with_entries(**extra: str | bytes | None) -> bytes:
    return build_epub([ONE], files={name.replace("__", "/"): v for name, v in extra.items()})


ENCRYPTION = """<?xml version="1.0"?>
<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container"
  xmlns:enc="http://www.w3.org/2001/04/xmlenc#">
<enc:EncryptedData><enc:EncryptionMethod Algorithm="{algorithm}"/>
<enc:CipherData><enc:CipherReference URI="{uri}"/></enc:CipherData></enc:EncryptedData>
</encryption>"""


def test_obfuscated_fonts_are_not_drm() -> None:
    xml = ENCRYPTION.format(algorithm="http://www.idpf.org/2008/embedding", uri="OEBPS/f.otf")
    assert chapters(with_entries(**{"META-INF__encryption.xml": xml}))[0][0] == "Chapter One"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(b"", "the file is empty", id="empty"),
        pytest.param(
            b"<html>not a zip</html>",
            "this .epub file is not a ZIP archive (EPUB books are)",
            id="not a zip",
        ),
        pytest.param(
            build_epub([ONE])[:-30], "the .epub file is a damaged ZIP archive", id="truncated"
        ),
        pytest.param(
            with_entries(**{"META-INF__container.xml": None}),
            "the book has no META-INF/container.xml, so its chapters cannot be found",
            id="no container",
        ),
        pytest.param(
            with_entries(**{"META-INF__container.xml": CONTAINER.format(opf="content.opf")}),
            "the book's META-INF/container.xml names content.opf, which is missing",
            id="container names a missing package",
        ),
        pytest.param(
            with_entries(**{"META-INF__container.xml": "<container><rootfiles/></container>"}),
            "names no package file",
            id="container without rootfile",
        ),
        pytest.param(
            with_entries(**{"OEBPS__content.opf": "<package><manifest>"}),
            "the book's OEBPS/content.opf is not valid XML",
            id="broken package",
        ),
        pytest.param(
            with_entries(**{"OEBPS__c0.xhtml": None}),
            "the book's chapters OEBPS/c0.xhtml are missing from it",
            id="missing chapter",
        ),
        pytest.param(
            with_entries(
                **{
                    "META-INF__encryption.xml": ENCRYPTION.format(
                        algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc",
                        uri="OEBPS/c0.xhtml",
                    )
                }
            ),
            "this book is protected by DRM",
            id="DRM",
        ),
        pytest.param(
            build_epub([chapter('<img src="cover.jpg"/>')]),
            "the book has no chapter with text",
            id="no text",
        ),
        pytest.param(
            with_entries(**{"../../etc/evil.xhtml": "x", "/abs/path.txt": "y"}),
            "file names that point outside the book: ../../etc/evil.xhtml, /abs/path.txt",
            id="path traversal",
        ),
    ],
)
def test_bad_books_are_refused(data: bytes, reason: str) -> None:
    assert reason in refused(data)


def test_a_chapter_href_outside_the_book_is_refused() -> None:
    data = build_epub(
        [ONE], hrefs={"c0": "../../outside.xhtml"}, files={"OEBPS/../../outside.xhtml": None}
    )
    assert "(a name outside the book) are missing" in refused(data)


def test_a_zip_bomb_is_refused_by_its_ratio_before_decompressing() -> None:
    bomb = with_entries(**{"OEBPS__c1.xhtml": b" " * (20 * 1024 * 1024)})
    assert len(bomb) < 100_000
    assert "OEBPS/c1.xhtml compress more than 100 to 1, as zip bombs do" in refused(bomb)


def test_declared_sizes_over_the_budget_are_refused() -> None:
    # Random-looking text compresses too little to be a bomb, but adds up past 10 × the limit.
    filler = bytes((k * 7919) % 251 for k in range(400_000))
    data = with_entries(**{f"OEBPS__img{k}.bin": filler for k in range(3)})
    reason = refused(data, max_bytes=100_000)
    assert "it would expand to 1.1 MB, more than the limit of 1 MB (10 times the upload" in reason


def test_too_many_entries_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(epub_module, "MAX_ENTRIES", 5)
    reason = refused(build_epub([ONE, TWO]))
    assert "it has 8 files, more than the 5 a book needs" in reason
    assert MAX_ENTRIES == 10_000


def test_lying_headers_cannot_make_an_entry_expand() -> None:
    """An entry that declares 1,000 bytes but holds 5 MB of deflated zeros: decompression stops
    at the declared size and the entry is reported damaged."""
    data = bytearray(with_entries(**{"OEBPS__c0.xhtml": ONE.encode() + b" " * (5 * 1024 * 1024)}))
    name = b"OEBPS/c0.xhtml"
    for signature, offset in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            name_at = start + (46 if signature == b"PK\x01\x02" else 30)
            if data[name_at : name_at + len(name)] == name:
                struct.pack_into("<I", data, start + offset, 1000)
            start += 4
    assert "the book's file OEBPS/c0.xhtml is damaged or unreadable" in refused(bytes(data))


def test_decompression_stops_at_the_budget_even_past_the_declared_checks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Were the checks of declared sizes fooled, the byte budget still stops decompression."""
    monkeypatch.setattr(epub_module, "_check_entries", lambda *args: None)
    big = ONE.encode() + b" " * (3 * 1024 * 1024)
    reason = refused(with_entries(**{"OEBPS__c0.xhtml": big}), max_bytes=100_000)
    assert "it expands to more than 1 MB (10 times the upload limit)" in reason


def test_password_protected_entries_are_refused() -> None:
    data = bytearray(build_epub([ONE]))
    name = b"OEBPS/c0.xhtml"
    for signature, flag_offset, name_offset in ((b"PK\x01\x02", 8, 46), (b"PK\x03\x04", 6, 30)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            if data[start + name_offset : start + name_offset + len(name)] == name:
                flags = struct.unpack_from("<H", data, start + flag_offset)[0]
                struct.pack_into("<H", data, start + flag_offset, flags | 1)
            start += 4
    assert "the book's file OEBPS/c0.xhtml is password-protected" in refused(bytes(data))


def test_a_plain_zip_is_not_a_book() -> None:
    data = zip_entries({"notes.txt": "hello"})
    assert "no META-INF/container.xml" in refused(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["notes.txt"]


def test_an_encrypted_chapter_without_encryption_xml_is_refused() -> None:
    ciphertext = bytes((k * 131 + 7) % 256 for k in range(4096))
    reason = refused(with_entries(**{"OEBPS__c0.xhtml": ciphertext}))
    assert (
        reason == "the book's chapter OEBPS/c0.xhtml is not text: it is encrypted (DRM) or damaged"
    )


def test_a_utf16_chapter_is_read() -> None:
    data = build_epub([ONE.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")])
    assert chapters(data)[0][0] == "Chapter One"
