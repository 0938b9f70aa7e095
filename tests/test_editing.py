"""`webapp.editing`: merging, splitting, moving and detaching sentences in a stored alignment,
undo several steps back, stale requests, notes that follow the edit, other language pairs left
alone, cards still reviewable, and edits surviving a re-ingest.

Most tests run on a small German/Italian article whose alignment is set by hand to six 1-1
links in four paragraph groups (title; 1, 2; 3, 4; 5), the third of them flagged, so every
expected shape can be written down.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count, pairwise
from pathlib import Path
from typing import Any

import factories
import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from werkzeug.exceptions import BadRequest, Conflict

from corpus.model import Alignment as AlignmentResult
from corpus.model import Link as Bead
from tests.test_reader import LINKEDIN, load_shipped_corpus
from webapp import cards, cardview, editing, review, store
from webapp.cli import cli
from webapp.db import get_session
from webapp.models import Alignment, Article, Link, LinkSentence, Note, changed_at

START = datetime(2026, 3, 2, 9, tzinfo=UTC)
GROUPS = (0, 1, 1, 2, 2, 3)
FLAGGED = 2


@dataclass(frozen=True)
class Pair:
    """The test pair: its alignment and the sentence ids of each side in reading order."""

    alignment_id: int
    source: tuple[int, ...]
    target: tuple[int, ...]
    source_lang: str
    target_lang: str


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """The app's session inside an app context."""
    with app.app_context():
        yield get_session()


@pytest.fixture
def clock() -> Iterator[datetime]:
    """Aware UTC times a minute apart, one per edit."""
    return (START + timedelta(minutes=k) for k in count())


def build_pair(session: Session) -> Pair:
    """Store the German/Italian library article, then set its alignment to GROUPS."""
    docs = [factories.german_article(), factories.italian_article()]
    store.ingest_documents(session, docs, None, store.IngestReport())
    alignment = session.scalars(select(Alignment)).one()
    source, target = alignment.source_version, alignment.target_version
    beads = tuple(
        Bead((k,), (k,), 0.4 if k == FLAGGED else 0.8, k == FLAGGED) for k in range(len(GROUPS))
    )
    store.save_alignment(
        session,
        alignment.article,
        source,
        target,
        AlignmentResult((), beads, GROUPS, "length"),
    )
    session.commit()
    return Pair(
        alignment.id,
        tuple(s.id for s in source.sentences),
        tuple(s.id for s in target.sentences),
        source.lang,
        target.lang,
    )


@pytest.fixture
def pair(session: Session) -> Pair:
    return build_pair(session)


@pytest.fixture
def merged(session: Session, pair: Pair, clock: Iterator[datetime]) -> int:
    """The pair with links 1 and 2 merged into a 2-2 link at position 1; returns its id."""
    run(session, pair, clock, "merge", link_at(session, pair, 1))
    return link_at(session, pair, 1)


def run(
    session: Session, pair: Pair, clock: Iterator[datetime], operation: str, *args: Any, **kw: Any
) -> Any:
    """Apply an operation of `editing` at the current version and commit, as the view does."""
    alignment = session.get_one(Alignment, pair.alignment_id)
    seen = editing.version(session, alignment)
    result = getattr(editing, operation)(
        session, alignment, *args, seen=seen, now=next(clock), **kw
    )
    session.commit()
    return result


def links(session: Session, alignment_id: int) -> list[tuple[Any, ...]]:
    """Every link of an alignment as plain values: id, position, group, score, flagged,
    manual, source and target sentence ids in reading order (read through the models, not
    through the code under test)."""
    return [
        (
            link.id,
            link.position,
            link.paragraph,
            link.score,
            link.flagged,
            link.manual,
            tuple(s.id for s in link.source_sentences),
            tuple(s.id for s in link.target_sentences),
        )
        for link in session.scalars(
            select(Link)
            .where(Link.alignment_id == alignment_id)
            .order_by(Link.position)
            .options(selectinload(Link.source_sentences), selectinload(Link.target_sentences))
            .execution_options(populate_existing=True)
        )
    ]


