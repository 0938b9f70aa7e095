"""Anki packages (.apkg) of Tandem notes, with their FSRS schedule and review history.

`write_package` turns `ExportNote`s into a package Anki imports with its own importer:

* Identity. A note's GUID is `genanki.guid_for(note.key)`, a hash of our stable id (a link id or
  a word-note id), never of field text, so exporting again after the learner edits a
  translation updates the note in Anki instead of adding a second one. Its modification time
  is when it last changed (`ExportNote.modified`), not the export's, so Anki takes it only
  when it is newer than Anki's own copy. Note type and field ids are constants
  (`decks.notetypes`); deck ids are a hash of the deck name.
* Text. Every field value is HTML-escaped; braces and square brackets are escaped too, so a
  sentence can never open a cloze, a `[sound:...]` tag or LaTeX. In the cloze the phrase's own
  ":" is escaped as well, so a phrase containing "::" or "}}" cannot end the cloze early.
* Scheduling. Each card gets Anki's `type`/`queue`/`due`/`ivl`/`factor`/`reps`/`lapses`/`left`
  and its FSRS memory state in `cards.data` ({"s", "d", "dr", "decay", "lrt"}), and each review
  becomes a revlog row. Review-card due dates are day numbers counted from the collection
  creation date the package declares (`crt`, a fixed UTC midnight, with `creationOffset` 0 and
  the learner's `rollover` hour). Anki's importer moves day numbers by the difference between
  the package's "today" and the target collection's "today" (both computed at import time with
  the importing computer's clock and time zone), so a card due on the learner's 12 May lands
  due on 12 May in Anki (on a computer in the learner's time zone, with Anki's "next day
  starts at" equal to the learner's). Learning steps within the day keep their exact due
  times (epoch seconds).
* Files. The SQLite collection is built in memory and written, deflated (`decks.archive`), to
  a temporary file beside the target that is renamed over it only when complete.

Notes, cards and revlog rows are inserted fifty to a statement; genanki only provides the note
types, decks and the collection skeleton (it is slow per note).
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import operator
import os
import re
import sqlite3
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import genanki

from corpus.language import text_direction
from decks import notetypes
from decks.archive import write_zip
from decks.days import day_bounds, learner_date
from decks.errors import ExportError
from decks.scheduler import CardState, Phase
from decks.settings import SchedulerSettings

Template = Literal["recognition", "production", "cloze"]
ReviewKind = Literal["learn", "review", "relearn"]
NoteKind = Literal["sentence", "word"]

ROOT_DECK = "Tandem"

# Anki's card types and queues (rslib/src/card/mod.rs).
_TYPE_NEW, _TYPE_LEARN, _TYPE_REVIEW, _TYPE_RELEARN = 0, 1, 2, 3
_QUEUE_SUSPENDED, _QUEUE_NEW, _QUEUE_LEARN, _QUEUE_REVIEW, _QUEUE_DAY_LEARN = -1, 0, 1, 2, 3
_REVLOG_KIND = {"learn": 0, "review": 1, "relearn": 2}
_TEMPLATE_ORD = {"recognition": 0, "production": 1, "cloze": 0}
_FSRS_FACTOR = 2500  # what Anki itself leaves in cards.factor for FSRS review cards

# Day numbers count from this date; Anki reads it from `col.crt` in the creation offset (UTC).
_COLLECTION_CREATED = datetime(2000, 1, 1, tzinfo=UTC)
_SYSTEM_TAGS = frozenset({"leech", "marked"})
_MAX_PROBLEMS = 20
# Anki's GUID alphabet (the printable ASCII characters but space, quotes and backslash).
_BASE91 = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&()*+,-./:;<=>?@[]^_`{|}~"
)
_BASE91_PAIRS = tuple(high + low for high in _BASE91 for low in _BASE91)
_PAIR = len(_BASE91_PAIRS)


@dataclass(frozen=True, kw_only=True)
class ExportReview:
    """One answer of a card, as it becomes an Anki revlog row.

    `interval` is what the answer scheduled and `last_interval` what the card had before it
    (zero for a new card). `difficulty` is the FSRS difficulty after the answer, if known:
    Anki stores it (x100) in the revlog's factor column for review and relearning answers.
    """

    reviewed_at: datetime
    rating: int
    interval: timedelta
    last_interval: timedelta
    duration_ms: int
    kind: ReviewKind
    difficulty: float | None = None


@dataclass(frozen=True, kw_only=True)
class ExportCard:
    """One card of a note: which template, its FSRS state, whether suspended, its history."""

    template: Template
    state: CardState = field(default_factory=CardState)
    suspended: bool = False
    reviews: tuple[ExportReview, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ExportNote:
    """One Anki note and its cards.

    `key` is our stable identity (e.g. "sentence:<link id>:<learn>:<help>" or "word:<note id>");
    the GUID derives from it alone. Text is plain text and is escaped on export. A sentence
    note has a recognition and/or a production card; a word note has one cloze card, and its
    `phrase` must occur in `sentence`. `deck` is the deck path; empty means
    ("Tandem", article title, "<learn>→<help>").

    `modified` (aware UTC) is when the note's content (fields or tags) last changed, and
    becomes its modification time in Anki. Anki's importer replaces its copy of a note only
    with a strictly newer one (in whole seconds), so an unchanged note exported again leaves
    the learner's edits in Anki alone, and a note changed since takes their place.
    """

    key: str
    kind: NoteKind
    learn_lang: str
    help_lang: str
    sentence: str
    translation: str
    modified: datetime
    sentence_paragraph: str = ""
    translation_paragraph: str = ""
    phrase: str = ""
    meaning: str = ""
    article_title: str = ""
    deck: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    cards: tuple[ExportCard, ...] = ()


@dataclass(frozen=True)
class ExportSummary:
    """What went into a package: counts, and the package size in bytes."""

    notes: int
    cards: int
    reviews: int
    bytes: int


def deck_path(article_title: str, learn_lang: str, help_lang: str) -> tuple[str, ...]:
    """The default deck of a note: Tandem::<article title>::<learn>→<help>."""
    return (ROOT_DECK, article_title or "Untitled", f"{learn_lang}→{help_lang}")


def deck_name(note: ExportNote) -> str:
    """The full Anki deck name of a note; "::" inside a component cannot nest decks."""
    return _joined_deck_name(
        note.deck or deck_path(note.article_title, note.learn_lang, note.help_lang)
    )


@functools.lru_cache(maxsize=4096)
def _joined_deck_name(parts: tuple[str, ...]) -> str:
    return "::".join(_deck_component(part) for part in parts)


def note_guid(key: str) -> str:
    """The Anki GUID of the note with this stable key: the value `genanki.guid_for(key)` gives
    (a test checks they agree), the first 8 bytes of the key's SHA-256 in Anki's base 91.

    Computed two base-91 digits at a time from a table, because a large export makes tens of
    thousands of GUIDs and genanki's digit-by-digit loop was a tenth of its time. A 64-bit
    number has at most ten base-91 digits (91**10 > 2**64): five pairs, leading zeros dropped.
    """
    number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    number, fifth = divmod(number, _PAIR)
    number, fourth = divmod(number, _PAIR)
    number, third = divmod(number, _PAIR)
    first, second = divmod(number, _PAIR)
    pairs = _BASE91_PAIRS
    guid = f"{pairs[first]}{pairs[second]}{pairs[third]}{pairs[fourth]}{pairs[fifth]}"
    return guid.lstrip(_BASE91[0])


def write_package(
    path: Path | str,
    notes: Sequence[ExportNote],
    *,
    now: datetime,
    settings: SchedulerSettings,
    with_scheduling: bool = True,
) -> ExportSummary:
    """Write `notes` to the Anki package at `path`, replacing it atomically.

    `now` (aware UTC) is the time of the export: the collection's and note types'
    modification time and where note and card ids start (each note carries its own
    modification time, `ExportNote.modified`). `settings` supplies the desired retention,
    FSRS decay, learning steps and the learner's day (time zone and start hour), so due dates
    land on the same calendar day in Anki. Without scheduling every card is new and
    unsuspended, with no review history. Raises `ExportError` listing every problem of the
    selection, or naming a destination that cannot be written; no partial file is ever left
    behind.
    """
    target = Path(path)
    _validate(notes, now)
    context = _Context(settings, now.astimezone(UTC), with_scheduling)
    database = _build_collection(notes, context)
    size = _write_atomically(target, database, context.now)
    return ExportSummary(
        notes=len(notes), cards=context.card_count, reviews=context.review_count, bytes=size
    )


# -- validation ----------------------------------------------------------------------------


def _validate(notes: Sequence[ExportNote], now: datetime) -> None:
    """Raise one ExportError naming every problem in the selection."""
    if not notes:
        raise ExportError("Nothing to export: the selection has no notes.")
    problems: list[str] = []
    if now.tzinfo is None:
        problems.append("the export time must be timezone-aware (UTC)")
    seen: set[str] = set()
    for note in notes:
        if not note.key:
            problems.append("a note has an empty key")
        elif note.key in seen:
            problems.append(f"{_where(note)} appears twice")
        seen.add(note.key)
        note_problems = _note_problems(note)
        if note_problems:
            problems.extend(f"{_where(note)}: {problem}" for problem in note_problems)
    if problems:
        shown = problems[:_MAX_PROBLEMS]
        if len(problems) > _MAX_PROBLEMS:
            shown.append(f"and {len(problems) - _MAX_PROBLEMS} more")
        raise ExportError("Cannot export: " + "; ".join(shown) + ".")


def _where(note: ExportNote) -> str:
    return f"note {note.key!r}" if note.key else "a note without a key"


_ALLOWED_TEMPLATES: dict[str, tuple[str, ...]] = {
    "sentence": ("recognition", "production"),
    "word": ("cloze",),
}


def _note_problems(note: ExportNote) -> list[str]:
    """What is wrong with one note (usually nothing; this runs for every exported note)."""
    allowed = _ALLOWED_TEMPLATES.get(note.kind)
    if allowed is None:
        return [f"unknown kind {note.kind!r}"]
    problems = []
    if not note.learn_lang.strip() or not note.help_lang.strip():
        problems.append("both languages are needed")
    if not note.sentence.strip():
        problems.append("the sentence is empty")
    if note.modified.tzinfo is None:
        problems.append("its modification time must be timezone-aware (UTC)")
    if not note.cards:
        problems.append("it has no cards")
    templates = {card.template for card in note.cards}
    if not templates.issubset(allowed):
        problems.append(f"a {note.kind} note can only have {' and '.join(allowed)} cards")
    elif len(templates) != len(note.cards):
        problems.append("it has two cards of the same template")
    if note.kind == "word":
        if not note.phrase.strip():
            problems.append("a word note needs its phrase")
        elif _find_phrase(note.sentence, note.phrase) is None:
            problems.append(f"the phrase {note.phrase!r} does not occur in its sentence")
    if note.deck and any(not part.strip() for part in note.deck):
        problems.append("a deck name component is empty")
    for card in note.cards:
        state = card.state
        if state.phase is not Phase.NEW:
            if state.due is None or state.last_review is None:
                problems.append(f"a {state.phase} card needs its due and last review times")
            elif state.due.tzinfo is None or state.last_review.tzinfo is None:
                problems.append("card times must be timezone-aware (UTC)")
        for review in card.reviews:
            if review.reviewed_at.tzinfo is None:
                problems.append("review times must be timezone-aware (UTC)")
            if review.rating not in (1, 2, 3, 4):
                problems.append(f"rating {review.rating} is not 1-4")
            if review.kind not in _REVLOG_KIND:
                problems.append(f"unknown review kind {review.kind!r}")
            if review.duration_ms < 0:
                problems.append("a review cannot take negative time")
    return problems


# -- building the collection ---------------------------------------------------------------


class _Context:
    """Everything the row builders share: settings, the clock and running counters."""

    def __init__(self, settings: SchedulerSettings, now: datetime, with_scheduling: bool):
        self.zone: ZoneInfo = settings.zone
        self.day_starts_at = settings.day_starts_at
        self.desired_retention = settings.desired_retention
        self.decay = settings.parameters[20]
        self.learning_steps = len(settings.learning_steps)
        self.relearning_steps = len(settings.relearning_steps)
        self.now = now
        self.with_scheduling = with_scheduling
        self.mtime = int(now.timestamp())
        self.card_count = 0
        self.review_count = 0
        # The constant part of cards.data, as Anki rounds it.
        self.fsrs_settings_json = (
            f'"dr":{round(self.desired_retention, 2)!r},"decay":{round(self.decay, 3)!r}'
        )
        self._used_revlog_ids: set[int] = set()
        self._next_revlog_id: dict[int, int] = {}
        self._days: dict[int, list[tuple[int, int]]] = {}

    def day(self, timestamp: float) -> tuple[int, int]:
        """Anki's day number of the learner's day containing `timestamp` (days since the
        declared creation date) and the end of that day (epoch seconds).

        A large export asks this for hundreds of thousands of moments on a few thousand days,
        and each answer takes time-zone arithmetic: the learner's days overlapping a UTC
        calendar day are worked out once, then found by the moment's UTC day.
        """
        utc_day = int(timestamp // 86_400)
        days = self._days.get(utc_day)
        if days is None:
            days = self._days[utc_day] = self._days_overlapping(utc_day)
        index = 0
        # The last of the days ends after the UTC day, so this stops within the list.
        while timestamp >= days[index][1]:
            index += 1
        return days[index]

    def _days_overlapping(self, utc_day: int) -> list[tuple[int, int]]:
        """(day number, end) of each learner's day that overlaps the UTC day `utc_day` (days
        since the epoch), in order: one to three, as a learner's day lasts 23 to 25 hours."""
        moment = datetime.fromtimestamp(utc_day * 86_400, UTC)
        limit = moment + timedelta(days=1)
        days = []
        while True:
            start, end = day_bounds(moment, self.zone, self.day_starts_at)
            day = learner_date(start, self.zone, self.day_starts_at)
            days.append(((day - _COLLECTION_CREATED.date()).days, int(end.timestamp())))
            if end >= limit:
                return days
            moment = end

    def revlog_id(self, timestamp: float) -> int:
        """A revlog id (milliseconds) for an answer at `timestamp`, unique in this package."""
        wanted = int(timestamp * 1000)
        if wanted not in self._used_revlog_ids:
            self._used_revlog_ids.add(wanted)
            return wanted
        # Many answers can share a millisecond (imported history); remember where the search
        # for each wanted id stopped so that finding the next free one stays cheap.
        revlog_id = self._next_revlog_id.get(wanted, wanted)
        while revlog_id in self._used_revlog_ids:
            revlog_id += 1
        self._used_revlog_ids.add(revlog_id)
        self._next_revlog_id[wanted] = revlog_id + 1
        return revlog_id


