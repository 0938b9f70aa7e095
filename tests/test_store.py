"""`webapp.store` on documents built in memory, aligned without the embedding model (the
sentence-length fallback), so each test is fast and independent of the model."""

from __future__ import annotations

import re
from collections.abc import Sequence

import factories
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from corpus.model import Document
from webapp import pairs, store
from webapp.db import get_session
from webapp.models import Alignment, Article, Base, Version

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def ingest(session: Session, docs: Sequence[Document]) -> store.IngestReport:
    """Store `docs` without an encoder and commit, as a command would."""
    report = store.IngestReport()
    store.ingest_documents(session, docs, None, report)
    session.commit()
    return report


def row_counts(session: Session) -> dict[str, int]:
    return {
        table.name: session.scalar(select(func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
    }


def articles(session: Session) -> list[Article]:
    return list(session.scalars(select(Article).order_by(Article.id)))


def test_same_document_twice_is_a_no_op(app: Flask) -> None:
    doc = factories.german_article()
    with app.app_context():
        session = get_session()
        first = ingest(session, [doc, doc])
        counts = row_counts(session)
        second = ingest(session, [doc])
        assert row_counts(session) == counts
    assert first.added == [doc.source]
    assert counts["articles"] == counts["versions"] == 1
    assert (second.added, second.updated, second.unchanged) == ([], [], [doc.source])
    assert second.articles == []


def test_same_text_under_another_name_is_not_stored_again(app: Flask) -> None:
    with app.app_context():
        session = get_session()
        ingest(session, [factories.german_article("/library/a.txt")])
        report = ingest(session, [factories.german_article("/library/copy-of-a.txt")])
        assert report.unchanged == ["/library/copy-of-a.txt"]
        assert row_counts(session)["versions"] == 1


def test_two_documents_in_one_language_are_never_grouped(app: Flask) -> None:
    # Same numbers and shape: without the one-language rule the fallback evidence would join
    # them (numbers 1.0, shape 1.0), so only that rule keeps them apart.
    german = factories.german_article()
    reworded = factories.article(
        "Bibliotheken sollen länger öffnen",
        [[sentence.replace("Die ", "Diese ") for sentence in p] for p in factories.GERMAN_BODY],
        lang="de",
    )
    italian = factories.italian_article()
    with app.app_context():
        session = get_session()
        ingest(session, [german, reworded, italian])
        stored = articles(session)
        langs = [[v.lang for v in article.versions] for article in stored]
        assert sorted(langs) == [["de"], ["de", "it"]]
        for article in stored:
            assert len({v.lang for v in article.versions}) == len(article.versions)


def test_a_new_language_joins_a_stored_article_but_a_second_german_does_not(app: Flask) -> None:
    with app.app_context():
        session = get_session()
        ingest(session, [factories.german_article()])
        ingest(session, [factories.italian_article()])
        ingest(session, [factories.article(None, factories.GERMAN_BODY[1:], lang="de")])
        langs = [[v.lang for v in article.versions] for article in articles(session)]
    assert langs == [["de", "it"], ["de"]]


def test_without_an_encoder_the_alignment_says_it_fell_back_to_length(app: Flask) -> None:
    german, italian = factories.german_article(), factories.italian_article()
    with app.app_context():
        session = get_session()
        report = ingest(session, [german, italian])
        (article,) = articles(session)
        (alignment,) = session.scalars(select(Alignment))
        assert report.articles == [article.slug]
        assert alignment.method == "length"
        assert "length" in alignment.notes
        assert "unavailable" in alignment.notes
        assert (alignment.source_version.lang, alignment.target_version.lang) == ("de", "it")
        summary = pairs.article_summaries(session)[0]["alignments"][0]
        assert summary["method"] == "length"
        # Every sentence of both versions is in exactly one link, in reading order.
        for side, version in (
            ("source", alignment.source_version),
            ("target", alignment.target_version),
        ):
            linked = [
                member.sentence.position
                for link in alignment.links
                for member in sorted(link.members, key=lambda m: m.sentence.position)
                if member.side == side
            ]
            assert linked == list(range(len(version.sentences)))


def test_articles_with_the_same_title_get_distinct_slugs(app: Flask) -> None:
    # One language, so they can never be grouped into one article.
    first = factories.article("Ein Tag am Meer", [["Wir fuhren um 8 Uhr los."]], lang="de")
    second = factories.article("Ein Tag am Meer", [["Es regnete den ganzen Tag."]], lang="de")
    third = factories.article("Ein Tag am Meer", [["Das Wasser war 14 Grad kalt."]], lang="de")
    with app.app_context():
        session = get_session()
        ingest(session, [first, second])
        ingest(session, [third])
        slugs = [article.slug for article in articles(session)]
    assert slugs == ["ein-tag-am-meer", "ein-tag-am-meer-2", "ein-tag-am-meer-3"]


def test_an_arabic_only_title_gets_a_usable_slug(app: Flask) -> None:
    arabic = factories.arabic_article()
    another = factories.article(factories.ARABIC_TITLE, [["مقال آخر عن المكتبات."]], lang="ar")
    with app.app_context():
        session = get_session()
        ingest(session, [arabic])
        ingest(session, [another])
        stored = articles(session)
        slugs = [article.slug for article in stored]
        assert all(SLUG.fullmatch(slug) for slug in slugs), slugs
        assert len(set(slugs)) == 2
        assert stored[0].title == factories.ARABIC_TITLE
        for article in stored:
            assert pairs.find_article(session, article.slug) is article
            assert pairs.find_article(session, str(article.id)) is article


def test_a_latin_title_in_the_group_names_the_slug(app: Flask) -> None:
    with app.app_context():
        session = get_session()
        ingest(session, [factories.arabic_article(), factories.italian_article()])
        (article,) = articles(session)
        assert sorted(v.lang for v in article.versions) == ["ar", "it"]
        assert article.slug.startswith("perche-le-biblioteche")


def test_stored_versions_keep_language_source_and_checksum(app: Flask) -> None:
    doc = factories.italian_article("/library/it.txt")
    with app.app_context():
        session = get_session()
        ingest(session, [doc])
        version = session.scalars(select(Version)).one()
        assert (version.lang, version.source, version.checksum) == ("it", doc.source, doc.checksum)
        assert version.title == factories.ITALIAN_TITLE
        assert [s.text for s in version.sentences] == list(doc.sentences)
        assert store.to_document(version) == doc


def test_a_realigned_pair_is_marked_changed_for_export(app: Flask) -> None:
    german = factories.german_article("/library/de.txt")
    italian = factories.italian_article("/library/it.txt")
    longer = factories.article(
        factories.ITALIAN_TITLE,
        [*factories.ITALIAN_BODY, ("Nel 2027 apriranno anche la domenica.",)],
        lang="it",
        source="/library/it.txt",
    )
    with app.app_context():
        session = get_session()
        ingest(session, [german, italian])
        alignment = session.scalars(select(Alignment)).one()
        aligned = alignment.updated_at

        ingest(session, [german, italian])  # nothing changed: nothing re-aligned
        assert alignment.updated_at == aligned

        ingest(session, [longer])
        session.refresh(alignment)
        # Its notes' paragraphs may show other sentences now: Anki must see them as newer.
        assert int(alignment.updated_at.timestamp()) > int(aligned.timestamp())
