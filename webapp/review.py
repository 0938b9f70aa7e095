"""Reviewing: the daily queue, answers, undo, and the review log they write.

Every answer is one transaction that appends to the log and updates the card only if the card
is still at the version the learner saw, so a double click, a retried request or a second tab
never applies an answer twice. Undo appends an entry too: the log is never rewritten.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

from sqlalchemy import Table, and_, bindparam, func, insert, or_, select, true, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.exceptions import BadRequest, Conflict, NotFound

from decks.days import day_bounds
from decks.scheduler import CardState, Phase, Rating, answer, preview
from decks.settings import SchedulerSettings
from webapp.models import Card, ReviewLog, Setting, changed_at

SETTINGS_KEY = "scheduler"
LEARN_AHEAD = timedelta(minutes=20)  # like Anki: learning cards a little early beat an empty queue


# Built once: every card shown and every answer reads the settings.
_SETTINGS = select(Setting.value).where(Setting.key == SETTINGS_KEY)


def load_settings(session: Session) -> SchedulerSettings:
    """The stored scheduler settings, or Anki's defaults."""
    stored = session.scalar(_SETTINGS)
    if stored is None:
        return SchedulerSettings()
    data = json.loads(stored)
    for key in ("learning_steps", "relearning_steps"):
        data[key] = tuple(timedelta(seconds=s) for s in data[key])
    data["parameters"] = tuple(data["parameters"])
    return SchedulerSettings(**data)


def save_settings(session: Session, settings: SchedulerSettings) -> None:
    """Store scheduler settings (already validated by SchedulerSettings); the caller commits."""
    data = asdict(settings)
    for key in ("learning_steps", "relearning_steps"):
        data[key] = [step.total_seconds() for step in data[key]]
    row = session.get(Setting, SETTINGS_KEY)
    if row is None:
        session.add(Setting(key=SETTINGS_KEY, value=json.dumps(data)))
    else:
        row.value = json.dumps(data)


# Phase by value, without Enum's lookup machinery: a large export reads 100,000 card states.
_PHASES = {phase.value: phase for phase in Phase}


class StoredState(Protocol):
    """A card's scheduling columns: a `Card`, or a row selected with the same names (what a
    large export reads, rather than an object per card)."""

    phase: str
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None
    reps: int
    lapses: int


def state_of(card: StoredState) -> CardState:
    """The scheduling state stored on a card row."""
    return CardState(
        _PHASES[card.phase],
        card.step,
        card.stability,
        card.difficulty,
        None if card.phase == Phase.NEW else card.due,
        card.last_review,
        card.reps,
        card.lapses,
    )


def _snapshot(card: Card) -> str:
    """Everything an undo must put back, as JSON."""
    return json.dumps(
        {
            "phase": card.phase,
            "step": card.step,
            "stability": card.stability,
            "difficulty": card.difficulty,
            "due": card.due.isoformat(),
            "last_review": card.last_review.isoformat() if card.last_review else None,
            "reps": card.reps,
            "lapses": card.lapses,
            "suspended": card.suspended,
            "leech": card.leech,
        }
    )


def _restore(card: Card, snapshot: str) -> None:
    data: dict[str, Any] = json.loads(snapshot)
    card.phase, card.step = data["phase"], data["step"]
    card.stability, card.difficulty = data["stability"], data["difficulty"]
    card.due = datetime.fromisoformat(data["due"])
    card.last_review = datetime.fromisoformat(data["last_review"]) if data["last_review"] else None
    card.reps, card.lapses = data["reps"], data["lapses"]
    card.suspended, card.leech = data["suspended"], data["leech"]


@dataclass(frozen=True)
class Counts:
    """What is left today: learning cards due now, reviews and new cards within the limits."""

    learning: int
    review: int
    new: int

    @property
    def total(self) -> int:
        return self.learning + self.review + self.new


def _one_of(column: Any, values: tuple[str, ...]) -> Any:
    """`column IN values` written as equalities: SQLite plans both alike, while SQLAlchemy
    rewrites an IN list's SQL on every execution (30 µs a statement)."""
    return or_(*(column == value for value in values))


_UNDO = aliased(ReviewLog)
# Built once: this runs for every card shown, and building the statement costs more than the
# query does. Only answers to new cards and reviews count against the limits: leaving out
# the learning steps spares most of the day's undo lookups (0.23 → 0.06 ms at 500 answers).
_DONE_SINCE = (
    select(ReviewLog.phase_before, func.count())
    .where(
        ReviewLog.kind == "review",
        ReviewLog.reviewed_at >= bindparam("start", type_=ReviewLog.reviewed_at.type),
        _one_of(ReviewLog.phase_before, (Phase.NEW.value, Phase.REVIEW.value)),
        ~select(_UNDO.id).where(_UNDO.undoes_id == ReviewLog.id).exists(),
    )
    .group_by(ReviewLog.phase_before)
)