def _build_collection(notes: Sequence[ExportNote], context: _Context) -> bytes:
    """The package's collection.anki2 (legacy schema 11, which every Anki imports) as bytes."""
    decks = _decks(notes)
    connection = sqlite3.connect(":memory:")
    try:
        cursor = connection.cursor()
        # Nothing here is ever rolled back or read back after a crash: on any error the
        # database is dropped whole. Without a journal every page is written once.
        cursor.execute("PRAGMA journal_mode = OFF")
        cursor.execute("PRAGMA synchronous = OFF")
        first_name, first_id = next(iter(decks.items()))
        first_deck = genanki.Deck(first_id, first_name)
        first_deck.add_model(notetypes.sentence_model())
        first_deck.add_model(notetypes.cloze_model())
        # genanki writes the schema, the collection row and the note types; its id generator
        # is only for notes of its own, and we add none through it.
        genanki.Package([first_deck]).write_to_db(cursor, context.mtime, iter(()))
        # The other decks in one update: genanki rewrites the whole decks JSON once per deck.
        _configure_collection(
            cursor,
            context,
            decks={name: deck_id for name, deck_id in decks.items() if deck_id != first_id},
            positions=sum(len(note.cards) for note in notes),
        )
        note_rows, card_rows, revlog_rows = _rows(notes, decks, context)
        # Building the indexes once after the inserts is cheaper than updating them per row.
        indexes = cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        ).fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        _insert_all(cursor, _NOTE_SQL, note_rows)
        _insert_all(cursor, _CARD_SQL, card_rows)
        _insert_all(cursor, _REVLOG_SQL, revlog_rows)
        for name, sql in indexes:
            if name not in _CONSTANT_INDEXES:
                cursor.execute(sql)
        connection.commit()
        return connection.serialize()
    finally:
        connection.close()


