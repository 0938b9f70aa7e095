"""FSRS scheduling: golden values against py-fsrs itself, deterministic fuzz, leeches,
recomputation from the log, interval labels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Card as FsrsCard
from fsrs import Rating as FsrsRating
from fsrs import Scheduler

from decks.errors import SettingsError
from decks.scheduler import CardState, Phase, Rating, answer, format_interval, fuzz, preview, replay
from decks.settings import SchedulerSettings

SETTINGS = SchedulerSettings()
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
HISTORY = [
    Rating.GOOD,
    Rating.GOOD,
    Rating.GOOD,
    Rating.AGAIN,
    Rating.GOOD,
    Rating.HARD,
    Rating.EASY,
]


def run(history: list[Rating]) -> list[tuple[CardState, timedelta]]:
    state, now, result = CardState(), START, []
    for rating in history:
        outcome = answer(7, state, rating, now, SETTINGS)
        result.append((outcome.state, outcome.interval))
        state, now = outcome.state, outcome.state.due or now
    return result


def test_memory_state_matches_py_fsrs_step_by_step() -> None:
    """Stability and difficulty are py-fsrs's own; only review intervals get our fuzz."""
    reference = Scheduler(enable_fuzzing=False)
    card = FsrsCard(card_id=7, due=START)
    ours = run(HISTORY)
    now = START
    for rating, (state, interval) in zip(HISTORY, ours, strict=True):
        card, _ = reference.review_card(card, FsrsRating(int(rating)), now)
        assert state.stability == pytest.approx(card.stability)
        assert state.difficulty == pytest.approx(card.difficulty)
        unfuzzed = card.due - now
        if state.phase is Phase.REVIEW and unfuzzed.days >= 3:
            assert abs(interval.days - unfuzzed.days) <= max(2, 0.15 * unfuzzed.days)
        else:
            assert interval == unfuzzed
        card.due = now + interval  # follow our schedule so both see the same elapsed time
        now = now + interval


def test_golden_schedule() -> None:
    """Pinned outcome of a fixed history (change only with a deliberate algorithm change)."""
    got = [
        (s.phase.value, round(s.stability or 0, 3), round(s.difficulty or 0, 3), format_interval(i))
        for s, i in run(HISTORY)
    ]
    assert got == GOLDEN


GOLDEN = [
    ("learning", 2.307, 2.118, "10m"),
    ("review", 2.307, 2.111, "2d"),
    ("review", 10.971, 2.104, "10d"),
    ("relearning", 1.523, 7.39, "10m"),
    ("review", 1.556, 7.378, "2d"),
    ("review", 3.576, 8.244, "4d"),
    ("review", 12.278, 7.643, "13d"),
]


def test_the_button_shows_exactly_the_interval_given() -> None:
    state, now = CardState(), START
    for rating in HISTORY:
        shown = preview(7, state, now, SETTINGS)
        outcome = answer(7, state, rating, now, SETTINGS)
        assert outcome.interval == shown[rating]
        state, now = outcome.state, outcome.state.due or now


def test_fuzz_is_repeatable_and_bounded() -> None:
    draws = {fuzz(timedelta(days=40), 36_500, (card, 3)) for card in range(200)}
    assert len(draws) > 3
    assert all(timedelta(days=36) <= d <= timedelta(days=44) for d in draws)
    assert fuzz(timedelta(days=40), 36_500, (5, 3)) == fuzz(timedelta(days=40), 36_500, (5, 3))
    assert fuzz(timedelta(days=2), 36_500, (5, 3)) == timedelta(days=2)
    assert fuzz(timedelta(days=400), 100, (5, 3)) <= timedelta(days=100)


def test_a_lapse_counts_and_the_eighth_makes_a_leech() -> None:
    state = CardState(Phase.REVIEW, None, 5.0, 6.0, START, START - timedelta(days=5), 10, 7)
    outcome = answer(1, state, Rating.AGAIN, START, SETTINGS)
    assert outcome.state.lapses == 8 and outcome.leech
    assert outcome.state.phase is Phase.RELEARNING
    later = answer(1, state, Rating.GOOD, START, SETTINGS)
    assert later.state.lapses == 7 and not later.leech
    twelfth = answer(
        1,
        CardState(Phase.REVIEW, None, 5.0, 6.0, START, START, 20, 11),
        Rating.AGAIN,
        START,
        SETTINGS,
    )
    assert twelfth.leech  # again every half threshold after the first


def test_learning_again_is_not_a_lapse() -> None:
    outcome = answer(1, CardState(), Rating.AGAIN, START, SETTINGS)
    assert outcome.state.lapses == 0 and outcome.state.phase is Phase.LEARNING


def test_replaying_the_log_gives_the_same_state() -> None:
    state, now, log = CardState(), START, []
    for rating in HISTORY:
        log.append((rating, now))
        state = answer(7, state, rating, now, SETTINGS).state
        now = state.due or now
    assert replay(7, log, SETTINGS) == state


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        answer(1, CardState(), Rating.GOOD, datetime(2026, 1, 1), SETTINGS)


@pytest.mark.parametrize(
    ("interval", "label"),
    [
        (timedelta(seconds=30), "1m"),
        (timedelta(minutes=10), "10m"),
        (timedelta(hours=3), "3h"),
        (timedelta(days=3), "3d"),
        (timedelta(days=36), "1.2mo"),
        (timedelta(days=365 * 2), "2y"),
    ],
)
def test_interval_labels(interval: timedelta, label: str) -> None:
    assert format_interval(interval) == label


def test_settings_report_every_problem_at_once() -> None:
    with pytest.raises(SettingsError) as error:
        SchedulerSettings(
            desired_retention=1.5, new_per_day=-1, timezone="Mars/Olympus", leech_action="explode"
        )
    message = str(error.value)
    for part in ("desired retention", "daily limits", "time zone", "leech action"):
        assert part in message
