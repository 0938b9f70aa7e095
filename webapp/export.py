"""Exporting to Anki: stage what the learner selected in a `decks.export.Package`, with its
schedule and review history, and write the package. The CLI and the download link share it.

The package's in-memory database attaches the Tandem database file and stages the notes, cards
and answers with one `INSERT ... SELECT` per table (`decks.export.STAGING_SCHEMA` says what
each staged column holds): a large export reads half a million rows, and making a Python
object of each had been most of its time. The statements run in one read transaction, so
they see one state of the database. Times are read as seconds since the epoch from the text
`webapp.db.UTCDateTime` stores (whole seconds by strftime, plus the stored fraction).

A note's modification time in Anki is when its exported content last changed in Tandem: the
newer of the note's own `updated_at` (made, edited, a card tagged a leech) and its
alignment's (re-aligned, so the sentences around it may have changed). An article's title
never changes once it is stored, and sentences keep their text for good (a changed sentence is
a new row), so nothing else can change what a note shows.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from decks.errors import ExportError
from decks.export import SEPARATOR, ExportSummary, Package
from webapp import db, review
from webapp.models import Article
from webapp.pairs import find_alignment, find_article
from webapp.preferences import default_directions

_MAPPED_BYTES = 1 << 34  # SQLite maps no more than the file, and its build's own limit

# A note can be exported while it has what its fields show: a sentence note its pair, a word
# note its sentence.
SHOWABLE = (
    "((notes.kind = 'sentence' AND notes.link_id IS NOT NULL)"
    " OR (notes.kind = 'word' AND notes.sentence_id IS NOT NULL))"
)


@dataclass(frozen=True)
class Selection:
    """What to export: everything, or one article (optionally one language pair), and whether
    every aligned sentence pair of it becomes a note, not only the cards made."""

    article: str | None = None
    source: str | None = None
    target: str | None = None
    everything: bool = False
    all_sentences: bool = False


def export(
    session: Session,
    selection: Selection,
    path: Path,
    *,
    now: datetime,
    with_scheduling: bool = True,
) -> ExportSummary:
    """Write the selection to `path`; ExportError (or a 404/400) says what is wrong."""
    if not selection.everything and selection.article is None:
        raise ExportError("choose an article (--article) or everything (--all)")
    if (selection.source is None) != (selection.target is None):
        raise ExportError("give both --source and --target, or neither")
    if selection.all_sentences and (selection.article is None or selection.source is None):
        raise ExportError("--all-sentences needs --article, --source and --target")
    database = db.sqlite_file(session.get_bind().engine.url)
    if database is None:
        raise ExportError("Exporting needs the Tandem database in a SQLite file.")
    article, wanted, parameters = _conditions(session, selection)
    settings = review.load_settings(session)
    with Package(now=now, settings=settings, with_scheduling=with_scheduling) as package:
        connection = package.connection
        connection.execute("ATTACH DATABASE ? AS tandem", (str(database),))
        # Read through memory-mapped pages, not a small page cache: the statements visit
        # the notes, links and sentences tables all over.
        connection.execute(f"PRAGMA tandem.mmap_size = {_MAPPED_BYTES}")
        connection.executescript(_SCRATCH)
        connection.execute("BEGIN")
        if selection.all_sentences:
            assert article is not None and selection.source and selection.target
            _choose_every_pair(session, connection, article, selection.source, selection.target)
            wanted += " AND notes.kind = 'word'"
        connection.execute(
            f"INSERT INTO chosen (note_id, link_id, article_id, kind, learn_lang, help_lang)"
            f" SELECT id, link_id, article_id, kind, learn_lang, help_lang"
            f" FROM tandem.notes AS notes WHERE {wanted} ORDER BY id",
            parameters,
        )
        _stage(connection)
        connection.execute("COMMIT")
        connection.execute("DETACH DATABASE tandem")
        return package.write(path)


def left_out(session: Session, selection: Selection) -> int:
    """How many selected notes cannot be exported because an alignment edit or a changed text
    took away the pair they show (they wait in the card list, flagged "needs review")."""
    _, wanted, parameters = _conditions(session, selection, showable=False)
    count = session.scalar(
        text(f"SELECT count(*) FROM notes WHERE {wanted} AND NOT {SHOWABLE}"), parameters
    )
    return count or 0


def _conditions(
    session: Session, selection: Selection, *, showable: bool = True
) -> tuple[Article | None, str, dict[str, object]]:
    """The selected article, and the SQL condition on `notes` for the selection (showable
    notes only, unless told otherwise) with its parameters."""
    wanted = [SHOWABLE] if showable else ["1"]
    parameters: dict[str, object] = {}
    article = None
    if selection.article is not None:
        article = find_article(session, selection.article)
        wanted.append("notes.article_id = :article")
        parameters["article"] = article.id
    if selection.source is not None:
        wanted.append("notes.learn_lang = :learn AND notes.help_lang = :help")
        parameters.update(learn=selection.source, help=selection.target)
    return article, " AND ".join(wanted), parameters


def _choose_every_pair(
    session: Session, connection: sqlite3.Connection, article: Article, learn: str, help_: str
) -> None:
    """Choose one sentence note per aligned pair with both sides, in reading order: the note
    the learner made of it (keeping its cards and schedule), else a new one (`note_id` NULL)
    with a new card in each default direction."""
    alignment, _ = find_alignment(session, article, learn, help_)
    connection.executemany(
        "INSERT INTO directions (template) VALUES (?)",
        [(direction,) for direction in default_directions(session)],
    )
    connection.execute(
        """
        INSERT INTO chosen (note_id, link_id, article_id, kind, learn_lang, help_lang)
        SELECT
            (SELECT id FROM tandem.notes AS notes WHERE notes.link_id = links.id
                AND notes.kind = 'sentence' AND notes.learn_lang = :learn
                AND notes.help_lang = :help),
            links.id, :article, 'sentence', :learn, :help
        FROM tandem.links AS links
        WHERE links.alignment_id = :alignment
            AND EXISTS (SELECT 1 FROM tandem.link_sentences AS ls
                WHERE ls.link_id = links.id AND ls.side = 'source')
            AND EXISTS (SELECT 1 FROM tandem.link_sentences AS ls
                WHERE ls.link_id = links.id AND ls.side = 'target')
        ORDER BY links.position
        """,
        {"alignment": alignment.id, "article": article.id, "learn": learn, "help": help_},
    )


def _epoch(column: str) -> str:
    """SQL for the seconds since the epoch of a stored UTC time (NULL stays NULL)."""
    return f"(CAST(strftime('%s', {column}) AS INTEGER) + CAST(substr({column}, 20) AS REAL))"


_SCRATCH = """
-- The notes chosen, in package order: a note the learner made (note_id), or a new sentence
-- note of a pair (note_id NULL).
CREATE TEMP TABLE chosen (
    seq INTEGER PRIMARY KEY, note_id INTEGER, link_id INTEGER,
    article_id INTEGER, kind TEXT, learn_lang TEXT, help_lang TEXT
);
-- The templates of a new sentence note's cards, in order.
CREATE TEMP TABLE directions (position INTEGER PRIMARY KEY, template TEXT NOT NULL);
-- Each side's sentences of every link in a paragraph group of a chosen link, in the order of
-- the key and of the index: the aggregates below read them in that order (no sort comes
-- between), so each text joins its sentences in reading order.
CREATE TEMP TABLE pieces (
    link_id INTEGER, alignment_id INTEGER, paragraph INTEGER, side TEXT, position INTEGER,
    text TEXT, PRIMARY KEY (link_id, side, position)
) WITHOUT ROWID;
CREATE INDEX temp.pieces_in_paragraphs ON pieces (alignment_id, paragraph, side, position);
"""


def _paragraph_id(alignment: str, paragraph: str, side: str) -> str:
    """SQL for the staged paragraph id of one side of a paragraph group: a number made of its
    alignment, group and side, so notes find their paragraphs without a table of ids."""
    return f"(({alignment} * 2147483648 + {paragraph}) * 2 + ({side} = 'target'))"


# A note's sides: its language is the alignment's source language or the other one.
_LEARN_SIDE = "CASE WHEN source.lang = chosen.learn_lang THEN 'source' ELSE 'target' END"
_HELP_SIDE = "CASE WHEN source.lang = chosen.learn_lang THEN 'target' ELSE 'source' END"
# Both times are stored as text of one form, which sorts as the times do; Anki keeps whole
# seconds.
_MODIFIED = (
    "CAST(strftime('%s', max(coalesce(notes.updated_at, alignments.updated_at),"
    " coalesce(alignments.updated_at, notes.updated_at))) AS INTEGER)"
)


def _link_text(side: str) -> str:
    """SQL for one side's sentences of the chosen link as one text (NULL for none)."""
    return (
        "(SELECT group_concat(text, ' ') FROM pieces"
        f" WHERE pieces.link_id = chosen.link_id AND pieces.side = {side})"
    )


