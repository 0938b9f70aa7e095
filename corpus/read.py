"""Turn what a learner gives (a file, an upload, pasted text) into plain text: one paragraph per
line, nothing else.

Text files are decoded whatever their encoding (byte-order marks, UTF-8, legacy code pages found by
charset-normalizer); Markdown is reduced to its words (`corpus.markdown`), web pages to their
article with trafilatura, EPUB books to their chapters (`corpus.epub`), which become sections
separated by form-feed lines (`corpus.sections`). Files on disk and uploads go through one
reader chosen by suffix. Everything that is not usable text (empty, binary, truncated, too
large, unknown type) is refused with an `InputError` whose reason a person can act on, so
nothing downstream ever sees garbage.
"""

from __future__ import annotations

import codecs
import stat
import unicodedata
from collections.abc import Iterable
from pathlib import Path, PurePath

from charset_normalizer import from_bytes
from lxml import etree
from lxml import html as lxml_html

from corpus.epub import epub_chapters
from corpus.errors import InputError, megabytes
from corpus.markdown import markdown_paragraphs
from corpus.markup import (
    NOT_PROSE,
    NOT_TEXT,
    PAGE_CHROME,
    blocks,
    body_paragraphs,
    inline_text,
    parse_html,
)
from corpus.sections import SECTION_BREAK, join_sections

TEXT_SUFFIXES = (".txt", ".text")
MARKDOWN_SUFFIXES = (".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")
EPUB_SUFFIXES = (".epub",)
SUFFIXES = TEXT_SUFFIXES + MARKDOWN_SUFFIXES + HTML_SUFFIXES + EPUB_SUFFIXES
MEGABYTE = 1024 * 1024
DEFAULT_MAX_BYTES = 20 * MEGABYTE

# Signatures of the binary formats people most often upload by mistake (a PDF or a Word file
# instead of its text), so the message can say what the file is.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or a Word, OpenDocument or EPUB file)"),
    (b"PK\x05\x06", "a ZIP archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x7fELF", "an ELF executable"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"OggS", "an Ogg audio or video file"),
    (b"fLaC", "a FLAC audio file"),
    (b"ID3", "an MP3 audio file"),
    (b"\x00asm", "a WebAssembly module"),
)

# Byte-order marks, longest first: the UTF-32 LE mark starts with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str, int], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le", 4),
    (codecs.BOM_UTF32_BE, "utf-32-be", 4),
    (codecs.BOM_UTF8, "utf-8", 1),
    (codecs.BOM_UTF16_LE, "utf-16-le", 2),
    (codecs.BOM_UTF16_BE, "utf-16-be", 2),
)

# Control characters a text file legitimately contains.
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v")
_MAX_CONTROL_SHARE = 0.02

# When charset-normalizer cannot tell single-byte code pages apart (the same letters, equally
# plausible), the most widespread one wins instead of an arbitrary one: a French text in
# Windows-1252 must not come out in Windows-1250, where "è" reads "č".
_PREFERRED_CODE_PAGES = ("cp1252", "latin_1", "iso8859_15")

# The same idea for trafilatura's own XML vocabulary (`hi` is formatting, `ref` a link).
_EXTRACT_INLINE = frozenset({"hi", "ref", "del", "span"})
_EXTRACT_BREAKS = frozenset({"lb"})