def shape(session: Session, pair: Pair) -> list[tuple[tuple[int, ...], tuple[int, ...], int]]:
    """The links as (source indexes, target indexes, group): what a person would draw."""
    return [
        (
            tuple(pair.source.index(i) for i in source),
            tuple(pair.target.index(i) for i in target),
            paragraph,
        )
        for _, _, paragraph, _, _, _, source, target in links(session, pair.alignment_id)
    ]


def notes(session: Session) -> list[tuple[Any, ...]]:
    return [
        (n.id, n.link_id, n.sentence_id, n.needs_review)
        for n in session.scalars(select(Note).order_by(Note.id))
    ]


def state(session: Session, pair: Pair) -> dict[str, Any]:
    """Everything an undo must put back."""
    session.expire_all()
    alignment = session.get_one(Alignment, pair.alignment_id)
    return {
        "links": links(session, pair.alignment_id),
        "notes": notes(session),
        "summary": (alignment.quality, alignment.flagged),
    }


def link_at(session: Session, pair: Pair, position: int) -> int:
    return links(session, pair.alignment_id)[position][0]


def assert_consistent(session: Session, pair: Pair) -> None:
    """The invariants every edit keeps: positions 0..n-1, groups starting at 0 and growing by
    at most one, every sentence in exactly one link, reading order on both sides, and the
    alignment's summary computed from its links."""
    rows = links(session, pair.alignment_id)
    assert [row[1] for row in rows] == list(range(len(rows)))
    groups = [row[2] for row in rows]
    assert groups[0] == 0
    assert all(b - a in (0, 1) for a, b in pairwise(groups))
    assert [i for row in rows for i in row[6]] == list(pair.source)
    assert [i for row in rows for i in row[7]] == list(pair.target)
    assert all(row[6] or row[7] for row in rows)
    alignment = session.get_one(Alignment, pair.alignment_id)
    assert alignment.quality == round(sum(row[3] for row in rows) / len(rows), 4)
    assert alignment.flagged == sum(1 for row in rows if row[4])


def sentence_note(session: Session, pair: Pair, link_id: int, learn: str, help_: str) -> Note:
    note, created = cards.create_card(session, cards.CardRequest(link_id, "sentence", learn, help_))
    assert created
    session.commit()
    return note


def word_note(session: Session, pair: Pair, sentence_id: int, phrase: str) -> Note:
    link_id = session.scalar(
        select(LinkSentence.link_id)
        .join(Link, Link.id == LinkSentence.link_id)
        .where(LinkSentence.sentence_id == sentence_id, Link.alignment_id == pair.alignment_id)
    )
    assert link_id is not None
    learn = pair.source_lang if sentence_id in pair.source else pair.target_lang
    help_ = pair.target_lang if learn == pair.source_lang else pair.source_lang
    note, _ = cards.create_card(
        session,
        cards.CardRequest(link_id, "word", learn, help_, sentence_id=sentence_id, phrase=phrase),
    )
    session.commit()
    return note


def refused(
    session: Session, pair: Pair, clock: Iterator[datetime], match: str, *operation: Any, **kw: Any
) -> None:
    """The operation is refused with a message matching `match`, and changes nothing."""
    before = state(session, pair)
    with pytest.raises(BadRequest, match=match):
        run(session, pair, clock, *operation, **kw)
    session.rollback()
    assert state(session, pair) == before


def one_one(*indexes: int) -> list[tuple[tuple[int, ...], tuple[int, ...], int]]:
    return [((k,), (k,), GROUPS[k]) for k in indexes]


# The starting point --------------------------------------------------------------------------


def test_the_test_pair_is_what_the_tests_assume(session: Session, pair: Pair) -> None:
    assert pair.source_lang == "de" and pair.target_lang == "it"
    assert shape(session, pair) == one_one(0, 1, 2, 3, 4, 5)
    assert_consistent(session, pair)
    assert editing.version(session, session.get_one(Alignment, pair.alignment_id)) == 0


