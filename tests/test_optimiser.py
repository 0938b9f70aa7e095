"""The optimiser recovers parameters from a synthetic history whose true parameters are known,
and refuses to fit too little history."""

from __future__ import annotations

import math
from zoneinfo import ZoneInfo

import pytest
from fsrs.scheduler import DEFAULT_PARAMETERS
from fsrs_rs_python import FSRS

from decks.errors import NotEnoughHistory
from decks.optimiser import MIN_REVIEWS, optimise, training_items
from decks.simulation import simulate_history

UTC_ZONE = ZoneInfo("UTC")
TRUE = list(DEFAULT_PARAMETERS)
TRUE[0:4] = [0.64, 3.9, 4.6, 16.6]  # a learner who remembers new cards far longer


def test_the_fit_moves_towards_the_truth_and_predicts_as_well_as_it() -> None:
    history = simulate_history(TRUE, cards=2000, reviews_per_card=8, seed=3)
    fit = optimise(history, DEFAULT_PARAMETERS, UTC_ZONE, 4)
    before = math.dist(DEFAULT_PARAMETERS[:4], TRUE[:4])
    after = math.dist(fit.parameters[:4], TRUE[:4])
    assert after < before / 2
    truth = FSRS(TRUE).evaluate(training_items(history, UTC_ZONE, 4))
    assert fit.log_loss_after <= truth.log_loss + 0.002
    assert fit.better and fit.log_loss_after < fit.log_loss_before
    assert fit.rmse_after < fit.rmse_before
    assert len(fit.parameters) == len(DEFAULT_PARAMETERS)


def test_too_little_history_is_refused_with_the_count() -> None:
    history = simulate_history(TRUE, cards=20, reviews_per_card=5, seed=1)
    with pytest.raises(NotEnoughHistory, match=rf"at least {MIN_REVIEWS} reviews.*you have"):
        optimise(history, DEFAULT_PARAMETERS, UTC_ZONE, 4)


def test_same_day_answers_are_context_not_training_targets() -> None:
    history = simulate_history(TRUE, cards=1, reviews_per_card=4, seed=2)
    items = training_items(history, UTC_ZONE, 4)
    assert len(items) == 3  # every answer after the first came a day or more later
    assert [len(item.reviews) for item in items] == [2, 3, 4]
