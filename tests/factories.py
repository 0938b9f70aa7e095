"""Builders for the corpus value objects the store takes, so store tests need no files.

A document built here has the shape `corpus.ingest.load_document` gives (paragraphs with roles
and sentences, a checksum, a source), without reading, cleaning or detecting anything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from corpus.model import Document, Paragraph, Role
from webapp.models import Article, Card, Note

# A short article and its translation. They share their numbers, which is what lets the store
# group them when no embedding model is available.
GERMAN_TITLE = "Warum Bibliotheken länger öffnen sollten"
GERMAN_BODY = (
    (
        "Die Stadt hat am Montag beschlossen, die Bibliotheken ab 2026 bis 22 Uhr zu öffnen.",
        "Damit können auch Berufstätige abends noch Bücher ausleihen.",
    ),
    (
        "Seit 2019 hatten sich mehr als 1.500 Bürgerinnen und Bürger über die kurzen "
        "Öffnungszeiten beschwert.",
        "Am Wochenende waren die Bibliotheken bisher geschlossen.",
    ),
    ("Die zusätzlichen Kosten von 300.000 Euro werden durch Einsparungen gedeckt.",),
)
ITALIAN_TITLE = "Perché le biblioteche dovrebbero restare aperte più a lungo"
ITALIAN_BODY = (
    (
        "Lunedì il comune ha deciso di aprire le biblioteche fino alle 22 a partire dal 2026.",
        "Così anche chi lavora potrà prendere in prestito libri la sera.",
    ),
    (
        "Dal 2019 più di 1.500 cittadini si erano lamentati degli orari di apertura ridotti.",
        "Finora nel fine settimana le biblioteche erano chiuse.",
    ),
    ("I costi aggiuntivi di 300.000 euro saranno coperti da risparmi.",),
)
ARABIC_TITLE = "لماذا يجب أن تبقى المكتبات مفتوحة لوقت أطول"
ARABIC_BODY = (
    ("قررت المدينة يوم الاثنين فتح المكتبات حتى الساعة 22 ابتداء من عام 2026.",),
    ("منذ عام 2019 اشتكى أكثر من 1.500 مواطن من قصر ساعات العمل.",),
)


def paragraph(*sentences: str, role: Role = Role.BODY) -> Paragraph:
    """A paragraph made of `sentences`, a body paragraph unless `role` says otherwise."""
    return Paragraph(role, " ".join(sentences), tuple(sentences))


def title(text: str) -> Paragraph:
    """A title paragraph of one sentence."""
    return paragraph(text, role=Role.TITLE)


def document(
    *paragraphs: Paragraph, lang: str = "de", source: str | None = None, confidence: float = 1.0
) -> Document:
    """A document in `lang` made of `paragraphs`.

    The checksum derives from the text, as `load_document`'s derives from the file, so two
    builds of the same text are the same document; the default source derives from it too.
    """
    text = "\n".join(p.text for p in paragraphs)
    checksum = hashlib.sha256(f"{lang}\n{text}".encode()).hexdigest()
    return Document(
        source or f"/library/{lang}-{checksum[:12]}.txt", checksum, lang, confidence, paragraphs
    )


def article(
    heading: str | None,
    body: Sequence[Sequence[str]],
    *,
    lang: str,
    source: str | None = None,
) -> Document:
    """A document with an optional title paragraph followed by body paragraphs."""
    paragraphs = [title(heading)] if heading else []
    paragraphs.extend(paragraph(*sentences) for sentences in body)
    return document(*paragraphs, lang=lang, source=source)


def german_article(source: str | None = None) -> Document:
    """The German library article."""
    return article(GERMAN_TITLE, GERMAN_BODY, lang="de", source=source)


def italian_article(source: str | None = None) -> Document:
    """The Italian translation of the German library article."""
    return article(ITALIAN_TITLE, ITALIAN_BODY, lang="it", source=source)


def arabic_article(source: str | None = None) -> Document:
    """An Arabic version of the library article, whose title has no Latin letters."""
    return article(ARABIC_TITLE, ARABIC_BODY, lang="ar", source=source)


def make_cards(
    session: Session, count: int, *, created: datetime, template: str = "recognition"
) -> list[Card]:
    """`count` new cards, one note each, created a second apart (their order in the queue),
    under an article of their own; the caller commits."""
    number = (session.scalar(select(func.count()).select_from(Article)) or 0) + 1
    article = Article(slug=f"cards-{number}", title="Cards")
    session.add(article)
    cards = []
    for k in range(count):
        card = Card(template=template, due=created + timedelta(seconds=k))
        session.add(
            Note(
                kind="sentence",
                article=article,
                learn_lang="de",
                help_lang="it",
                phrase=f"#{k}",
                cards=[card],
            )
        )
        cards.append(card)
    session.flush()
    return cards