# Indexes of Anki's schema over a column that holds one value in every row of a package (usn
# is -1: never synced; csum is 0: Anki computes the checksum on import). They serve syncing and
# the duplicate check of a collection in use; an importer never reads a package by them, and
# building them was a tenth of a large export's database time.
_CONSTANT_INDEXES = frozenset({"ix_notes_usn", "ix_cards_usn", "ix_revlog_usn", "ix_notes_csum"})

_ROWS_PER_INSERT = 50


def _insert_all(cursor: sqlite3.Cursor, statement: str, rows: list[_Row]) -> None:
    """Run the one-row INSERT `statement` for every row, `_ROWS_PER_INSERT` rows at a time.

    One statement inserting fifty rows costs SQLite less than fifty statements (each step has
    its own start and reset): a large export's inserts take a sixth less time.
    """
    head, values = statement.split(" VALUES ")
    whole = len(rows) - len(rows) % _ROWS_PER_INSERT
    batches = (
        tuple(itertools.chain.from_iterable(rows[start : start + _ROWS_PER_INSERT]))
        for start in range(0, whole, _ROWS_PER_INSERT)
    )
    cursor.executemany(f"{head} VALUES {', '.join([values] * _ROWS_PER_INSERT)}", batches)
    if whole < len(rows):
        rest = rows[whole:]
        cursor.execute(
            f"{head} VALUES {', '.join([values] * len(rest))}",
            tuple(itertools.chain.from_iterable(rest)),
        )


