"""Anki export: every package is imported into a fresh collection by the real Anki importer.

The `anki` package is AGPL and used only here, as a test oracle; `decks` never imports it.
Time is fixed (`NOW`); only the import itself happens at the real time, so due dates are
checked relative to the target collection's "today" at import.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import genanki
import pytest
from anki.collection import Collection
from anki.dbproxy import DBProxy
from anki.import_export_pb2 import (
    ImportAnkiPackageOptions,
    ImportAnkiPackageRequest,
    ImportAnkiPackageUpdateCondition,
    ImportResponse,
)
from anki.models import NotetypeId

from decks import notetypes
from decks.days import learner_date
from decks.errors import ExportError
from decks.export import (
    CLOZE_FIELD_ORDER,
    SENTENCE_FIELD_ORDER,
    ExportCard,
    ExportNote,
    ExportReview,
    cloze_text,
    deck_name,
    note_guid,
    text_direction,
    write_package,
)
from decks.scheduler import CardState, Phase
from decks.settings import SchedulerSettings

if TYPE_CHECKING:
    # Only for annotations: importing anki.cards before anki.collection is a circular import.
    from anki.cards import Card

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
MODIFIED = NOW - timedelta(days=1)  # when the builders' notes last changed
SETTINGS = SchedulerSettings()  # UTC, the day starts at 4:00, steps 1m 10m / 10m
IF_NEWER = ImportAnkiPackageUpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER
ALWAYS = ImportAnkiPackageUpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_ALWAYS
TITLE = "La biblioteca"

SENTENCE = "Le biblioteche resteranno aperte fino alle 22."
TRANSLATION = "Die Bibliotheken bleiben bis 22 Uhr geöffnet."
PARAGRAPH = f"Lunedì il comune ha deciso. {SENTENCE} Così anche chi lavora può leggere."
PARAGRAPH_DE = f"Am Montag hat die Stadt entschieden. {TRANSLATION} So können alle lesen."


# -- builders and helpers ------------------------------------------------------------------


def sentence_note(
    link: int = 1,
    *,
    cards: tuple[ExportCard, ...] | None = None,
    **changes: object,
) -> ExportNote:
    """A sentence note it→de; by default with both directions as new cards."""
    note = ExportNote(
        key=f"sentence:{link}:it:de",
        kind="sentence",
        learn_lang="it",
        help_lang="de",
        sentence=SENTENCE,
        translation=TRANSLATION,
        modified=MODIFIED,
        sentence_paragraph=PARAGRAPH,
        translation_paragraph=PARAGRAPH_DE,
        article_title=TITLE,
        tags=("tandem", "it-de"),
        cards=cards
        if cards is not None
        else (ExportCard(template="recognition"), ExportCard(template="production")),
    )
    return replace(note, **changes)  # type: ignore[arg-type]


def word_note(note_id: int = 7, **changes: object) -> ExportNote:
    """A word note (one cloze card) for "resteranno aperte"."""
    note = ExportNote(
        key=f"word:{note_id}",
        kind="word",
        learn_lang="it",
        help_lang="de",
        sentence=SENTENCE,
        translation=TRANSLATION,
        modified=MODIFIED,
        sentence_paragraph=PARAGRAPH,
        translation_paragraph=PARAGRAPH_DE,
        phrase="resteranno aperte",
        meaning="werden geöffnet bleiben",
        article_title=TITLE,
        tags=("word",),
        cards=(ExportCard(template="cloze"),),
    )
    return replace(note, **changes)  # type: ignore[arg-type]


def arabic_note() -> ExportNote:
    """A sentence note ar→en with only the recognition card."""
    return ExportNote(
        key="sentence:9:ar:en",
        kind="sentence",
        learn_lang="ar",
        help_lang="en",
        sentence="ستبقى المكتبات مفتوحة حتى العاشرة.",
        translation="Libraries will stay open until ten.",
        modified=MODIFIED,
        article_title="المكتبات",
        cards=(ExportCard(template="recognition"),),
    )


@pytest.fixture
def collection(tmp_path: Path) -> Iterator[Collection]:
    """A fresh, empty Anki collection."""
    folder = tmp_path / "anki"
    folder.mkdir()
    col = Collection(str(folder / "collection.anki2"))
    yield col
    col.close()


@pytest.fixture
def utc_clock() -> Iterator[None]:
    """Run Anki's clock in UTC, the learner's zone in `SETTINGS`, whatever the machine's."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def export(
    path: Path, notes: list[ExportNote], *, now: datetime = NOW, with_scheduling: bool = True
) -> Path:
    write_package(path, notes, now=now, settings=SETTINGS, with_scheduling=with_scheduling)
    return path


