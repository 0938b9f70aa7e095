"""The statistics page: how much the learner reviews, how much they remember, what is coming.

Every figure is one aggregate query. Review-log queries read only the last `HISTORY_DAYS`
learner days through the index on `reviewed_at`, so the page stays fast on millions of rows.
A learner day starts at `settings.day_starts_at` in `settings.zone` and lasts 23 or 25 hours
across a DST change, so rows are grouped against a small table of each day's exact UTC bounds
(one index range per day) instead of shifting timestamps by a fixed offset.

An answer counts unless an undo entry names it, as in the review queue's daily limits.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any

from flask import Blueprint, render_template
from sqlalchemy import Integer, and_, case, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from decks.days import learner_date
from decks.scheduler import Phase
from decks.settings import SchedulerSettings
from webapp import charts, seed
from webapp.db import UTCDateTime
from webapp.models import Card, ReviewLog
from webapp.review import load_settings

bp = Blueprint("stats", __name__, url_prefix="/stats")

HISTORY_DAYS = 91  # thirteen whole weeks: about three months
WEEKS = 13
FORECAST_DAYS = 30
RETENTION_DAYS = 30
# Before any card can have been due: day 0 of the forecast starts here to include overdue cards.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
# Answers grouped as the charts show them: relearning is learning again.
GROUP = {"new": "new", "learning": "learning", "relearning": "learning", "review": "review"}


@dataclass(frozen=True)
class Retention:
    """Answers to cards in review and how many of them were remembered (rated above Again)."""

    answers: int = 0
    passed: int = 0

    @property
    def rate(self) -> float | None:
        """The share remembered; None without answers (a gap, not a zero)."""
        return self.passed / self.answers if self.answers else None

    def __add__(self, other: Retention) -> Retention:
        return Retention(self.answers + other.answers, self.passed + other.passed)


@dataclass(frozen=True)
class DayActivity:
    """One learner day's answers by the phase the card was in, and the time they took."""

    day: date
    new: int = 0
    learning: int = 0  # learning and relearning
    review: int = 0
    passed: int = 0  # review-phase answers rated above Again
    duration_ms: int = 0  # answers without a duration add nothing

    @property
    def answers(self) -> int:
        return self.new + self.learning + self.review

    @property
    def retention(self) -> Retention:
        return Retention(self.review, self.passed)

    @property
    def minutes(self) -> float:
        return self.duration_ms / 60_000


@dataclass(frozen=True)
class WeekRetention:
    """True retention over the learner days from a Monday to the Sunday after."""

    start: date
    retention: Retention


@dataclass(frozen=True)
class DueDay:
    """Cards in review due on a learner day (day 0 also holds the overdue ones)."""

    day: date
    due: int


@dataclass(frozen=True)
class CardStates:
    """Every card once: suspended cards are counted as suspended whatever their phase."""

    new: int = 0
    learning: int = 0
    review: int = 0
    relearning: int = 0
    suspended: int = 0

    @property
    def total(self) -> int:
        return self.new + self.learning + self.review + self.relearning + self.suspended


def day_starts(first: date, count: int, settings: SchedulerSettings) -> list[datetime]:
    """The UTC instants at which `count` learner days from `first` start, then the end of the
    last one: the same construction as `decks.days.day_bounds`, day after day."""
    zone, hour = settings.zone, settings.day_starts_at
    return [
        datetime.combine(first + timedelta(days=k), time(hour), tzinfo=zone).astimezone(UTC)
        for k in range(count + 1)
    ]


def _day_table(starts: Sequence[datetime]) -> Any:
    """A derived table of (day index, start, end) rows for consecutive bounds, to join on.

    Portable SQL (a UNION ALL of literal rows); joining a timestamp against each row's range
    lets the database walk one index range per day.
    """
    rows = [
        select(
            literal(index, Integer).label("day"),
            literal(start, UTCDateTime).label("day_start"),
            literal(end, UTCDateTime).label("day_end"),
        )
        for index, (start, end) in enumerate(pairwise(starts))
    ]
    return union_all(*rows).subquery("days")


def _not_undone() -> Any:
    undo = aliased(ReviewLog)
    return ~select(undo.id).where(undo.undoes_id == ReviewLog.id).exists()


