"""EPUB books to chapters of paragraphs, read in spine order, without trusting the archive.

A book is a ZIP archive: META-INF/container.xml names the package document (OPF), whose manifest
lists the files and whose spine gives the reading order. Each XHTML chapter's text is taken
block by block like a web page, but without boilerplate removal (which would drop book text) and
keeping chapter headers. Navigation documents (EPUB 3 nav, the NCX, a guide's table of
contents), chapters outside the linear reading order and chapters without text are skipped.

An upload is hostile until proven otherwise. The archive is refused when it is not a ZIP, is
damaged, has names that climb out of it, is DRM-encrypted, or could expand into more than
`EXPANSION_LIMIT` times the upload limit: declared sizes and compression ratios are checked
first, and every entry is then decompressed in chunks against a byte budget, so an archive
whose headers lie cannot exhaust memory either.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from lxml import etree

from corpus.errors import InputError, megabytes
from corpus.markup import NOT_PROSE, NOT_TEXT, body_paragraphs, parse_html

# The uncompressed content may be this many times the upload limit (text compresses about
# four-fold; images not at all).
EXPANSION_LIMIT = 10
MAX_ENTRIES = 10_000
# Deflated prose reaches 10:1 and markup 30:1; a zip bomb is 1000:1. Small entries (a page of
# blank lines) may compress better without harm, so the ratio counts only beyond a megabyte.
MAX_RATIO = 100
RATIO_GRACE = 1024 * 1024
_CHUNK = 64 * 1024

CONTAINER = "META-INF/container.xml"
ENCRYPTION = "META-INF/encryption.xml"
# Font obfuscation (IDPF and Adobe) "encrypts" embedded fonts, not the text: not DRM.
_FONT_OBFUSCATION = frozenset(
    {"http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"}
)
_CHAPTER_TYPES = frozenset({"application/xhtml+xml", "text/html"})
_DROP = NOT_TEXT | NOT_PROSE
_MAX_LISTED = 5


@dataclass(frozen=True)
class _Chapter:
    """A spine entry to read: its path in the archive and its media type."""

    path: str
    media_type: str


def epub_chapters(source: str, data: bytes, *, max_bytes: int) -> list[list[str]]:
    """The paragraphs of each chapter with text, in reading order.

    Raises `InputError` for anything that is not a readable, DRM-free EPUB within the limits,
    with every problem of the archive's structure reported at once.
    """
    archive = _open_archive(source, data)
    budget = _Budget(source, EXPANSION_LIMIT * max_bytes)
    _check_entries(source, archive, budget.limit)
    _refuse_drm(source, archive, budget)
    chapters = []
    for chapter in _spine(source, archive, budget):
        paragraphs = _chapter_paragraphs(source, chapter.path, budget.read(archive, chapter.path))
        if paragraphs:
            chapters.append(paragraphs)
    if not chapters:
        raise InputError(source, "the book has no chapter with text")
    return chapters


def _open_archive(source: str, data: bytes) -> zipfile.ZipFile:
    if not data:
        raise InputError(source, "the file is empty")
    if not data.startswith(b"PK\x03\x04"):
        raise InputError(source, "this .epub file is not a ZIP archive (EPUB books are)")
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as error:
        raise InputError(
            source, f"the .epub file is a damaged ZIP archive ({error}): download it again"
        ) from error


def _check_entries(source: str, archive: zipfile.ZipFile, limit: int) -> None:
    """Refuse archives whose entries are too many, expand too much or climb out of the book,
    before anything is decompressed."""
    entries = archive.infolist()
    problems = []
    if len(entries) > MAX_ENTRIES:
        problems.append(f"it has {len(entries)} files, more than the {MAX_ENTRIES} a book needs")
    declared = sum(info.file_size for info in entries)
    if declared > limit:
        problems.append(
            f"it would expand to {megabytes(declared)} MB, more than the limit of "
            f"{megabytes(limit)} MB ({EXPANSION_LIMIT} times the upload limit)"
        )
    bombs = [info.filename for info in entries if _ratio_exceeded(info.file_size, info)]
    if bombs:
        problems.append(
            f"{_listed(bombs)} compress more than {MAX_RATIO} to 1, as zip bombs do, not books"
        )
    unsafe = [info.filename for info in entries if _unsafe_name(info.filename)]
    if unsafe:
        problems.append(f"file names that point outside the book: {_listed(unsafe)}")
    if problems:
        raise InputError(source, "this .epub file is refused: " + "; ".join(problems))


def _ratio_exceeded(size: int, info: zipfile.ZipInfo) -> bool:
    return size > RATIO_GRACE and size > MAX_RATIO * max(info.compress_size, 1)


def _unsafe_name(name: str) -> bool:
    """Absolute paths, drive letters, backslashes and ".." parts: never in a real book."""
    if name.startswith("/") or "\\" in name or "\x00" in name:
        return True
    first = name.split("/", 1)[0]
    return (len(first) == 2 and first[1] == ":") or ".." in name.split("/")


class _Budget:
    """Decompresses entries in chunks, stopping as soon as the archive has produced more bytes
    than allowed in total, or an entry more than it declared or far beyond its ratio."""

    def __init__(self, source: str, limit: int) -> None:
        self.source = source
        self.limit = limit
        self.used = 0

    def read(self, archive: zipfile.ZipFile, name: str) -> bytes:
        """The uncompressed bytes of one entry."""
        info = archive.getinfo(name)
        chunks = []
        size = 0
        try:
            with archive.open(info) as entry:
                while chunk := entry.read(_CHUNK):
                    size += len(chunk)
                    self.used += len(chunk)
                    self._check(info, size)
                    chunks.append(chunk)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as error:
            # Also raised for bad CRCs and for compression methods zipfile lacks.
            raise InputError(
                self.source, f"the book's file {name} is damaged or unreadable ({error})"
            ) from error
        except NotImplementedError as error:
            raise InputError(
                self.source, f"the book's file {name} uses an unsupported compression ({error})"
            ) from error
        except RuntimeError as error:  # zipfile's word for a password-protected entry
            raise InputError(
                self.source,
                f"the book's file {name} is password-protected: Tandem reads DRM-free EPUB files",
            ) from error
        return b"".join(chunks)

    def _check(self, info: zipfile.ZipInfo, size: int) -> None:
        if self.used > self.limit:
            raise InputError(
                self.source,
                f"this .epub file is refused: it expands to more than {megabytes(self.limit)} MB "
                f"({EXPANSION_LIMIT} times the upload limit)",
            )
        if size > info.file_size or _ratio_exceeded(size, info):
            raise InputError(
                self.source,
                f"this .epub file is refused: {info.filename} expands beyond what its header "
                "declares, as zip bombs do",
            )


def _refuse_drm(source: str, archive: zipfile.ZipFile, budget: _Budget) -> None:
    """Refuse books whose content is encrypted; obfuscated fonts alone are fine."""
    if ENCRYPTION not in archive.namelist():
        return
    root = _parse_xml(source, ENCRYPTION, budget.read(archive, ENCRYPTION))
    for data in root.iter("{*}EncryptedData"):
        method = data.find("{*}EncryptionMethod")
        algorithm = method.get("Algorithm", "") if method is not None else ""
        if algorithm not in _FONT_OBFUSCATION:
            raise InputError(
                source,
                "this book is protected by DRM (its content is encrypted): Tandem can only read "
                "DRM-free EPUB files",
            )


def _spine(source: str, archive: zipfile.ZipFile, budget: _Budget) -> list[_Chapter]:
    """The content documents of the linear reading order, navigation documents left out."""
    names = frozenset(archive.namelist())
    package_path = _package_path(source, archive, names, budget)
    package = _parse_xml(source, package_path, budget.read(archive, package_path))
    folder = posixpath.dirname(package_path)
    manifest = {
        item.get("id", ""): _Chapter(
            _resolve(folder, item.get("href", "")) or "", item.get("media-type", "")
        )
        for item in package.iterfind("{*}manifest/{*}item")
        if "nav" not in (item.get("properties") or "").split()
    }
    spine = package.find("{*}spine")
    if spine is None:
        raise InputError(source, f"the book's {package_path} has no spine (reading order)")
    # EPUB 2 books name their contents page in the guide; it may be in the spine as well.
    contents = {
        _resolve(folder, reference.get("href", ""))
        for reference in package.iterfind("{*}guide/{*}reference")
        if reference.get("type") == "toc"
    }
    chapters = [
        chapter
        for itemref in spine.iterfind("{*}itemref")
        if (chapter := manifest.get(itemref.get("idref", ""))) is not None
        and itemref.get("linear") != "no"
        and chapter.path not in contents
        and chapter.media_type in _CHAPTER_TYPES
    ]
    missing = [chapter.path or "(a name outside the book)" for chapter in chapters]
    missing = [path for path in missing if path not in names]
    if missing:
        raise InputError(source, f"the book's chapters {_listed(missing)} are missing from it")
    return chapters


def _package_path(
    source: str, archive: zipfile.ZipFile, names: frozenset[str], budget: _Budget
) -> str:
    """The package document's path, as META-INF/container.xml gives it."""
    if CONTAINER not in names:
        raise InputError(
            source, f"the book has no {CONTAINER}, so its chapters cannot be found: it is damaged"
        )
    container = _parse_xml(source, CONTAINER, budget.read(archive, CONTAINER))
    rootfile = container.find(".//{*}rootfile")
    path = (rootfile.get("full-path") or "") if rootfile is not None else ""
    if path not in names:
        named = f" names {path}, which" if path else " names no package file, or it"
        raise InputError(source, f"the book's {CONTAINER}{named} is missing: it is damaged")
    return path


