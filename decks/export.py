"""Anki packages (.apkg) of Tandem notes, with their FSRS schedule and review history.

A package is built in two steps. First the notes are *staged*: put in the plain SQL tables
described in `STAGING_SCHEMA`, inside the in-memory database the package is built in, either
from `ExportNote`s (`Package.add_notes`) or by whoever holds them in a database with one
`INSERT ... SELECT` per table (`webapp.export` does, so a large export never makes a Python
object per row). Then `Package.write` turns the staged rows into Anki's, mostly in SQL:

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

genanki only provides the note types, decks and the collection skeleton (it is slow per note).
"""

from __future__ import annotations

import functools
import gc
import hashlib
import itertools
import json
import os
import re
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Literal
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
SEPARATOR = "\x1f"
"""Joins the parts of a staged note's `deck` and `tags` (Anki's own field separator)."""


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


STAGING_SCHEMA = """
-- A paragraph around one or more notes' sentences, stored once.
CREATE TEMP TABLE stage_paragraphs (id INTEGER PRIMARY KEY, text TEXT NOT NULL);
-- One row per note, `seq` in package order: new cards are introduced in it (Anki gives all
-- new cards of a note their note's position). ExportNote's fields otherwise; times are
-- seconds since the epoch, UTC.
CREATE TEMP TABLE stage_notes (
    seq INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    learn_lang TEXT NOT NULL,
    help_lang TEXT NOT NULL,
    sentence TEXT NOT NULL,
    translation TEXT NOT NULL,
    sentence_paragraph INTEGER,  -- stage_paragraphs.id, or NULL for none
    translation_paragraph INTEGER,
    phrase TEXT NOT NULL DEFAULT '',
    meaning TEXT NOT NULL DEFAULT '',
    article_title TEXT NOT NULL DEFAULT '',
    deck TEXT NOT NULL DEFAULT '',  -- the deck path joined by SEPARATOR; '' for the default
    tags TEXT NOT NULL DEFAULT '',  -- joined by SEPARATOR
    modified REAL NOT NULL
);
-- One row per card, `note` being its note's seq. A new card needs no more than its
-- template. A note with a leech among its cards gets the tag "leech" (as ExportNote's tags
-- may say already). `source` is for the stager's own use (say, its id of the card); the
-- package ignores it.
CREATE TEMP TABLE stage_cards (
    seq INTEGER PRIMARY KEY,
    note INTEGER NOT NULL,
    template TEXT NOT NULL,
    phase TEXT NOT NULL DEFAULT 'new',
    step INTEGER,
    stability REAL,
    difficulty REAL,
    due REAL,
    last_review REAL,
    reps INTEGER NOT NULL DEFAULT 0,
    lapses INTEGER NOT NULL DEFAULT 0,
    suspended INTEGER NOT NULL DEFAULT 0,
    leech INTEGER NOT NULL DEFAULT 0,
    source INTEGER
);
-- One row per answer (ExportReview's fields; intervals in whole seconds); `card` is the
-- card's seq. A card's answers are staged oldest first, so a stager that does not know an
-- answer's last interval leaves it NULL: it is then the interval of the card's answer staged
-- just before (0 for its first).
CREATE TEMP TABLE stage_reviews (
    seq INTEGER PRIMARY KEY,
    card INTEGER NOT NULL,
    reviewed_at REAL NOT NULL,
    rating INTEGER NOT NULL,
    interval INTEGER NOT NULL,
    last_interval INTEGER,
    duration_ms INTEGER NOT NULL,
    kind TEXT NOT NULL,
    difficulty REAL
);
-- What staging itself found wrong with a note (say, a time without a time zone).
CREATE TEMP TABLE stage_problems (note INTEGER NOT NULL, message TEXT NOT NULL);
"""
"""The tables notes are staged in before `Package.write`; see the module docstring."""


def write_package(
    path: Path | str,
    notes: Sequence[ExportNote],
    *,
    now: datetime,
    settings: SchedulerSettings,
    with_scheduling: bool = True,
) -> ExportSummary:
    """Write `notes` to the Anki package at `path`, replacing it atomically (see `Package`)."""
    with Package(now=now, settings=settings, with_scheduling=with_scheduling) as package:
        package.add_notes(notes)
        return package.write(path)


