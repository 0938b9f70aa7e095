"""The notes of the export benchmark: in memory as `decks.export.ExportNote`s, and the same notes
as a Tandem database, so the whole export (queries included) can be timed.

The notes are real text (see `_common.catalog_pairs`): Italian sentences with their German
translations, cycled when the catalogs hold fewer pairs, four to a paragraph, each a sentence
note with both directions. A share of them (30 % by default) has an FSRS review state and a
review history of 2 to 6 answers; the rest are new. Times and ratings come from a seeded
`random.Random`, so every run exports the same notes.

The database holds one article per title (a thousand notes at a time go to each in turn), its
Italian and German versions, one link per note, and the notes' cards and review log. The schema
comes from the real migrations; the rows are bulk-inserted with `sqlite3.executemany` in one
transaction, timestamps in the text form `webapp.db.UTCDateTime` stores (`_review_data` checks
that form against SQLAlchemy's).
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import catalog_pairs
from _rows import COLUMNS, insert

from decks.export import ExportCard, ExportNote, ExportReview
from decks.scheduler import CardState, Phase
from webapp import create_app, db
from webapp.seed import SEEDED

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CREATED = NOW - timedelta(days=500)  # before every answer of the history
TITLES = ("Messaggi del sistema", "Manuale", "Note di rilascio", "Guida rapida")
NOTES_PER_TURN = 1000  # notes that go to one article before the next one's turn
# The log's phase before an answer, from the kind of answer it was.
PHASE_BEFORE = {"learn": "new", "review": "review", "relearn": "relearning"}


def history(rng: random.Random) -> tuple[CardState, tuple[ExportReview, ...]]:
    """A review card's FSRS state and the answers that led to it, oldest first."""
    answered = NOW - timedelta(days=rng.uniform(60, 400))
    reviews = [
        ExportReview(
            reviewed_at=answered,
            rating=3,
            interval=timedelta(minutes=10),
            last_interval=timedelta(0),
            duration_ms=rng.randrange(2_000, 20_000),
            kind="learn",
        )
    ]
    answered += timedelta(minutes=10, seconds=rng.randrange(0, 300))
    interval, stability, difficulty, lapses = timedelta(days=1), 2.3, rng.uniform(3, 8), 0
    for _ in range(rng.randrange(1, 6)):
        rating = rng.choices((1, 2, 3, 4), weights=(1, 2, 8, 2))[0]
        last = interval
        if rating == 1:
            lapses += 1
            stability = max(0.5, stability * 0.4)
            difficulty = min(10.0, difficulty + 0.8)
        else:
            stability *= (1.5, 2.2, 3.0)[rating - 2]
            difficulty = max(1.0, difficulty - 0.2 * (rating - 3))
        interval = timedelta(days=max(1, round(stability)))
        reviews.append(
            ExportReview(
                reviewed_at=answered,
                rating=rating,
                interval=interval,
                last_interval=last,
                duration_ms=rng.randrange(1_500, 30_000),
                kind="relearn" if rating == 1 else "review",
                difficulty=difficulty,
            )
        )
        answered += interval + timedelta(hours=rng.uniform(-6, 30))
    last_review = reviews[-1].reviewed_at
    state = CardState(
        phase=Phase.REVIEW,
        stability=stability,
        difficulty=difficulty,
        due=last_review + interval,
        last_review=last_review,
        reps=len(reviews),
        lapses=lapses,
    )
    return state, tuple(reviews)


