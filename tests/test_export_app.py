"""Exporting from the application: `tandem export` and the download link, on the shipped corpus
with notes made through `create_card` and answered through `answer_card`, each package imported
into a fresh collection by the real Anki importer (AGPL, a test oracle only).

The database is the reviewer tests' module database (built once per session, copied per test).
Answers happen at fixed times; the export's own clock is pinned where the test depends on it.
"""

from __future__ import annotations

import gc
import html
import re
import tempfile
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from anki.collection import Collection
from anki.notes import NoteId
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

import webapp.cli
from decks.days import learner_date
from decks.export import note_guid
from tests.test_export import ALWAYS, IF_NEWER, db, import_package, prompt, utc_clock
from tests.test_reader import in_session
from tests.test_reviewer import SCRIPT, Deck, load_review_deck
from webapp import editing
from webapp.cards import edit_note
from webapp.cli import cli
from webapp.models import Alignment, Article, Card, Link, Note, changed_at
from webapp.review import answer_card, load_settings, undo_last

if TYPE_CHECKING:
    from anki.cards import Card as AnkiCard

__all__ = ["utc_clock"]  # the fixture is used by name

ANSWERED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
EXPORTED = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
SEED_LINKS_WITH_BOTH_SIDES = 40


# -- fixtures and helpers ------------------------------------------------------------------


@pytest.fixture
def deck(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Deck:
    """`app` with the reviewer tests' notes: two it→de sentence notes (both directions), a word
    note, an ar→de and a de→it note (the latter from an article full of markup)."""
    return load_review_deck(app, tmp_path_factory)


@pytest.fixture
def collection(tmp_path: Path) -> Iterator[Collection]:
    """A fresh, empty Anki collection."""
    folder = tmp_path / "anki"
    folder.mkdir()
    col = Collection(str(folder / "collection.anki2"))
    yield col
    col.close()


class PinnedClock:
    """Stands in for `datetime` in `webapp.cli`, so each export has a known time."""

    now_value = EXPORTED

    @classmethod
    def now(cls, tz: Any = None) -> datetime:
        return cls.now_value


@pytest.fixture
def pinned(monkeypatch: pytest.MonkeyPatch) -> type[PinnedClock]:
    monkeypatch.setattr(PinnedClock, "now_value", EXPORTED)
    monkeypatch.setattr(webapp.cli, "datetime", PinnedClock)
    return PinnedClock


def run(runner: FlaskCliRunner, *args: str) -> Result:
    return runner.invoke(cli, args=["export", *args])


def answer(app: Flask, card_id: int, rating: int, now: datetime) -> None:
    def work(session: Session) -> None:
        card = session.get(Card, card_id)
        assert card is not None
        answer_card(
            session,
            card_id,
            rating,
            now,
            load_settings(session),
            version=card.version,
            request_id=f"{card_id}-{now.isoformat()}",
            duration_ms=4000,
        )
        session.commit()

    in_session(app, work)


def link_of(app: Flask, card_id: int) -> int:
    def work(session: Session) -> int:
        card = session.get(Card, card_id)
        assert card is not None and card.note.link_id is not None
        return card.note.link_id

    return in_session(app, work)


def article_of(app: Flask, card_id: int) -> tuple[str, str]:
    """(slug, title) of the article a card's note belongs to."""

    def work(session: Session) -> tuple[str, str]:
        card = session.get(Card, card_id)
        assert card is not None
        return card.note.article.slug, card.note.article.title

    return in_session(app, work)


def anki_card(col: Collection, guid: str, template: str) -> AnkiCard:
    note_id = db(col).scalar("select id from notes where guid = ?", guid)
    assert note_id, f"no note {guid}"
    (card,) = [c for c in col.get_note(note_id).cards() if c.template()["name"] == template]
    return card


def days_from_today(app: Flask, when: datetime) -> int:
    """Days from the learner's real today to `when`'s learner date (negative: in the past)."""

    def work(session: Session) -> int:
        settings = load_settings(session)
        today = learner_date(datetime.now(UTC), settings.zone, settings.day_starts_at)
        return (learner_date(when, settings.zone, settings.day_starts_at) - today).days

    return in_session(app, work)


def tandem_card(app: Flask, card_id: int) -> dict[str, Any]:
    def work(session: Session) -> dict[str, Any]:
        card = session.get(Card, card_id)
        assert card is not None and card.last_review is not None
        settings = load_settings(session)
        due, last = (
            learner_date(t, settings.zone, settings.day_starts_at)
            for t in (card.due, card.last_review)
        )
        return {"phase": card.phase, "due": card.due, "ivl": max(1, (due - last).days)}

    return in_session(app, work)


def export_files() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("tandem-export-*")}