class Package:
    """An Anki package being built in memory: stage notes, then `write` it once.

    `now` (aware UTC) is the time of the export: the collection's and note types'
    modification time and where note and card ids start (each note carries its own
    modification time). `settings` supplies the desired retention, FSRS decay, learning steps
    and the learner's day (time zone and start hour), so due dates land on the same calendar
    day in Anki. Without scheduling every card is new and unsuspended, with no review history.

    `connection` is the in-memory database holding the `STAGING_SCHEMA` tables (in SQLite's
    temp schema); a caller staging rows itself may attach its own database to it.
    """

    def __init__(
        self, *, now: datetime, settings: SchedulerSettings, with_scheduling: bool = True
    ) -> None:
        if now.tzinfo is None:
            raise ExportError("The export time must be timezone-aware (UTC).")
        self._context = _Context(settings, now.astimezone(UTC), with_scheduling)
        self.connection = sqlite3.connect(":memory:", isolation_level=None)
        # Nothing here is ever rolled back or read back after a crash: on any error the
        # database is dropped whole. Without a journal every page is written once, and temp
        # tables (the staging, sorting) stay in memory too. Pages of 16 KiB hold a dozen
        # notes each (a note's fields are about a kilobyte): the package of a large export
        # is 2% smaller than with 4 KiB pages, and was built as fast or faster.
        pragmas = (
            "page_size = 16384",
            "temp.page_size = 16384",
            "journal_mode = OFF",
            "synchronous = OFF",
            "temp_store = MEMORY",
        )
        for pragma in pragmas:
            self.connection.execute(f"PRAGMA {pragma}")
        self.connection.executescript(STAGING_SCHEMA)
        self._register_functions()

    def __enter__(self) -> Package:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Drop the database (whether written or not)."""
        self.connection.close()

    def add_notes(self, notes: Iterable[ExportNote]) -> None:
        """Stage `notes` after those already staged."""
        with _collector_paused():
            self._add_notes(notes)

    def _add_notes(self, notes: Iterable[ExportNote]) -> None:
        connection = self.connection
        note_seq, card_seq, review_seq, paragraph_id = connection.execute(
            "SELECT (SELECT coalesce(max(seq), 0) FROM stage_notes),"
            " (SELECT coalesce(max(seq), 0) FROM stage_cards),"
            " (SELECT coalesce(max(seq), 0) FROM stage_reviews),"
            " (SELECT coalesce(max(id), 0) FROM stage_paragraphs)"
        ).fetchone()
        paragraphs: dict[str, int] = {}
        note_rows: list[_Row] = []
        card_rows: list[_Row] = []
        review_rows: list[_Row] = []
        problems: list[_Row] = []

        def paragraph(text: str) -> int | None:
            nonlocal paragraph_id
            if not text:
                return None
            found = paragraphs.get(text)
            if found is None:
                paragraph_id += 1
                found = paragraphs[text] = paragraph_id
            return found

        def seconds(moment: datetime, message: str) -> float:
            if moment.tzinfo is None:
                if (note_seq, message) not in problems[-3:]:  # once per note and kind of time
                    problems.append((note_seq, message))
                return moment.replace(tzinfo=UTC).timestamp()
            return moment.timestamp()

        for note in notes:
            note_seq += 1
            if note.deck and any(not part.strip() for part in note.deck):
                problems.append((note_seq, "a deck name component is empty"))
            note_rows.append(
                (
                    note_seq,
                    note.key,
                    note.kind,
                    note.learn_lang,
                    note.help_lang,
                    note.sentence,
                    note.translation,
                    paragraph(note.sentence_paragraph),
                    paragraph(note.translation_paragraph),
                    note.phrase,
                    note.meaning,
                    note.article_title,
                    SEPARATOR.join(note.deck),
                    SEPARATOR.join(note.tags),
                    seconds(note.modified, "its modification time must be timezone-aware (UTC)"),
                )
            )
            for card in note.cards:
                card_seq += 1
                state = card.state
                times = [
                    None
                    if moment is None
                    else seconds(moment, "card times must be timezone-aware (UTC)")
                    for moment in (state.due, state.last_review)
                ]
                card_rows.append(
                    (
                        card_seq,
                        note_seq,
                        card.template,
                        state.phase.value,
                        state.step,
                        state.stability,
                        state.difficulty,
                        *times,
                        state.reps,
                        state.lapses,
                        card.suspended,
                        False,
                        None,
                    )
                )
                for review in card.reviews:
                    review_seq += 1
                    review_rows.append(
                        (
                            review_seq,
                            card_seq,
                            seconds(
                                review.reviewed_at, "review times must be timezone-aware (UTC)"
                            ),
                            review.rating,
                            round(review.interval.total_seconds()),
                            round(review.last_interval.total_seconds()),
                            review.duration_ms,
                            review.kind,
                            review.difficulty,
                        )
                    )
        paragraph_rows: list[_Row] = [(number, text) for text, number in paragraphs.items()]
        cursor = connection.cursor()
        cursor.execute("BEGIN")
        for table, rows in (
            ("stage_paragraphs", paragraph_rows),
            ("stage_notes", note_rows),
            ("stage_cards", card_rows),
            ("stage_reviews", review_rows),
            ("stage_problems", problems),
        ):
            if rows:
                marks = ", ".join("?" * len(rows[0]))
                _insert_all(cursor, f"INSERT INTO {table} VALUES ({marks})", rows)
        cursor.execute("COMMIT")

    def write(self, path: Path | str) -> ExportSummary:
        """Write the staged notes to the Anki package at `path`, replacing it atomically.

        Raises `ExportError` listing every problem of the staged notes, or naming a
        destination that cannot be written; no partial file is ever left behind.
        """
        context = self._context
        connection = self.connection
        cursor = connection.cursor()
        self._validate()
        with _collector_paused():
            decks, endings = _note_groups(cursor)
            indexes = _prepare_collection(cursor, context, decks)
            counts = _fill_collection(cursor, context, endings, indexes)
        size = _write_atomically(Path(path), connection.serialize(), context.now)
        return ExportSummary(*counts, bytes=size)

    def _register_functions(self) -> None:
        """The Python function validation calls: finding a phrase as `cloze_text` does."""
        self.connection.create_function("has_phrase", 2, _has_phrase, deterministic=True)

    def _validate(self) -> None:
        """Raise one ExportError naming every problem of the staged notes."""
        connection = self.connection
        if connection.execute("SELECT NOT EXISTS (SELECT 1 FROM stage_notes)").fetchone()[0]:
            raise ExportError("Nothing to export: the selection has no notes.")
        if not connection.execute(_ANY_PROBLEM_SQL).fetchone()[0]:
            return
        found = connection.execute(_PROBLEMS_SQL).fetchall()
        # Each message follows the note's name (": ..." or " appears twice").
        problems = [
            f"note {key!r}{message}" if key else f"a note without a key{message}"
            for key, message in found
        ]
        shown = problems[:_MAX_PROBLEMS]
        if len(problems) > _MAX_PROBLEMS:
            shown.append(f"and {len(problems) - _MAX_PROBLEMS} more")
        raise ExportError("Cannot export: " + "; ".join(shown) + ".")


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a large export makes its rows.

    The rows (and the SQL functions' arguments) are hundreds of thousands of short-lived
    objects: the collector kept starting on them and could free nothing that reference
    counting does not. Cyclic garbage made meanwhile is collected once it runs again. Pauses
    nest: only the outermost resumes it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# -- validation ----------------------------------------------------------------------------

# Nothing but spaces, tabs and line breaks (GLOB stops at the first other character, where
# trim() would copy the text).
_BLANK = "NOT ({} GLOB '*[^ ' || char(9, 10, 11, 12, 13) || ']*')"
# Each check gives (note seq, message) for every note it finds wrong.
_CHECKS = (
    "SELECT seq, ': its key is empty' FROM stage_notes WHERE key = ''",
    "SELECT seq, ' appears twice' FROM (SELECT seq, key <> '' AND"
    " row_number() OVER (PARTITION BY key ORDER BY seq) > 1 AS again FROM stage_notes)"
    " WHERE again",
    "SELECT seq, ': unknown kind ' || quote(kind) FROM stage_notes"
    " WHERE kind NOT IN ('sentence', 'word')",
    "SELECT seq, ': both languages are needed' FROM stage_notes"
    f" WHERE {_BLANK.format('learn_lang')} OR {_BLANK.format('help_lang')}",
    f"SELECT seq, ': the sentence is empty' FROM stage_notes WHERE {_BLANK.format('sentence')}",
    "SELECT seq, ': it has no cards'"
    " FROM (SELECT seq FROM stage_notes EXCEPT SELECT note FROM stage_cards)",
    "SELECT DISTINCT n.seq, CASE n.kind"
    "  WHEN 'word' THEN ': a word note can only have cloze cards'"
    "  ELSE ': a sentence note can only have recognition and production cards' END"
    " FROM stage_notes AS n JOIN stage_cards AS c ON c.note = n.seq"
    " WHERE (n.kind = 'word') <> (c.template = 'cloze')"
    " OR c.template NOT IN ('recognition', 'production', 'cloze')",
    "SELECT note, ': it has two cards of the same template' FROM stage_cards"
    " GROUP BY note, template HAVING count(*) > 1",
    f"SELECT seq, ': a word note needs its phrase' FROM stage_notes"
    f" WHERE kind = 'word' AND {_BLANK.format('phrase')}",
    "SELECT seq, ': the phrase ' || quote(phrase) || ' does not occur in its sentence'"
    f" FROM stage_notes WHERE kind = 'word' AND NOT {_BLANK.format('phrase')}"
    " AND NOT has_phrase(sentence, phrase)",
    "SELECT note, ': a ' || phase || ' card needs its due and last review times'"
    " FROM stage_cards WHERE phase <> 'new' AND (due IS NULL OR last_review IS NULL)",
    "SELECT note, ': unknown card phase ' || quote(phase) FROM stage_cards"
    " WHERE phase NOT IN ('new', 'learning', 'review', 'relearning')",
    "SELECT c.note, ': rating ' || r.rating || ' is not 1-4'"
    " FROM stage_reviews AS r JOIN stage_cards AS c ON c.seq = r.card"
    " WHERE r.rating NOT IN (1, 2, 3, 4)",
    "SELECT c.note, ': unknown review kind ' || quote(r.kind)"
    " FROM stage_reviews AS r JOIN stage_cards AS c ON c.seq = r.card"
    " WHERE r.kind NOT IN ('learn', 'review', 'relearn')",
    "SELECT c.note, ': a review cannot take negative time'"
    " FROM stage_reviews AS r JOIN stage_cards AS c ON c.seq = r.card WHERE r.duration_ms < 0",
    "SELECT note, ': ' || message FROM stage_problems",
)
# Whether any check above would find something, in a few scans rather than one per check: a
# selection is almost always right, and naming its problems can wait until there are some.
_ANY_PROBLEM_SQL = f"""
SELECT EXISTS (
    SELECT 1 FROM stage_notes WHERE key = '' OR kind NOT IN ('sentence', 'word')
        OR {_BLANK.format("learn_lang")} OR {_BLANK.format("help_lang")}
        OR {_BLANK.format("sentence")}
        OR (kind = 'word' AND ({_BLANK.format("phrase")} OR NOT has_phrase(sentence, phrase)))
) OR (SELECT count(*) <> count(DISTINCT key) FROM stage_notes)
OR (SELECT count(*) FROM stage_notes) <> (SELECT count(DISTINCT note) FROM stage_cards)
OR EXISTS (
    SELECT 1 FROM stage_cards AS c JOIN stage_notes AS n ON n.seq = c.note
    WHERE (n.kind = 'word') <> (c.template = 'cloze')
        OR c.template NOT IN ('recognition', 'production', 'cloze')
        OR c.phase NOT IN ('new', 'learning', 'review', 'relearning')
        OR (c.phase <> 'new' AND (c.due IS NULL OR c.last_review IS NULL))
) OR (SELECT count(*) FROM stage_cards)
    <> (SELECT count(*) FROM (SELECT DISTINCT note, template FROM stage_cards))