def import_package(
    col: Collection,
    path: Path,
    *,
    merge_notetypes: bool = False,
    update_notes: int = IF_NEWER,
    update_notetypes: int = IF_NEWER,
) -> ImportResponse.Log:
    """Import like Anki's dialog does, with learning progress."""
    options = ImportAnkiPackageOptions(
        with_scheduling=True,
        merge_notetypes=merge_notetypes,
        update_notes=update_notes,  # type: ignore[arg-type]
        update_notetypes=update_notetypes,  # type: ignore[arg-type]
    )
    request = ImportAnkiPackageRequest(package_path=str(path), options=options)
    return col.import_anki_package(request).log


def write_with_genanki(deck: genanki.Deck, path: Path) -> None:
    """A package written by genanki alone, as an older exporter would have made it.

    genanki builds its database in a system temporary file it never removes, so it is pointed
    at the package's folder for the duration.
    """
    before = tempfile.tempdir
    tempfile.tempdir = str(path.parent / "genanki-tmp")
    Path(tempfile.tempdir).mkdir(exist_ok=True)
    try:
        genanki.Package(deck).write_to_file(str(path), timestamp=NOW.timestamp())
    finally:
        tempfile.tempdir = before


def db(col: Collection) -> DBProxy:
    """The collection's database (typed optional because a closed collection has none)."""
    assert col.db is not None
    return col.db


def only_card(col: Collection, search: str) -> Card:
    (card_id,) = col.find_cards(search)
    return col.get_card(card_id)


def prompt(rendered: str) -> str:
    """Rendered card HTML without the note type's <style> block."""
    return re.sub(r"<style>.*?</style>", "", rendered, flags=re.S)


# -- structure -----------------------------------------------------------------------------


def test_notes_cards_decks_and_note_types_arrive(tmp_path: Path, collection: Collection) -> None:
    notes = [sentence_note(), word_note(), arabic_note()]
    summary = write_package(tmp_path / "tandem.apkg", notes, now=NOW, settings=SETTINGS)
    assert (summary.notes, summary.cards, summary.reviews) == (3, 4, 0)
    assert summary.bytes == (tmp_path / "tandem.apkg").stat().st_size

    log = import_package(collection, tmp_path / "tandem.apkg")

    assert (len(log.new), len(log.updated), len(log.conflicting)) == (3, 0, 0)
    assert collection.note_count() == 3
    assert collection.card_count() == 4
    deck_names = {d.name for d in collection.decks.all_names_and_ids()}
    assert {"Tandem", f"Tandem::{TITLE}", f"Tandem::{TITLE}::it→de"} <= deck_names
    assert "Tandem::المكتبات::ar→en" in deck_names
    sentence = collection.models.by_name("Tandem Sentence")
    cloze = collection.models.by_name("Tandem Cloze")
    assert sentence is not None and cloze is not None
    assert sentence["id"] == notetypes.SENTENCE_MODEL_ID
    assert cloze["id"] == notetypes.CLOZE_MODEL_ID
    assert cloze["type"] == 1  # a real cloze note type
    assert collection.models.field_names(sentence) == list(SENTENCE_FIELD_ORDER)
    assert collection.models.field_names(cloze) == list(CLOZE_FIELD_ORDER)
    assert [t["name"] for t in sentence["tmpls"]] == ["Recognition", "Production"]

    recognition = card_for(collection, 1, "Recognition")
    note = recognition.note()
    assert collection.decks.name(recognition.did) == f"Tandem::{TITLE}::it→de"
    assert sorted(note.tags) == ["it-de", "tandem"]
    assert note.guid == note_guid("sentence:1:it:de") == genanki.guid_for("sentence:1:it:de")
    assert note["LearnLang"] == "it" and note["LearnDir"] == "ltr"
    word = only_card(collection, '"note:Tandem Cloze"').note()
    assert word.tags == ["word"]
    assert word["Text"] == ("Le biblioteche {{c1::resteranno aperte}} fino alle 22.")
    # The package leaves the first-field checksum 0; Anki computes it (and the sort field) on
    # import, as its duplicate check needs: the SHA-1 of the first field without markup.
    for first_field, sort_field, checksum in db(collection).all(
        "select substr(flds, 1, instr(flds, char(31)) - 1), sfld, csum from notes"
    ):
        plain = html.unescape(re.sub(r"<[^>]*>", "", first_field))
        assert checksum == int(hashlib.sha1(plain.encode()).hexdigest()[:8], 16)
        assert sort_field == plain


