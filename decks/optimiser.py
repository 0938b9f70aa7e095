"""Fitting FSRS parameters to the learner's own review history ("Optimise my scheduler").

Uses fsrs-rs through `fsrs-rs-python` (Rust, no torch). The result reports log-loss and RMSE
of the current and the fitted parameters on the same history, so the learner can see whether
applying them helps; nothing is applied here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from fsrs_rs_python import FSRS, FSRSItem, FSRSReview

from decks.days import learner_date
from decks.errors import NotEnoughHistory

# fsrs-rs trains on reviews that follow at least a day's gap; with fewer than this many the
# fitted parameters are mostly noise (Anki asks for a few hundred too).
MIN_REVIEWS = 400


@dataclass(frozen=True)
class ReviewRecord:
    """One answer from the review log."""

    card_id: int
    reviewed_at: datetime
    rating: int


@dataclass(frozen=True)
class Fit:
    """Fitted parameters and how well the current and the fitted ones predict the history."""

    parameters: tuple[float, ...]
    log_loss_before: float
    log_loss_after: float
    rmse_before: float
    rmse_after: float
    reviews: int

    @property
    def better(self) -> bool:
        """Whether the fitted parameters predict this learner's answers better."""
        return self.log_loss_after < self.log_loss_before


def training_items(
    records: Iterable[ReviewRecord], zone: ZoneInfo, starts_at: int
) -> list[FSRSItem]:
    """fsrs-rs items: for each card, its answers so far, one item per answer that came on a
    later learner day than the one before (the answers FSRS predicts)."""
    by_card: dict[int, list[ReviewRecord]] = defaultdict(list)
    for record in records:
        by_card[record.card_id].append(record)
    items = []
    for history in by_card.values():
        history.sort(key=lambda r: r.reviewed_at)
        reviews: list[FSRSReview] = []
        previous = None
        for record in history:
            day = learner_date(record.reviewed_at, zone, starts_at)
            delta = 0 if previous is None else (day - previous).days
            reviews.append(FSRSReview(record.rating, delta))
            if delta > 0:
                items.append(FSRSItem(list(reviews)))
            previous = day
    return items


def optimise(
    records: Sequence[ReviewRecord], current: Sequence[float], zone: ZoneInfo, starts_at: int
) -> Fit:
    """Fit parameters to `records`; raises NotEnoughHistory when there are too few."""
    items = training_items(records, zone, starts_at)
    if len(items) < MIN_REVIEWS:
        raise NotEnoughHistory(
            f"optimising needs at least {MIN_REVIEWS} reviews made a day or more after the "
            f"previous one; you have {len(items)} so far. Keep reviewing and try again later."
        )
    fitted = tuple(FSRS(list(current)).compute_parameters(items))
    before = FSRS(list(current)).evaluate(items)
    after = FSRS(list(fitted)).evaluate(items)
    return Fit(
        fitted, before.log_loss, after.log_loss, before.rmse_bins, after.rmse_bins, len(items)
    )