OR EXISTS (
    SELECT 1 FROM stage_reviews WHERE rating NOT IN (1, 2, 3, 4)
        OR kind NOT IN ('learn', 'review', 'relearn') OR duration_ms < 0
) OR EXISTS (SELECT 1 FROM stage_problems)
"""
_PROBLEMS_SQL = (
    "WITH found (seq, message) AS ("
    + " UNION ALL ".join(f"SELECT * FROM ({check})" for check in _CHECKS)
    + ") SELECT n.key, found.message FROM found JOIN stage_notes AS n ON n.seq = found.seq"
    " ORDER BY n.seq"
)


# -- building the collection ---------------------------------------------------------------


class _Context:
    """What building the collection needs to know: the settings, the clock, the learner's days."""

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
        # Ids are milliseconds from `now` up, as Anki's are; a note's or card's is its seq's.
        self.id_base = int(now.timestamp() * 1000) - 1
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
            days = self._days[utc_day] = self.days_overlapping(utc_day)
        index = 0
        # The last of the days ends after the UTC day, so this stops within the list.
        while timestamp >= days[index][1]:
            index += 1
        return days[index]

    def days_overlapping(self, utc_day: int) -> list[tuple[int, int]]:
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


def _prepare_collection(
    cursor: sqlite3.Cursor, context: _Context, decks: dict[str, int]
) -> list[tuple[str, str]]:
    """Begin the package's collection.anki2 (legacy schema 11, which every Anki imports) in
    the main database: schema, note types, decks, and what `_fill_collection` looks up. Its
    indexes are dropped, to be built once the rows are in (cheaper than updating them per
    row); return them, (name, sql)."""
    first_name, first_id = next(iter(decks.items()))
    first_deck = genanki.Deck(first_id, first_name)
    first_deck.add_model(notetypes.sentence_model())
    first_deck.add_model(notetypes.cloze_model())
    # genanki writes the schema, the collection row and the note types; its id generator is
    # only for notes of its own, and we add none through it.
    genanki.Package([first_deck]).write_to_db(cursor, context.mtime, iter(()))
    cursor.execute("BEGIN")
    # The other decks in one update: genanki rewrites the whole decks JSON once per deck.
    _configure_collection(
        cursor,
        context,
        decks={name: deck_id for name, deck_id in decks.items() if deck_id != first_id},
        positions=cursor.execute("SELECT max(seq) FROM stage_notes").fetchone()[0],
    )
    indexes: list[tuple[str, str]] = cursor.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    ).fetchall()
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    if context.with_scheduling:
        _stage_learner_days(cursor, context)
    cursor.execute(
        "CREATE TEMP TABLE card_schedules (seq INTEGER PRIMARY KEY, type, queue, due, ivl,"
        " factor, reps, lapses, left, data)"
    )
    return indexes