def test_templates_render_each_direction_and_the_cloze(
    tmp_path: Path, collection: Collection
) -> None:
    import_package(collection, export(tmp_path / "t.apkg", [sentence_note(), word_note()]))

    recognition = only_card(collection, "card:Recognition")
    question, answer = prompt(recognition.question()), prompt(recognition.answer())
    assert f'<div class="tandem-prompt" dir="ltr" lang="it">{SENTENCE}</div>' in question
    assert TRANSLATION not in question
    assert f'<div class="tandem-answer" dir="ltr" lang="de">{TRANSLATION}</div>' in answer
    assert f"<mark>{SENTENCE}</mark>" in answer  # the sentence marked in its paragraph
    assert f'<div class="tandem-source">{TITLE}</div>' in answer

    production = only_card(collection, "card:Production")
    question, answer = prompt(production.question()), prompt(production.answer())
    assert f'<div class="tandem-prompt" dir="ltr" lang="de">{TRANSLATION}</div>' in question
    assert SENTENCE not in question
    assert f'<div class="tandem-answer" dir="ltr" lang="it">{SENTENCE}</div>' in answer

    cloze = only_card(collection, '"note:Tandem Cloze"')
    question, answer = prompt(cloze.question()), prompt(cloze.answer())
    assert "resteranno aperte" not in question
    assert "[...]" in question
    assert "werden geöffnet bleiben" in question  # the learner's meaning is the hint
    assert '<span class="cloze" data-ordinal="1">resteranno aperte</span>' in answer
    assert TRANSLATION in answer


def test_right_to_left_text_is_rendered_right_to_left(
    tmp_path: Path, collection: Collection
) -> None:
    import_package(collection, export(tmp_path / "ar.apkg", [arabic_note()]))

    card = only_card(collection, "card:Recognition")
    question, answer = prompt(card.question()), prompt(card.answer())
    assert '<div class="tandem-prompt" dir="rtl" lang="ar">ستبقى المكتبات' in question
    assert '<div class="tandem-answer" dir="ltr" lang="en">Libraries will stay' in answer
    assert collection.card_count() == 1  # only the direction that was exported


def test_text_direction_comes_from_the_language() -> None:
    assert [text_direction(code) for code in ("ar", "he", "fa-IR", "ur", "pa-Arab")] == ["rtl"] * 5
    assert [text_direction(code) for code in ("de", "it", "en-US", "az-Latn", "zh")] == ["ltr"] * 5


def test_markup_in_text_shows_as_text(tmp_path: Path, collection: Collection) -> None:
    hostile = sentence_note(
        sentence="Ciao <script>alert(1)</script> & [sound:x.mp3] {{c2::no}}",
        translation='Hallo <img src=x onerror="alert(2)">\x1fnoch',
        sentence_paragraph="",
        translation_paragraph="",
    )
    # A phrase with the cloze syntax's own delimiters must not end the cloze early.
    tricky = word_note(sentence="Scrivi a::b}} e poi c.", phrase="a::b}}", meaning="<b>x</b>")
    import_package(collection, export(tmp_path / "x.apkg", [hostile, tricky]))

    recognition = only_card(collection, "card:Recognition")
    for rendered in (recognition.question(), recognition.answer()):
        assert "<script" not in rendered and "<img" not in rendered
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in recognition.question()
    assert html.unescape(prompt(recognition.question())).count("[sound:x.mp3] {{c2::no}}") == 1
    assert recognition.question_av_tags() == []  # [sound:...] stayed text
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in recognition.answer()
    # Anki's field separator inside a text cannot shift the fields after it.
    assert recognition.note()["Translation"].endswith("&gt; noch")
    assert recognition.note()["LearnLang"] == "it"

    cloze = only_card(collection, '"note:Tandem Cloze"')
    assert collection.card_count() == 3  # the word note made exactly one card: c1
    question, answer = prompt(cloze.question()), prompt(cloze.answer())
    assert "[...]" in question and "a::b" not in html.unescape(question)
    span = re.search(r'<span class="cloze" data-ordinal="1">(.*?)</span>', answer)
    assert span is not None and html.unescape(span.group(1)) == "a::b}}"
    assert "e poi c." in answer
    assert "&lt;b&gt;x&lt;/b&gt;" in answer


