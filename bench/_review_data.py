"""A large review collection for the review benchmark: N word notes with one cloze card each, in
realistic FSRS states, and a review log of M rows spread over the two years before today.

The schema comes from the real migrations (`webapp.db.upgrade_database`); the one article the
notes point at is made through the ORM; notes, cards and log rows are bulk-inserted with
`sqlite3.executemany` in one transaction, so 100,000 cards and 1,000,000 log rows take seconds.
Timestamps are written in the exact text form `webapp.db.UTCDateTime` stores (naive UTC,
SQLAlchemy's SQLite format with six fraction digits), which `check` proves by comparing with
SQLAlchemy's own bind processor and by reading rows back through the ORM. SQLite compares these
timestamps as text, so a different form would silently change what the queue finds.

Run on its own to make a database: `python bench/_review_data.py /tmp/review.sqlite3`.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from _rows import COLUMNS, insert
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from decks.days import day_bounds
from webapp import create_app, db
from webapp.models import (
    Alignment,
    Article,
    Card,
    Link,
    LinkSentence,
    Paragraph,
    ReviewLog,
    Sentence,
    Version,
)
from webapp.seed import SEEDED

DAY_US = 86_400 * 1_000_000
YEAR_US = 365 * DAY_US
# Phases of the cards, as shares of the collection (the rest is "review").
NEW_SHARE, LEARNING_SHARE, RELEARNING_SHARE = 0.40, 0.03, 0.02
SUSPENDED_SHARE, BURIED_SHARE, UNDO_SHARE, NO_REQUEST_ID_SHARE = 0.01, 0.005, 0.005, 0.2
SENTENCES = (
    (
        "Il treno per Milano parte alle otto dal binario tre.",
        "Der Zug nach Mailand fährt um acht von Gleis drei ab.",
    ),
    (
        "Abbiamo comprato il pane nella piccola bottega all'angolo.",
        "Wir haben das Brot im kleinen Laden an der Ecke gekauft.",
    ),
    (
        "Mia sorella studia medicina a Bologna da due anni.",
        "Meine Schwester studiert seit zwei Jahren Medizin in Bologna.",
    ),
    ("Domani pioverà quasi certamente.", "Morgen wird es fast sicher regnen."),
    (
        "Il museo resta chiuso il lunedì per lavori di restauro.",
        "Das Museum bleibt montags wegen Restaurierungsarbeiten geschlossen.",
    ),
    (
        "Non ho capito bene la domanda, puoi ripeterla?",
        "Ich habe die Frage nicht richtig verstanden, kannst du sie wiederholen?",
    ),
    (
        "La biblioteca presta anche giochi da tavolo ai bambini.",
        "Die Bibliothek verleiht auch Brettspiele an Kinder.",
    ),
    (
        "Dopo cena siamo andati a fare una passeggiata lungo il fiume.",
        "Nach dem Abendessen sind wir am Fluss spazieren gegangen.",
    ),
)


@dataclass(frozen=True)
class Generated:
    """What was made, for the benchmark's report."""

    path: Path
    cards: int
    logs: int
    phases: dict[str, int]
    seconds: float
    megabytes: float
    now: datetime
    day_start: datetime


def sqlite_timestamp(us: np.ndarray) -> list[str]:
    """Microseconds since the epoch (UTC) as the text UTCDateTime stores:
    'YYYY-MM-DD HH:MM:SS.ffffff'."""
    text = np.datetime_as_string(us.astype("datetime64[us]"), unit="us")
    return [t[:10] + " " + t[11:] for t in text.tolist()]


def iso_utc(us: np.ndarray) -> list[str]:
    """The same instants as aware `datetime.isoformat()` writes them (the log's snapshots)."""
    text = np.datetime_as_string(us.astype("datetime64[us]"), unit="us")
    return [t + "+00:00" for t in text.tolist()]