def read_document_text(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Read a file of a supported type (`SUFFIXES`) and return its text, one paragraph per line.

    The size is checked before anything is read, so an oversized upload costs nothing; the
    file type, existence and size problems are all reported together.
    """
    source = str(path)
    problems = _type_problems(path.suffix)
    try:
        info = path.stat()
    except OSError as error:
        problems.append(_os_reason(error))
        raise InputError(source, "; ".join(problems)) from error
    if stat.S_ISDIR(info.st_mode):
        problems.append("this is a folder, not a file")
    elif not stat.S_ISREG(info.st_mode):
        problems.append("this is not a regular file")
    elif info.st_size > max_bytes:
        problems.append(_too_large(info.st_size, max_bytes))
    if problems:
        raise InputError(source, "; ".join(problems))

    try:
        with path.open("rb") as handle:
            # One byte more than allowed tells whether the file grew after it was measured.
            data = handle.read(max_bytes + 1)
    except OSError as error:
        raise InputError(source, _os_reason(error)) from error
    if len(data) > max_bytes:
        raise InputError(source, _too_large(len(data), max_bytes))
    return _read_bytes(source, path.suffix.lower(), data, max_bytes)


def read_upload(name: str, data: bytes, *, max_bytes: int) -> str:
    """Read an uploaded file (its name as the browser sent it, and its bytes) exactly as
    `read_document_text` reads a file on disk; the type and size are reported together."""
    suffix = PurePath(name).suffix
    problems = _type_problems(suffix)
    if len(data) > max_bytes:
        problems.append(_too_large(len(data), max_bytes))
    if problems:
        raise InputError(name, "; ".join(problems))
    return _read_bytes(name, suffix.lower(), data, max_bytes)


def read_pasted(name: str, text: str, *, max_bytes: int) -> str:
    """Check and normalise pasted text as a text file's content would be (`name` only labels
    the messages): refused when empty, over `max_bytes` in UTF-8, or binary garbage."""
    if not text:
        raise InputError(name, "the text is empty")
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as error:
        raise InputError(
            name, "the text contains broken characters (unpaired surrogates): copy it again"
        ) from error
    if size > max_bytes:
        raise InputError(name, _too_large(size, max_bytes, "text"))
    return _checked_text(name, text, "text")


def _type_problems(suffix: str) -> list[str]:
    if suffix.lower() in SUFFIXES:
        return []
    kind = f"'{suffix}'" if suffix else "a file without an extension"
    supported = ", ".join(SUFFIXES[:-1]) + " and " + SUFFIXES[-1]
    return [f"unsupported file type {kind}: Tandem reads {supported}"]


def _read_bytes(source: str, suffix: str, data: bytes, max_bytes: int) -> str:
    """The text of a file's bytes, read as its (lower-case, supported) suffix says."""
    if suffix in HTML_SUFFIXES:
        return extract_html(source, data)
    if suffix in MARKDOWN_SUFFIXES:
        return extract_markdown(source, data)
    if suffix in EPUB_SUFFIXES:
        return extract_epub(source, data, max_bytes=max_bytes)
    return decode_text(source, data)


def decode_text(source: str, data: bytes) -> str:
    """Decode the bytes of a text file to NFC text with LF line ends.

    Byte-order marks are trusted, then strict UTF-8, then charset-normalizer's guess; a file
    that is binary, truncated, undecodable or without any text raises `InputError`.
    """
    if not data:
        raise InputError(source, "the file is empty")
    _refuse_binary(source, data)
    return _checked_text(source, _decode(source, data, html=False), "file")


def extract_html(source: str, data: bytes) -> str:
    """Extract the article of a web page as plain text.

    The title and headings get lines of their own, paragraphs are separated by a blank line,
    and no markup, script or style content survives. Page chrome (navigation, footers, comments,
    tables) is left out by trafilatura; when it finds no article, the text of the page's block
    elements is used instead.
    """
    if not data:
        raise InputError(source, "the file is empty")
    _refuse_binary(source, data)
    markup = _decode(source, data, html=True)
    _refuse_control_characters(source, markup, "file")
    paragraphs = _trafilatura_paragraphs(markup) or _lxml_paragraphs(markup)
    return _paragraph_text(source, paragraphs, "the web page contains no readable text")


def extract_markdown(source: str, data: bytes) -> str:
    """The reading text of a Markdown file, one paragraph per line (see `corpus.markdown`)."""
    paragraphs = markdown_paragraphs(decode_text(source, data))
    return _paragraph_text(source, paragraphs, "the Markdown file contains no readable text")


def extract_epub(source: str, data: bytes, *, max_bytes: int) -> str:
    """The text of an EPUB book, its chapters as sections (see `corpus.sections`)."""
    chapters = epub_chapters(source, data, max_bytes=max_bytes)
    return join_sections([kept for kept in map(_normalised, chapters) if kept])


def _paragraph_text(source: str, paragraphs: Iterable[str], empty: str) -> str:
    """Paragraphs separated by blank lines, or `InputError(empty)` when none has text."""
    kept = _normalised(paragraphs)
    if not kept:
        raise InputError(source, empty)
    return "\n\n".join(kept) + "\n"