def test_cloze_text_escapes_the_phrase_and_finds_it_ignoring_case() -> None:
    assert cloze_text("A <b> c", "<b>") == "A {{c1::&lt;b&gt;}} c"
    assert cloze_text("x a::b}} y", "a::b}}") == "x {{c1::a&#58;&#58;b&#125;&#125;}} y"
    assert cloze_text("Grazie Mille!", "grazie") == "{{c1::Grazie}} Mille!"


# -- identity and updates ------------------------------------------------------------------


def test_reexport_after_editing_a_translation_updates_the_note(
    tmp_path: Path, collection: Collection
) -> None:
    import_package(collection, export(tmp_path / "first.apkg", [sentence_note(), word_note()]))

    # Edited a second after the note was last changed; exported at the same `now` as before:
    # the note's own time, not the export's, makes it newer.
    edited = sentence_note(
        translation="Die Bibliotheken haben bis 22 Uhr offen.",
        modified=MODIFIED + timedelta(seconds=1),
    )
    log = import_package(collection, export(tmp_path / "second.apkg", [edited]))

    assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 1, 0)
    assert collection.note_count() == 2
    assert collection.card_count() == 3
    note = only_card(collection, "card:Recognition").note()
    assert note["Translation"] == "Die Bibliotheken haben bis 22 Uhr offen."
    assert note.mod == int(MODIFIED.timestamp()) + 1


def test_an_unchanged_note_exported_again_keeps_the_edit_made_in_anki(
    tmp_path: Path, collection: Collection
) -> None:
    import_package(collection, export(tmp_path / "first.apkg", [sentence_note()]))
    note = only_card(collection, "card:Recognition").note()
    assert note.mod == int(MODIFIED.timestamp())
    note["Translation"] = "Meine eigene Übersetzung"
    collection.update_note(note)

    later = NOW + timedelta(days=3)
    log = import_package(collection, export(tmp_path / "second.apkg", [sentence_note()], now=later))

    assert (len(log.new), len(log.updated), len(log.duplicate)) == (0, 0, 1)
    note = only_card(collection, "card:Recognition").note()
    assert note["Translation"] == "Meine eigene Übersetzung"


def test_a_package_with_an_older_field_list_is_upgraded_in_place(
    tmp_path: Path, collection: Collection
) -> None:
    # What an earlier Tandem would have exported under the versioning rule: the same note type
    # id and name, a prefix of today's fields (same ids), templates using only those fields.
    old_fields = notetypes.SENTENCE_FIELDS[:2]
    old_model = genanki.Model(
        notetypes.SENTENCE_MODEL_ID,
        notetypes.SENTENCE_MODEL_NAME,
        fields=[{"name": spec.name, "id": spec.id} for spec in old_fields],
        templates=[
            {
                "name": "Recognition",
                "id": notetypes.RECOGNITION_TEMPLATE_ID,
                "qfmt": "{{Sentence}}",
                "afmt": "{{FrontSide}}<hr id=answer>{{Translation}}",
            },
            {
                "name": "Production",
                "id": notetypes.PRODUCTION_TEMPLATE_ID,
                "qfmt": "{{Translation}}",
                "afmt": "{{FrontSide}}<hr id=answer>{{Sentence}}",
            },
        ],
    )
    deck = genanki.Deck(1 << 40, f"Tandem::{TITLE}::it→de")
    for link in (1, 2):
        deck.add_note(
            genanki.Note(
                model=old_model,
                fields=[SENTENCE, TRANSLATION],
                guid=note_guid(f"sentence:{link}:it:de"),
            )
        )
    old_package = tmp_path / "old.apkg"
    write_with_genanki(deck, old_package)
    assert len(import_package(collection, old_package).new) == 2
    assert collection.card_count() == 4

    # Merging adds the new fields to the existing notes, which stamps them with the import
    # time; so "if newer" would skip them, and the rule's import options say "always".
    current = [sentence_note(1), sentence_note(2)]
    log = import_package(
        collection,
        export(tmp_path / "new.apkg", current, now=NOW + timedelta(days=1)),
        merge_notetypes=True,
        update_notes=ALWAYS,
        update_notetypes=ALWAYS,
    )

    assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 2, 0)
    assert collection.note_count() == 2
    assert collection.card_count() == 4
    (name_and_id,) = [
        m for m in collection.models.all_names_and_ids() if m.name.startswith("Tandem")
    ]
    model = collection.models.get(NotetypeId(name_and_id.id))
    assert model is not None and model["id"] == notetypes.SENTENCE_MODEL_ID
    assert collection.models.field_names(model) == list(SENTENCE_FIELD_ORDER)
    for card_id in collection.find_cards("card:Recognition"):
        note = collection.get_card(card_id).note()
        assert note["SentenceParagraph"].startswith("Lunedì")
        assert note["Article"] == TITLE
    production = prompt(card_for(collection, 1, "Production").answer())
    assert f'<div class="tandem-answer" dir="ltr" lang="it">{SENTENCE}</div>' in production