def _resolve(folder: str, href: str) -> str | None:
    """The archive path of a manifest href (relative to the package file, URL-encoded), or
    None when it points outside the archive."""
    path = unquote(urlsplit(href).path)
    if not path or path.startswith("/"):
        return None
    joined = posixpath.normpath(posixpath.join(folder, path))
    return None if joined.startswith("../") or joined == ".." else joined


def _parse_xml(source: str, name: str, data: bytes) -> etree._Element:
    """Parse one of the book's XML files without entities, DTDs or network access."""
    try:
        return etree.fromstring(data, parser=_xml_parser())
    except etree.XMLSyntaxError as error:
        raise InputError(source, f"the book's {name} is not valid XML ({error})") from error


def _xml_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        remove_comments=True,
        remove_pis=True,
        huge_tree=False,
    )


def _chapter_paragraphs(source: str, path: str, data: bytes) -> list[str]:
    """A chapter's paragraphs. Chapters are XHTML; one that is not well-formed (HTML entities
    such as &nbsp; are not, without the DTD) is read leniently as HTML, as reading systems
    do, unless it is not text at all (encrypted without saying so, or damaged)."""
    try:
        root: etree._Element | None = etree.fromstring(data, parser=_xml_parser())
    except etree.XMLSyntaxError:
        root = None
    if root is None or next(root.iter(etree.Entity), None) is not None:
        # Entity references left unresolved (the DTD is never loaded) need HTML's table.
        root = parse_html(_decode_chapter(source, path, data))
    if root is None:
        return []
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = etree.QName(element).localname
    return body_paragraphs(root, _DROP)


def _decode_chapter(source: str, path: str, data: bytes) -> str:
    """EPUB content documents are UTF-8 or UTF-16 (with a byte-order mark); NUL bytes in
    anything else mean ciphertext or a damaged file, whose decoding would be noise."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if b"\x00" in data:
        raise InputError(
            source, f"the book's chapter {path} is not text: it is encrypted (DRM) or damaged"
        )
    return data.decode("utf-8", errors="replace")


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:_MAX_LISTED])
    return shown + (f" and {len(names) - _MAX_LISTED} more" if len(names) > _MAX_LISTED else "")