def _fill_collection(
    cursor: sqlite3.Cursor, context: _Context, endings: list[str], indexes: list[tuple[str, str]]
) -> tuple[int, int, int]:
    """Insert the cards, the review log and the notes, build the indexes Anki's importers
    read by, and commit. Return the numbers of notes, cards and answers."""
    cursor.executemany(
        "INSERT INTO card_schedules VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        _schedules(_answered_cards(cursor, context), context),
    )
    params = {"base": context.id_base, "with_scheduling": context.with_scheduling}
    cards = cursor.execute(_CARDS_SQL, params).rowcount
    reviews = _insert_revlog(cursor, context) if context.with_scheduling else 0
    for name, sql in indexes:
        if name not in _UNREAD_INDEXES:
            cursor.execute(sql)
    notes = _insert_notes(cursor, endings, context)
    cursor.execute("COMMIT")
    return notes, cards, reviews


# Indexes of Anki's schema that an importer never reads a package by: those over a column
# that holds one value in every row of a package (usn is -1: never synced; csum is 0: Anki
# computes the checksum on import), which serve syncing and the duplicate check of a
# collection in use, and the scheduler's queue index. Importers look cards up by note and
# answers by card, so those two indexes stay. Building the others was a tenth of a large
# export's database time.
_UNREAD_INDEXES = frozenset(
    {"ix_notes_usn", "ix_cards_usn", "ix_revlog_usn", "ix_notes_csum", "ix_cards_sched"}
)