def test_without_merging_an_upgraded_note_type_the_notes_conflict(
    tmp_path: Path, collection: Collection
) -> None:
    # Pins the behaviour the versioning rule documents: Anki keeps the old note type, adds the
    # new one beside it, and reports the re-exported notes as conflicting (not updated).
    old_model = genanki.Model(
        notetypes.SENTENCE_MODEL_ID,
        notetypes.SENTENCE_MODEL_NAME,
        fields=[{"name": s.name, "id": s.id} for s in notetypes.SENTENCE_FIELDS[:2]],
        templates=[
            {"name": "Recognition", "qfmt": "{{Sentence}}", "afmt": "{{Translation}}"},
            {"name": "Production", "qfmt": "{{Translation}}", "afmt": "{{Sentence}}"},
        ],
    )
    deck = genanki.Deck(1 << 40, "Tandem")
    deck.add_note(
        genanki.Note(model=old_model, fields=["a", "b"], guid=note_guid("sentence:1:it:de"))
    )
    write_with_genanki(deck, tmp_path / "old.apkg")
    import_package(collection, tmp_path / "old.apkg")

    new_package = export(tmp_path / "new.apkg", [sentence_note(1)])
    log = import_package(collection, new_package, update_notes=ALWAYS)

    assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 0, 1)
    assert collection.note_count() == 1


# -- scheduling ----------------------------------------------------------------------------


def review_state(**changes: object) -> CardState:
    state = CardState(
        phase=Phase.REVIEW,
        stability=12.3456789,
        difficulty=5.4321,
        due=NOW + timedelta(days=10),
        last_review=NOW - timedelta(days=2),
        reps=5,
        lapses=1,
    )
    return replace(state, **changes)  # type: ignore[arg-type]


REVIEWS = (
    ExportReview(
        reviewed_at=NOW - timedelta(days=20),
        rating=3,
        interval=timedelta(minutes=10),
        last_interval=timedelta(0),
        duration_ms=6_500,
        kind="learn",
    ),
    ExportReview(
        reviewed_at=NOW - timedelta(days=20, minutes=-10),
        rating=3,
        interval=timedelta(days=3),
        last_interval=timedelta(minutes=10),
        duration_ms=4_000,
        kind="learn",
    ),
    ExportReview(
        reviewed_at=NOW - timedelta(days=2),
        rating=3,
        interval=timedelta(days=12),
        last_interval=timedelta(days=3),
        duration_ms=3_000,
        kind="review",
        difficulty=5.4321,
    ),
)