def _done_today(session: Session, start: datetime) -> tuple[int, int]:
    """Answers given since the day started that were not undone: (new cards, reviews)."""
    rows = session.execute(_DONE_SINCE, {"start": start})
    done: dict[str, int] = {phase: count for phase, count in rows}
    return done.get(Phase.NEW.value, 0), done.get(Phase.REVIEW.value, 0)


# The queue's statements are built once with parameters for the moment (`now`, the day's `end`,
# `ahead`) and the limits: they run for every card shown and every count, and building one
# costs more than running it.
_NOW = bindparam("now", type_=Card.due.type)
_AVAILABLE = and_(  # not suspended, not buried
    Card.suspended.is_(False),
    or_(Card.buried_until.is_(None), Card.buried_until <= _NOW),
)
_LEARNING_PHASES = (Phase.LEARNING.value, Phase.RELEARNING.value)
# The queues: their phases and the bound on `due`.
_QUEUES: dict[str, tuple[tuple[str, ...], Any]] = {
    "learning": (_LEARNING_PHASES, Card.due <= _NOW),
    "review": ((Phase.REVIEW.value,), Card.due < bindparam("end", type_=Card.due.type)),
    "new": ((Phase.NEW.value,), true()),
    "ahead": (_LEARNING_PHASES, Card.due <= bindparam("ahead", type_=Card.due.type)),
}


def _due(queue: str, phases: tuple[str, ...]) -> Any:
    """The cards of a queue in some of its phases that may be shown now."""
    return and_(_one_of(Card.phase, phases), _QUEUES[queue][1], _AVAILABLE)


def _limited_count(queue: str, limit: Any) -> Any:
    """How many cards a queue holds, counting no further than `limit` (cheap on a big
    collection), as a scalar subquery."""
    inner = select(Card.id).where(_due(queue, _QUEUES[queue][0])).limit(limit).subquery()
    return select(func.count()).select_from(inner).scalar_subquery()


_COUNTS = select(
    _limited_count("learning", 10_000),
    _limited_count("review", bindparam("review_limit")),
    _limited_count("new", bindparam("new_limit")),
)
# The first card of a queue, one statement per phase: with one phase the index hands the cards
# over in due order, while two phases in one query made SQLite sort every due learning card.
_FIRST = {
    queue: tuple(
        select(Card).where(_due(queue, (phase,))).order_by(Card.due, Card.id).limit(1)
        for phase in phases
    )
    for queue, (phases, _) in _QUEUES.items()
}


class Queue:
    """Today's queue at one moment: what counts as due and how much of each daily limit is
    left, worked out once and shared by the counts and the choice of the next card."""

    def __init__(self, session: Session, now: datetime, settings: SchedulerSettings) -> None:
        self.session = session
        start, end = day_bounds(now, settings.zone, settings.day_starts_at)
        new_done, reviews_done = _done_today(session, start)
        self.review_limit = max(settings.reviews_per_day - reviews_done, 0)
        self.new_limit = max(settings.new_per_day - new_done, 0)
        self.moment = {"now": now, "end": end, "ahead": now + LEARN_AHEAD}

    def counts(self) -> Counts:
        """What is left today (the numbers the review screen shows), in one query."""
        limits = {"review_limit": self.review_limit, "new_limit": self.new_limit}
        learning, reviews, new = self.session.execute(_COUNTS, {**self.moment, **limits}).one()
        return Counts(learning, reviews, new)

    def next_card(self) -> Card | None:
        """Due learning cards first, then reviews, then new cards within the daily limits,
        then learning cards due in the next few minutes."""
        order = ["learning"]
        if self.review_limit > 0:
            order.append("review")
        if self.new_limit > 0:
            order.append("new")
        order.append("ahead")
        for queue in order:
            card = self._first(queue)
            if card is not None:
                return card
        return None

    def _first(self, queue: str) -> Card | None:
        """The queue's card due first (ties by id), the earliest of its phases' first cards."""
        firsts = (self.session.scalar(statement, self.moment) for statement in _FIRST[queue])
        return min((c for c in firsts if c is not None), key=lambda c: (c.due, c.id), default=None)


def counts(session: Session, now: datetime, settings: SchedulerSettings) -> Counts:
    """What is left today."""
    return Queue(session, now, settings).counts()


def next_card(session: Session, now: datetime, settings: SchedulerSettings) -> Card | None:
    """The card to show now."""
    return Queue(session, now, settings).next_card()


@dataclass(frozen=True)
class Answered:
    """The result of an answer: the card as it is now and the interval it got."""

    card: Card
    interval: timedelta
    leech: bool
    repeated: bool


# An answer's statements, built once (see the queue's): the first answer with a request id,
# the card's update only if it is still at the version the learner saw, and the log row.
_EARLIER = select(ReviewLog.card_id, ReviewLog.interval_seconds).where(
    ReviewLog.request_id == bindparam("request")
)
_CARDS = cast(Table, Card.__table__)  # typed as any FromClause; a mapped class has a Table
_UPDATE_SEEN = update(_CARDS).where(
    _CARDS.c.id == bindparam("card"), _CARDS.c.version == bindparam("seen")
)
_LOG = insert(cast(Table, ReviewLog.__table__))