# -- tandem export --all -------------------------------------------------------------------


@pytest.mark.usefixtures("utc_clock", "pinned")
def test_export_all_carries_notes_schedule_leech_and_history(
    app: Flask, deck: Deck, runner: FlaskCliRunner, tmp_path: Path, collection: Collection
) -> None:
    answer(app, deck.recognition, 3, ANSWERED)
    answer(app, deck.recognition, 3, ANSWERED + timedelta(minutes=10))
    answer(app, deck.cloze, 1, ANSWERED)
    answer(app, deck.production, 3, ANSWERED + timedelta(minutes=20))

    def take_back(session: Session) -> None:
        assert undo_last(session, ANSWERED + timedelta(minutes=21)) is not None
        session.commit()

    in_session(app, take_back)  # an answer taken back does not travel

    def make_leech(session: Session) -> None:
        card = session.get(Card, deck.production)
        assert card is not None
        card.leech = True
        session.commit()

    in_session(app, make_leech)
    result = run(runner, "--all", "-o", str(tmp_path / "all.apkg"))
    assert result.exit_code == 0, result.output
    assert "wrote 5 notes, 7 cards and 3 reviews" in result.output
    assert gc.isenabled()  # paused while the notes were read, and running again

    log = import_package(collection, tmp_path / "all.apkg")
    assert (len(log.new), len(log.updated)) == (5, 0)
    assert (collection.note_count(), collection.card_count()) == (5, 7)
    _, title = article_of(app, deck.recognition)
    guid = note_guid(f"sentence:{link_of(app, deck.recognition)}:it:de")
    recognition = anki_card(collection, guid, "Recognition")
    assert collection.decks.name(recognition.did) == f"Tandem::{title}::it→de"
    assert "leech" in recognition.note().tags
    production = anki_card(collection, guid, "Production")
    assert (production.type, production.reps) == (0, 0)

    expected = tandem_card(app, deck.recognition)
    assert expected["phase"] == "review"
    assert (recognition.type, recognition.queue) == (2, 2)
    assert recognition.ivl == expected["ivl"]
    assert recognition.due == collection.sched.today + days_from_today(app, expected["due"])
    assert recognition.memory_state is not None
    revlog = db(collection).all(
        "select ease, ivl, lastIvl from revlog where cid = ? order by id", recognition.id
    )
    assert [ease for ease, _, _ in revlog] == [3, 3]
    # Each answer's last interval is what the card's answer before it gave.
    assert [last for _, _, last in revlog] == [0, revlog[0][1]]
    assert revlog[0][1] != 0

    cloze = only_cloze(collection)
    assert (cloze.type, cloze.queue) == (1, 1)
    assert cloze.due == int(tandem_card(app, deck.cloze)["due"].timestamp())
    assert "leech" not in cloze.note().tags
    assert db(collection).list("select lastIvl from revlog where cid = ?", cloze.id) == [0]
    assert db(collection).scalar("select count() from revlog") == 3


def only_cloze(col: Collection) -> AnkiCard:
    (card_id,) = col.find_cards('"note:Tandem Cloze"')
    return col.get_card(card_id)


def note_of(app: Flask, card_id: int) -> tuple[int, datetime]:
    """(id, updated_at) of a card's note."""

    def work(session: Session) -> tuple[int, datetime]:
        card = session.get(Card, card_id)
        assert card is not None
        return card.note.id, card.note.updated_at

    return in_session(app, work)


def edit_meaning(app: Flask, note_id: int, meaning: str, now: datetime) -> None:
    def work(session: Session) -> None:
        note = session.get(Note, note_id)
        assert note is not None
        edit_note(session, note, meaning=meaning, phrase=None, directions=None, now=now)
        session.commit()

    in_session(app, work)