def scheduled_notes() -> list[ExportNote]:
    learning = CardState(
        phase=Phase.LEARNING,
        step=1,
        stability=2.3065,
        difficulty=2.118,
        due=NOW + timedelta(minutes=10),
        last_review=NOW,
        reps=1,
    )
    relearning = CardState(
        phase=Phase.RELEARNING,
        step=0,
        stability=3.2,
        difficulty=7.5,
        due=NOW + timedelta(minutes=10),
        last_review=NOW,
        reps=9,
        lapses=2,
    )
    overnight = replace(learning, due=NOW + timedelta(days=1, hours=2))
    return [
        sentence_note(
            1,
            cards=(
                ExportCard(template="recognition", state=review_state(), reviews=REVIEWS),
                ExportCard(template="production", state=learning),
            ),
        ),
        sentence_note(
            2,
            cards=(
                ExportCard(template="recognition", state=relearning),
                ExportCard(template="production", state=review_state(), suspended=True),
            ),
        ),
        sentence_note(3, cards=(ExportCard(template="recognition", state=overnight),)),
        word_note(),
    ]


def card_for(col: Collection, key_link: int, template: str) -> Card:
    guid = note_guid(f"sentence:{key_link}:it:de")
    note_id = db(col).scalar("select id from notes where guid = ?", guid)
    (card,) = [c for c in col.get_note(note_id).cards() if c.template()["name"] == template]
    return card


def learner_today() -> int:
    """Days from the learner's today to `NOW`'s learner date; negative: NOW is in the past."""
    today = learner_date(datetime.now(UTC), SETTINGS.zone, SETTINGS.day_starts_at)
    return (learner_date(NOW, SETTINGS.zone, SETTINGS.day_starts_at) - today).days


@pytest.mark.usefixtures("utc_clock")
def test_scheduling_travels_with_the_cards(tmp_path: Path, collection: Collection) -> None:
    summary = write_package(
        tmp_path / "s.apkg", scheduled_notes(), now=NOW, settings=SETTINGS, with_scheduling=True
    )
    assert summary.reviews == 3
    import_package(collection, tmp_path / "s.apkg")
    today = collection.sched.today
    offset = learner_today()  # NOW's day relative to the real today, when the import ran

    review = card_for(collection, 1, "Recognition")
    assert (review.type, review.queue, review.ivl) == (2, 2, 12)
    assert (review.reps, review.lapses, review.factor) == (5, 1, 2500)
    assert review.due == today + offset + 10  # due on NOW + 10 days, the same calendar day
    assert review.memory_state is not None
    assert review.memory_state.stability == pytest.approx(12.3457, abs=1e-3)
    assert review.memory_state.difficulty == pytest.approx(5.432, abs=1e-3)
    assert review.desired_retention == pytest.approx(0.9, abs=1e-6)
    assert review.decay == pytest.approx(SETTINGS.parameters[20], abs=1e-3)
    assert review.last_review_time == int((NOW - timedelta(days=2)).timestamp())

    learning = card_for(collection, 1, "Production")
    assert (learning.type, learning.queue, learning.left) == (1, 1, 1)
    assert learning.due == int((NOW + timedelta(minutes=10)).timestamp())
    assert learning.memory_state is not None
    assert learning.memory_state.stability == pytest.approx(2.3065, abs=1e-3)

    relearning = card_for(collection, 2, "Recognition")
    assert (relearning.type, relearning.queue, relearning.left) == (3, 1, 1)
    assert relearning.due == int((NOW + timedelta(minutes=10)).timestamp())
    assert relearning.ivl == 3  # FSRS's interval for stability 3.2 at 90 %
    assert (relearning.reps, relearning.lapses) == (9, 2)

    suspended = card_for(collection, 2, "Production")
    assert (suspended.type, suspended.queue) == (2, -1)
    assert suspended.due == today + offset + 10

    overnight = card_for(collection, 3, "Recognition")
    assert (overnight.type, overnight.queue) == (1, 3)  # a step past the day's end: in days
    assert overnight.due == today + offset + 1

    new = only_card(collection, '"note:Tandem Cloze"')
    assert (new.type, new.queue, new.ivl, new.reps) == (0, 0, 0, 0)

    assert db(collection).scalar("select count() from revlog") == 3
    rows = db(collection).all(
        "select id, ease, ivl, lastIvl, factor, time, type from revlog where cid = ? order by id",
        review.id,
    )
    assert rows == [
        [int((NOW - timedelta(days=20)).timestamp() * 1000), 3, -600, 0, 0, 6_500, 0],
        [int((NOW - timedelta(days=20, minutes=-10)).timestamp() * 1000), 3, 3, -600, 0, 4_000, 0],
        [int((NOW - timedelta(days=2)).timestamp() * 1000), 3, 12, 3, 543, 3_000, 1],
    ]