# Merge ---------------------------------------------------------------------------------------


def test_merge_joins_a_link_with_the_next_and_keeps_the_first_id(
    session: Session, pair: Pair, clock: Iterator[datetime]
) -> None:
    before = links(session, pair.alignment_id)
    edit = run(session, pair, clock, "merge", before[1][0])
    after = links(session, pair.alignment_id)
    assert shape(session, pair) == [*one_one(0), ((1, 2), (1, 2), 1), *one_one(3, 4, 5)]
    assert after[1][0] == before[1][0]
    assert after[1][3:6] == (1.0, False, True)  # manual links are sure and not flagged
    # The links after it only moved up one place.
    assert [row[0] for row in after[2:]] == [row[0] for row in before[3:]]
    assert [row[3:] for row in after[2:]] == [row[3:] for row in before[3:]]
    assert edit.action == "merge"
    assert edit.summary.startswith("Merged “Die Stadt hat am Montag")
    assert_consistent(session, pair)


def test_merging_across_paragraph_groups_joins_the_groups(
    session: Session, pair: Pair, clock: Iterator[datetime]
) -> None:
    run(session, pair, clock, "merge", link_at(session, pair, 2))
    assert shape(session, pair) == [
        *one_one(0, 1),
        ((2, 3), (2, 3), 1),
        ((4,), (4,), 1),
        ((5,), (5,), 2),
    ]
    assert_consistent(session, pair)
    alignment = session.get_one(Alignment, pair.alignment_id)
    assert alignment.flagged == 0  # the flagged link was corrected by hand


def test_the_last_link_has_nothing_to_merge_with(
    session: Session, pair: Pair, clock: Iterator[datetime]
) -> None:
    refused(session, pair, clock, "last pair", "merge", link_at(session, pair, 5))


# Split ---------------------------------------------------------------------------------------


def test_best_division_follows_the_length_share() -> None:
    assert editing.best_division(0.5, [10, 10]) == 1
    assert editing.best_division(0.9, [10, 10]) == 2
    assert editing.best_division(0.1, [10, 10]) == 0
    assert editing.best_division(0.3, [10, 30, 60]) == 2
    assert editing.best_division(0.2, [10, 30, 60]) == 1
    assert editing.best_division(0.5, []) == 0


def test_split_divides_the_other_side_where_the_lengths_say(
    session: Session, pair: Pair, clock: Iterator[datetime], merged: int
) -> None:
    run(session, pair, clock, "split", pair.source[1])
    assert shape(session, pair) == one_one(0, 1, 2, 3, 4, 5)
    assert link_at(session, pair, 1) == merged  # the first part keeps the id
    assert_consistent(session, pair)


def test_split_with_the_other_side_chosen_by_the_learner(
    session: Session, pair: Pair, clock: Iterator[datetime], merged: int
) -> None:
    run(session, pair, clock, "split", pair.target[1], other=0)
    assert shape(session, pair)[1:3] == [((), (1,), 1), ((1, 2), (2,), 1)]
    assert_consistent(session, pair)


def test_split_needs_a_sentence_after_the_cut(
    session: Session, pair: Pair, clock: Iterator[datetime], merged: int
) -> None:
    refused(session, pair, clock, "last German sentence of its pair", "split", pair.source[2])
    refused(session, pair, clock, "has 2 sentences, not 3", "split", pair.source[1], other=3)


# Move ----------------------------------------------------------------------------------------


def test_move_the_first_sentence_to_the_previous_link(
    session: Session, pair: Pair, clock: Iterator[datetime]
) -> None:
    ids = [row[0] for row in links(session, pair.alignment_id)]
    run(session, pair, clock, "move", pair.source[2], "previous")
    assert shape(session, pair)[1:3] == [((1, 2), (1,), 1), ((), (2,), 1)]
    assert [row[0] for row in links(session, pair.alignment_id)] == ids  # link ids are kept
    assert_consistent(session, pair)


