"""Small EPUB books built in memory with `zipfile`, for the reader's and the aligner's tests."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from urllib.parse import unquote

CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="{opf}" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>"""

NAV = """<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">
<head><title>Contents</title></head>
<body><nav epub:type="toc"><h1>Contents</h1><ol><li><a href="c0.xhtml">One</a></li></ol></nav>
<p>Table of contents text.</p></body></html>"""

NCX = """<?xml version="1.0" encoding="UTF-8"?>
<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1">
<navMap><navPoint id="n0"><navLabel><text>NCX label text</text></navLabel>
<content src="c0.xhtml"/></navPoint></navMap></ncx>"""


def chapter(*blocks: str, title: str = "Chapter") -> str:
    """An XHTML chapter whose body holds the given blocks (paragraphs as plain strings)."""
    body = "\n".join(block if block.startswith("<") else f"<p>{block}</p>" for block in blocks)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">\n'
        f"<head><title>{title}</title></head>\n<body>\n{body}\n</body></html>"
    )


def package(
    chapters: Sequence[str],
    *,
    spine: Sequence[str] | None = None,
    linear_no: Sequence[str] = (),
    guide_toc: str | None = None,
    hrefs: Mapping[str, str] | None = None,
) -> str:
    """The OPF: chapters c0…cN (href cN.xhtml unless `hrefs` says otherwise), a nav document
    and an NCX; the spine lists nav first, then `spine` (default: chapter order)."""
    hrefs = hrefs or {}
    items = "\n".join(
        f'<item id="c{k}" href="{hrefs.get(f"c{k}", f"c{k}.xhtml")}" '
        'media-type="application/xhtml+xml"/>'
        for k in range(len(chapters))
    )
    order = spine if spine is not None else [f"c{k}" for k in range(len(chapters))]
    refs = "\n".join(
        f'<itemref idref="{ref}" linear="{"no" if ref in linear_no else "yes"}"/>' for ref in order
    )
    guide = (
        f'<guide><reference type="toc" title="Contents" href="{guide_toc}"/></guide>'
        if guide_toc
        else ""
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Book</dc:title></metadata>
<manifest>
<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>
<item id="css" href="style.css" media-type="text/css"/>
{items}
</manifest>
<spine toc="ncx"><itemref idref="nav"/>{refs}</spine>
{guide}
</package>"""


def build_epub(
    chapters: Sequence[str],
    *,
    files: Mapping[str, str | bytes | None] | None = None,
    spine: Sequence[str] | None = None,
    linear_no: Sequence[str] = (),
    guide_toc: str | None = None,
    hrefs: Mapping[str, str] | None = None,
) -> bytes:
    """An EPUB 3 book with the given XHTML chapters under OEBPS/. `files` adds entries or,
    with None, leaves standard ones out; the other options go to `package`."""
    hrefs = hrefs or {}
    entries: dict[str, str | bytes | None] = {
        "mimetype": "application/epub+zip",
        "META-INF/container.xml": CONTAINER.format(opf="OEBPS/content.opf"),
        "OEBPS/content.opf": package(
            chapters, spine=spine, linear_no=linear_no, guide_toc=guide_toc, hrefs=hrefs
        ),
        "OEBPS/nav.xhtml": NAV,
        "OEBPS/toc.ncx": NCX,
        "OEBPS/style.css": "p { color: red }",
    }
    for k, text in enumerate(chapters):
        entries["OEBPS/" + unquote(hrefs.get(f"c{k}", f"c{k}.xhtml"))] = text
    entries.update(files or {})
    return zip_entries(entries)


def zip_entries(entries: Mapping[str, str | bytes | None]) -> bytes:
    """A ZIP archive of the entries (None entries left out), the mimetype stored first."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            if content is None:
                continue
            method = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, content, compress_type=method)
    return buffer.getvalue()