def test_without_scheduling_every_card_is_new(tmp_path: Path, collection: Collection) -> None:
    notes = scheduled_notes()
    notes[0] = replace(notes[0], tags=("tandem", "leech"))
    summary = write_package(
        tmp_path / "plain.apkg", notes, now=NOW, settings=SETTINGS, with_scheduling=False
    )
    assert (summary.cards, summary.reviews) == (6, 0)
    import_package(collection, tmp_path / "plain.apkg")

    types = db(collection).all("select distinct type, queue, ivl, reps, lapses from cards")
    assert types == [[0, 0, 0, 0, 0]]
    assert db(collection).scalar("select count() from revlog") == 0
    assert card_for(collection, 1, "Recognition").memory_state is None
    assert card_for(collection, 1, "Recognition").note().tags == ["tandem"]


def test_answers_in_the_same_millisecond_get_distinct_revlog_ids(
    tmp_path: Path, collection: Collection
) -> None:
    """Imported histories can share a millisecond; each answer still becomes a revlog row."""
    at = NOW - timedelta(days=3)
    review = ExportReview(
        reviewed_at=at,
        rating=3,
        interval=timedelta(days=3),
        last_interval=timedelta(0),
        duration_ms=1_000,
        kind="learn",
    )
    state = review_state()
    notes = [
        sentence_note(
            link, cards=(ExportCard(template="recognition", state=state, reviews=(review,)),)
        )
        for link in (1, 2, 3)
    ]
    summary = write_package(tmp_path / "same.apkg", notes, now=NOW, settings=SETTINGS)
    assert summary.reviews == 3
    import_package(collection, tmp_path / "same.apkg")
    ids = [row[0] for row in db(collection).all("select id from revlog order by id")]
    first = int(at.timestamp() * 1000)
    assert ids == [first, first + 1, first + 2]


# -- the file ------------------------------------------------------------------------------


def test_package_is_deflated_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    target = tmp_path / "out" / "tandem.apkg"
    target.parent.mkdir()
    target.write_bytes(b"an older export")
    write_package(target, [sentence_note()], now=NOW, settings=SETTINGS)

    assert os.listdir(target.parent) == ["tandem.apkg"]
    with zipfile.ZipFile(target) as package:
        infos = package.infolist()
        assert {info.filename for info in infos} == {"collection.anki2", "media"}
        assert all(info.compress_type == zipfile.ZIP_DEFLATED for info in infos)
        assert package.read("media") == b"{}"
        collection = sqlite3.connect(":memory:")
        collection.deserialize(package.read("collection.anki2"))
    # Only the indexes a package is read by: cards by note, answers by card.
    indexes = collection.execute("select name from sqlite_master where type = 'index'")
    assert {name for (name,) in indexes} == {"ix_cards_nid", "ix_revlog_cid"}
    collection.close()


def test_nothing_to_export_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="no notes"):
        write_package(tmp_path / "empty.apkg", [], now=NOW, settings=SETTINGS)
    assert os.listdir(tmp_path) == []


def test_an_unwritable_destination_is_an_error_without_partial_file(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"Cannot write .*missing"):
        write_package(
            tmp_path / "missing" / "x.apkg", [sentence_note()], now=NOW, settings=SETTINGS
        )
    folder = tmp_path / "a-folder.apkg"
    folder.mkdir()
    with pytest.raises(ExportError, match=r"Cannot write .*a-folder\.apkg"):
        write_package(folder, [sentence_note()], now=NOW, settings=SETTINGS)
    assert os.listdir(tmp_path) == ["a-folder.apkg"]
    assert os.listdir(folder) == []