def daily_activity(
    session: Session, now: datetime, settings: SchedulerSettings, days: int = HISTORY_DAYS
) -> list[DayActivity]:
    """The last `days` learner days up to today, oldest first, including days without answers."""
    today = learner_date(now, settings.zone, settings.day_starts_at)
    first = today - timedelta(days=days - 1)
    table = _day_table(day_starts(first, days, settings))
    passed = case(
        (and_(ReviewLog.phase_before == Phase.REVIEW.value, ReviewLog.rating > 1), 1), else_=0
    )
    query = (
        select(
            table.c.day,
            ReviewLog.phase_before,
            func.count(),
            func.sum(passed),
            func.coalesce(func.sum(ReviewLog.duration_ms), 0),
        )
        .join_from(
            table,
            ReviewLog,
            and_(
                ReviewLog.reviewed_at >= table.c.day_start, ReviewLog.reviewed_at < table.c.day_end
            ),
        )
        .where(ReviewLog.kind == "review", _not_undone())
        .group_by(table.c.day, ReviewLog.phase_before)
    )
    totals: dict[int, Counter[str]] = {}
    for index, phase, count, passed_count, duration in session.execute(query):
        bucket = totals.setdefault(index, Counter())
        bucket[GROUP[phase]] += count
        bucket["passed"] += passed_count
        bucket["duration_ms"] += duration
    return [DayActivity(first + timedelta(days=k), **totals.get(k, Counter())) for k in range(days)]


def weekly_retention(activity: Sequence[DayActivity], weeks: int = WEEKS) -> list[WeekRetention]:
    """True retention of the last `weeks` calendar weeks (Monday to Sunday) up to the last day
    of `activity`; a week with no review answers has no rate."""
    if not activity:
        return []
    last = activity[-1].day
    monday = last - timedelta(days=last.weekday())
    starts = [monday - timedelta(weeks=weeks - 1 - k) for k in range(weeks)]
    sums = dict.fromkeys(starts, Retention())
    for day in activity:
        start = day.day - timedelta(days=day.day.weekday())
        if start in sums:
            sums[start] += day.retention
    return [WeekRetention(start, sums[start]) for start in starts]


def recent(activity: Sequence[DayActivity], days: int) -> Sequence[DayActivity]:
    """The last `days` learner days of `activity` (today is the last)."""
    return activity[-days:] if days > 0 else []


def retention(activity: Sequence[DayActivity]) -> Retention:
    """True retention over the given days."""
    return sum((day.retention for day in activity), Retention())


def streak(activity: Sequence[DayActivity]) -> int:
    """Consecutive learner days with answers up to today. A today without answers yet does not
    break the streak (the day is not over); it just does not add to it."""
    days = list(activity)
    if days and not days[-1].answers:
        days.pop()
    count = 0
    for day in reversed(days):
        if not day.answers:
            break
        count += 1
    return count


def forecast(
    session: Session, now: datetime, settings: SchedulerSettings, days: int = FORECAST_DAYS
) -> list[DueDay]:
    """Cards in review falling due on each of the next `days` learner days, today first with
    everything overdue; suspended cards are left out (they will not come)."""
    today = learner_date(now, settings.zone, settings.day_starts_at)
    starts = day_starts(today, days, settings)
    starts[0] = EARLIEST
    table = _day_table(starts)
    query = (
        select(table.c.day, func.count())
        .join_from(table, Card, and_(Card.due >= table.c.day_start, Card.due < table.c.day_end))
        .where(Card.phase == Phase.REVIEW.value, Card.suspended.is_(False))
        .group_by(table.c.day)
    )
    due: dict[int, int] = {day: count for day, count in session.execute(query)}
    return [DueDay(today + timedelta(days=k), due.get(k, 0)) for k in range(days)]


def card_states(session: Session) -> CardStates:
    """How many cards are in each phase, and how many are suspended.

    Counting phases reads only the (phase, due) index. The suspended cards, usually few, are
    then moved out of their phase: their phases are read in one plain scan and counted here,
    because grouping them in SQL makes SQLite walk that index and fetch every card's row.
    """
    counts: Counter[str] = Counter()
    for phase, count in session.execute(select(Card.phase, func.count()).group_by(Card.phase)):
        counts[phase] += count
    for phase in session.scalars(select(Card.phase).where(Card.suspended)):
        counts[phase] -= 1
        counts["suspended"] += 1
    return CardStates(**counts)


def due_today(session: Session, now: datetime, settings: SchedulerSettings) -> int:
    """Cards the review queue would show before today ends, ignoring daily limits: reviews
    (overdue ones too) and learning steps, neither suspended nor buried."""
    _, end = day_starts(learner_date(now, settings.zone, settings.day_starts_at), 1, settings)
    query = select(func.count()).where(
        Card.phase != Phase.NEW.value,
        Card.due < end,
        Card.suspended.is_(False),
        or_(Card.buried_until.is_(None), Card.buried_until <= now),
    )
    return session.scalar(query) or 0