@pytest.mark.usefixtures("utc_clock")
@pytest.mark.parametrize("condition", [IF_NEWER, ALWAYS], ids=["if-newer", "always"])
def test_an_edit_in_tandem_updates_the_note_even_within_one_second(
    app: Flask,
    deck: Deck,
    runner: FlaskCliRunner,
    tmp_path: Path,
    collection: Collection,
    pinned: type[PinnedClock],
    condition: int,
) -> None:
    assert run(runner, "--all", "-o", str(tmp_path / "first.apkg")).exit_code == 0
    import_package(collection, tmp_path / "first.apkg")
    before = only_cloze(collection).note()

    # Edited within the second the note was made, exported again within the second of the
    # first export: Anki counts whole seconds and still has to see a newer note.
    note_id, made = note_of(app, deck.cloze)
    edit_meaning(app, note_id, "für das Netzwerken", made + timedelta(milliseconds=1))
    pinned.now_value = EXPORTED + timedelta(milliseconds=300)
    assert run(runner, "--all", "-o", str(tmp_path / "second.apkg")).exit_code == 0
    log = import_package(collection, tmp_path / "second.apkg", update_notes=condition)

    assert len(log.new) == 0 and len(log.conflicting) == 0
    assert before.id in [entry.id.nid for entry in log.updated]
    assert (collection.note_count(), collection.card_count()) == (5, 7)
    after = only_cloze(collection).note()
    assert after.id == before.id
    assert before["Meaning"] != after["Meaning"] == "für das Netzwerken"
    assert after.mod == int(made.timestamp()) + 1


@pytest.mark.usefixtures("utc_clock")
def test_exporting_again_without_an_edit_keeps_what_the_learner_changed_in_anki(
    app: Flask,
    deck: Deck,
    runner: FlaskCliRunner,
    tmp_path: Path,
    collection: Collection,
    pinned: type[PinnedClock],
) -> None:
    slug, _ = article_of(app, deck.recognition)
    every_pair = ["--all-sentences", "--article", slug, "--source", "it", "--target", "de"]
    exports = {"cards": ["--all"], "pairs": every_pair}
    for name, args in exports.items():
        assert run(runner, *args, "-o", str(tmp_path / f"{name}-1.apkg")).exit_code == 0
    import_package(collection, tmp_path / "cards-1.apkg")
    word = only_cloze(collection).note()
    word["Meaning"] = "mein eigenes Wort"
    collection.update_note(word)
    # A pair nobody made a card of: its note exists in Tandem only as the aligned link.
    pairs = import_package(collection, tmp_path / "pairs-1.apkg")
    pair = collection.get_note(NoteId(pairs.new[0].id.nid))
    pair["Translation"] = "Meine eigene Übersetzung"
    collection.update_note(pair)

    pinned.now_value = EXPORTED + timedelta(days=1)
    for name, args in exports.items():
        assert run(runner, *args, "-o", str(tmp_path / f"{name}-2.apkg")).exit_code == 0
        log = import_package(collection, tmp_path / f"{name}-2.apkg")
        assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 0, 0), name

    assert collection.get_note(word.id)["Meaning"] == "mein eigenes Wort"
    assert collection.get_note(pair.id)["Translation"] == "Meine eigene Übersetzung"

    # Re-aligning the article (which stamps the alignment, as `store.save_alignment` does) a
    # second after the learner's edit in Anki may change what every pair shows: the next
    # export replaces Anki's copies.
    realigned = datetime.fromtimestamp(collection.get_note(pair.id).mod + 1, UTC)

    def realign(session: Session) -> None:
        link = session.get(Link, link_of(app, deck.recognition))
        assert link is not None
        link.alignment.updated_at = changed_at(link.alignment.updated_at, realigned)
        session.commit()

    in_session(app, realign)
    assert run(runner, *every_pair, "-o", str(tmp_path / "pairs-3.apkg")).exit_code == 0
    log = import_package(collection, tmp_path / "pairs-3.apkg")
    assert pair.id in [entry.id.nid for entry in log.updated]
    assert collection.get_note(pair.id)["Translation"] != "Meine eigene Übersetzung"


# -- --all-sentences -----------------------------------------------------------------------


def reading_order(session: Session, slug: str, learn: str, help_: str) -> list[str]:
    """The learning-language side of every link with both sides, in reading order."""
    article = session.scalar(select(Article).where(Article.slug == slug))
    assert article is not None
    for alignment in session.scalars(select(Alignment)):
        langs = (alignment.source_version.lang, alignment.target_version.lang)
        if alignment.source_version.article_id == article.id and langs == (learn, help_):
            learn_side = "source"
            break
        if alignment.source_version.article_id == article.id and langs == (help_, learn):
            learn_side = "target"
            break
    else:
        raise AssertionError("no alignment")
    texts = []
    for link in session.scalars(
        select(Link).where(Link.alignment_id == alignment.id).order_by(Link.position)
    ):
        members = sorted(link.members, key=lambda m: m.sentence.position)
        mine = [m.sentence.text for m in members if m.side == learn_side]
        if mine and len(mine) < len(members):
            texts.append(" ".join(mine))
    return texts