def _note_groups(cursor: sqlite3.Cursor) -> tuple[dict[str, int], list[str]]:
    """Make the table `note_groups`: the notes of each deck, article and language pair, with
    a number and their deck's id. Return every deck used, with its parents, parents first, by
    name: id; and by group number the end of the groups' fields (languages, text directions,
    article title), escaped once."""
    cursor.execute(
        "CREATE TEMP TABLE note_groups (deck, article_title, learn_lang, help_lang, number,"
        " deck_id, PRIMARY KEY (deck, article_title, learn_lang, help_lang)) WITHOUT ROWID"
    )
    # DISTINCT keeps a few rows while scanning (GROUP BY sorted every note); sorted here so
    # that the numbers and the decks' order never depend on SQLite's.
    groups = sorted(
        cursor.execute(
            "SELECT DISTINCT deck, article_title, learn_lang, help_lang FROM stage_notes"
        ).fetchall()
    )
    decks: dict[str, int] = {}
    rows = []
    endings = []
    for number, (deck, title, learn, help_) in enumerate(groups):
        parts = tuple(deck.split(SEPARATOR)) if deck else deck_path(title, learn, help_)
        full_name = _joined_deck_name(parts)
        components = full_name.split("::")
        for depth in range(1, len(components) + 1):
            name = "::".join(components[:depth])
            if name not in decks:
                digest = hashlib.sha256(name.encode()).digest()
                decks[name] = (1 << 40) + int.from_bytes(digest[:5], "big")
        languages = (_escape(learn), _escape(help_))
        directions = (text_direction(learn), text_direction(help_))
        endings.append(SEPARATOR.join((*languages, *directions, _escape(title))))
        rows.append((deck, title, learn, help_, number, decks[full_name]))
    cursor.executemany("INSERT INTO note_groups VALUES (?, ?, ?, ?, ?, ?)", rows)
    return decks, endings


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


