"""Exporting to Anki: turn what the learner selected into `decks.export` notes, with their
schedule and review history, and write the package. The CLI and the download link share it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, selectinload

from decks.errors import ExportError
from decks.export import (
    ExportCard,
    ExportNote,
    ExportReview,
    ExportSummary,
    ReviewKind,
    Template,
    write_package,
)
from webapp import review
from webapp.models import Article, Link, LinkSentence, Note, ReviewLog
from webapp.pairs import find_alignment, find_article
from webapp.preferences import default_directions

_KIND: dict[str, ReviewKind] = {
    "new": "learn",
    "learning": "learn",
    "review": "review",
    "relearning": "relearn",
}


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
    notes = export_notes(session, selection)
    return write_package(
        path,
        notes,
        now=now,
        settings=review.load_settings(session),
        with_scheduling=with_scheduling,
    )


def export_notes(session: Session, selection: Selection) -> list[ExportNote]:
    """The selected notes, ready for `decks.export.write_package`."""
    if not selection.everything and selection.article is None:
        raise ExportError("choose an article (--article) or everything (--all)")
    if (selection.source is None) != (selection.target is None):
        raise ExportError("give both --source and --target, or neither")
    if selection.all_sentences and (selection.article is None or selection.source is None):
        raise ExportError("--all-sentences needs --article, --source and --target")
    query = (
        select(Note)
        .order_by(Note.id)
        .options(
            selectinload(Note.cards),
            selectinload(Note.article),
            selectinload(Note.sentence),
            selectinload(Note.link).selectinload(Link.members).selectinload(LinkSentence.sentence),
        )
    )
    article = None
    if selection.article is not None:
        article = find_article(session, selection.article)
        query = query.where(Note.article_id == article.id)
    if selection.source is not None:
        query = query.where(Note.learn_lang == selection.source, Note.help_lang == selection.target)
    notes = list(session.scalars(query))
    if selection.all_sentences:
        assert article is not None and selection.source and selection.target
        notes = [n for n in notes if n.kind == "word"]
        return _all_sentences(session, article, selection.source, selection.target) + _convert(
            session, notes
        )
    return _convert(session, notes)


def _convert(session: Session, notes: Sequence[Note]) -> list[ExportNote]:
    history = _history(session, [card.id for note in notes for card in note.cards])
    paragraphs = _paragraphs(session, [note.link for note in notes if note.link is not None])
    result = []
    for note in notes:
        learn, help_ = _sides(note.link, note.learn_lang)
        if note.kind == "word" and note.sentence is not None:
            learn = [note.sentence.text]
        context = paragraphs.get(_group(note.link), {}) if note.link else {}
        result.append(
            ExportNote(
                key=_key(note),
                kind="word" if note.kind == "word" else "sentence",
                learn_lang=note.learn_lang,
                help_lang=note.help_lang,
                sentence=" ".join(learn),
                translation=" ".join(help_),
                sentence_paragraph=context.get(note.learn_lang, ""),
                translation_paragraph=context.get(note.help_lang, ""),
                phrase=note.phrase,
                meaning=note.meaning,
                article_title=note.article.title,
                tags=_tags(
                    note.article,
                    note.kind,
                    note.learn_lang,
                    note.help_lang,
                    any(c.leech for c in note.cards),
                ),
                cards=tuple(
                    ExportCard(
                        template=_template(card.template),
                        state=review.state_of(card),
                        suspended=card.suspended,
                        reviews=tuple(history.get(card.id, ())),
                    )
                    for card in note.cards
                ),
            )
        )
    return result


def _key(note: Note) -> str:
    """A sentence note shares its identity with the link, so a pair exported with
    --all-sentences and later carded updates the same Anki note."""
    if note.kind == "sentence" and note.link_id is not None:
        return f"sentence:{note.link_id}:{note.learn_lang}:{note.help_lang}"
    return f"{note.kind}:{note.id}"


def _template(name: str) -> Template:
    if name not in ("recognition", "production", "cloze"):
        raise ExportError(f"unknown card template {name!r}")
    return name  # type: ignore[return-value]


def _tags(article: Article, kind: str, learn: str, help_: str, leech: bool) -> tuple[str, ...]:
    tags = [f"tandem::{article.slug}", f"lang::{learn}", f"lang::{help_}", kind]
    return (*tags, "leech") if leech else tuple(tags)


def _lang_of(link: Link, side: str) -> str:
    """The language of one side of a link (alignments are few and stay in the session)."""
    version = link.alignment.source_version if side == "source" else link.alignment.target_version
    return version.lang


def _sides(link: Link | None, learn_lang: str) -> tuple[list[str], list[str]]:
    """The learning- and helper-language sentences of a link, in reading order."""
    if link is None:
        return [], []
    members = sorted(link.members, key=lambda m: m.sentence.position)
    learn = [m.sentence.text for m in members if _lang_of(link, m.side) == learn_lang]
    help_ = [m.sentence.text for m in members if _lang_of(link, m.side) != learn_lang]
    return learn, help_


def _group(link: Link | None) -> tuple[int, int]:
    assert link is not None
    return link.alignment_id, link.paragraph


def _paragraphs(session: Session, links: Iterable[Link]) -> dict[tuple[int, int], dict[str, str]]:
    """Each aligned paragraph group's text by language, loaded in one query per alignment."""
    wanted: dict[int, set[int]] = defaultdict(set)
    for link in links:
        wanted[link.alignment_id].add(link.paragraph)
    texts: dict[tuple[int, int], dict[str, list[tuple[int, str]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for alignment_id, paragraphs in wanted.items():
        rows = session.scalars(
            select(Link)
            .where(Link.alignment_id == alignment_id, Link.paragraph.in_(paragraphs))
            .options(selectinload(Link.members).selectinload(LinkSentence.sentence))
        )
        for link in rows:
            for member in link.members:
                texts[(alignment_id, link.paragraph)][_lang_of(link, member.side)].append(
                    (member.sentence.position, member.sentence.text)
                )
    return {
        group: {
            lang: " ".join(text for _, text in sorted(items)) for lang, items in by_lang.items()
        }
        for group, by_lang in texts.items()
    }


def _history(session: Session, card_ids: Sequence[int]) -> dict[int, list[ExportReview]]:
    """Each card's answers still in effect, oldest first, as Anki review-log rows."""
    undo = aliased(ReviewLog)
    history: dict[int, list[ExportReview]] = defaultdict(list)
    last: dict[int, timedelta] = {}
    for start in range(0, len(card_ids), 500):
        rows = session.execute(
            select(
                ReviewLog.card_id,
                ReviewLog.reviewed_at,
                ReviewLog.rating,
                ReviewLog.interval_seconds,
                ReviewLog.duration_ms,
                ReviewLog.phase_before,
            )
            .where(
                ReviewLog.card_id.in_(card_ids[start : start + 500]),
                ReviewLog.kind == "review",
                ~select(undo.id).where(undo.undoes_id == ReviewLog.id).exists(),
            )
            .order_by(ReviewLog.id)
        )
        for card_id, when, rating, seconds, duration, phase in rows:
            interval = timedelta(seconds=seconds)
            history[card_id].append(
                ExportReview(
                    reviewed_at=when,
                    rating=rating,
                    interval=interval,
                    last_interval=last.get(card_id, timedelta(0)),
                    duration_ms=duration or 0,
                    kind=_KIND.get(phase, "review"),
                )
            )
            last[card_id] = interval
    return history


def _all_sentences(session: Session, article: Article, learn: str, help_: str) -> list[ExportNote]:
    """One sentence note per aligned pair with both sides, in reading order; pairs the learner
    already made cards from keep their cards and schedule, the others get new cards."""
    alignment, _ = find_alignment(session, article, learn, help_)
    links = session.scalars(
        select(Link)
        .where(Link.alignment_id == alignment.id)
        .order_by(Link.position)
        .options(selectinload(Link.members).selectinload(LinkSentence.sentence))
    ).all()
    made = {
        note.link_id: note
        for note in session.scalars(
            select(Note)
            .where(
                Note.article_id == article.id,
                Note.kind == "sentence",
                Note.learn_lang == learn,
                Note.help_lang == help_,
            )
            .options(selectinload(Note.cards))
        )
    }
    carded = _convert(session, list(made.values()))
    by_link = {note.link_id: exported for note, exported in zip(made.values(), carded, strict=True)}
    paragraphs = _paragraphs(session, links)
    directions = default_directions(session)
    result = []
    for link in links:
        mine, theirs = _sides(link, learn)
        if not mine or not theirs:
            continue
        if link.id in by_link:
            result.append(by_link[link.id])
            continue
        context = paragraphs[_group(link)]
        result.append(
            ExportNote(
                key=f"sentence:{link.id}:{learn}:{help_}",
                kind="sentence",
                learn_lang=learn,
                help_lang=help_,
                sentence=" ".join(mine),
                translation=" ".join(theirs),
                sentence_paragraph=context.get(learn, ""),
                translation_paragraph=context.get(help_, ""),
                article_title=article.title,
                tags=_tags(article, "sentence", learn, help_, False),
                cards=tuple(ExportCard(template=_template(d)) for d in directions),
            )
        )
    return result