def _micros(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


def _article(session: Session, now: datetime) -> tuple[int, list[tuple[int, int]]]:
    """One Italian/German article, aligned 1-1; returns its id and (link id, Italian sentence
    id) of each link."""
    article = Article(slug="bench-review", title="Benchmark article", created_at=now)
    versions = {}
    for lang in ("it", "de"):
        version = Version(
            lang=lang,
            lang_confidence=1.0,
            source=f"bench-review.{lang}.txt",
            checksum=f"bench-review-{lang}",
            title=None,
            ingested_at=now,
        )
        article.versions.append(version)
        versions[lang] = version
        side = 0 if lang == "it" else 1
        for p in range(2):
            paragraph = Paragraph(position=p, role="body")
            version.paragraphs.append(paragraph)
            for s in range(4):
                position = 4 * p + s
                sentence = Sentence(position=position, text=SENTENCES[position][side])
                paragraph.sentences.append(sentence)
                version.sentences.append(sentence)
    alignment = Alignment(
        article=article,
        source_version=versions["it"],
        target_version=versions["de"],
        method="bench",
        quality=1.0,
        flagged=0,
        created_at=now,
    )
    for position in range(len(SENTENCES)):
        link = Link(position=position, paragraph=position // 4, score=1.0, flagged=False)
        link.members = [
            LinkSentence(sentence=versions["it"].sentences[position], side="source"),
            LinkSentence(sentence=versions["de"].sentences[position], side="target"),
        ]
        alignment.links.append(link)
    session.add_all([article, alignment])
    session.flush()
    links = [(link.id, link.members[0].sentence_id) for link in alignment.links]
    return article.id, links


def _snapshots(
    phase: list[str],
    stability: np.ndarray,
    difficulty: np.ndarray,
    due: list[str],
    last: list[str],
    reps: np.ndarray,
    lapses: np.ndarray,
) -> list[str]:
    """Card snapshots shaped like `webapp.review._snapshot` writes them."""
    return [
        f'{{"phase": "{p}", "step": null, "stability": {s!r}, "difficulty": {d!r}, '
        f'"due": "{u}", "last_review": "{r}", "reps": {n}, "lapses": {k}, '
        f'"suspended": false, "leech": false}}'
        for p, s, d, u, r, n, k in zip(
            phase,
            stability.tolist(),
            difficulty.tolist(),
            due,
            last,
            reps.tolist(),
            lapses.tolist(),
            strict=True,
        )
    ]


def generate(
    path: Path,
    cards: int = 100_000,
    logs: int = 1_000_000,
    *,
    now: datetime | None = None,
    seed: int = 0,
) -> Generated:
    """Create a fresh, migrated database at `path` holding `cards` cards and `logs` log rows.

    Cards: 40 % new, 3 % learning, 2 % relearning (due over the last two days, so a backlog
    of overdue learning cards), 55 % review (due from a week ago to a year ahead); 1 % are
    suspended and 0.5 % buried. Every non-new card has log rows, one of which set its
    `last_review`, and `reps` and `version` equal its number of log rows. Log rows are spread
    uniformly from each card's creation to the start of today (the learner's day, 04:00 UTC by
    default), so the day's limits start untouched; 0.5 % are undo entries.
    """
    started = time.perf_counter()
    if path.exists():
        raise FileExistsError(f"{path} exists: the generator makes a fresh database")
    now = now or datetime.now(UTC)
    day_start, _ = day_bounds(now, ZoneInfo("UTC"), 4)
    rng = np.random.default_rng(seed)
    app = create_app(
        {"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "bench", "SEED_CORPUS": False}
    )
    db.upgrade_database(app)
    with Session(db.get_engine(app)) as session:
        article_id, links = _article(session, now)
        session.commit()
    db.get_engine(app).dispose()

    now_us, start_us = _micros(now), _micros(day_start)
    n = cards
    # Notes and cards share ids 1..n; creation times increase with the id, over two years.
    created = np.sort(rng.integers(start_us - 2 * YEAR_US, start_us - DAY_US, n))
    roll = rng.random(n)
    phase = np.full(n, "review", dtype=object)
    phase[roll < NEW_SHARE + LEARNING_SHARE + RELEARNING_SHARE] = "relearning"
    phase[roll < NEW_SHARE + LEARNING_SHARE] = "learning"
    phase[roll < NEW_SHARE] = "new"
    seen = np.flatnonzero(phase != "new")

    # Log rows: a non-new card each, at a time between its creation and the start of today.
    log_card = rng.choice(seen, logs)
    log_time = created[log_card] + (rng.random(logs) * (start_us - created[log_card])).astype(
        np.int64
    )
    log_time -= log_time % 1000  # the log keeps milliseconds
    order = np.argsort(log_time, kind="stable")
    log_card, log_time = log_card[order], log_time[order]
    reps = np.bincount(log_card, minlength=n)
    last_review = np.zeros(n, dtype=np.int64)
    np.maximum.at(last_review, log_card, log_time)

    stability = np.where(phase == "new", np.nan, np.round(rng.lognormal(2.5, 1.2, n), 4))
    difficulty = np.where(phase == "new", np.nan, np.round(rng.uniform(1.0, 10.0, n), 4))
    lapses = np.where(phase == "new", 0, np.minimum(rng.poisson(0.8, n), reps))
    lapses = np.where(phase == "relearning", np.maximum(lapses, 1), lapses)
    due = created.copy()  # new cards are due from their creation, which orders them
    learning = (phase == "learning") | (phase == "relearning")
    due[learning] = now_us - rng.integers(0, 2 * DAY_US, int(learning.sum()))
    review_mask = phase == "review"
    due[review_mask] = rng.integers(now_us - 7 * DAY_US, now_us + YEAR_US, int(review_mask.sum()))
    # Answered cards fell due after their last answer.
    seen_due = np.where(phase == "review", DAY_US, 600_000_000)
    due = np.where(phase == "new", due, np.maximum(due, last_review + seen_due))
    due -= due % 1000
    step = np.where(phase == "learning", rng.integers(0, 2, n), 0)
    suspended = rng.random(n) < SUSPENDED_SHARE
    buried = (rng.random(n) < BURIED_SHARE) & ~suspended
    leech = lapses >= 8

    due_text = sqlite_timestamp(due)
    last_text = sqlite_timestamp(last_review)
    created_text = sqlite_timestamp(created)
    buried_text = sqlite_timestamp(np.full(n, start_us + DAY_US, dtype=np.int64))
    note_rows = [
        (
            k + 1,
            "word",
            article_id,
            links[k % len(links)][0],
            links[k % len(links)][1],
            "it",
            "de",
            f"parola{k + 1:06d}",
            "",
            created_text[k],
            created_text[k],
        )
        for k in range(n)
    ]
    card_rows = []
    for k, (p, s, d, r, lp, st) in enumerate(
        zip(
            phase.tolist(),
            stability.tolist(),
            difficulty.tolist(),
            reps.tolist(),
            lapses.tolist(),
            step.tolist(),
            strict=True,
        )
    ):
        fresh = p == "new"
        card_rows.append(
            (
                k + 1,
                k + 1,
                "cloze",
                p,
                None if fresh or p == "review" else st,
                None if fresh else s,
                None if fresh else d,
                due_text[k],
                None if fresh else last_text[k],
                r,
                lp,
                int(suspended[k]),
                buried_text[k] if buried[k] else None,
                int(leech[k]),
                r,
                created_text[k],
            )
        )

    # The log's columns: mostly review → review answers rated Good, some lapses.
    rating = rng.choice(np.array([1, 2, 3, 4]), logs, p=[0.1, 0.1, 0.7, 0.1])
    interval_days = np.maximum(1, np.round(rng.lognormal(2.5, 1.2, logs))).astype(np.int64)
    first = rng.random(logs) < 0.08
    before = np.where(first, "new", "review").astype(object)
    after = np.where(rating == 1, "relearning", "review").astype(object)
    after[first] = np.where(rating[first] == 4, "review", "learning")
    interval_s = np.where(after == "review", interval_days * 86_400, 600)
    log_stability = np.round(rng.lognormal(2.5, 1.2, logs), 4)
    log_difficulty = np.round(rng.uniform(1.0, 10.0, logs), 4)
    reviewed_text = sqlite_timestamp(log_time)
    reviewed_iso = iso_utc(log_time)
    due_after_iso = iso_utc(log_time + interval_s * 1_000_000)
    last_before_iso = iso_utc(log_time - interval_days * DAY_US)
    zero = np.zeros(logs, dtype=np.int64)
    state_before = _snapshots(
        before.tolist(),
        log_stability,
        log_difficulty,
        reviewed_iso,
        last_before_iso,
        zero + 3,
        zero,
    )
    state_after = _snapshots(
        after.tolist(),
        np.round(log_stability * 1.8, 4),
        log_difficulty,
        due_after_iso,
        reviewed_iso,
        zero + 4,
        (rating == 1).astype(np.int64),
    )
    duration: list[int | None] = rng.integers(1500, 25_000, logs).tolist()
    hexes = rng.bytes(16 * logs).hex()
    request_id: list[str | None] = [hexes[32 * k : 32 * k + 32] for k in range(logs)]
    for k in np.flatnonzero(rng.random(logs) < NO_REQUEST_ID_SHARE).tolist():
        request_id[k] = None
    columns = {
        "id": list(range(1, logs + 1)),
        "card_id": (log_card + 1).tolist(),
        "kind": ["review"] * logs,
        "undoes_id": [None] * logs,
        "reviewed_at": reviewed_text,
        "rating": rating.tolist(),
        "phase_before": before.tolist(),
        "phase_after": after.tolist(),
        "state_before": state_before,
        "state_after": state_after,
        "interval_seconds": interval_s.tolist(),
        "duration_ms": duration,
        "request_id": request_id,
    }
    # An undo takes back the entry just before it: same card, phases and states swapped back.
    undo = rng.random(logs) < UNDO_SHARE
    undo[0] = False
    undo[1:] &= ~undo[:-1]
    for k in np.flatnonzero(undo).tolist():
        c = columns
        c["card_id"][k], c["kind"][k], c["undoes_id"][k] = c["card_id"][k - 1], "undo", k
        c["rating"][k], c["interval_seconds"][k] = 0, 0
        c["duration_ms"][k] = c["request_id"][k] = None
        c["phase_before"][k], c["phase_after"][k] = (
            c["phase_after"][k - 1],
            c["phase_before"][k - 1],
        )
        c["state_before"][k], c["state_after"][k] = (
            c["state_after"][k - 1],
            c["state_before"][k - 1],
        )
    log_rows = list(zip(*columns.values(), strict=True))

    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=OFF")  # a fresh file: nothing to recover
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA cache_size=-262144")
        connection.execute("BEGIN")
        insert(connection, "notes", note_rows)
        insert(connection, "cards", card_rows)
        assert list(columns) == COLUMNS["review_logs"]
        insert(connection, "review_logs", log_rows)
        # Without this the server would ingest the shipped corpus on its first request.
        connection.execute("INSERT INTO settings (key, value) VALUES (?, '1')", (SEEDED,))
        connection.execute("COMMIT")
        connection.execute("PRAGMA journal_mode=WAL")  # what the app's engine sets
    finally:
        connection.close()
    seconds = time.perf_counter() - started
    counts = {str(p): int(c) for p, c in zip(*np.unique(phase, return_counts=True), strict=True)}
    return Generated(
        path,
        cards,
        len(log_rows),
        counts,
        seconds,
        _megabytes(path),
        now,
        day_start,
    )


def _megabytes(path: Path) -> float:
    files = [path, path.with_name(path.name + "-wal")]
    return sum(f.stat().st_size for f in files if f.exists()) / 1e6


def check(generated: Generated) -> list[str]:
    """Problems with the stored timestamps (none expected): the generator's text must equal
    what SQLAlchemy's bind processor writes for UTCDateTime, and rows read back through the ORM
    must be aware UTC datetimes that text comparison in SQL orders like Python does."""
    problems = []
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{generated.path}",
            "SECRET_KEY": "bench",
            "SEED_CORPUS": False,
        }
    )
    engine = db.get_engine(app)
    bind = db.UTCDateTime().dialect_impl(engine.dialect).bind_processor(engine.dialect)
    assert bind is not None
    samples = np.array(
        [_micros(generated.now), _micros(generated.now) // 1000 * 1000, 0, 1_700_000_000_000_000]
    )
    for us, text in zip(samples.tolist(), sqlite_timestamp(samples), strict=True):
        moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)
        if bind(moment) != text:
            problems.append(f"timestamp text {text!r} differs from SQLAlchemy's {bind(moment)!r}")
    with Session(engine) as session:
        for card in session.scalars(select(Card).where(Card.id.in_([1, 2, generated.cards]))):
            if card.due.tzinfo is not UTC or card.created_at.tzinfo is not UTC:
                problems.append(f"card {card.id} did not read back as aware UTC")
        logs = session.scalars(select(ReviewLog).order_by(ReviewLog.id).limit(1000)).all()
        if any(log.reviewed_at.tzinfo is not UTC for log in logs):
            problems.append("log rows did not read back as aware UTC")
        if logs:
            middle = logs[len(logs) // 2].reviewed_at
            in_python = sum(log.reviewed_at < middle for log in logs)
            in_sql = session.scalar(
                select(func.count())
                .select_from(ReviewLog)
                .where(ReviewLog.id <= logs[-1].id, ReviewLog.reviewed_at < middle)
            )
            if in_python != in_sql:
                problems.append(f"SQL orders timestamps differently: {in_sql} != {in_python}")
        latest = session.scalar(select(func.max(ReviewLog.reviewed_at)))
        if latest is not None and latest >= generated.day_start:
            problems.append(f"a log row is dated today ({latest.isoformat()})")
    engine.dispose()
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="the SQLite file to create (must not exist)")
    parser.add_argument("-n", "--cards", type=int, default=100_000)
    parser.add_argument("--logs", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    made = generate(args.path, args.cards, args.logs, seed=args.seed)
    problems = check(made)
    print(
        f"{made.cards:,} cards {made.phases}, {made.logs:,} log rows: "
        f"generated in {made.seconds:.1f} s, {made.megabytes:.0f} MB ({os.fspath(made.path)})"
    )
    if problems:
        raise SystemExit("\n".join(problems))


if __name__ == "__main__":
    main()