def test_move_the_last_sentence_to_the_next_link(
    session: Session, pair: Pair, clock: Iterator[datetime]
) -> None:
    run(session, pair, clock, "move", pair.target[3], "next")
    assert shape(session, pair)[3:5] == [((3,), (), 2), ((4,), (3, 4), 2)]
    assert_consistent(session, pair)


def test_only_the_edge_sentences_of_a_side_move(
    session: Session, pair: Pair, clock: Iterator[datetime], merged: int
) -> None:
    refused(session, pair, clock, "only the last German sentence", "move", pair.source[1], "next")
    refused(session, pair, clock, "first pair", "move", pair.source[0], "previous")
    refused(session, pair, clock, "previous or the next", "move", pair.source[1], "sideways")


def test_a_link_left_empty_disappears_and_its_group_with_it(
    session: Session, pair: Pair, clock: Iterator[datetime]
) -> None:
    title = link_at(session, pair, 0)
    run(session, pair, clock, "move", pair.source[0], "next")
    run(session, pair, clock, "move", pair.target[0], "next")
    assert title not in [row[0] for row in links(session, pair.alignment_id)]
    assert shape(session, pair) == [
        ((0, 1), (0, 1), 0),
        ((2,), (2,), 0),
        ((3,), (3,), 1),
        ((4,), (4,), 1),
        ((5,), (5,), 2),
    ]
    assert_consistent(session, pair)


def test_a_link_emptied_backwards_takes_its_group_along(
    session: Session, pair: Pair, clock: Iterator[datetime]
) -> None:
    run(session, pair, clock, "move", pair.source[5], "previous")
    run(session, pair, clock, "move", pair.target[5], "previous")
    assert shape(session, pair)[-1] == ((4, 5), (4, 5), 2)
    assert len(shape(session, pair)) == 5
    assert_consistent(session, pair)


# No counterpart ------------------------------------------------------------------------------


def test_detach_the_first_sentence_of_a_side(
    session: Session, pair: Pair, clock: Iterator[datetime], merged: int
) -> None:
    run(session, pair, clock, "detach", pair.source[1])
    assert shape(session, pair)[1:3] == [((1,), (), 1), ((2,), (1, 2), 1)]
    assert link_at(session, pair, 2) == merged
    assert_consistent(session, pair)


def test_detach_the_last_sentence_of_a_side(
    session: Session, pair: Pair, clock: Iterator[datetime], merged: int
) -> None:
    run(session, pair, clock, "detach", pair.target[2])
    assert shape(session, pair)[1:3] == [((1, 2), (1,), 1), ((), (2,), 1)]
    assert_consistent(session, pair)


def test_detach_a_one_to_one_link(session: Session, pair: Pair, clock: Iterator[datetime]) -> None:
    run(session, pair, clock, "detach", pair.target[3])
    assert shape(session, pair)[3:5] == [((), (3,), 2), ((3,), (), 2)]
    refused(session, pair, clock, "already has no counterpart", "detach", pair.target[3])


def test_a_sentence_inside_a_side_cannot_be_detached(
    session: Session, pair: Pair, clock: Iterator[datetime], merged: int
) -> None:
    run(session, pair, clock, "merge", link_at(session, pair, 1))
    refused(session, pair, clock, "inside its pair", "detach", pair.source[2])


# Undo and versions ---------------------------------------------------------------------------


def test_undo_restores_every_step_exactly(
    session: Session, pair: Pair, clock: Iterator[datetime]
) -> None:
    sentence_note(session, pair, link_at(session, pair, 1), "de", "it")
    sentence_note(session, pair, link_at(session, pair, 2), "it", "de")
    word_note(session, pair, pair.source[2], "Berufstätige")
    states = [state(session, pair)]
    steps = [
        ("merge", link_at(session, pair, 1)),
        ("split", pair.target[1]),
        ("detach", pair.source[2]),
        ("move", pair.target[4], "previous"),
        ("merge", link_at(session, pair, 4)),
        ("move", pair.source[0], "next"),
        ("move", pair.target[0], "next"),
    ]
    for operation, *args in steps:
        run(session, pair, clock, operation, *args)
        assert_consistent(session, pair)
        states.append(state(session, pair))
    assert len({str(s) for s in states}) == len(states)  # every step changed something
    for expected in reversed(states[:-1]):
        edit = run(session, pair, clock, "undo")
        assert edit is not None and edit.undone_at is not None
        assert state(session, pair) == expected
    assert run(session, pair, clock, "undo") is None
    alignment = session.get_one(Alignment, pair.alignment_id)
    assert editing.version(session, alignment) == 2 * len(steps)
    assert all(e.undone_at for e in editing.history(session, alignment, 50))


