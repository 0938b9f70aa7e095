"""Reading uploaded files: encodings are decoded, web pages reduced to their article, and every
kind of unusable file refused with a reason a person can act on."""

from __future__ import annotations

import codecs
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.errors import InputError
from corpus.read import decode_text, extract_html, read_document_text, read_pasted, read_upload

ARTICLES = Path(__file__).resolve().parents[1] / "corpus" / "articles"
GERMAN = (
    "Größere Übungen für Bücher: Die Straße ist schön, und die Mädchen öffnen die Tür. "
    "Über Änderungen wird später entschieden, sagte die Lehrerin."
)
FRENCH = (
    "Le garçon était très ému. Ça a été une journée pénible, mais à la fin il a réussi à dormir "
    "là-bas près de la forêt."
)
RUSSIAN = (
    "Съешь же ещё этих мягких французских булок, да выпей чаю. Широкая электрификация южных "
    "губерний даст мощный толчок подъёму сельского хозяйства."
)


def arabic() -> str:
    return (ARTICLES / "002_e08fb0561d16d1ad.txt").read_text(encoding="utf-8")


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(GERMAN.encode(), GERMAN, id="utf-8"),
        pytest.param(codecs.BOM_UTF8 + GERMAN.encode(), GERMAN, id="utf-8 with BOM"),
        pytest.param(codecs.BOM_UTF16_LE + GERMAN.encode("utf-16-le"), GERMAN, id="utf-16 LE"),
        pytest.param(codecs.BOM_UTF16_BE + GERMAN.encode("utf-16-be"), GERMAN, id="utf-16 BE"),
        pytest.param(codecs.BOM_UTF32_LE + GERMAN.encode("utf-32-le"), GERMAN, id="utf-32 LE"),
        pytest.param(b"eins\r\nzwei\r\n", "eins\nzwei\n", id="CRLF"),
        pytest.param(b"eins\rzwei\r", "eins\nzwei\n", id="CR"),
        pytest.param(GERMAN.encode("cp1252"), GERMAN, id="cp1252 German"),
        pytest.param(FRENCH.encode("latin-1"), FRENCH, id="latin-1 French"),
        pytest.param(RUSSIAN.encode("koi8-r"), RUSSIAN, id="koi8-r Russian"),
        pytest.param(unicodedata.normalize("NFD", GERMAN).encode(), GERMAN, id="NFD becomes NFC"),
    ],
)
def test_decode_text_decodes_encodings(data: bytes, expected: str) -> None:
    assert decode_text("a.txt", data) == expected


def test_decode_text_reads_cp1256_arabic() -> None:
    text = arabic()
    assert decode_text("ar.txt", text.encode("cp1256")) == text


def test_decode_text_reads_utf16_with_crlf() -> None:
    data = "\ufeffZeile eins\r\nZeile zwei\r\n".encode("utf-16")
    assert decode_text("a.txt", data) == "Zeile eins\nZeile zwei\n"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(b"", "empty", id="empty"),
        pytest.param(b" \n\t\r\n  ", "only whitespace", id="whitespace only"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG image", id="PNG"),
        pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF document", id="PDF"),
        pytest.param(b"PK\x03\x04\x14\x00\x06\x00", "ZIP archive", id="ZIP"),
        pytest.param(b"\x7fELF\x02\x01\x01\x00", "ELF executable", id="ELF"),
        pytest.param(b"Hallo\x00Welt\x00\x00\x00 und mehr", "NUL bytes", id="NUL bytes"),
        pytest.param(bytes(range(1, 32)) * 20 + b"text", "control characters", id="controls"),
        pytest.param("Grüße aus Köln …".encode()[:-1], "truncated", id="truncated UTF-8"),
        pytest.param(b"abc" + "…".encode()[:2], "truncated", id="truncated ASCII+UTF-8"),
        pytest.param(
            codecs.BOM_UTF16_LE + "Hallo".encode("utf-16-le") + b"W",
            "truncated",
            id="odd-length UTF-16",
        ),
        pytest.param(
            codecs.BOM_UTF16_LE + "Hallo \U0001f600".encode("utf-16-le")[:-2],
            "truncated",
            id="UTF-16 cut in a surrogate pair",
        ),
        pytest.param(
            "Grüße aus München".encode() + b"\xff" + " und Köln".encode(),
            "damaged byte",
            id="damaged UTF-8",
        ),
        pytest.param(bytes(range(128, 256)) * 8, "could not be recognised", id="undecodable"),
    ],
)
def test_decode_text_refuses_bad_input(data: bytes, reason: str) -> None:
    with pytest.raises(InputError, match=reason) as caught:
        decode_text("upload.txt", data)
    assert caught.value.source == "upload.txt"


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_decode_text_returns_clean_text_or_input_error(data: bytes) -> None:
    try:
        text = decode_text("random.txt", data)
    except InputError:
        return
    assert "\r" not in text
    assert text.strip()
    assert unicodedata.is_normalized("NFC", text)