@pytest.mark.usefixtures("utc_clock")
def test_all_sentences_makes_one_note_per_pair_in_reading_order(
    app: Flask, deck: Deck, runner: FlaskCliRunner, tmp_path: Path, collection: Collection
) -> None:
    answer(app, deck.recognition, 4, ANSWERED)
    slug, _ = article_of(app, deck.recognition)
    path = tmp_path / "sentences.apkg"
    options = ["--all-sentences", "--article", slug, "--source", "it", "--target", "de"]
    result = run(runner, *options, "-o", str(path))
    assert result.exit_code == 0, result.output
    import_package(collection, path)

    rows = db(collection).all(
        "select n.id, n.guid, n.flds from notes n join notetypes t on t.id = n.mid "
        "where t.name = 'Tandem Sentence' order by n.id"
    )
    assert len(rows) == SEED_LINKS_WITH_BOTH_SIDES
    expected = in_session(app, lambda s: reading_order(s, slug, "it", "de"))
    assert len(expected) == SEED_LINKS_WITH_BOTH_SIDES
    sentences = [html.unescape(flds.split("\x1f")[0]) for _, _, flds in rows]
    assert sentences == expected
    assert all(html.unescape(flds.split("\x1f")[1]).strip() for _, _, flds in rows)

    guid = note_guid(f"sentence:{link_of(app, deck.recognition)}:it:de")
    assert [g for _, g, _ in rows].count(guid) == 1
    carded = anki_card(collection, guid, "Recognition")
    assert (carded.type, carded.queue) == (2, 2)
    assert carded.ivl == tandem_card(app, deck.recognition)["ivl"]
    assert len(only_cloze(collection).note().tags) > 0  # the word note of the article came too


def test_a_merged_pair_exports_its_sentences_in_reading_order(
    app: Flask, deck: Deck, runner: FlaskCliRunner, tmp_path: Path, collection: Collection
) -> None:
    """Texts of several sentences are joined by the database in reading order."""
    slug, _ = article_of(app, deck.recognition)

    def merge_with_next_pairs(session: Session) -> None:
        link = session.get_one(Link, link_of(app, deck.recognition))
        alignment, position = session.get_one(Alignment, link.alignment_id), link.position
        for _ in range(2):  # three pairs become one (merging makes a new link each time)
            merged = session.scalar(
                select(Link.id).where(Link.alignment_id == alignment.id, Link.position == position)
            )
            assert merged is not None
            seen = editing.version(session, alignment)
            editing.merge(session, alignment, merged, seen=seen, now=EXPORTED)
            session.commit()

    in_session(app, merge_with_next_pairs)
    path = tmp_path / "merged.apkg"
    options = ["--all-sentences", "--article", slug, "--source", "it", "--target", "de"]
    assert run(runner, *options, "-o", str(path)).exit_code == 0
    import_package(collection, path)
    rows = db(collection).all(
        "select n.flds from notes n join notetypes t on t.id = n.mid "
        "where t.name = 'Tandem Sentence' order by n.id"
    )
    expected = in_session(app, lambda s: reading_order(s, slug, "it", "de"))
    assert [html.unescape(flds.split("\x1f")[0]) for (flds,) in rows] == expected
    longest = max(rows, key=lambda row: len(row[0].split("\x1f")[0]))
    sentence, _, paragraph = html.unescape(longest[0]).split("\x1f")[:3]
    assert len(re.findall(r"[.!?]\W*(?:\s|$)", sentence)) >= 3, sentence  # three sentences
    assert f"<mark>{sentence}</mark>" in paragraph


# -- errors ----------------------------------------------------------------------------------


