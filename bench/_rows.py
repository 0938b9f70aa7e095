"""Bulk rows for the benchmarks' large databases: the columns the benchmark generators fill, per
table, and one way to insert them fast (plain sqlite3, a chunk of rows per statement batch)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

CHUNK = 50_000

COLUMNS = {
    "articles": ["id", "slug", "title", "created_at"],
    "versions": [
        "id",
        "article_id",
        "lang",
        "lang_confidence",
        "source",
        "checksum",
        "title",
        "ingested_at",
    ],
    "paragraphs": ["id", "version_id", "position", "role"],
    "sentences": ["id", "version_id", "paragraph_id", "position", "text"],
    "alignments": [
        "id",
        "article_id",
        "source_version_id",
        "target_version_id",
        "method",
        "notes",
        "quality",
        "flagged",
        "created_at",
        "updated_at",
    ],
    "links": ["id", "alignment_id", "position", "paragraph", "score", "flagged"],
    "link_sentences": ["link_id", "sentence_id", "side"],
    "notes": [
        "id",
        "kind",
        "article_id",
        "link_id",
        "sentence_id",
        "learn_lang",
        "help_lang",
        "phrase",
        "meaning",
        "created_at",
        "updated_at",
    ],
    "cards": [
        "id",
        "note_id",
        "template",
        "phase",
        "step",
        "stability",
        "difficulty",
        "due",
        "last_review",
        "reps",
        "lapses",
        "suspended",
        "buried_until",
        "leech",
        "version",
        "created_at",
    ],
    "review_logs": [
        "id",
        "card_id",
        "kind",
        "undoes_id",
        "reviewed_at",
        "rating",
        "phase_before",
        "phase_after",
        "state_before",
        "state_after",
        "interval_seconds",
        "duration_ms",
        "request_id",
    ],
}


def insert(connection: sqlite3.Connection, table: str, rows: Sequence[tuple[object, ...]]) -> None:
    """Insert `rows` (values in `COLUMNS[table]` order) into `table`."""
    columns = COLUMNS[table]
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    for start in range(0, len(rows), CHUNK):
        connection.executemany(sql, rows[start : start + CHUNK])