@pytest.mark.parametrize("name", ["article.txt", "NOTES.TEXT", "page.Txt"])
def test_read_document_text_reads_text_files(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, name, GERMAN.encode("cp1252"))
    assert read_document_text(path) == GERMAN


def test_read_document_text_reads_a_seed() -> None:
    path = ARTICLES / "003_df6d18255d5365cb.txt"
    text = read_document_text(path)
    assert text.startswith("Warum Sie keine Fremden auf LinkedIn hinzufügen sollten\n")


def test_read_document_text_checks_size_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "big.txt", b"x" * 3000)

    def refuse_open(*args: object, **kwargs: object) -> None:
        raise AssertionError("an oversized file must not be opened")

    monkeypatch.setattr(Path, "open", refuse_open)
    with pytest.raises(InputError, match=r"larger than the limit of .* MB"):
        read_document_text(path, max_bytes=1000)


def test_read_document_text_states_the_limit_in_megabytes(tmp_path: Path) -> None:
    path = write(tmp_path, "big.txt", b"x" * (3 * 1024 * 1024))
    with pytest.raises(InputError, match=r"the file is 3 MB, larger than the limit of 2 MB"):
        read_document_text(path, max_bytes=2 * 1024 * 1024)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("book.pdf", "unsupported file type '.pdf'"),
        ("notes.docx", "unsupported file type '.docx'"),
        ("README", "unsupported file type a file without an extension"),
    ],
)
def test_read_document_text_refuses_unsupported_types(
    tmp_path: Path, name: str, reason: str
) -> None:
    path = write(tmp_path, name, b"plain text")
    with pytest.raises(InputError, match=reason):
        read_document_text(path)


def test_read_document_text_refuses_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_document_text(tmp_path / "missing.txt")


