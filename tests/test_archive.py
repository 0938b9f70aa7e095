"""Zip archives written by `decks.archive`, read back by the standard library's zipfile."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

import pytest

from decks import archive
from decks.errors import ExportError

WHEN = datetime(2026, 3, 1, 12, 34, 56, tzinfo=UTC)


def test_members_are_deflated_intact_and_dated() -> None:
    text = b"Le biblioteche resteranno aperte fino alle 22.\n" * 5_000
    members = [("collection.anki2", text), ("media", b"{}"), ("empty", b"")]
    buffer = io.BytesIO()
    archive.write_zip(buffer, members, WHEN)

    with zipfile.ZipFile(buffer) as package:
        assert package.testzip() is None  # every CRC-32 matches
        infos = package.infolist()
        assert [info.filename for info in infos] == ["collection.anki2", "media", "empty"]
        assert all(info.compress_type == zipfile.ZIP_DEFLATED for info in infos)
        assert all(info.date_time == (2026, 3, 1, 12, 34, 56) for info in infos)
        assert [package.read(name) for name, _ in members] == [text, b"{}", b""]
    assert infos[0].compress_size < len(text) // 20


def test_an_archive_too_large_without_zip64_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_BYTES", 10)
    buffer = io.BytesIO()
    with pytest.raises(ExportError, match="more than"):
        archive.write_zip(buffer, [("a", b"12345"), ("b", b"678901")], WHEN)
    assert buffer.getvalue() == b""