def _configure_collection(
    cursor: sqlite3.Cursor, context: _Context, decks: dict[str, int], positions: int
) -> None:
    """Add the decks, and declare the v2+ scheduler, the learner's rollover hour and the
    creation date in UTC, so that Anki counts this collection's days as we did."""
    conf_json, decks_json = cursor.execute("SELECT conf, decks FROM col").fetchone()
    conf = json.loads(conf_json)
    conf.update(
        {
            "schedVer": 2,
            "sched2021": True,
            "rollover": context.day_starts_at,
            "creationOffset": 0,
            "nextPos": positions + 1,
        }
    )
    all_decks = json.loads(decks_json)
    for name, deck_id in decks.items():
        all_decks[str(deck_id)] = genanki.Deck(deck_id, name).to_json()
    now_ms = int(context.now.timestamp() * 1000)
    cursor.execute(
        "UPDATE col SET crt = ?, mod = ?, scm = ?, conf = ?, decks = ?",
        (
            int(_COLLECTION_CREATED.timestamp()),
            now_ms,
            now_ms,
            json.dumps(conf),
            json.dumps(all_decks),
        ),
    )


def _decks(notes: Sequence[ExportNote]) -> dict[str, int]:
    """Every deck the notes use, with its parents, parents first, each with an id hashed from
    its name (Anki matches decks by name on import; the id only has to be stable)."""
    names: dict[str, int] = {}
    for full_name in dict.fromkeys(deck_name(note) for note in notes):
        parts = full_name.split("::")
        for depth in range(1, len(parts) + 1):
            name = "::".join(parts[:depth])
            if name not in names:
                digest = hashlib.sha256(name.encode()).digest()
                names[name] = (1 << 40) + int.from_bytes(digest[:5], "big")
    return names