def test_a_failure_while_writing_removes_the_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(source: object, destination: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(ExportError, match="No space left"):
        write_package(tmp_path / "x.apkg", [sentence_note()], now=NOW, settings=SETTINGS)
    assert os.listdir(tmp_path) == []


def test_every_problem_of_a_selection_is_reported_at_once(tmp_path: Path) -> None:
    notes = [
        sentence_note(1),
        sentence_note(1),
        word_note(phrase="nicht da"),
        sentence_note(3, cards=(ExportCard(template="cloze"),)),
        sentence_note(4, cards=(ExportCard(template="recognition", state=review_state(due=None)),)),
        sentence_note(5, modified=datetime(2025, 2, 1)),
    ]
    with pytest.raises(ExportError) as error:
        write_package(tmp_path / "x.apkg", notes, now=NOW, settings=SETTINGS)
    message = str(error.value)
    assert "'sentence:1:it:de' appears twice" in message
    assert "'nicht da' does not occur in its sentence" in message
    assert "a sentence note can only have recognition and production cards" in message
    assert "a review card needs its due and last review times" in message
    assert "'sentence:5:it:de': its modification time must be timezone-aware" in message
    assert os.listdir(tmp_path) == []


def test_text_of_nothing_but_white_space_counts_as_empty(tmp_path: Path) -> None:
    notes = [
        sentence_note(1, sentence=" \t\r\n\x0b\x0c "),
        sentence_note(2, learn_lang=" "),
        word_note(3, phrase="\n"),
        sentence_note(4, sentence="\n x \t", translation=""),  # text, however little
    ]
    with pytest.raises(ExportError) as error:
        write_package(tmp_path / "x.apkg", notes, now=NOW, settings=SETTINGS)
    problems = str(error.value).removeprefix("Cannot export: ").removesuffix(".").split("; ")
    assert problems == [
        "note 'sentence:1:it:de': the sentence is empty",
        "note 'sentence:2:it:de': both languages are needed",
        "note 'word:3': a word note needs its phrase",
    ]


# -- note types ----------------------------------------------------------------------------


def test_note_type_ids_are_fixed_and_fields_follow_the_export() -> None:
    # Changing any of these strands every learner's notes: see the rule in decks.notetypes.
    assert notetypes.SENTENCE_MODEL_ID == 1867000963
    assert notetypes.CLOZE_MODEL_ID == 1459670082
    assert notetypes.SENTENCE_FIELDS[0] == notetypes.FieldSpec(
        "Sentence", -4124999633145494406, "The sentence in the language being learnt."
    )
    assert tuple(f.name for f in notetypes.SENTENCE_FIELDS) == SENTENCE_FIELD_ORDER
    assert tuple(f.name for f in notetypes.CLOZE_FIELDS) == CLOZE_FIELD_ORDER
    all_fields = notetypes.SENTENCE_FIELDS + notetypes.CLOZE_FIELDS
    assert len({f.id for f in all_fields}) == len(all_fields)
    assert max(f.since for f in all_fields) == notetypes.NOTETYPE_VERSION


def test_templates_have_night_mode_and_no_remote_resources() -> None:
    sources = [notetypes.CSS] + [
        side
        for template in notetypes.templates().values()
        for side in (template["qfmt"], template["afmt"])
    ]
    for source in sources:
        lowered = source.lower()
        for remote in ("http:", "https:", "//", "@import", "url(", "@font-face", "<link"):
            assert remote not in lowered, (remote, source)
    assert ".nightMode" in notetypes.CSS and ".night_mode" in notetypes.CSS
    for template in notetypes.templates().values():
        assert 'dir="{{LearnDir}}"' in template["qfmt"] + template["afmt"]


def test_deck_names_cannot_nest_by_accident() -> None:
    note = sentence_note(article_title="Kapitel 1 :: Die Stadt")
    assert deck_name(note) == "Tandem::Kapitel 1 : Die Stadt::it→de"
    assert deck_name(replace(note, deck=("Tandem", "Eigene"))) == "Tandem::Eigene"


# -- performance ---------------------------------------------------------------------------


def test_a_large_export_carries_every_note_card_and_review(tmp_path: Path) -> None:
    """Counts at scale (its speed is measured by bench/export.py, not here)."""
    notes = [
        sentence_note(
            link,
            sentence=f"{SENTENCE} ({link})",
            cards=(
                ExportCard(template="recognition", state=review_state(), reviews=REVIEWS[2:]),
                ExportCard(template="production"),
            ),
        )
        for link in range(5_000)
    ]
    summary = write_package(tmp_path / "big.apkg", notes, now=NOW, settings=SETTINGS)
    assert (summary.notes, summary.cards, summary.reviews) == (5_000, 10_000, 5_000)