@dataclass(frozen=True)
class Statistics:
    """Everything the page shows, computed for one instant."""

    activity: tuple[DayActivity, ...]
    weeks: tuple[WeekRetention, ...]
    forecast: tuple[DueDay, ...]
    states: CardStates
    due_today: int
    desired_retention: float

    @property
    def has_reviews(self) -> bool:
        return any(day.answers for day in self.activity)

    @property
    def reviewed_today(self) -> int:
        return self.activity[-1].answers

    @property
    def retention(self) -> Retention:
        return retention(recent(self.activity, RETENTION_DAYS))

    @property
    def streak(self) -> int:
        return streak(self.activity)

    @property
    def streak_capped(self) -> bool:
        """True when every day looked at had answers: the streak may be longer."""
        return self.streak >= len(self.activity) - (0 if self.reviewed_today else 1)

    def minutes(self, days: int) -> float:
        """Minutes spent answering over the last `days` learner days."""
        return sum(day.minutes for day in recent(self.activity, days))


def collect(session: Session, now: datetime, settings: SchedulerSettings) -> Statistics:
    """All statistics at `now` (aware UTC) for the learner's day settings."""
    activity = daily_activity(session, now, settings)
    return Statistics(
        tuple(activity),
        tuple(weekly_retention(activity)),
        tuple(forecast(session, now, settings)),
        card_states(session),
        due_today(session, now, settings),
        settings.desired_retention,
    )


# Presentation: the statistics as labelled chart geometry and table rows.


@dataclass(frozen=True)
class Table:
    """A chart's numbers for people who cannot see it (or want the exact values)."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Figure:
    """One chart with its heading, the summary its `<desc>` reads out, and its numbers."""

    key: str
    title: str
    summary: str
    chart: charts.BarChart | charts.LineChart | charts.ShareBar
    table: Table


def long_day(day: date) -> str:
    """A day as people say it, 'Mon 4 May'."""
    return f"{day:%a} {day.day} {day:%b}"


def short_day(day: date) -> str:
    """A day for an axis, '4 May'."""
    return f"{day.day} {day:%b}"


def minutes_text(minutes: float) -> str:
    """A duration as '45 min' or '2 h 05 min'."""
    whole = round(minutes)
    return f"{whole} min" if whole < 60 else f"{whole // 60} h {whole % 60:02d} min"


def plural(count: int, word: str) -> str:
    """'1 answer', '2 answers'."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"


REVIEW_SERIES = (
    charts.Series("new", "New"),
    charts.Series("learning", "(Re)learning"),
    charts.Series("review", "Review"),
)


def _month_tick(day: date, index: int) -> str | None:
    """Label the first day of each month, and the first bar when the next month's label is
    far enough away not to overlap it."""
    if day.day == 1 or (index == 0 and day.day <= 20):
        return short_day(day)
    return None


def reviews_figure(stats: Statistics) -> Figure:
    """Answers per learner day, stacked by the phase the card was in."""
    bars = []
    for index, day in enumerate(stats.activity):
        detail = f"{day.new} new, {day.learning} learning, {day.review} review"
        bars.append(
            charts.Bar(
                (day.new, day.learning, day.review),
                f"{long_day(day.day)}: {plural(day.answers, 'answer')} ({detail})",
                _month_tick(day.day, index),
            )
        )
    total = sum(day.answers for day in stats.activity)
    summary = (
        f"{plural(total, 'answer')} in the last {len(stats.activity)} days, "
        f"{total / len(stats.activity):.1f} a day on average; {stats.reviewed_today:,} today."
    )
    return Figure(
        "reviews",
        "Reviews per day",
        summary,
        charts.bar_chart(bars, REVIEW_SERIES, empty="No reviews in the last three months"),
        Table(
            ("Day", "New", "Learning", "Review", "Total"),
            tuple(
                (long_day(d.day), str(d.new), str(d.learning), str(d.review), str(d.answers))
                for d in reversed(stats.activity)
            ),
        ),
    )


def retention_scale(rates: Sequence[float], stats: Statistics) -> tuple[float, float]:
    """The bottom of the retention axis and its tick step: a little below the lowest rate or
    the target, in whole tenths, since a 0-100 % axis would flatten 85 % against 90 %."""
    lowest = min([*rates, stats.desired_retention]) - 0.05
    low = max(0.0, math.floor(lowest * 10 + 1e-9) / 10)
    if 1 - low <= 0.5 + 1e-9:
        return round(low, 1), 0.1
    return max(0.0, round(1 - 0.2 * math.ceil((1 - low) / 0.2 - 1e-9), 1)), 0.2