_Row = tuple[object, ...]


def _rows(
    notes: Sequence[ExportNote], decks: dict[str, int], context: _Context
) -> tuple[list[_Row], list[_Row], list[_Row]]:
    """The rows for `_NOTE_SQL`, `_CARD_SQL` and `_REVLOG_SQL`. Ids are milliseconds from
    `now` up, as Anki's are."""
    note_rows: list[_Row] = []
    card_rows: list[_Row] = []
    revlog_rows: list[_Row] = []
    fields = _Fields()
    next_id = int(context.now.timestamp() * 1000)
    position = 0
    for note in notes:
        note_id = next_id
        next_id += 1
        # The cards take their note's time too: Anki never updates cards it already has.
        mtime = int(note.modified.timestamp())
        model_id, flds = fields.of(note)
        tags = _tags(note.tags, context.with_scheduling)
        # Anki recomputes the sort field and the checksum on import; sfld is filled for other
        # readers of the file, csum is left 0 (a test checks what Anki makes of both).
        note_rows.append((note_id, note_guid(note.key), model_id, mtime, tags, flds, note.sentence))
        deck_id = decks[deck_name(note)]
        for card in note.cards:
            card_id = next_id
            next_id += 1
            position += 1
            ordinal = _TEMPLATE_ORD[card.template]
            schedule = _schedule(card, position, context)
            card_rows.append((card_id, note_id, deck_id, ordinal, mtime, *schedule))
            if context.with_scheduling and card.reviews:
                revlog_rows.extend(_revlog_rows(card_id, card.reviews, context))
    context.card_count = len(card_rows)
    context.review_count = len(revlog_rows)
    return note_rows, card_rows, revlog_rows


