"""Value objects that flow through the corpus pipeline: file → Document → Alignment.

Everything here is frozen and free of I/O so that the web app can store it and tests can build it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    """What a paragraph is in the article's structure. Headings still align and can be read."""

    TITLE = "title"
    SUBTITLE = "subtitle"
    HEADING = "heading"
    BODY = "body"


@dataclass(frozen=True)
class Removal:
    """A line the cleaner took out of a document, with the rule that removed it.

    `line` is the 1-based line number in the decoded text, `text` what was removed (for a title
    suffix, only the suffix), so that a learner can see and undo what the cleaner did.
    """

    line: int
    text: str
    reason: str


@dataclass(frozen=True)
class Corrections:
    """The learner's corrections to the cleaner, as 1-based line numbers (`Removal.line`):
    removals to undo and kept lines to remove.

    Stored by the web app as `to_json()` and applied again when the same text comes back; the
    JSON is canonical (sorted, no spaces), so equal corrections give equal strings and
    `Document.checksum` can include it.
    """

    restore: frozenset[int] = frozenset()
    remove: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.restore or self.remove)

    def to_json(self) -> str:
        """`{"remove":[...],"restore":[...]}` with sorted lines, or "" when there are none."""
        if not self:
            return ""
        lines = {"remove": sorted(self.remove), "restore": sorted(self.restore)}
        return json.dumps(lines, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Corrections:
        """Read what `to_json` wrote ("" is no corrections); ValueError if it is malformed."""
        if not text:
            return cls()
        data = json.loads(text)
        if not isinstance(data, dict) or set(data) - {"restore", "remove"}:
            raise ValueError(f"corrections must be an object with restore and remove: {text!r}")
        lines = {key: data.get(key, []) for key in ("restore", "remove")}
        for key, values in lines.items():
            if not isinstance(values, list) or not all(
                isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in values
            ):
                raise ValueError(f"{key} must be a list of positive line numbers: {text!r}")
        return cls(frozenset(lines["restore"]), frozenset(lines["remove"]))


@dataclass(frozen=True)
class Paragraph:
    """One block of an article: its role, its text, its sentences in reading order and the
    section (chapter of a book, counted from 0; always 0 for an article) it belongs to."""

    role: Role
    text: str
    sentences: tuple[str, ...]
    section: int = 0


@dataclass(frozen=True)
class Document:
    """One language version of an article, cleaned and split, ready to align.

    `checksum` identifies the text together with the learner's `corrections` (those that
    applied to it), so a corrected import is a different document from an uncorrected one.
    """

    source: str
    checksum: str
    lang: str
    lang_confidence: float
    paragraphs: tuple[Paragraph, ...]
    removed: tuple[Removal, ...] = ()
    corrections: Corrections = field(default_factory=Corrections)

    @property
    def title(self) -> str | None:
        """The text of the title paragraph, when the document has one."""
        for paragraph in self.paragraphs:
            if paragraph.role is Role.TITLE:
                return paragraph.text
        return None

    @property
    def sentences(self) -> tuple[str, ...]:
        """All sentences of the document in reading order (the indexes links refer to)."""
        return tuple(s for p in self.paragraphs for s in p.sentences)


@dataclass(frozen=True)
class Link:
    """One bead of an alignment: indexes on each side (either side may be empty), a score in
    [0, 1] and whether the aligner is unsure of it."""

    source: tuple[int, ...]
    target: tuple[int, ...]
    score: float
    flagged: bool = False

    @property
    def kind(self) -> str:
        """The bead type, such as "1-1", "2-1" or "0-1"."""
        return f"{len(self.source)}-{len(self.target)}"


@dataclass(frozen=True)
class Alignment:
    """Paragraph links and sentence links between two documents.

    Sentence indexes are positions in `Document.sentences`; each sentence link also names the
    paragraph link (`groups[i]`) it lies in. `method` says how it was scored ("embeddings", or
    "length" when the model was unavailable or does not cover a language).
    """

    paragraphs: tuple[Link, ...]
    sentences: tuple[Link, ...]
    groups: tuple[int, ...]
    method: str
    notes: tuple[str, ...] = field(default=())