def build_notes(n: int, reviewed: float, seed: int = 1) -> list[ExportNote]:
    """`n` it→de sentence notes of real text, both directions, a `reviewed` share with
    history on the recognition card (and on the production card for half of those)."""
    pairs = catalog_pairs("it", "de")
    rng = random.Random(seed)
    notes = []
    for k in range(n):
        sentence, translation = pairs[k % len(pairs)]
        start = k - k % 4
        group = [pairs[(start + j) % len(pairs)] for j in range(4)]
        cards = [ExportCard(template="recognition"), ExportCard(template="production")]
        if rng.random() < reviewed:
            state, reviews = history(rng)
            cards[0] = ExportCard(template="recognition", state=state, reviews=reviews)
            if rng.random() < 0.5:
                state, reviews = history(rng)
                cards[1] = ExportCard(template="production", state=state, reviews=reviews)
        title = TITLES[(k // NOTES_PER_TURN) % len(TITLES)]
        notes.append(
            ExportNote(
                key=f"sentence:{k + 1}:it:de",
                kind="sentence",
                learn_lang="it",
                help_lang="de",
                sentence=sentence,
                translation=translation,
                modified=CREATED,
                sentence_paragraph=" ".join(p[0] for p in group),
                translation_paragraph=" ".join(p[1] for p in group),
                article_title=title,
                tags=(f"tandem::{title.lower().replace(' ', '-')}", "lang::it", "lang::de"),
                cards=tuple(cards),
            )
        )
    return notes


def stamp(moment: datetime) -> str:
    """An aware datetime as the text UTCDateTime stores: naive UTC with six fraction digits."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def write_database(path: Path, notes: Sequence[ExportNote]) -> None:
    """A fresh, migrated Tandem database at `path` holding `notes` (from `build_notes`): the
    same sentences, paragraphs, cards, states and answers, one article per title."""
    app = create_app(
        {"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "bench", "SEED_CORPUS": False}
    )
    db.upgrade_database(app)
    db.get_engine(app).dispose()
    rows = _Rows()
    for note in notes:
        rows.add(note)
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=OFF")  # a fresh file: nothing to recover
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("BEGIN")
        for table, table_rows in rows.tables.items():
            insert(connection, table, table_rows)
        # Without this the app would ingest the shipped corpus on its first use.
        connection.execute("INSERT INTO settings (key, value) VALUES (?, '1')", (SEEDED,))
        connection.execute("COMMIT")
        connection.execute("PRAGMA journal_mode=WAL")  # what the app's engine sets
    finally:
        connection.close()


@dataclass
class _Article:
    """Ids of an article's rows, and how many of its notes are placed so far."""

    id: int
    versions: dict[str, int]
    alignment: int
    placed: int = 0
    paragraphs: dict[str, int] = field(default_factory=dict)


class _Rows:
    """The rows of every table, made note by note; an article (with its two versions and
    their alignment) is made when its title first comes up."""

    def __init__(self) -> None:
        self.tables: dict[str, list[tuple[object, ...]]] = {table: [] for table in COLUMNS}
        self._articles: dict[str, _Article] = {}
        self.created = stamp(CREATED)

    def _append(self, table: str, *values: object) -> int:
        """Add a row whose id is its number in the table (ids are the first column)."""
        row_id = len(self.tables[table]) + 1
        self.tables[table].append((row_id, *values))
        return row_id

    def _article(self, title: str) -> _Article:
        if title not in self._articles:
            slug = title.lower().replace(" ", "-")
            article_id = self._append("articles", slug, title, self.created)
            versions = {
                lang: self._append(
                    "versions",
                    article_id,
                    lang,
                    1.0,
                    f"{slug}.{lang}.txt",
                    f"{slug}-{lang}",
                    None,
                    self.created,
                )
                for lang in ("it", "de")
            }
            alignment_id = self._append(
                "alignments",
                article_id,
                versions["it"],
                versions["de"],
                "embeddings",
                "",
                0.9,
                0,
                self.created,
                self.created,
            )
            self._articles[title] = _Article(article_id, versions, alignment_id)
        return self._articles[title]

    def add(self, note: ExportNote) -> None:
        """The rows of one note: its sentences (and paragraphs, every fourth note), its link,
        the note, its cards and their answers."""
        article = self._article(note.article_title)
        position = article.placed
        article.placed += 1
        sentence_ids = {}
        for lang, text in (("it", note.sentence), ("de", note.translation)):
            if position % 4 == 0:
                article.paragraphs[lang] = self._append(
                    "paragraphs", article.versions[lang], position // 4, "body"
                )
            sentence_ids[lang] = self._append(
                "sentences", article.versions[lang], article.paragraphs[lang], position, text
            )
        link_id = self._append("links", article.alignment, position, position // 4, 0.9, 0)
        self.tables["link_sentences"] += [
            (link_id, sentence_ids["it"], "source"),
            (link_id, sentence_ids["de"], "target"),
        ]
        note_id = self._append(
            "notes",
            "sentence",
            article.id,
            link_id,
            None,
            "it",
            "de",
            "",
            "",
            self.created,
            stamp(note.modified),
        )
        for card in note.cards:
            self._card(note_id, card)

    def _card(self, note_id: int, card: ExportCard) -> None:
        state = card.state
        card_id = self._append(
            "cards",
            note_id,
            card.template,
            state.phase.value,
            state.step,
            state.stability,
            state.difficulty,
            stamp(state.due) if state.due else self.created,
            stamp(state.last_review) if state.last_review else None,
            state.reps,
            state.lapses,
            int(card.suspended),
            None,
            0,
            state.reps,
            self.created,
        )
        for review in card.reviews:
            self._append(
                "review_logs",
                card_id,
                "review",
                None,
                stamp(review.reviewed_at),
                review.rating,
                PHASE_BEFORE[review.kind],
                "review",
                "{}",
                "{}",
                round(review.interval.total_seconds()),
                review.duration_ms,
                None,
            )