# The constant columns are written into the statements, so the rows carry only what varies.
# notes: id, guid, mid, mod, usn, tags, flds, sfld, csum, flags, data
_NOTE_SQL = "INSERT INTO notes VALUES (?, ?, ?, ?, -1, ?, ?, ?, 0, 0, '')"
# cards: id, nid, did, ord, mod, usn, type, queue, due, ivl, factor, reps, lapses, left, odue,
# odid, flags, data
_CARD_SQL = "INSERT INTO cards VALUES (?, ?, ?, ?, ?, -1, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?)"
# revlog: id, cid, usn, ease, ivl, lastIvl, factor, time, type
_REVLOG_SQL = "INSERT INTO revlog VALUES (?, ?, -1, ?, ?, ?, ?, ?, ?)"


# -- fields --------------------------------------------------------------------------------

_NEEDS_ESCAPING = re.compile(r"[&<>\"'{}\[\]\r\n\x1f]")


def _escape(text: str) -> str:
    """Plain text as field HTML that Anki shows exactly as written.

    Beyond HTML's own characters, braces are escaped (they could open a cloze or template
    syntax) and square brackets too (they could start [sound:...] or LaTeX). Most text needs
    none of this, and one regex search finding that is much cheaper than the replacements.
    """
    if not _NEEDS_ESCAPING.search(text):
        return text
    return _NEEDS_ESCAPING.sub(_escaped_character, text.replace("\r\n", "\n"))


_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#x27;",
    "{": "&#123;",
    "}": "&#125;",
    "[": "&#91;",
    "]": "&#93;",
    "\r": "<br>",
    "\n": "<br>",
    "\x1f": " ",  # Anki's field separator
}


def _escaped_character(match: re.Match[str]) -> str:
    return _ESCAPES[match.group()]


def _escape_in_cloze(text: str) -> str:
    """Like `_escape`, and ":" too, so "::" inside the phrase cannot start a cloze hint."""
    return _escape(text).replace(":", "&#58;")


def _find_phrase(sentence: str, phrase: str) -> tuple[int, int] | None:
    """Where the phrase first occurs in the sentence: as written, else ignoring case."""
    start = sentence.find(phrase)
    if start >= 0:
        return start, start + len(phrase)
    match = re.search(re.escape(phrase), sentence, re.IGNORECASE)
    return match.span() if match else None


def cloze_text(sentence: str, phrase: str) -> str:
    """The escaped sentence with the phrase (as it occurs there) wrapped as `{{c1::...}}`."""
    span = _find_phrase(sentence, phrase)
    if span is None:
        raise ExportError(f"The phrase {phrase!r} does not occur in {sentence!r}.")
    start, end = span
    return (
        _escape(sentence[:start])
        + "{{c1::"
        + _escape_in_cloze(sentence[start:end])
        + "}}"
        + _escape(sentence[end:])
    )


# The field values that `_Fields.of` joins are in these orders; a test checks them.
SENTENCE_FIELD_ORDER = (
    "Sentence",
    "Translation",
    "SentenceParagraph",
    "TranslationParagraph",
    "LearnLang",
    "HelpLang",
    "LearnDir",
    "HelpDir",
    "Article",
)
CLOZE_FIELD_ORDER = ("Text", "Meaning", "Phrase", *SENTENCE_FIELD_ORDER[1:])


