"""Reading stored alignments back: article summaries and aligned pairs in reading order,
with the TSV, JSON Lines and TMX writers the `pairs` command offers."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from werkzeug.exceptions import BadRequest, NotFound

from webapp.models import Alignment, Article, Link, LinkSentence, Sentence, Version


@dataclass(frozen=True)
class PairRow:
    """One link as the learner reads it: source sentences, target sentences, where, how sure."""

    link_id: int
    paragraph: int
    source: tuple[str, ...]
    target: tuple[str, ...]
    score: float
    flagged: bool


def find_article(session: Session, key: str) -> Article:
    """An article by id or slug, or a 404 that names what was asked for."""
    article = None
    if key.isdigit():
        article = session.get(Article, int(key))
    if article is None:
        article = session.scalar(select(Article).where(Article.slug == key))
    if article is None:
        raise NotFound(f"no article {key!r}: see `tandem articles` for the list")
    return article


def find_alignment(
    session: Session, article: Article, source_lang: str, target_lang: str
) -> tuple[Alignment, bool]:
    """The stored alignment of two languages of an article, and whether it is stored the other
    way round."""
    if source_lang == target_lang:
        raise BadRequest("source and target must be two different languages")
    by_lang = {v.lang: v for v in article.versions}
    missing = [lang for lang in (source_lang, target_lang) if lang not in by_lang]
    if missing:
        have = ", ".join(sorted(by_lang)) or "none"
        raise NotFound(
            f"article {article.slug!r} has no {' or '.join(missing)} version (it has: {have})"
        )
    return alignment_between(session, by_lang[source_lang], by_lang[target_lang])


def alignment_between(session: Session, first: Version, second: Version) -> tuple[Alignment, bool]:
    """The alignment of two versions, and whether it is stored the other way round."""
    for a, b, flipped in ((first, second, False), (second, first, True)):
        alignment = session.scalar(
            select(Alignment).where(
                Alignment.source_version_id == a.id, Alignment.target_version_id == b.id
            )
        )
        if alignment is not None:
            return alignment, flipped
    raise NotFound(f"{first.lang} and {second.lang} are not aligned yet")


def aligned_rows(session: Session, key: str, source_lang: str, target_lang: str) -> list[PairRow]:
    """Every link of one language pair of an article, in reading order."""
    alignment, flipped = find_alignment(
        session, find_article(session, key), source_lang, target_lang
    )
    links = session.scalars(
        select(Link)
        .where(Link.alignment_id == alignment.id)
        .order_by(Link.position)
        .options(selectinload(Link.members).selectinload(LinkSentence.sentence))
    )
    rows = []
    for link in links:
        sides: dict[str, list[tuple[int, str]]] = {"source": [], "target": []}
        for member in link.members:
            sides[member.side].append((member.sentence.position, member.sentence.text))
        source = tuple(text for _, text in sorted(sides["source"]))
        target = tuple(text for _, text in sorted(sides["target"]))
        if flipped:
            source, target = target, source
        rows.append(PairRow(link.id, link.paragraph, source, target, link.score, link.flagged))
    return rows


def article_summaries(session: Session) -> list[dict[str, Any]]:
    """Articles with their versions and the quality of each aligned pair, for listings.

    Counts come from aggregate queries: a book has thousands of sentences and links, and the
    library must not load them to count them.
    """
    sentence_counts = dict(
        session.execute(
            select(Sentence.version_id, func.count()).group_by(Sentence.version_id)
        ).all()
    )
    link_counts = dict(
        session.execute(select(Link.alignment_id, func.count()).group_by(Link.alignment_id)).all()
    )
    alignments: dict[int, list[Alignment]] = {}
    for alignment in session.scalars(
        select(Alignment)
        .order_by(Alignment.id)
        .options(selectinload(Alignment.source_version), selectinload(Alignment.target_version))
    ):
        alignments.setdefault(alignment.article_id, []).append(alignment)
    summaries = []
    for article in session.scalars(
        select(Article).order_by(Article.id).options(selectinload(Article.versions))
    ):
        summaries.append(
            {
                "id": article.id,
                "slug": article.slug,
                "title": article.title,
                "versions": [
                    {
                        "lang": v.lang,
                        "title": v.title,
                        "sentences": sentence_counts.get(v.id, 0),
                        "confidence": round(v.lang_confidence, 3),
                        "source": v.source,
                    }
                    for v in article.versions
                ],
                "alignments": [
                    {
                        "source": a.source_version.lang,
                        "target": a.target_version.lang,
                        "method": a.method,
                        "quality": a.quality,
                        "flagged": a.flagged,
                        "links": link_counts.get(a.id, 0),
                        "notes": a.notes,
                    }
                    for a in alignments.get(article.id, [])
                ],
            }
        )
    return summaries


def write_tsv(rows: Sequence[PairRow], source_lang: str, target_lang: str) -> Iterator[str]:
    """Tab-separated: source, target, paragraph, score. Tabs and newlines in text become spaces."""
    yield f"{source_lang}\t{target_lang}\tparagraph\tscore\n"
    for row in rows:
        yield (f"{_flat(row.source)}\t{_flat(row.target)}\t{row.paragraph}\t{row.score:.4f}\n")


def write_jsonl(rows: Sequence[PairRow], source_lang: str, target_lang: str) -> Iterator[str]:
    """One JSON object per link; an empty side is the empty string."""
    for row in rows:
        yield (
            json.dumps(
                {
                    "link": row.link_id,
                    "source": " ".join(row.source),
                    "target": " ".join(row.target),
                    "paragraph": row.paragraph,
                    "score": row.score,
                    "flagged": row.flagged,
                    "kind": f"{len(row.source)}-{len(row.target)}",
                },
                ensure_ascii=False,
            )
            + "\n"
        )


def write_tmx(rows: Sequence[PairRow], source_lang: str, target_lang: str) -> Iterator[str]:
    """TMX 1.4: one translation unit per link that has both sides (1-0 and 0-1 are skipped)."""
    tmx = ET.Element("tmx", version="1.4")
    ET.SubElement(
        tmx,
        "header",
        {
            "creationtool": "Tandem",
            "creationtoolversion": "0.1",
            "segtype": "sentence",
            "o-tmf": "Tandem",
            "adminlang": "en",
            "srclang": source_lang,
            "datatype": "plaintext",
        },
    )
    body = ET.SubElement(tmx, "body")
    for row in rows:
        if not row.source or not row.target:
            continue
        unit = ET.SubElement(body, "tu", tuid=str(row.link_id))
        ET.SubElement(unit, "prop", type="x-score").text = f"{row.score:.4f}"
        for lang, sentences in ((source_lang, row.source), (target_lang, row.target)):
            variant = ET.SubElement(unit, "tuv", {"xml:lang": lang})
            ET.SubElement(variant, "seg").text = " ".join(sentences)
    ET.indent(tmx)
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield ET.tostring(tmx, encoding="unicode") + "\n"


def _flat(sentences: Sequence[str]) -> str:
    return " ".join(" ".join(sentences).split())


FORMATS: dict[str, Callable[[Sequence[PairRow], str, str], Iterator[str]]] = {
    "tsv": write_tsv,
    "jsonl": write_jsonl,
    "tmx": write_tmx,
}
