"""Synthetic review histories drawn from known FSRS parameters.

A learner whose memory follows `true_parameters` reviews cards when the scheduler says so and
remembers each with the probability FSRS predicts. The optimiser's tests check that it
recovers parameters close to the true ones, and the benchmarks use the same generator for
large histories.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from fsrs import Card, Rating, Scheduler

from decks.optimiser import ReviewRecord


def simulate_history(
    true_parameters: Sequence[float],
    cards: int,
    reviews_per_card: int,
    seed: int,
    start: datetime | None = None,
) -> list[ReviewRecord]:
    """`cards` × `reviews_per_card` answers; recall is drawn from the true model."""
    rng = random.Random(seed)
    scheduler = Scheduler(
        parameters=tuple(true_parameters),
        enable_fuzzing=False,
        learning_steps=(),
        relearning_steps=(),
    )
    origin = start or datetime(2025, 1, 1, 9, tzinfo=UTC)
    records = []
    for card_id in range(1, cards + 1):
        now = origin + timedelta(minutes=rng.randrange(0, 60 * 24 * 30))
        card = Card(card_id=card_id, due=now)
        for review in range(reviews_per_card):
            if review == 0:
                rating = rng.choices(list(Rating), weights=(0.2, 0.1, 0.6, 0.1))[0]
            else:
                recalled = rng.random() < scheduler.get_card_retrievability(card, now)
                rating = (
                    Rating.Again
                    if not recalled
                    else rng.choices(
                        (Rating.Hard, Rating.Good, Rating.Easy), weights=(0.15, 0.75, 0.1)
                    )[0]
                )
            card, _ = scheduler.review_card(card, rating, now)
            records.append(ReviewRecord(card_id, now, int(rating)))
            # Learners are late or early by a little; at least a day passes.
            wait = max(card.due - now, timedelta(days=1))
            now += wait * rng.uniform(0.8, 1.4)
    return records