def _has_phrase(sentence: str, phrase: str) -> bool:
    return _find_phrase(sentence, phrase) is not None


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

    Much of the text repeats: every sentence of a paragraph carries that paragraph, and every
    note of a group (`note_groups`) ends with the same languages, directions and title. Each
    of those is escaped once, and found by its number.
    """

    def __init__(self, paragraphs: dict[int, str], endings: list[str]) -> None:
        self._paragraphs = paragraphs
        self._endings = endings

    def of(
        self,
        kind: str,
        sentence: str,
        translation: str,
        sentence_paragraph: int | None,
        translation_paragraph: int | None,
        phrase: str,
        meaning: str,
        group: int,
    ) -> str:
        """A note's `flds`: its field values in the order of `decks.notetypes`."""
        sentence_html = _escape(sentence)
        translation_html = _escape(translation)
        shared = (
            f"{translation_html}\x1f{self._marked(sentence_paragraph, sentence_html)}"
            f"\x1f{self._marked(translation_paragraph, translation_html)}"
            f"\x1f{self._endings[group]}"
        )
        if kind == "word":
            cloze = cloze_text(sentence, phrase)
            return f"{cloze}\x1f{_escape(meaning)}\x1f{_escape(phrase)}\x1f{shared}"
        return f"{sentence_html}\x1f{shared}"

    def _marked(self, paragraph: int | None, sentence: str) -> str:
        """The escaped paragraph with its escaped sentence marked, where it first occurs."""
        if paragraph is None:
            return ""
        html = self._paragraphs[paragraph]
        return html.replace(sentence, f"<mark>{sentence}</mark>", 1) if sentence else html


# notes: id, guid, mid, mod, usn, tags, flds, sfld, csum, flags, data. The fields, GUID and
# tags are made by Python functions SQLite calls per note (`_insert_notes`): cheaper than
# reading every staged note into Python and inserting the result.
_NOTES_SQL = f"""
INSERT INTO notes
SELECT
    :base + n.seq,
    note_guid(n.key),
    CASE n.kind WHEN 'word' THEN {notetypes.CLOZE_MODEL_ID} ELSE {notetypes.SENTENCE_MODEL_ID} END,
    CAST(n.modified AS INTEGER),
    -1,
    anki_tags(CASE WHEN n.seq IN (SELECT note FROM stage_cards WHERE leech)
        THEN n.tags || '{SEPARATOR}leech' ELSE n.tags END),
    note_fields(n.kind, n.sentence, n.translation, n.sentence_paragraph,
        n.translation_paragraph, n.phrase, n.meaning, g.number),
    n.sentence,
    0,
    0,
    ''
FROM stage_notes AS n
JOIN note_groups AS g ON g.deck = n.deck AND g.article_title = n.article_title
    AND g.learn_lang = n.learn_lang AND g.help_lang = n.help_lang
ORDER BY n.seq
"""


def _insert_notes(cursor: sqlite3.Cursor, endings: list[str], context: _Context) -> int:
    """Insert the staged notes; return how many. Anki recomputes the sort field and the
    checksum on import: sfld is filled for other readers of the file, csum is left 0 (a test
    checks what Anki makes of both)."""
    paragraphs = cursor.execute("SELECT id, text FROM stage_paragraphs")
    fields = _Fields({number: _escape(text) for number, text in paragraphs}, endings)
    scheduling = context.with_scheduling
    connection = cursor.connection
    connection.create_function("note_fields", 8, fields.of, deterministic=True)
    connection.create_function("note_guid", 1, note_guid, deterministic=True)
    connection.create_function(
        "anki_tags", 1, lambda tags: _tags(tags, scheduling), deterministic=True
    )
    inserted: int = cursor.execute(_NOTES_SQL, {"base": context.id_base}).rowcount
    return inserted


_ROWS_PER_INSERT = 50


def _insert_all(cursor: sqlite3.Cursor, statement: str, rows: list[_Row]) -> None:
    """Run the one-row INSERT `statement` for every row, `_ROWS_PER_INSERT` rows at a time:
    one statement inserting fifty rows costs SQLite less than fifty statements."""
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


@functools.lru_cache(maxsize=1024)
def _tags(tags: str, with_scheduling: bool) -> str:
    """Anki's space-separated tag string of staged tags; spaces inside a tag become
    underscores."""
    cleaned: list[str] = []
    for tag in tags.split(SEPARATOR):
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

# A new card's due is its note's position; answered cards take `card_schedules`.
_CARDS_SQL = f"""
INSERT INTO cards (id, nid, did, ord, mod, usn, type, queue, due, ivl, factor, reps, lapses,
    left, odue, odid, flags, data)
SELECT
    :base + c.seq,
    :base + c.note,
    g.deck_id,
    CASE c.template {" ".join(f"WHEN '{name}' THEN {o}" for name, o in _TEMPLATE_ORD.items())} END,
    -- A card takes its note's time: Anki never updates cards it already has.
    CAST(n.modified AS INTEGER),
    -1,
    coalesce(s.type, {_TYPE_NEW}),
    coalesce(s.queue, CASE WHEN c.suspended AND :with_scheduling
        THEN {_QUEUE_SUSPENDED} ELSE {_QUEUE_NEW} END),
    coalesce(s.due, c.note),
    coalesce(s.ivl, 0),
    coalesce(s.factor, 0),
    coalesce(s.reps, 0),
    coalesce(s.lapses, 0),
    coalesce(s.left, 0),
    0,
    0,
    0,
    coalesce(s.data, '')
FROM stage_cards AS c
JOIN stage_notes AS n ON n.seq = c.note
JOIN note_groups AS g ON g.deck = n.deck AND g.article_title = n.article_title
    AND g.learn_lang = n.learn_lang AND g.help_lang = n.help_lang
LEFT JOIN card_schedules AS s ON s.seq = c.seq
ORDER BY c.seq
"""