_STAGING = (
    # The sentences around every chosen link (its paragraph group, both sides). CROSS JOIN
    # keeps the groups outside: left to itself, SQLite read every link's sentences of the
    # database, however few were chosen.
    """
    INSERT INTO pieces
    SELECT links.id, links.alignment_id, links.paragraph, ls.side, sentences.position,
        sentences.text
    FROM (SELECT DISTINCT links.alignment_id, links.paragraph FROM chosen
          JOIN tandem.links AS links ON links.id = chosen.link_id) AS groups
    CROSS JOIN tandem.links AS links ON links.alignment_id = groups.alignment_id
        AND links.paragraph = groups.paragraph
    CROSS JOIN tandem.link_sentences AS ls ON ls.link_id = links.id
    CROSS JOIN tandem.sentences AS sentences ON sentences.id = ls.sentence_id
    """,
    # Each side's sentences of a paragraph group as one text.
    f"""
    INSERT INTO stage_paragraphs
    SELECT {_paragraph_id("alignment_id", "paragraph", "side")}, group_concat(text, ' ')
    FROM pieces INDEXED BY pieces_in_paragraphs GROUP BY alignment_id, paragraph, side
    """,
    f"""
    INSERT INTO stage_notes (seq, key, kind, learn_lang, help_lang, sentence, translation,
        sentence_paragraph, translation_paragraph, phrase, meaning, article_title, tags,
        modified)
    SELECT
        chosen.seq,
        CASE WHEN chosen.kind = 'word' THEN 'word:' || notes.id
            ELSE 'sentence:' || chosen.link_id || ':' || chosen.learn_lang || ':'
                || chosen.help_lang END,
        chosen.kind, chosen.learn_lang, chosen.help_lang,
        coalesce(word_sentence.text, {_link_text(_LEARN_SIDE)}, ''),
        coalesce({_link_text(_HELP_SIDE)}, ''),
        {_paragraph_id("links.alignment_id", "links.paragraph", _LEARN_SIDE)},
        {_paragraph_id("links.alignment_id", "links.paragraph", _HELP_SIDE)},
        coalesce(notes.phrase, ''),
        coalesce(notes.meaning, ''),
        articles.title,
        'tandem::' || articles.slug || :separator || 'lang::' || chosen.learn_lang
            || :separator || 'lang::' || chosen.help_lang || :separator || chosen.kind,
        {_MODIFIED}
    FROM chosen
    LEFT JOIN tandem.notes AS notes ON notes.id = chosen.note_id
    JOIN tandem.articles AS articles ON articles.id = chosen.article_id
    LEFT JOIN tandem.links AS links ON links.id = chosen.link_id
    LEFT JOIN tandem.alignments AS alignments ON alignments.id = links.alignment_id
    LEFT JOIN tandem.versions AS source ON source.id = alignments.source_version_id
    LEFT JOIN tandem.sentences AS word_sentence
        ON word_sentence.id = notes.sentence_id AND notes.kind = 'word'
    ORDER BY chosen.seq
    """,
    # A made note's cards (found by note: CROSS JOIN keeps the chosen notes outside, in
    # order), and a new note's in the default directions.
    f"""
    INSERT INTO stage_cards (note, template, phase, step, stability, difficulty, due,
        last_review, reps, lapses, suspended, leech, source)
    SELECT chosen.seq, cards.template, cards.phase, cards.step, cards.stability,
        cards.difficulty, CASE WHEN cards.phase = 'new' THEN NULL ELSE {_epoch("cards.due")} END,
        {_epoch("cards.last_review")}, cards.reps, cards.lapses, cards.suspended, cards.leech,
        cards.id
    FROM chosen CROSS JOIN tandem.cards AS cards ON cards.note_id = chosen.note_id
    """,
    """
    INSERT INTO stage_cards (note, template)
    SELECT chosen.seq, directions.template
    FROM chosen CROSS JOIN directions WHERE chosen.note_id IS NULL
    """,
    # Answers still in effect (not undone), card by card, oldest first; each one's last
    # interval is then the one before it's (NULL: see decks.export.STAGING_SCHEMA). A new
    # card has none (an answer that was undone took it back to new). CROSS JOIN keeps the
    # staged cards outside, so the answers are found by card in the order wanted, with no
    # sort.
    f"""
    INSERT INTO stage_reviews (card, reviewed_at, rating, interval, last_interval,
        duration_ms, kind)
    SELECT cards.seq, {_epoch("logs.reviewed_at")}, logs.rating, logs.interval_seconds, NULL,
        coalesce(logs.duration_ms, 0),
        CASE logs.phase_before WHEN 'new' THEN 'learn' WHEN 'learning' THEN 'learn'
            WHEN 'relearning' THEN 'relearn' ELSE 'review' END
    FROM stage_cards AS cards CROSS JOIN tandem.review_logs AS logs
        ON logs.card_id = cards.source
    WHERE cards.phase <> 'new' AND logs.kind = 'review'
        AND logs.id NOT IN (
            SELECT undoes_id FROM tandem.review_logs WHERE undoes_id IS NOT NULL
        )
    ORDER BY cards.seq, logs.id
    """,
)


def _stage(connection: sqlite3.Connection) -> None:
    """Stage the chosen notes, their cards and answers (`chosen` is filled)."""
    for statement in _STAGING:
        connection.execute(statement, {"separator": SEPARATOR})
