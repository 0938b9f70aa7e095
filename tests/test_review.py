"""Reviewing against a real SQLite file: the queue and its daily limits, day rollover across
time zones and DST, idempotent answers, two tabs, undo, leeches, and recomputing every card's
state from the review log."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.exceptions import BadRequest, Conflict

from decks.scheduler import CardState, Phase, Rating, replay
from decks.settings import SchedulerSettings
from tests.factories import make_cards
from webapp.db import get_session
from webapp.models import Card, ReviewLog
from webapp.review import (
    answer_card,
    counts,
    effective_answers,
    load_settings,
    next_card,
    save_settings,
    state_of,
    undo_last,
)

MORNING = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
SETTINGS = SchedulerSettings(new_per_day=3, reviews_per_day=2)


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    with app.app_context():
        yield get_session()


def answer(
    session: Session,
    card: Card,
    rating: Rating,
    now: datetime,
    settings: SchedulerSettings = SETTINGS,
    request: str | None = None,
) -> Card:
    result = answer_card(
        session,
        card.id,
        int(rating),
        now,
        settings,
        version=card.version,
        request_id=request or f"r{card.id}-{card.version}",
    )
    session.commit()
    return result.card


def test_new_cards_come_in_creation_order_within_the_daily_limit(session: Session) -> None:
    cards = make_cards(session, 5, created=MORNING - timedelta(days=1))
    session.commit()
    shown = []
    now = MORNING
    for _ in range(3):
        card = next_card(session, now, SETTINGS)
        assert card is not None and card.phase == "new"
        shown.append(card.id)
        answer(session, card, Rating.EASY, now)  # straight to review, days away
    assert shown == [c.id for c in cards[:3]]
    assert next_card(session, now, SETTINGS) is None  # the 4th new card waits for tomorrow
    assert counts(session, now, SETTINGS).new == 0
    tomorrow = MORNING + timedelta(days=1)
    assert counts(session, tomorrow, SETTINGS).new == 2


def test_learning_cards_come_first_then_reviews_then_new(session: Session) -> None:
    new, learning, review = make_cards(session, 3, created=MORNING - timedelta(days=30))
    learning.phase, learning.due, learning.step = "learning", MORNING - timedelta(minutes=1), 0
    learning.stability, learning.difficulty = 2.0, 5.0
    review.phase, review.due = "review", MORNING - timedelta(hours=1)
    review.stability, review.difficulty, review.last_review = 10.0, 5.0, MORNING - timedelta(days=9)
    session.commit()
    order = []
    for _ in range(3):
        card = next_card(session, MORNING, SETTINGS)
        assert card is not None
        order.append(card.id)
        answer(session, card, Rating.EASY, MORNING)
    assert order == [learning.id, review.id, new.id]


def test_the_review_limit_counts_only_reviews_not_undone(session: Session) -> None:
    cards = make_cards(session, 4, created=MORNING - timedelta(days=30))
    for card in cards:
        card.phase, card.due, card.stability, card.difficulty = "review", MORNING, 10.0, 5.0
        card.last_review = MORNING - timedelta(days=10)
    session.commit()
    assert counts(session, MORNING, SETTINGS).review == 2
    first = next_card(session, MORNING, SETTINGS)
    assert first is not None
    answer(session, first, Rating.GOOD, MORNING)
    assert counts(session, MORNING, SETTINGS).review == 1
    undo_last(session, MORNING)
    session.commit()
    assert counts(session, MORNING, SETTINGS).review == 2


def test_the_day_turns_at_four_in_the_learners_time_zone(session: Session) -> None:
    berlin = replace(SETTINGS, timezone="Europe/Berlin", new_per_day=1)
    make_cards(session, 2, created=MORNING - timedelta(days=1))
    session.commit()
    late = datetime(2026, 5, 4, 23, 30, tzinfo=UTC)  # 01:30 in Berlin, still the 4th there
    card = next_card(session, late, berlin)
    assert card is not None
    answer(session, card, Rating.EASY, late, berlin)
    assert next_card(session, late + timedelta(hours=1), berlin) is None  # 02:30 Berlin
    assert next_card(session, late + timedelta(hours=2, minutes=31), berlin) is not None  # 04:01


def test_the_day_after_clocks_go_forward_starts_at_four_local(session: Session) -> None:
    berlin = replace(SETTINGS, timezone="Europe/Berlin", new_per_day=1)
    make_cards(session, 2, created=datetime(2026, 3, 27, tzinfo=UTC))
    session.commit()
    saturday = datetime(2026, 3, 28, 20, 0, tzinfo=UTC)
    card = next_card(session, saturday, berlin)
    assert card is not None
    answer(session, card, Rating.EASY, saturday, berlin)
    # Sunday 29 March, 04:00 CEST is 02:00 UTC (the day was 23 hours long).
    assert next_card(session, datetime(2026, 3, 29, 1, 59, tzinfo=UTC), berlin) is None
    assert next_card(session, datetime(2026, 3, 29, 2, 0, tzinfo=UTC), berlin) is not None


def test_the_same_answer_twice_is_applied_once(session: Session) -> None:
    [card] = make_cards(session, 1, created=MORNING)
    session.commit()
    version = card.version
    first = answer_card(
        session, card.id, 3, MORNING, SETTINGS, version=version, request_id="click-1"
    )
    session.commit()
    again = answer_card(
        session,
        card.id,
        3,
        MORNING + timedelta(seconds=2),
        SETTINGS,
        version=version,
        request_id="click-1",
    )
    session.commit()
    assert again.repeated and again.interval == first.interval
    assert session.scalar(select(func.count()).select_from(ReviewLog)) == 1
    assert again.card.reps == 1


def test_a_second_tab_cannot_answer_the_same_showing(session: Session) -> None:
    [card] = make_cards(session, 1, created=MORNING)
    session.commit()
    seen = card.version
    answer_card(session, card.id, 3, MORNING, SETTINGS, version=seen, request_id="tab-a")
    session.commit()
    with pytest.raises(Conflict):
        answer_card(session, card.id, 1, MORNING, SETTINGS, version=seen, request_id="tab-b")
    session.rollback()
    assert session.get_one(Card, card.id).reps == 1


def test_bad_answers_are_refused(session: Session) -> None:
    [card] = make_cards(session, 1, created=MORNING)
    session.commit()
    with pytest.raises(BadRequest, match="rating must be"):
        answer_card(session, card.id, 7, MORNING, SETTINGS, version=0, request_id="x")
    with pytest.raises(BadRequest, match="request id"):
        answer_card(session, card.id, 3, MORNING, SETTINGS, version=0, request_id="")


def test_undo_restores_previous_answers_exactly_several_steps(session: Session) -> None:
    [card] = make_cards(session, 1, created=MORNING)
    session.commit()
    snapshots = []
    now = MORNING
    for rating in (Rating.GOOD, Rating.GOOD, Rating.AGAIN):
        snapshots.append((state_of(card), card.version))
        card = answer(session, card, rating, now)
        now = card.due
    for expected_state, _ in reversed(snapshots):
        undone = undo_last(session, now)
        session.commit()
        assert undone is not None and undone.id == card.id
        assert state_of(undone) == expected_state
    assert undo_last(session, now) is None
    assert effective_answers(session, card.id) == []
    assert session.scalar(select(func.count()).select_from(ReviewLog)) == 6  # nothing deleted


def test_a_leech_is_tagged_and_optionally_suspended(session: Session) -> None:
    for action in ("tag", "suspend"):
        settings = replace(SETTINGS, leech_threshold=2, leech_action=action)
        [card] = make_cards(session, 1, created=MORNING, template="production")
        card.phase, card.due, card.stability, card.difficulty = "review", MORNING, 5.0, 5.0
        card.last_review, card.lapses = MORNING - timedelta(days=5), 1
        session.commit()
        made = card.note.updated_at
        card = answer(session, card, Rating.AGAIN, MORNING, settings)
        assert card.leech and card.lapses == 2
        assert card.suspended is (action == "suspend")
        # The note's exported tags gained "leech": it changed, in a later second for Anki.
        tagged = card.note.updated_at
        assert int(tagged.timestamp()) > int(made.timestamp())
        undo_last(session, MORNING + timedelta(minutes=1))
        session.commit()
        assert not card.leech and int(card.note.updated_at.timestamp()) > int(tagged.timestamp())


def test_suspended_and_buried_cards_wait(session: Session) -> None:
    suspended, buried = make_cards(session, 2, created=MORNING)
    suspended.suspended = True
    buried.buried_until = MORNING + timedelta(hours=20)
    session.commit()
    assert next_card(session, MORNING, SETTINGS) is None
    assert next_card(session, MORNING + timedelta(hours=21), SETTINGS) == buried


def test_every_card_can_be_recomputed_from_the_log(session: Session) -> None:
    """Simulated days of reviews with answers, undos and retries; then replaying each card's
    log from scratch gives exactly its stored state."""
    settings = SchedulerSettings(new_per_day=10, reviews_per_day=100)
    make_cards(session, 30, created=MORNING - timedelta(days=1))
    session.commit()
    rng = random.Random(11)
    now = MORNING
    for _day in range(40):
        for _ in range(30):
            card = next_card(session, now, settings)
            if card is None:
                break
            rating = rng.choices(list(Rating), weights=(0.15, 0.1, 0.65, 0.1))[0]
            answer(session, card, rating, now, settings)
            if rng.random() < 0.1:
                undo_last(session, now)
                session.commit()
            now += timedelta(seconds=rng.randint(5, 40))
        now = now.replace(hour=8) + timedelta(days=1)
    cards = session.scalars(select(Card)).all()
    assert sum(c.reps for c in cards) > 200
    for card in cards:
        assert replay(card.id, effective_answers(session, card.id), settings) == state_of(card)


def test_settings_round_trip_through_the_database(session: Session) -> None:
    assert load_settings(session) == SchedulerSettings()
    custom = SchedulerSettings(
        desired_retention=0.85,
        learning_steps=(timedelta(minutes=5),),
        timezone="Asia/Tokyo",
        leech_action="suspend",
    )
    save_settings(session, custom)
    session.commit()
    assert load_settings(session) == custom


def test_a_new_card_state_is_new(session: Session) -> None:
    [card] = make_cards(session, 1, created=MORNING)
    assert state_of(card) == CardState(Phase.NEW, None, None, None, None, None, 0, 0)