def _answered_cards(cursor: sqlite3.Cursor, context: _Context) -> list[_Row]:
    """The staged cards that have been answered (none without scheduling): their seq and
    what `_schedule` takes."""
    if not context.with_scheduling:
        return []
    return cursor.execute(
        "SELECT seq, phase, step, stability, difficulty, due, last_review, reps, lapses,"
        " suspended FROM stage_cards WHERE phase <> 'new'"
    ).fetchall()


def _schedules(answered: list[_Row], context: _Context) -> list[_Row]:
    """The rows of `card_schedules`: Anki's scheduling columns of every answered card. Few
    cards of a large export have been answered, and their time zone arithmetic is Python's."""
    return [(row[0], *_schedule(row[1:], context)) for row in answered]


_Row = tuple[Any, ...]


def _schedule(row: _Row, context: _Context) -> _Row:
    """(type, queue, due, ivl, factor, reps, lapses, left, data) in Anki's units of an answered
    card's staged (phase, step, stability, difficulty, due, last review, reps, lapses,
    suspended)."""
    phase, step, stability, difficulty, due_at, last_at, reps, lapses, suspended = row
    due_day = context.day(due_at)[0]
    last_day, last_day_end = context.day(last_at)
    counts = (reps, lapses)
    data = _card_data(stability, difficulty, last_at, context)
    if phase == Phase.REVIEW:
        queue = _QUEUE_SUSPENDED if suspended else _QUEUE_REVIEW
        ivl = max(1, due_day - last_day)
        return (_TYPE_REVIEW, queue, max(0, due_day), ivl, _FSRS_FACTOR, *counts, 0, data)
    relearning = phase == Phase.RELEARNING
    steps = context.relearning_steps if relearning else context.learning_steps
    left = max(1, steps - (step or 0))
    # Anki's rule: a step that ends after the day of the answer is counted in days (queue 3);
    # one within it keeps its exact time. Suspended cards keep the exact time either way,
    # because Anki's importer only shifts day numbers of cards in the day queues.
    if due_at < last_day_end or suspended:
        queue, due = _QUEUE_LEARN, int(due_at)
    else:
        queue, due = _QUEUE_DAY_LEARN, max(0, due_day)
    if suspended:
        queue = _QUEUE_SUSPENDED
    if relearning:
        # ivl of a relearning card is the interval it returns to, as FSRS would give it.
        ivl = _fsrs_interval(stability, context) if stability else 1
        return (_TYPE_RELEARN, queue, due, ivl, _FSRS_FACTOR, *counts, left, data)
    return (_TYPE_LEARN, queue, due, 0, 0, *counts, left, data)


def _fsrs_interval(stability: float, context: _Context) -> int:
    """FSRS-6's interval in days for this stability at the desired retention."""
    # float ** float is typed Any (it can be complex); these are positive reals.
    factor: float = 0.9 ** (-1 / context.decay) - 1
    scale: float = context.desired_retention ** (-1 / context.decay) - 1
    return max(1, round(stability / factor * scale))


def _card_data(
    stability: float | None, difficulty: float | None, last_review: float, context: _Context
) -> str:
    """cards.data as Anki writes it: FSRS stability "s", difficulty "d", desired retention
    "dr", decay and the last review time "lrt" (seconds), to the decimals Anki keeps.

    Formatted by hand because json.dumps was a tenth of a large export, and to fixed decimals
    (12.3400 where Anki writes 12.34, the same JSON number) because rounding first and then
    printing the shortest form took two conversions of each number instead of one.
    """
    if stability is not None and difficulty is not None:
        return (
            f'{{"s":{stability:.4f},"d":{difficulty:.3f},{context.fsrs_settings_json},'
            f'"lrt":{int(last_review)}}}'
        )
    return f'{{"lrt":{int(last_review)}}}'


def _revlog_interval_sql(seconds: str) -> str:
    """SQL for Anki's revlog interval of `seconds`: days (positive) when it reaches past the end
    of the learner's day (`until`: seconds left of it), otherwise negative seconds, as Anki
    records learning steps."""
    return (
        f"CASE WHEN {seconds} <= 0 THEN 0"
        f" WHEN {seconds} >= until THEN ({seconds} - until) / 86400 + 1"
        f" ELSE -{seconds} END"
    )