class _Fields:
    """The escaped field values of notes, as Anki's `flds` column joins them.

    Escaping is most of the work of a large export, and much of the text repeats: every
    sentence of a paragraph carries that paragraph, and every note of an article and language
    pair ends with the same languages, directions and title. Each of those is escaped once.
    """

    def __init__(self) -> None:
        self._paragraphs: dict[str, str] = {}
        self._endings: dict[tuple[str, str, str], str] = {}

    def of(self, note: ExportNote) -> tuple[int, str]:
        """The note type id and the note's `flds`, in the order of `decks.notetypes`."""
        sentence = _escape(note.sentence)
        translation = _escape(note.translation)
        sentence_paragraph = self._marked(note.sentence_paragraph, sentence)
        translation_paragraph = self._marked(note.translation_paragraph, translation)
        shared = f"{translation}\x1f{sentence_paragraph}\x1f{translation_paragraph}\x1f"
        if note.kind == "sentence":
            return notetypes.SENTENCE_MODEL_ID, f"{sentence}\x1f{shared}{self._ending(note)}"
        cloze = cloze_text(note.sentence, note.phrase)
        leading = f"{cloze}\x1f{_escape(note.meaning)}\x1f{_escape(note.phrase)}\x1f"
        return notetypes.CLOZE_MODEL_ID, f"{leading}{shared}{self._ending(note)}"

    def _marked(self, paragraph: str, sentence: str) -> str:
        """The escaped paragraph with its (escaped) sentence marked, when it occurs there."""
        escaped = self._paragraphs.get(paragraph)
        if escaped is None:
            escaped = self._paragraphs[paragraph] = _escape(paragraph)
        if not sentence:
            return escaped
        return escaped.replace(sentence, f"<mark>{sentence}</mark>", 1)

    def _ending(self, note: ExportNote) -> str:
        """The languages, their text directions and the article title, joined."""
        key = (note.learn_lang, note.help_lang, note.article_title)
        ending = self._endings.get(key)
        if ending is None:
            ending = self._endings[key] = "\x1f".join(
                (
                    _escape(note.learn_lang),
                    _escape(note.help_lang),
                    text_direction(note.learn_lang),
                    text_direction(note.help_lang),
                    _escape(note.article_title),
                )
            )
        return ending


@functools.lru_cache(maxsize=1024)
def _tags(tags: tuple[str, ...], with_scheduling: bool) -> str:
    """Anki's space-separated tag string; spaces inside a tag become underscores."""
    cleaned: list[str] = []
    for tag in tags:
        tag = "_".join(tag.split())
        if not tag or tag in cleaned:
            continue
        if not with_scheduling and tag.lower() in _SYSTEM_TAGS:
            continue  # like Anki's own export without scheduling
        cleaned.append(tag)
    return f" {' '.join(cleaned)} " if cleaned else ""


def _deck_component(part: str) -> str:
    """A deck name component: "::" would nest decks, so it becomes ":"; spaces collapse."""
    part = " ".join(part.split())
    while "::" in part:
        part = part.replace("::", ":")
    return part or "Untitled"


# -- scheduling ----------------------------------------------------------------------------


def _schedule(card: ExportCard, position: int, context: _Context) -> _Row:
    """(type, queue, due, ivl, factor, reps, lapses, left, data) of a card in Anki's units."""
    state = card.state
    if not context.with_scheduling or state.phase is Phase.NEW:
        queue = _QUEUE_SUSPENDED if card.suspended and context.with_scheduling else _QUEUE_NEW
        return (_TYPE_NEW, queue, position, 0, 0, 0, 0, 0, "")
    assert state.due is not None and state.last_review is not None  # checked by _validate
    due_at = state.due.timestamp()
    due_day = context.day(due_at)[0]
    last_day, last_day_end = context.day(state.last_review.timestamp())
    counts = (state.reps, state.lapses)
    data = _card_data(state, context)
    if state.phase is Phase.REVIEW:
        queue = _QUEUE_SUSPENDED if card.suspended else _QUEUE_REVIEW
        ivl = max(1, due_day - last_day)
        return (_TYPE_REVIEW, queue, max(0, due_day), ivl, _FSRS_FACTOR, *counts, 0, data)
    relearning = state.phase is Phase.RELEARNING
    steps = context.relearning_steps if relearning else context.learning_steps
    left = max(1, steps - (state.step or 0))
    # Anki's rule: a step that ends after the day of the answer is counted in days (queue 3);
    # one within it keeps its exact time. Suspended cards keep the exact time either way,
    # because Anki's importer only shifts day numbers of cards in the day queues.
    if due_at < last_day_end or card.suspended:
        queue, due = _QUEUE_LEARN, int(due_at)
    else:
        queue, due = _QUEUE_DAY_LEARN, max(0, due_day)
    if card.suspended:
        queue = _QUEUE_SUSPENDED
    if relearning:
        # ivl of a relearning card is the interval it returns to, as FSRS would give it.
        ivl = _fsrs_interval(state.stability, context) if state.stability else 1
        return (_TYPE_RELEARN, queue, due, ivl, _FSRS_FACTOR, *counts, left, data)
    return (_TYPE_LEARN, queue, due, 0, 0, *counts, left, data)


