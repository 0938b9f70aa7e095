"""FSRS-6 scheduling (py-fsrs) with deterministic fuzz and Anki-style learner states.

`answer` takes a card's state and a rating and returns the new state, like py-fsrs's
`Scheduler.review_card`, but the interval fuzz is drawn from a generator seeded by the card
and its review count, so the interval shown on a button (`preview`) is exactly the interval
the card gets. Time is always passed in as aware UTC.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import IntEnum, StrEnum

from fsrs import Card as FsrsCard
from fsrs import Rating as FsrsRating
from fsrs import Scheduler, State
from fsrs.scheduler import FUZZ_RANGES

from decks.settings import SchedulerSettings


class Rating(IntEnum):
    """The four answer buttons."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


class Phase(StrEnum):
    """Where a card is in its life; NEW until its first answer."""

    NEW = "new"
    LEARNING = "learning"
    REVIEW = "review"
    RELEARNING = "relearning"


_TO_FSRS = {
    Phase.LEARNING: State.Learning,
    Phase.REVIEW: State.Review,
    Phase.RELEARNING: State.Relearning,
}
_FROM_FSRS = {v: k for k, v in _TO_FSRS.items()}


@dataclass(frozen=True)
class CardState:
    """Everything scheduling needs to know about one card."""

    phase: Phase = Phase.NEW
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: datetime | None = None
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0


@dataclass(frozen=True)
class Answer:
    """The outcome of one rating: the new state, the interval given, and whether the card just
    became a leech (it reached the lapse threshold)."""

    state: CardState
    interval: timedelta
    leech: bool


@functools.cache
def _scheduler(settings: SchedulerSettings) -> Scheduler:
    """py-fsrs's scheduler for these settings, fuzz off: we fuzz deterministically ourselves."""
    return Scheduler(
        parameters=settings.parameters,
        desired_retention=settings.desired_retention,
        learning_steps=settings.learning_steps,
        relearning_steps=settings.relearning_steps,
        maximum_interval=settings.maximum_interval,
        enable_fuzzing=False,
    )


def _aware_utc(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("times must be timezone-aware (UTC)")
    return now.astimezone(UTC)


def answer(
    card_id: int, state: CardState, rating: Rating, now: datetime, settings: SchedulerSettings
) -> Answer:
    """Rate a card at `now` (aware UTC) and return its new state."""
    now = _aware_utc(now)
    card = FsrsCard(
        card_id=card_id,
        state=_TO_FSRS.get(state.phase, State.Learning),
        step=0 if state.phase is Phase.NEW else state.step,
        stability=state.stability,
        difficulty=state.difficulty,
        due=state.due or now,
        last_review=state.last_review,
    )
    reviewed, _ = _scheduler(settings).review_card(card, FsrsRating(int(rating)), now)
    interval = reviewed.due - now
    if reviewed.state is State.Review:
        interval = fuzz(interval, settings.maximum_interval, seed=(card_id, state.reps))
    lapsed = state.phase is Phase.REVIEW and rating is Rating.AGAIN
    lapses = state.lapses + (1 if lapsed else 0)
    new_state = CardState(
        phase=_FROM_FSRS[reviewed.state],
        step=reviewed.step,
        stability=reviewed.stability,
        difficulty=reviewed.difficulty,
        due=now + interval,
        last_review=now,
        reps=state.reps + 1,
        lapses=lapses,
    )
    return Answer(new_state, interval, lapsed and _is_leech(lapses, settings.leech_threshold))


def _is_leech(lapses: int, threshold: int) -> bool:
    """Anki's rule: a leech at the threshold, and again every half threshold after it."""
    return lapses >= threshold and (lapses - threshold) % max(1, threshold // 2) == 0


def preview(
    card_id: int, state: CardState, now: datetime, settings: SchedulerSettings
) -> dict[Rating, timedelta]:
    """The interval each button would give: exactly what `answer` will give."""
    return {r: answer(card_id, state, r, now, settings).interval for r in Rating}


def fuzz(interval: timedelta, maximum: int, seed: tuple[int, int]) -> timedelta:
    """Spread review intervals a little (Anki's fuzz ranges) so cards made together do not stay
    due together; the draw is seeded by (card id, review number), so it is repeatable."""
    days = interval.days
    if days < 2.5:
        return interval
    delta = 1.0
    for fuzz_range in FUZZ_RANGES:
        delta += fuzz_range["factor"] * max(min(days, fuzz_range["end"]) - fuzz_range["start"], 0)
    low = min(max(2, round(days - delta)), maximum)
    high = min(round(days + delta), maximum)
    draw = random.Random(f"{seed[0]}:{seed[1]}").random()
    return timedelta(days=min(low + int(draw * (high - low + 1)), maximum))


def format_interval(interval: timedelta) -> str:
    """Anki-style short interval: "10m", "3h", "3d", "1.2mo", "2.5y"."""
    seconds = interval.total_seconds()
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))}m"
    if seconds < 86_400:
        return f"{round(seconds / 3600)}h"
    days = seconds / 86_400
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        return f"{days / 30.4:.1f}mo".replace(".0mo", "mo")
    return f"{days / 365:.1f}y".replace(".0y", "y")


def replay(
    card_id: int, ratings: list[tuple[Rating, datetime]], settings: SchedulerSettings
) -> CardState:
    """A card's state recomputed from scratch from its answers (the review log)."""
    state = CardState()
    for rating, when in ratings:
        state = answer(card_id, state, rating, when, settings).state
    return state