def test_a_stale_version_is_refused_and_applies_nothing(
    session: Session, pair: Pair, clock: Iterator[datetime]
) -> None:
    alignment = session.get_one(Alignment, pair.alignment_id)
    seen = editing.version(session, alignment)
    link = link_at(session, pair, 1)
    editing.merge(session, alignment, link, seen=seen, now=next(clock))
    session.commit()
    merged = state(session, pair)
    # The same form submitted twice: the second names the version before the first.
    with pytest.raises(Conflict, match="has changed since the page was shown"):
        editing.merge(session, alignment, link, seen=seen, now=next(clock))
    with pytest.raises(Conflict):
        editing.undo(session, alignment, seen=seen, now=next(clock))
    session.rollback()
    assert state(session, pair) == merged
    assert editing.version(session, alignment) == seen + 1


def test_realigning_the_pair_retires_its_undo_history(
    session: Session, pair: Pair, clock: Iterator[datetime], merged: int
) -> None:
    alignment = session.get_one(Alignment, pair.alignment_id)
    seen = editing.version(session, alignment)
    beads = tuple(Bead((k,), (k,), 0.8) for k in range(len(GROUPS)))
    result = AlignmentResult((), beads, GROUPS, "length")
    store.save_alignment(
        session, alignment.article, alignment.source_version, alignment.target_version, result
    )
    session.commit()
    # A page opened before the realignment is out of date; a fresh one has nothing to undo.
    with pytest.raises(Conflict):
        editing.undo(session, alignment, seen=seen, now=next(clock))
    assert run(session, pair, clock, "undo") is None


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["merge", "split", "previous", "next", "detach"]),
        st.integers(0, 11),
        st.integers(0, 3),
    ),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(OPERATIONS)
def test_any_sequence_of_edits_keeps_the_pair_whole_and_undoes_to_the_start(
    session: Session, pair: Pair, clock: Iterator[datetime], operations: list[Any]
) -> None:
    start = state(session, pair)
    done = 0
    for operation, index, other in operations:
        sentences = pair.source + pair.target
        sentence = sentences[index % len(sentences)]
        before = state(session, pair)
        try:
            if operation == "merge":
                link, _ = editing.link_of(
                    session, session.get_one(Alignment, pair.alignment_id), sentence
                )
                run(session, pair, clock, "merge", link)
            elif operation == "split":
                run(session, pair, clock, "split", sentence, other=other % 3 or None)
            elif operation == "detach":
                run(session, pair, clock, "detach", sentence)
            else:
                run(session, pair, clock, "move", sentence, operation)
        except BadRequest:
            session.rollback()
            assert state(session, pair) == before
            continue
        done += 1
        assert_consistent(session, pair)
    for _ in range(done):
        assert run(session, pair, clock, "undo") is not None
    assert state(session, pair) == start


# Notes follow the edit -----------------------------------------------------------------------


def test_notes_of_merged_links_end_on_the_merged_link(
    session: Session, pair: Pair, clock: Iterator[datetime]
) -> None:
    first, second = link_at(session, pair, 1), link_at(session, pair, 2)
    sentence = sentence_note(session, pair, first, "de", "it")
    word = word_note(session, pair, pair.source[2], "Berufstätige")
    assert word.link_id == second
    made = sentence.updated_at, word.updated_at
    edit = run(session, pair, clock, "merge", first)
    session.expire_all()
    assert (sentence.link_id, word.link_id) == (first, first)
    assert sentence.needs_review == word.needs_review == ""
    # Moved on to the edit's time, or past the second they were made in (Anki needs newer).
    assert (sentence.updated_at, word.updated_at) == tuple(
        changed_at(when, edit.created_at) for when in made
    )