def _fsrs_interval(stability: float, context: _Context) -> int:
    """FSRS-6's interval in days for this stability at the desired retention."""
    # float ** float is typed Any (it can be complex); these are positive reals.
    factor: float = 0.9 ** (-1 / context.decay) - 1
    scale: float = context.desired_retention ** (-1 / context.decay) - 1
    return max(1, round(stability / factor * scale))


def _card_data(state: CardState, context: _Context) -> str:
    """cards.data as Anki writes it: FSRS stability "s", difficulty "d", desired retention
    "dr", decay and the last review time "lrt" (seconds), rounded as Anki rounds them.

    Formatted by hand because json.dumps was a tenth of a large export; repr() of a float is
    what json.dumps writes for it.
    """
    members = []
    if state.stability is not None and state.difficulty is not None:
        members.append(
            f'"s":{round(state.stability, 4)!r},"d":{round(state.difficulty, 3)!r},'
            + context.fsrs_settings_json
        )
    if state.last_review is not None:
        members.append(f'"lrt":{int(state.last_review.timestamp())}')
    return "{" + ",".join(members) + "}" if members else ""


def _revlog_rows(card_id: int, reviews: Sequence[ExportReview], context: _Context) -> list[_Row]:
    """(id, cid, ease, ivl, lastIvl, factor, time, type) of each answer, oldest first."""
    rows: list[_Row] = []
    for review in sorted(reviews, key=_REVIEWED_AT) if len(reviews) > 1 else reviews:
        answered_at = review.reviewed_at.timestamp()
        until_rollover = max(1, context.day(answered_at)[1] - int(answered_at))
        factor = 0
        if review.kind != "learn" and review.difficulty is not None:
            factor = round(review.difficulty * 100)
        rows.append(
            (
                context.revlog_id(answered_at),
                card_id,
                review.rating,
                _revlog_interval(review.interval, until_rollover),
                _revlog_interval(review.last_interval, until_rollover),
                factor,
                review.duration_ms,
                _REVLOG_KIND[review.kind],
            )
        )
    return rows


_REVIEWED_AT = operator.attrgetter("reviewed_at")


def _revlog_interval(interval: timedelta, until_rollover: int) -> int:
    """Anki's revlog interval: days (positive) when it reaches past the end of the learner's
    day, otherwise negative seconds, as Anki records learning steps."""
    seconds = round(interval.total_seconds())
    if seconds <= 0:
        return 0
    if seconds >= until_rollover:
        return (seconds - until_rollover) // 86_400 + 1
    return -seconds


# -- writing -------------------------------------------------------------------------------


def _write_atomically(target: Path, database: bytes, when: datetime) -> int:
    """Zip the collection into a temporary file beside `target`, then rename it into place."""
    directory = target.parent
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=directory
        )
    except OSError as error:
        raise ExportError(f"Cannot write {target}: {error.strerror or error}.") from error
    try:
        with os.fdopen(handle, "wb") as raw:
            write_zip(raw, [("collection.anki2", database), ("media", b"{}")], when)
            raw.flush()
            os.fsync(raw.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise ExportError(f"Cannot write {target}: {error.strerror or error}.") from error
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target.stat().st_size