def test_read_document_text_reports_all_problems_at_once(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_document_text(tmp_path / "missing.pdf")
    assert "unsupported file type" in caught.value.reason
    assert "does not exist" in caught.value.reason


def test_read_document_text_refuses_folder(tmp_path: Path) -> None:
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    with pytest.raises(InputError, match="folder"):
        read_document_text(folder)


def test_read_document_text_refuses_unreadable_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "secret.txt", b"text")

    def deny(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", deny)
    with pytest.raises(InputError, match="permission denied"):
        read_document_text(path)


def test_read_document_text_names_the_source_as_given(tmp_path: Path) -> None:
    path = write(tmp_path, "empty.txt", b"")
    with pytest.raises(InputError) as caught:
        read_document_text(path)
    assert caught.value.source == str(path)
    assert str(caught.value) == f"{path}: the file is empty"


def page(body: str, *, head: str = "", charset: str = "utf-8") -> str:
    return (
        f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>Warum Sie keine Fremden '
        f"auf LinkedIn hinzufügen sollten | The Muse</title>{head}</head><body>{body}</body></html>"
    )


ARTICLE = """
<nav><a href="/">Home</a> <a href="/jobs">Jobs</a></nav>
<header><div class="logo">The Muse</div><button>Menu</button></header>
<article>
<h1>Warum Sie keine Fremden auf LinkedIn hinzufügen sollten</h1>
<h2>Folgendes ist passiert, als ich über 300 zufällige LinkedIn-Anfragen angenommen habe</h2>
<p>Für die längste Zeit war ich ein <b>wichtiger</b> Befürworter der Annahme von
LinkedIn-Einladungen von <a href="x" onclick="steal()">völlig Fremden</a>. „Es ist zum
Networking!“ Ich würde proklamieren, während ich auf dieses kleine Häkchen klicke.</p>
<script>alert(1)</script>
<img src="x.png" onerror="alert(2)">
<p>Tatsächlich fühlte ich mich so stark in Bezug auf meine Philosophie „Komm eins, komm alle“,
dass ich so weit ging, einen ganzen Artikel zu schreiben, der meine Entscheidung rechtfertigte.</p>
<h2>Ein großes, aber etwas bedeutungsloses Netzwerk</h2>
<p>Fragen Sie sich Folgendes: Was bringt ein professionelles Netzwerk? Einfach ausgedrückt
liegt der Vorteil darin, dass Sie ein Netz von Kontakten aufbauen können.</p>
<table><tr><td>Tabellenzelle</td><td>42</td></tr></table>
</article>
<aside><h3>Related articles</h3><ul><li><a href="/a">How to network</a></li></ul></aside>
<footer>© 2024 The Muse. Cookie settings. Privacy.</footer>
"""

ARTICLE_PARAGRAPHS = [
    "Warum Sie keine Fremden auf LinkedIn hinzufügen sollten",
    "Folgendes ist passiert, als ich über 300 zufällige LinkedIn-Anfragen angenommen habe",
    "Für die längste Zeit war ich ein wichtiger Befürworter der Annahme von "
    "LinkedIn-Einladungen von völlig Fremden. „Es ist zum Networking!“ Ich würde "
    "proklamieren, während ich auf dieses kleine Häkchen klicke.",
    "Tatsächlich fühlte ich mich so stark in Bezug auf meine Philosophie „Komm eins, komm "
    "alle“, dass ich so weit ging, einen ganzen Artikel zu schreiben, der meine Entscheidung "
    "rechtfertigte.",
    "Ein großes, aber etwas bedeutungsloses Netzwerk",
    "Fragen Sie sich Folgendes: Was bringt ein professionelles Netzwerk? Einfach ausgedrückt "
    "liegt der Vorteil darin, dass Sie ein Netz von Kontakten aufbauen können.",
]
LEAKS = ("<", ">", "alert", "onerror", "onclick", "steal", "tracking", "color:")


def test_extract_html_keeps_the_article_structure() -> None:
    html = page(ARTICLE, head="<script>var tracking = 1;</script><style>p{color:red}</style>")
    text = extract_html("page.html", html.encode())
    assert text.split("\n\n") == [*ARTICLE_PARAGRAPHS[:-1], ARTICLE_PARAGRAPHS[-1] + "\n"]


def test_extract_html_leaves_out_page_chrome_and_tables() -> None:
    text = extract_html("page.html", page(ARTICLE).encode())
    for chrome in ("Home", "Jobs", "Related articles", "How to network", "Cookie", "Tabelle"):
        assert chrome not in text


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(ARTICLE, id="article"),
        pytest.param(
            "<div><p>Hallo <b>Welt</b>.<img src=x onerror='alert(2)'></p>"
            "<script>alert(3)</script><p>Zweiter <i>Absatz</i>.</p></div>",
            id="tiny page",
        ),
    ],
)
def test_extract_html_lets_no_markup_or_script_through(body: str) -> None:
    html = page(body, head="<script>var tracking = 1;</script><style>p{color:red}</style>")
    text = extract_html("page.html", html.encode())
    for leak in LEAKS:
        assert leak not in text


def test_extract_html_falls_back_to_block_elements() -> None:
    html = "<html><head><title>Kurz</title></head><body><div><p>Hallo <b>Welt</b>.</p>"
    html += "<script>alert(3)</script><ul><li>Eins</li><li>Zwei</li></ul></div></body></html>"
    assert extract_html("tiny.html", html.encode()) == "Kurz\n\nHallo Welt.\n\nEins\n\nZwei\n"


def test_extract_html_splits_paragraphs_at_double_line_breaks() -> None:
    html = "<html><body><div>Erste Zeile<br>geht weiter.<br><br>Zweiter Absatz.</div>"
    html += "</body></html>"
    text = extract_html("br.html", html.encode())
    assert text == "Erste Zeile geht weiter.\n\nZweiter Absatz.\n"


@pytest.mark.parametrize("charset", ["windows-1252", "iso-8859-1"])
def test_extract_html_reads_the_declared_charset(charset: str) -> None:
    # Browsers read pages labelled ISO-8859-1 as Windows-1252, whose „quotes“ it lacks.
    html = page(ARTICLE, charset=charset)
    text = extract_html("legacy.html", html.encode("cp1252"))
    assert text.split("\n\n")[:-1] == ARTICLE_PARAGRAPHS[:-1]


def test_extract_html_reads_undeclared_utf8() -> None:
    html = "<html><body><article>" + ARTICLE.split("<article>")[1]
    assert "Für die längste Zeit" in extract_html("plain.html", html.encode())


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(b"", "empty", id="empty"),
        pytest.param(b"<html><body><script>x()</script></body></html>", "no readable text"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00", "PNG image", id="PNG"),
    ],
)
def test_extract_html_refuses_pages_without_text(data: bytes, reason: str) -> None:
    with pytest.raises(InputError, match=reason):
        extract_html("page.html", data)