def test_a_note_that_would_repeat_another_is_set_aside_and_flagged(
    session: Session, pair: Pair, clock: Iterator[datetime]
) -> None:
    first, second = link_at(session, pair, 1), link_at(session, pair, 2)
    kept = sentence_note(session, pair, first, "de", "it")
    other = sentence_note(session, pair, second, "de", "it")
    before = notes(session)
    run(session, pair, clock, "merge", first)
    session.expire_all()
    assert kept.link_id == first and kept.needs_review == ""
    assert other.link_id is None
    assert f"note {kept.id}" in other.needs_review
    assert session.get(Note, other.id) is not None  # never deleted
    run(session, pair, clock, "undo")
    assert notes(session) == before


def test_split_sends_each_note_to_the_part_that_holds_its_sentence(
    session: Session, pair: Pair, clock: Iterator[datetime], merged: int
) -> None:
    german = sentence_note(session, pair, merged, "de", "it")
    italian = sentence_note(session, pair, merged, "it", "de")
    word = word_note(session, pair, pair.source[2], "Berufstätige")
    run(session, pair, clock, "split", pair.source[1], other=0)
    session.expire_all()
    first, second = link_at(session, pair, 1), link_at(session, pair, 2)
    assert shape(session, pair)[1:3] == [((1,), (), 1), ((2,), (1, 2), 1)]
    # The German-learning note follows its first German sentence, which lost its Italian.
    assert german.link_id == first
    assert "with no Italian sentence" in german.needs_review
    # The Italian-learning note follows its first Italian sentence, into the second part.
    assert italian.link_id == second and italian.needs_review == ""
    assert word.link_id == second and word.needs_review == ""


def test_move_keeps_link_ids_and_flags_a_note_whose_pair_lost_a_side(
    session: Session, pair: Pair, clock: Iterator[datetime]
) -> None:
    link = link_at(session, pair, 2)
    note = sentence_note(session, pair, link, "it", "de")
    run(session, pair, clock, "move", pair.source[2], "previous")
    session.expire_all()
    assert note.link_id == link
    assert "with no German sentence" in note.needs_review
    assert "Moved “Damit können auch Berufstätige abends" in note.needs_review
    run(session, pair, clock, "undo")
    session.expire_all()
    assert note.needs_review == ""  # undo clears the flag it set


def test_detach_takes_a_word_note_along_and_sets_aside_a_note_left_without_its_language(
    session: Session, pair: Pair, clock: Iterator[datetime]
) -> None:
    link = link_at(session, pair, 3)
    word = word_note(session, pair, pair.target[3], "cittadini")
    sentence = sentence_note(session, pair, link, "it", "de")
    run(session, pair, clock, "detach", pair.target[3])
    session.expire_all()
    alone = link_at(session, pair, 3)
    assert shape(session, pair)[3] == ((), (3,), 2)
    assert word.link_id == alone and "with no German sentence" in word.needs_review
    # The Italian-learning note's pair kept only its German: nothing left to ask in review.
    assert sentence.link_id is None
    assert "with no Italian sentence, so it was set aside" in sentence.needs_review
    run(session, pair, clock, "undo")
    session.expire_all()
    assert (sentence.link_id, sentence.needs_review) == (link, "")


def test_a_note_made_after_an_edit_survives_its_undo(
    session: Session, pair: Pair, clock: Iterator[datetime], merged: int
) -> None:
    run(session, pair, clock, "split", pair.source[1])
    made = sentence_note(session, pair, link_at(session, pair, 2), "it", "de")
    run(session, pair, clock, "undo")
    session.expire_all()
    assert made.link_id == link_at(session, pair, 1)  # the restored merged link holds it
    assert session.get(Note, made.id) is not None