# A day of 23 to 25 hours: three UTC days overlap at most five of the learner's days.
_DAY_ENDS = 5


def _stage_learner_days(cursor: sqlite3.Cursor, context: _Context) -> None:
    """Make the table `learner_days`: for each UTC day an answer was given on (as SQL counts
    it, days since the epoch rounded towards zero), the ends of the learner's days around it,
    in order, for `_REVLOG_SQL` to find the end of an answer's day with one lookup."""
    ends = ", ".join(f"end{number}" for number in range(1, _DAY_ENDS + 1))
    cursor.execute(f"CREATE TEMP TABLE learner_days (utc_day INTEGER PRIMARY KEY, {ends})")
    utc_days = cursor.execute(
        "SELECT DISTINCT CAST(reviewed_at / 86400 AS INTEGER) FROM stage_reviews"
    ).fetchall()
    rows = []
    for (utc_day,) in utc_days:
        # The UTC days on both sides make up for rounding towards zero before 1970.
        around = sorted(
            {
                end
                for nearby in (utc_day - 1, utc_day, utc_day + 1)
                for _, end in context.days_overlapping(nearby)
            }
        )
        rows.append((utc_day, *around, *[None] * (_DAY_ENDS - len(around))))
    cursor.executemany(
        f"INSERT INTO learner_days VALUES ({', '.join('?' * (_DAY_ENDS + 1))})", rows
    )


def _day_end_sql(moment: str) -> str:
    """SQL for the end of the learner's day containing `moment` (a joined `learner_days`)."""
    cases = " ".join(
        f"WHEN {moment} < days.end{number} THEN days.end{number}" for number in range(1, _DAY_ENDS)
    )
    return f"CASE {cases} ELSE days.end{_DAY_ENDS} END"


# Every answer, `until` the end of the learner's day it was given on, and the interval it
# followed (see stage_reviews). A review's factor is the FSRS difficulty after it (x100), as
# Anki keeps it; learning answers have none.
_REVLOG_SQL = f"""
INSERT OR IGNORE INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type)
SELECT
    coalesce(i.id, CAST(t.reviewed_at * 1000 AS INTEGER)),
    :base + t.card,
    -1,
    t.rating,
    {_revlog_interval_sql("t.interval")},
    {_revlog_interval_sql("t.before")},
    CASE WHEN t.kind <> 'learn' AND t.difficulty IS NOT NULL
        THEN CAST(round(t.difficulty * 100) AS INTEGER) ELSE 0 END,
    t.duration_ms,
    CASE t.kind {" ".join(f"WHEN '{kind}' THEN {code}" for kind, code in _REVLOG_KIND.items())} END
FROM (
    SELECT reviews.*,
        max(1, {_day_end_sql("reviews.reviewed_at")} - CAST(reviews.reviewed_at AS INTEGER))
            AS until,
        coalesce(reviews.last_interval, previous.interval, 0) AS before
    FROM stage_reviews AS reviews
    JOIN learner_days AS days ON days.utc_day = CAST(reviews.reviewed_at / 86400 AS INTEGER)
    LEFT JOIN stage_reviews AS previous
        ON previous.seq = reviews.seq - 1 AND previous.card = reviews.card
) AS t
LEFT JOIN revlog_ids AS i ON i.seq = t.seq
"""


def _insert_revlog(cursor: sqlite3.Cursor, context: _Context) -> int:
    """Insert every answer into the revlog, its id the millisecond it was given in; return
    how many.

    Answers can share a millisecond (imported history does): then every id is assigned in
    Python instead, card by card, oldest first, moving each to the next free millisecond.
    """
    cursor.execute("CREATE TEMP TABLE revlog_ids (seq INTEGER PRIMARY KEY, id INTEGER)")
    # OR IGNORE: a shared millisecond shows as fewer rows inserted than answers staged.
    inserted: int = cursor.execute(_REVLOG_SQL, {"base": context.id_base}).rowcount
    staged: int = cursor.execute("SELECT count(*) FROM stage_reviews").fetchone()[0]
    if inserted == staged:
        return inserted
    answers = cursor.execute(
        "SELECT seq, reviewed_at FROM stage_reviews ORDER BY card, reviewed_at, seq"
    ).fetchall()
    cursor.executemany(
        "INSERT INTO revlog_ids VALUES (?, ?)",
        [(seq, context.revlog_id(reviewed_at)) for seq, reviewed_at in answers],
    )
    cursor.execute("DELETE FROM revlog")
    cursor.execute(_REVLOG_SQL, {"base": context.id_base})
    return staged


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