def _normalised(paragraphs: Iterable[str]) -> list[str]:
    return [text for text in map(_normalise, paragraphs) if text]


def _os_reason(error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        return "the file does not exist"
    if isinstance(error, PermissionError):
        return "the file cannot be read: permission denied"
    if isinstance(error, IsADirectoryError):
        return "this is a folder, not a file"
    return f"the file cannot be read: {error.strerror or error}"


def _too_large(size: int, limit: int, noun: str = "file") -> str:
    return (
        f"the {noun} is {megabytes(size)} MB, larger than the limit of {megabytes(limit)} MB: "
        "split it or remove what you do not want to read"
    )


def _refuse_binary(source: str, data: bytes) -> None:
    """Refuse files that are not text at all, naming the format when it is a known one."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise InputError(source, f"this is {kind}, not a text file")
    if data[:4] == b"RIFF" and data[8:12] in (b"WAVE", b"WEBP", b"AVI "):
        raise InputError(source, "this is a RIFF media file (audio, image or video), not text")
    if data[4:8] == b"ftyp":
        raise InputError(source, "this is an MP4 or QuickTime media file, not a text file")
    if b"\x00" in data and not any(data.startswith(bom) for bom, _, _ in _BOMS):
        raise InputError(
            source,
            "the file contains NUL bytes, so it is binary, not text "
            "(UTF-16 text must start with a byte-order mark)",
        )


def _decode(source: str, data: bytes, *, html: bool) -> str:
    """Decode by byte-order mark, then as UTF-8, then (for a web page) by the charset the page
    declares, then by charset-normalizer's guess. The declaration comes after UTF-8 because
    libxml2 alone would read an undeclared UTF-8 page as Latin-1, and pages often lie."""
    for bom, encoding, unit in _BOMS:
        if data.startswith(bom):
            return _decode_with_bom(source, data[len(bom) :], encoding, unit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        _refuse_broken_utf8(source, data, error)
    declared = _declared_charset(data) if html else None
    if declared is not None:
        try:
            return data.decode(declared)
        except UnicodeDecodeError:
            pass  # the declaration is wrong: guess instead
    return _decode_guessed(source, data)


def _decode_with_bom(source: str, body: bytes, encoding: str, unit: int) -> str:
    name = encoding.upper().replace("-LE", "").replace("-BE", "")
    if len(body) % unit:
        raise InputError(
            source,
            f"the {name} text has {len(body)} bytes after its byte-order mark, not a multiple "
            f"of {unit}: the file is truncated",
        )
    try:
        return body.decode(encoding)
    except UnicodeDecodeError as error:
        if error.end >= len(body) and "end of data" in error.reason:
            raise InputError(
                source, f"the {name} text ends in the middle of a character: it is truncated"
            ) from error
        raise InputError(
            source,
            f"the file starts with a {name} byte-order mark but is not valid {name} "
            f"(bad bytes at offset {error.start} after the mark)",
        ) from error


def _refuse_broken_utf8(source: str, data: bytes, error: UnicodeDecodeError) -> None:
    """Refuse UTF-8 that is truncated or damaged instead of misreading it as a code page.

    A file is taken to be UTF-8 when the part before the damage holds multi-byte characters
    that decode correctly; a legacy code page almost never produces those by chance.
    """
    if error.end >= len(data) and "end of data" in error.reason:
        # Everything before the error is valid UTF-8; a lone lead byte after plain ASCII may
        # just as well be a code-page letter ("…ä" in Windows-1252), so that is guessed.
        head = data[: error.start].decode("utf-8")
        if not head.isascii() or len(data) - error.start >= 2:
            raise InputError(
                source,
                "the file ends in the middle of a UTF-8 character: it looks truncated "
                "(was the download or copy interrupted?)",
            )
        return
    repaired = data.decode("utf-8", errors="replace")
    damaged = repaired.count("\ufffd")
    valid_multibyte = sum(1 for char in repaired if ord(char) > 0x7F and char != "\ufffd")
    if valid_multibyte >= 2 and valid_multibyte > damaged:
        raise InputError(
            source,
            f"the file is UTF-8 with {damaged} damaged byte sequence(s), the first at byte "
            f"{error.start}: repair or re-save it as UTF-8",
        )


def _decode_guessed(source: str, data: bytes) -> str:
    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        raise InputError(
            source,
            "the text encoding could not be recognised: save the file as UTF-8 and try again",
        )
    encoding = best.encoding
    equally_good = {
        match.encoding
        for match in matches
        if match.chaos <= best.chaos and match.coherence >= best.coherence - 0.01
    }
    for preferred in _PREFERRED_CODE_PAGES:
        if preferred in equally_good:
            encoding = preferred
            break
    try:
        return data.decode(encoding)
    except (LookupError, UnicodeDecodeError) as error:
        raise InputError(
            source, f"the file could not be decoded as {encoding}: save it as UTF-8"
        ) from error


def _checked_text(source: str, text: str, noun: str) -> str:
    """Decoded or pasted text, refused when it is binary garbage or blank, else normalised."""
    _refuse_control_characters(source, text, noun)
    text = _normalise(text)
    if not text.strip():
        raise InputError(source, f"the {noun} contains only whitespace, no text")
    return text


def _refuse_control_characters(source: str, text: str, noun: str) -> None:
    if "\x00" in text:
        raise InputError(source, "the text contains NUL characters, so it is binary, not text")
    controls = sum(
        1 for char in text if unicodedata.category(char) == "Cc" and char not in _ALLOWED_CONTROLS
    )
    if text and controls / len(text) > _MAX_CONTROL_SHARE:
        raise InputError(
            source, f"the {noun} is mostly control characters, so it is binary, not text"
        )


def _normalise(text: str) -> str:
    """NFC with LF line ends. A form feed (a page break in a text file) becomes a line break:
    pages are layout, and only formats that mark chapters make sections."""
    text = text.removeprefix("\ufeff")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace(SECTION_BREAK, "\n")
    return unicodedata.normalize("NFC", text)


def _declared_charset(data: bytes) -> str | None:
    parser = lxml_html.HTMLParser(encoding="iso-8859-1", remove_comments=True)
    try:
        root = lxml_html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError):
        return None
    for meta in root.iter("meta"):
        charset = meta.get("charset")
        if charset is None and (meta.get("http-equiv") or "").lower() == "content-type":
            content = meta.get("content") or ""
            _, _, charset = content.lower().partition("charset=")
            charset = charset.split(";")[0]
        if charset:
            try:
                name = codecs.lookup(charset.strip().strip("\"'")).name
            except LookupError:
                return None
            # As in browsers (WHATWG Encoding): pages labelled Latin-1 or ASCII are Windows-1252.
            return "cp1252" if name in ("iso8859-1", "ascii") else name
    return None


def _trafilatura_paragraphs(markup: str) -> list[str]:
    import trafilatura  # about 0.4 s to import: paid only when a web page is read

    document = trafilatura.bare_extraction(
        markup,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        with_metadata=True,
    )
    if document is None or isinstance(document, dict):
        return []
    body = document.body
    if body is None or _is_text_dump(body):
        return []
    paragraphs = list(blocks(body, _EXTRACT_INLINE, _EXTRACT_BREAKS))
    title = " ".join((document.title or "").split())
    if not title or not paragraphs or _same_title(title, paragraphs[0]):
        return paragraphs
    return [title, *paragraphs]


def _is_text_dump(body: etree._Element) -> bool:
    """Whether trafilatura found no article and fell back to dumping the page's text nodes
    into one paragraph, one per line: the block walk below keeps the structure better."""
    children = list(body)
    return (
        len(children) == 1
        and children[0].tag == "p"
        and len(children[0]) == 0
        and "\n" in (children[0].text or "")
    )


def _lxml_paragraphs(markup: str) -> list[str]:
    root = parse_html(markup)
    if root is None:
        return []
    title_element = root.find(".//title")
    title = " ".join(inline_text(title_element).split()) if title_element is not None else ""
    paragraphs = body_paragraphs(root, NOT_TEXT | NOT_PROSE | PAGE_CHROME)
    if title and not (paragraphs and _same_title(title, paragraphs[0])):
        paragraphs.insert(0, title)
    return paragraphs


def _same_title(title: str, first: str) -> bool:
    """Whether the page's first paragraph is already its title (the window title often adds
    the site name to the headline: "Headline | Site")."""
    title, first = title.casefold(), " ".join(first.split()).casefold()
    return title == first or title.startswith(first) or first.startswith(title)
