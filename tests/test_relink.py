"""Cards follow their text when a changed file is ingested again and its pair is realigned:
a note moves to the new link holding its sentence, or is flagged for review — never deleted."""

from __future__ import annotations

import factories
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp import editing, store
from webapp.cards import CardRequest, create_card
from webapp.db import get_session
from webapp.models import AlignmentEdit, Link, LinkSentence, Note, Sentence, utcnow

SOURCE = "/library/de.txt"


def ingest(session: Session, *docs: object) -> None:
    report = store.IngestReport()
    store.ingest_documents(session, list(docs), None, report)  # type: ignore[arg-type]
    session.commit()


def link_of(session: Session, text: str) -> Link:
    """The German–Italian link holding the sentence that starts with `text`."""
    sentence = session.scalars(select(Sentence).where(Sentence.text.startswith(text))).one()
    return session.scalars(
        select(Link).join(LinkSentence).where(LinkSentence.sentence_id == sentence.id)
    ).one()


def card(session: Session, link: Link, phrase: str = "") -> Note:
    """A sentence card on `link`, or a word card for `phrase` in its German sentence."""
    german = next(m.sentence for m in link.members if m.sentence.version.lang == "de")
    note, _ = create_card(
        session,
        CardRequest(
            link_id=link.id,
            kind="word" if phrase else "sentence",
            learn="de",
            help="it",
            sentence_id=german.id if phrase else None,
            phrase=phrase,
            directions=("recognition",),
        ),
    )
    session.commit()
    return note


def german(second_paragraph: tuple[str, ...]) -> object:
    """The German article with its second paragraph replaced."""
    body = list(factories.GERMAN_BODY)
    body[1] = second_paragraph
    return factories.article(factories.GERMAN_TITLE, body, lang="de", source=SOURCE)


def test_a_note_follows_its_sentence_into_the_new_link(app: Flask) -> None:
    italian = "/library/it.txt"
    with app.app_context():
        session = get_session()
        ingest(session, factories.german_article(SOURCE), factories.italian_article(italian))
        note = card(session, link_of(session, "Seit 2019"))
        replaced = note.link_id
        # The translation of that sentence is reworded: its link is replaced by a new one, and
        # the note must follow its German sentence there.
        body = list(factories.ITALIAN_BODY)
        body[1] = ("Dal 2019 oltre 1.500 cittadini hanno protestato per gli orari.", body[1][1])
        ingest(
            session,
            factories.article(factories.ITALIAN_TITLE, body, lang="it", source=italian),
        )
        session.expire_all()
        moved = session.get_one(Note, note.id)
        assert moved.link_id is not None and moved.link_id != replaced
        assert moved.link_id == link_of(session, "Seit 2019").id
        assert session.get(Link, replaced) is None
        assert moved.needs_review == ""


def test_a_note_whose_sentence_is_gone_is_flagged_not_deleted(app: Flask) -> None:
    with app.app_context():
        session = get_session()
        ingest(session, factories.german_article(SOURCE), factories.italian_article())
        note = card(session, link_of(session, "Am Wochenende"), "Wochenende")
        ingest(session, german((factories.GERMAN_BODY[1][0],)))  # the sentence was deleted
        session.expire_all()
        kept = session.get_one(Note, note.id)
        assert kept.link_id is None
        assert "no longer in the article" in kept.needs_review
        assert [c.template for c in kept.cards] == ["cloze"]


def test_realignment_retires_the_editors_undo_history(app: Flask) -> None:
    with app.app_context():
        session = get_session()
        ingest(session, factories.german_article(SOURCE), factories.italian_article())
        alignment = link_of(session, "Seit 2019").alignment
        session.add(
            AlignmentEdit(alignment_id=alignment.id, action="merge", summary="x", before="{}")
        )
        session.commit()
        ingest(session, german((factories.GERMAN_BODY[1][0],)))
        edit = session.scalars(select(AlignmentEdit)).one()
        assert edit.undone_at is not None


def merged_first_pair(session: Session, italian: str) -> Link:
    """Ingest the German and Italian articles and merge their first pair with the next by
    hand; return the merged link."""
    ingest(session, factories.german_article(SOURCE), factories.italian_article(italian))
    first = link_of(session, "Die Stadt hat")
    alignment = first.alignment
    editing.merge(
        session, alignment, first.id, seen=editing.version(session, alignment), now=utcnow()
    )
    session.commit()
    return link_of(session, "Die Stadt hat")


def test_links_made_by_hand_survive_a_text_change(app: Flask) -> None:
    italian = "/library/it.txt"
    with app.app_context():
        session = get_session()
        merged = merged_first_pair(session, italian)
        assert merged.manual and len(merged.members) == 4
        # The last Italian sentence is reworded: the pair is realigned, the merge stays.
        body = list(factories.ITALIAN_BODY)
        body[2] = ("I costi in più, 300.000 euro, saranno coperti con dei risparmi.",)
        ingest(
            session,
            factories.article(factories.ITALIAN_TITLE, body, lang="it", source=italian),
        )
        session.expire_all()
        kept = link_of(session, "Die Stadt hat")
        assert kept.id == merged.id and kept.manual and len(kept.members) == 4
        assert "made by hand were kept" in kept.alignment.notes


def test_a_hand_made_link_whose_sentence_changed_is_aligned_afresh(app: Flask) -> None:
    italian = "/library/it.txt"
    with app.app_context():
        session = get_session()
        merged = merged_first_pair(session, italian)
        # One Italian sentence of the hand-made pair is reworded: the pair no longer holds what
        # the learner joined, so it must not come back with a sentence missing.
        body = list(factories.ITALIAN_BODY)
        body[0] = (body[0][0], "Così chi lavora potrà prendere libri in prestito anche la sera.")
        ingest(
            session,
            factories.article(factories.ITALIAN_TITLE, body, lang="it", source=italian),
        )
        session.expire_all()
        assert session.get(Link, merged.id) is None
        again = link_of(session, "Die Stadt hat")
        assert not again.manual
        assert "made by hand" not in again.alignment.notes