def retention_figure(stats: Statistics) -> Figure:
    """Weekly true retention against the desired retention; weeks without answers are gaps."""
    values = []
    for index, week in enumerate(stats.weeks):
        rate, answers = week.retention.rate, week.retention.answers
        label = f"Week of {long_day(week.start)}"
        tooltip = (
            f"{label}: {rate:.0%} of {plural(answers, 'review answer')} remembered"
            if rate is not None
            else f"{label}: no review answers"
        )
        tick = short_day(week.start) if index % 3 == 0 else None
        values.append(charts.Value(rate, tooltip, tick))
    low, step = retention_scale([v.value for v in values if v.value is not None], stats)
    recent_rate = stats.retention.rate
    summary = (
        f"Last {RETENTION_DAYS} days: {recent_rate:.0%} of "
        f"{plural(stats.retention.answers, 'review answer')} remembered"
        if recent_rate is not None
        else f"No answers to cards in review in the last {RETENTION_DAYS} days"
    ) + f", against a desired retention of {stats.desired_retention:.0%}."
    return Figure(
        "retention",
        "True retention by week",
        summary,
        charts.line_chart(
            values,
            charts.Series("retention", "Remembered"),
            low=low,
            high=1.0,
            step=step,
            label=charts.percent,
            reference=stats.desired_retention,
            reference_label=f"Desired {stats.desired_retention:.0%}",
            empty="No answers to cards in review yet",
        ),
        Table(
            ("Week of", "Remembered", "Review answers"),
            tuple(
                (
                    long_day(w.start),
                    "—" if w.retention.rate is None else f"{w.retention.rate:.0%}",
                    str(w.retention.answers),
                )
                for w in reversed(stats.weeks)
            ),
        ),
    )


def forecast_figure(stats: Statistics) -> Figure:
    """Reviews falling due on each of the coming days."""
    bars = []
    for index, due in enumerate(stats.forecast):
        name = "Today (and overdue)" if index == 0 else long_day(due.day)
        tick = "Today" if index == 0 else short_day(due.day) if index % 7 == 0 else None
        bars.append(charts.Bar((due.due,), f"{name}: {plural(due.due, 'review')} due", tick))
    total = sum(due.due for due in stats.forecast)
    first = stats.forecast[0].due if stats.forecast else 0
    return Figure(
        "forecast",
        f"Due in the next {len(stats.forecast)} days",
        f"{plural(total, 'review')} due in the next {len(stats.forecast)} days, "
        f"{first:,} of them today (overdue included).",
        charts.bar_chart(
            bars, (charts.Series("due", "Due"),), empty="No reviews due in the next 30 days"
        ),
        Table(
            ("Day", "Due"),
            tuple(
                ("Today (and overdue)" if k == 0 else long_day(d.day), str(d.due))
                for k, d in enumerate(stats.forecast)
            ),
        ),
    )


STATE_SERIES = (
    charts.Series("new", "New"),
    charts.Series("learning", "Learning"),
    charts.Series("review", "Review"),
    charts.Series("relearning", "Relearning"),
    charts.Series("suspended", "Suspended"),
)


def states_figure(stats: Statistics) -> Figure:
    """Every card by the state it is in."""
    states = stats.states
    shares = [(series, getattr(states, series.key)) for series in STATE_SERIES]
    detail = ", ".join(f"{count:,} {series.label.lower()}" for series, count in shares)
    return Figure(
        "states",
        "Cards by state",
        f"{plural(states.total, 'card')}: {detail}." if states.total else "No cards yet.",
        charts.share_bar(shares, unit=" cards", empty="No cards yet"),
        Table(
            ("State", "Cards"),
            tuple((series.label, f"{count:,}") for series, count in shares),
        ),
    )


def time_figure(stats: Statistics) -> Figure:
    """Minutes spent answering per learner day."""
    bars = [
        charts.Bar(
            (round(day.minutes, 2),),
            f"{long_day(day.day)}: {minutes_text(day.minutes)}",
            _month_tick(day.day, index),
        )
        for index, day in enumerate(stats.activity)
    ]
    return Figure(
        "time",
        "Time spent per day (minutes)",
        f"{minutes_text(stats.minutes(len(stats.activity)))} in the last "
        f"{len(stats.activity)} days; {minutes_text(stats.minutes(1))} today, "
        f"{minutes_text(stats.minutes(7))} in the last 7 days and "
        f"{minutes_text(stats.minutes(30))} in the last 30.",
        charts.bar_chart(
            bars,
            (charts.Series("time", "Minutes"),),
            whole=False,
            empty="No timed answers in the last three months",
        ),
        Table(
            ("Day", "Minutes"),
            tuple((long_day(d.day), f"{d.minutes:.1f}") for d in reversed(stats.activity)),
        ),
    )


def figures(stats: Statistics) -> list[Figure]:
    """The page's charts, in the order it shows them: the collection at a glance, then the
    two charts of the last three months side by side, then retention and what is coming."""
    return [
        states_figure(stats),
        reviews_figure(stats),
        time_figure(stats),
        retention_figure(stats),
        forecast_figure(stats),
    ]


@bp.get("")
def index() -> str:
    """The statistics page, for the learner's day as of now."""
    session = seed.prepared_session()
    settings = load_settings(session)
    stats = collect(session, datetime.now(UTC), settings)
    return render_template(
        "stats/index.html",
        settings=settings,
        stats=stats,
        figures=figures(stats),
        minutes_text=minutes_text,
    )