def test_a_card_of_an_edited_pair_is_still_reviewable(
    session: Session, pair: Pair, clock: Iterator[datetime]
) -> None:
    note = sentence_note(session, pair, link_at(session, pair, 1), "de", "it")
    run(session, pair, clock, "merge", link_at(session, pair, 1))
    now = next(clock)
    settings_ = review.load_settings(session)
    card = review.Queue(session, now, settings_).next_card()
    assert card is not None and card.note_id == note.id
    face = cardview.face(session, card)
    assert not face.missing
    merged = {" ".join(factories.GERMAN_BODY[0]), " ".join(factories.ITALIAN_BODY[0])}
    assert {face.front.plain, face.back.plain} == merged
    answered = review.answer_card(
        session, card.id, 3, now, settings_, version=card.version, request_id="after-merge"
    )
    session.commit()
    assert answered.card.reps == 1


# Other pairs, re-ingesting -------------------------------------------------------------------


@pytest.fixture
def seed_article(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    """The shipped corpus; yields a session on it."""
    load_shipped_corpus(app, tmp_path_factory)
    with app.app_context():
        yield get_session()


def test_edits_to_one_pair_leave_the_other_five_alone(
    seed_article: Session, clock: Iterator[datetime]
) -> None:
    session = seed_article
    article = session.scalars(select(Article).where(Article.slug == LINKEDIN)).one()
    alignments = session.scalars(select(Alignment).where(Alignment.article_id == article.id)).all()
    assert len(alignments) == 6
    versions = {v.lang: v.id for v in article.versions}
    edited = next(
        a
        for a in alignments
        if {a.source_version_id, a.target_version_id} == {versions["it"], versions["de"]}
    )
    others = {a.id: links(session, a.id) for a in alignments if a.id != edited.id}
    rows = links(session, edited.id)
    source = [i for row in rows for i in row[6]]
    target = [i for row in rows for i in row[7]]
    pair = Pair(edited.id, tuple(source), tuple(target), "", "")
    run(session, pair, clock, "merge", rows[5][0])
    merged = links(session, edited.id)[5]
    run(session, pair, clock, "split", (merged[6] if len(merged[6]) > 1 else merged[7])[0])
    run(session, pair, clock, "move", rows[9][7][0], "previous")
    run(session, pair, clock, "detach", rows[12][6][-1])
    assert {a: links(session, a) for a in others} == others
    for _ in range(4):
        run(session, pair, clock, "undo")
    assert links(session, edited.id) == rows
    assert {a: links(session, a) for a in others} == others


def test_edits_survive_reingesting_the_same_documents(
    session: Session, pair: Pair, clock: Iterator[datetime], merged: int
) -> None:
    run(session, pair, clock, "detach", pair.target[4])
    edited = state(session, pair)
    report = store.IngestReport()
    docs = [factories.german_article(), factories.italian_article()]
    store.ingest_documents(session, docs, None, report)
    session.commit()
    assert report.unchanged == [doc.source for doc in docs]
    assert state(session, pair) == edited


def test_edits_survive_tandem_ingest_of_the_same_files(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, clock: Iterator[datetime]
) -> None:
    folder = tmp_path / "texts"
    folder.mkdir()
    for lang, body in (("de", factories.GERMAN_BODY), ("it", factories.ITALIAN_BODY)):
        text = "\n\n".join(" ".join(p) for p in body)
        (folder / f"library.{lang}.txt").write_text(text + "\n", encoding="utf-8")
    assert runner.invoke(cli, ["ingest", str(folder)]).exit_code == 0
    with app.app_context():
        session = get_session()
        alignment = session.scalars(select(Alignment)).one()
        rows = links(session, alignment.id)
        pair = Pair(alignment.id, (), (), "", "")
        run(session, pair, clock, "merge", rows[0][0])
        edited = links(session, alignment.id)
    result = runner.invoke(cli, ["ingest", str(folder)])
    assert result.exit_code == 0, result.output
    assert "0 added, 0 updated, 2 unchanged" in result.output
    with app.app_context():
        assert links(get_session(), alignment.id) == edited
        assert edited[0][5] is True  # still manual