def test_read_document_text_extracts_html_files(tmp_path: Path) -> None:
    path = write(tmp_path, "page.htm", page(ARTICLE).encode())
    assert read_document_text(path).startswith(ARTICLE_PARAGRAPHS[0] + "\n\n")


def test_extract_html_adds_the_title_when_the_article_has_no_headline() -> None:
    body = "<article>" + ARTICLE.split("</h1>")[1]
    text = extract_html("page.html", page(body).encode())
    assert text.split("\n\n")[:2] == ARTICLE_PARAGRAPHS[:2]


def test_extract_html_does_not_repeat_the_headline_for_the_window_title() -> None:
    html = "<html><head><title>Kurz | Seite</title></head><body><h1>Kurz</h1><p>Text.</p>"
    html += "</body></html>"
    assert extract_html("tiny.html", html.encode()) == "Kurz\n\nText.\n"


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        pytest.param("article.txt", GERMAN.encode("cp1252"), GERMAN, id="text"),
        pytest.param("page.HTML", page(ARTICLE).encode(), None, id="web page"),
        pytest.param("notes.md", b"# Title\n\nText.", "Title\n\nText.\n", id="markdown"),
    ],
)
def test_read_upload_reads_like_a_file_on_disk(
    tmp_path: Path, name: str, data: bytes, expected: str | None
) -> None:
    text = read_upload(name, data, max_bytes=100_000)
    assert text == read_document_text(write(tmp_path, name, data))
    if expected is not None:
        assert text == expected


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(b"", "the file is empty", id="empty"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00", "this is a PNG image, not a text file"),
        pytest.param(bytes(range(128, 256)) * 8, "could not be recognised", id="undecodable"),
    ],
)
def test_read_upload_refuses_bad_files_with_their_name(data: bytes, reason: str) -> None:
    with pytest.raises(InputError, match=reason) as caught:
        read_upload("upload.txt", data, max_bytes=100_000)
    assert caught.value.source == "upload.txt"


def test_read_upload_states_size_and_limit() -> None:
    with pytest.raises(InputError, match=r"the file is 3 MB, larger than the limit of 2 MB"):
        read_upload("big.txt", b"x" * (3 * 1024 * 1024), max_bytes=2 * 1024 * 1024)


def test_read_upload_reports_type_and_size_at_once() -> None:
    with pytest.raises(InputError) as caught:
        read_upload("book.pdf", b"x" * 2000, max_bytes=1000)
    assert caught.value.reason.startswith("unsupported file type '.pdf': Tandem reads .txt, ")
    assert caught.value.reason.endswith(
        ".epub; the file is 0.0019 MB, larger than the limit of "
        "0.00095 MB: split it or remove what you do not want to read"
    )


def test_unsupported_type_lists_every_supported_one() -> None:
    with pytest.raises(InputError) as caught:
        read_upload("README", b"text", max_bytes=1000)
    assert caught.value.reason == (
        "unsupported file type a file without an extension: Tandem reads .txt, .text, .md, "
        ".markdown, .html, .htm and .epub"
    )


def test_read_pasted_normalises_like_a_file() -> None:
    pasted = "\ufeff" + unicodedata.normalize("NFD", GERMAN) + "\r\nZweite Zeile\rDritte\f"
    assert read_pasted("pasted", pasted, max_bytes=10_000) == GERMAN + "\nZweite Zeile\nDritte\n"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        pytest.param("", "the text is empty", id="empty"),
        pytest.param(" \n\t\u3000\n", "the text contains only whitespace, no text", id="blank"),
        pytest.param("Hallo\x00Welt", "NUL characters", id="NUL"),
        pytest.param("".join(map(chr, range(1, 32))) * 5 + "Text", "mostly control characters"),
        pytest.param("Text \udc80 kaputt", "unpaired surrogates", id="surrogates"),
        pytest.param("ä" * 600, "the text is 0.0011 MB, larger than the limit", id="too large"),
    ],
)
def test_read_pasted_refuses_what_is_not_text(text: str, reason: str) -> None:
    with pytest.raises(InputError, match=reason) as caught:
        read_pasted("pasted text", text, max_bytes=1000)
    assert caught.value.source == "pasted text"


@pytest.mark.parametrize("name", ["a.txt", "a.md", "a.html"])
def test_form_feeds_never_make_sections_outside_books(name: str) -> None:
    data = b"<p>Page one.</p>\f<p>Page two.</p>" if name.endswith("html") else b"One.\n\f\nTwo."
    assert "\f" not in read_upload(name, data, max_bytes=1000)