def answer_card(
    session: Session,
    card_id: int,
    rating: int,
    now: datetime,
    settings: SchedulerSettings,
    *,
    version: int,
    request_id: str,
    duration_ms: int | None = None,
) -> Answered:
    """Apply one answer. The same `request_id` again returns the first result unchanged; an
    answer to a card that moved on since `version` (another tab) is a Conflict."""
    if not request_id or len(request_id) > 64:
        raise BadRequest("an answer needs a request id of 1 to 64 characters")
    now = _milliseconds(now)  # the log keeps milliseconds: the card must agree with it
    try:
        button = Rating(rating)
    except ValueError:
        raise BadRequest("rating must be 1 (again), 2 (hard), 3 (good) or 4 (easy)") from None
    earlier = session.execute(_EARLIER, {"request": request_id}).first()
    card = session.get(Card, card_id)
    if card is None:
        raise NotFound(f"no card {card_id}")
    if earlier is not None:
        if earlier.card_id != card_id:
            raise BadRequest("that request id was used for another card")
        return Answered(card, timedelta(seconds=earlier.interval_seconds), False, True)
    if card.version != version:
        raise Conflict("this card was already answered (in another tab?): showing the next one")
    before = _snapshot(card)
    phase_before = card.phase
    result = answer(card.id, state_of(card), button, now, settings)
    state = result.state
    assert state.due is not None
    if result.leech and not card.leech:
        _leech_changed(card, now)
    values = {
        "phase": state.phase.value,
        "step": state.step,
        "stability": state.stability,
        "difficulty": state.difficulty,
        "due": state.due,
        "last_review": state.last_review,
        "reps": state.reps,
        "lapses": state.lapses,
        "leech": card.leech or result.leech,
        "suspended": card.suspended or (result.leech and settings.leech_action == "suspend"),
        "buried_until": None,
        "version": version + 1,
    }
    updated = session.execute(_UPDATE_SEEN, {"card": card.id, "seen": version, **values})
    if updated.rowcount != 1:  # another transaction answered it between our read and write
        raise Conflict("this card was already answered (in another tab?): showing the next one")
    for key, value in values.items():  # the row now holds these: no query to read them back
        set_committed_value(card, key, value)
    session.execute(
        _LOG,
        {
            "card_id": card.id,
            "kind": "review",
            "reviewed_at": now,
            "rating": int(button),
            "phase_before": phase_before,
            "phase_after": card.phase,
            "state_before": before,
            "state_after": _snapshot(card),
            "interval_seconds": int(result.interval.total_seconds()),
            "duration_ms": duration_ms,
            "request_id": request_id,
        },
    )
    return Answered(card, result.interval, result.leech, False)


def _leech_changed(card: Card, now: datetime) -> None:
    """A card became a leech, or an undo took that back: its note's exported tags changed."""
    card.note.updated_at = changed_at(card.note.updated_at, now)


def _milliseconds(now: datetime) -> datetime:
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def undo_last(session: Session, now: datetime) -> Card | None:
    """Take back the most recent answer that is still in effect, restoring its card exactly;
    None when there is nothing to undo. Repeat to go further back."""
    undo = aliased(ReviewLog)
    last = session.scalar(
        select(ReviewLog)
        .where(
            ReviewLog.kind == "review",
            ~select(undo.id).where(undo.undoes_id == ReviewLog.id).exists(),
        )
        .order_by(ReviewLog.id.desc())
        .limit(1)
    )
    if last is None:
        return None
    card = session.get_one(Card, last.card_id)
    current = _snapshot(card)
    was_leech = card.leech
    _restore(card, last.state_before)
    if card.leech != was_leech:
        _leech_changed(card, _milliseconds(now))
    card.version += 1
    session.add(
        ReviewLog(
            card_id=card.id,
            kind="undo",
            undoes_id=last.id,
            reviewed_at=_milliseconds(now),
            rating=0,
            phase_before=json.loads(current)["phase"],
            phase_after=card.phase,
            state_before=current,
            state_after=last.state_before,
        )
    )
    session.flush()
    return card


def effective_answers(session: Session, card_id: int) -> list[tuple[Rating, datetime]]:
    """The card's answers that were not undone, oldest first: its history as FSRS sees it."""
    undo = aliased(ReviewLog)
    rows = session.execute(
        select(ReviewLog.rating, ReviewLog.reviewed_at)
        .where(
            ReviewLog.card_id == card_id,
            ReviewLog.kind == "review",
            ~select(undo.id).where(undo.undoes_id == ReviewLog.id).exists(),
        )
        .order_by(ReviewLog.id)
    ).all()
    return [(Rating(rating), when) for rating, when in rows]


def button_intervals(
    card: Card, now: datetime, settings: SchedulerSettings
) -> dict[int, timedelta]:
    """The interval each button gives this card now (what the buttons show)."""
    return {int(r): i for r, i in preview(card.id, state_of(card), now, settings).items()}