def test_export_errors_are_clear_and_leave_no_file(
    app: Flask, deck: Deck, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    slug, _ = article_of(app, deck.recognition)
    out = str(tmp_path / "x.apkg")
    cases = [
        ((), "choose an article (--article) or everything (--all)"),
        (("--article", "no-such-article"), "no article 'no-such-article'"),
        (("--article", slug, "--source", "it"), "give both --source and --target"),
        (("--all-sentences", "--article", slug), "--all-sentences needs"),
    ]
    for args, message in cases:
        result = run(runner, *args, "-o", out)
        assert result.exit_code != 0, args
        assert message in result.output, (args, result.output)
        assert "Traceback" not in result.output
    missing = tmp_path / "missing" / "x.apkg"
    result = run(runner, "--all", "-o", str(missing))
    assert result.exit_code != 0
    assert f"Cannot write {missing}" in result.output
    assert not missing.parent.exists()
    assert list(tmp_path.glob("*.apkg")) == []


# -- markup ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("utc_clock")
def test_a_sentence_with_a_script_tag_shows_as_text_in_anki(
    app: Flask, deck: Deck, runner: FlaskCliRunner, tmp_path: Path, collection: Collection
) -> None:
    slug, _ = article_of(app, deck.hostile)
    result = run(runner, "--article", slug, "-o", str(tmp_path / "hostile.apkg"))
    assert result.exit_code == 0, result.output
    import_package(collection, tmp_path / "hostile.apkg")
    (card_id,) = collection.find_cards("card:Recognition")
    card = collection.get_card(card_id)
    for rendered in (prompt(card.question()), prompt(card.answer())):
        assert "<script" not in rendered and "<img" not in rendered
        assert html.escape(SCRIPT, quote=False) in rendered
    assert SCRIPT in html.unescape(prompt(card.question()))


# -- the download link -----------------------------------------------------------------------


@pytest.mark.usefixtures("utc_clock")
def test_download_is_an_anki_package_and_leaves_no_files(
    app: Flask, deck: Deck, client: FlaskClient, tmp_path: Path
) -> None:
    slug, _ = article_of(app, deck.recognition)
    instance = Path(app.instance_path)
    instance_before = sorted(instance.rglob("*")) if instance.exists() else []
    temporary_before = export_files()

    for query, name, notes in (
        (f"article={slug}", f"tandem-{slug}.apkg", 4),
        ("all=1", "tandem-all.apkg", 5),
        (f"article={slug}&learn=it&help=de&sentences=1", f"tandem-{slug}.apkg", 41),
    ):
        response = client.get(f"/export.apkg?{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.mimetype == "application/apkg"
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;") and f"filename={name}" in disposition
        path = tmp_path / f"download-{notes}.apkg"
        path.write_bytes(response.data)
        assert zipfile.is_zipfile(path)
        with zipfile.ZipFile(path) as package:
            assert {"collection.anki2", "media"} <= set(package.namelist())
        folder = tmp_path / f"anki-{notes}"
        folder.mkdir()
        col = Collection(str(folder / "collection.anki2"))
        try:
            import_package(col, path)
            assert col.note_count() == notes, query
        finally:
            col.close()

    assert export_files() == temporary_before
    assert (sorted(instance.rglob("*")) if instance.exists() else []) == instance_before


def test_download_errors(app: Flask, deck: Deck, client: FlaskClient) -> None:
    temporary_before = export_files()
    json_only = {"Accept": "application/json"}

    response = client.get("/export.apkg?article=no-such-article", headers=json_only)
    assert response.status_code == 404
    assert "no article 'no-such-article'" in response.get_json()["error"]
    response = client.get("/export.apkg?article=no-such-article")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "no article" in response.get_data(as_text=True)

    response = client.get("/export.apkg", headers=json_only)
    assert response.status_code == 400
    assert response.get_json()["error"] == "choose an article (--article) or everything (--all)"

    def uncarded(session: Session) -> str:
        carded = select(Note.article_id)
        article = session.scalar(select(Article).where(Article.id.not_in(carded)))
        assert article is not None
        return article.slug

    slug = in_session(app, uncarded)
    response = client.get(f"/export.apkg?article={slug}", headers=json_only)
    assert response.status_code == 400
    assert response.get_json()["error"] == "Nothing to export: the selection has no notes."
    assert export_files() == temporary_before


def test_a_note_whose_pair_is_gone_is_left_out_and_said_so(
    app: Flask, deck: Deck, runner: FlaskCliRunner, tmp_path: Path, collection: Collection
) -> None:
    def unlink(session: Session) -> None:
        card = session.get_one(Card, deck.recognition)
        card.note.link_id = None
        card.note.needs_review = "Its sentence is no longer in the article."
        session.commit()

    in_session(app, unlink)
    result = run(runner, "--all", "-o", str(tmp_path / "all.apkg"))
    assert result.exit_code == 0, result.output
    assert "wrote 4 notes, 5 cards" in result.output
    assert "left out 1 note(s) whose aligned pair is gone" in result.output
    assert len(import_package(collection, tmp_path / "all.apkg").new) == 4
