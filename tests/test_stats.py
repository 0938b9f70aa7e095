"""Statistics: exact numbers from simulated review days (undone answers not counted), learner
days in other time zones and across DST, the chart geometry, and the page (five SVG charts,
no inline styles, escaped text, a kind empty state)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from decks.days import learner_date
from decks.scheduler import Rating
from decks.settings import SchedulerSettings
from tests.factories import make_cards
from webapp import charts, stats
from webapp.db import get_engine, get_session
from webapp.models import Card, ReviewLog
from webapp.review import answer_card, undo_last

NOW = datetime(2026, 5, 6, 12, 0, tzinfo=UTC)  # a Wednesday; the learner day of 6 May
TODAY = date(2026, 5, 6)
SETTINGS = SchedulerSettings()  # UTC, the day starts at 4 am


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    with app.app_context():
        yield get_session()


def review(
    session: Session, card: Card, rating: Rating, now: datetime, duration_ms: int | None = None
) -> None:
    answer_card(
        session,
        card.id,
        int(rating),
        now,
        SETTINGS,
        version=card.version,
        request_id=f"r{card.id}-{card.version}",
        duration_ms=duration_ms,
    )
    session.commit()


def log(
    session: Session,
    card: Card,
    at: datetime,
    rating: int = 3,
    *,
    phase: str = "review",
    duration_ms: int | None = None,
) -> ReviewLog:
    """A review-log row written directly, for histories the scheduler would take long to make."""
    row = ReviewLog(
        card_id=card.id,
        kind="review",
        reviewed_at=at,
        rating=rating,
        phase_before=phase,
        phase_after="review",
        state_before="{}",
        state_after="{}",
        duration_ms=duration_ms,
    )
    session.add(row)
    session.flush()
    return row


def undo(session: Session, row: ReviewLog) -> None:
    session.add(
        ReviewLog(
            card_id=row.card_id,
            kind="undo",
            undoes_id=row.id,
            reviewed_at=row.reviewed_at,
            rating=0,
            phase_before="review",
            phase_after="review",
            state_before="{}",
            state_after="{}",
        )
    )
    session.flush()


def by_day(activity: list[stats.DayActivity]) -> dict[date, stats.DayActivity]:
    """The days with answers."""
    return {day.day: day for day in activity if day.answers}


def test_reviews_per_day_by_phase_without_undone_answers(session: Session) -> None:
    first, second, third = make_cards(session, 3, created=NOW - timedelta(days=10))
    session.commit()
    may4 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
    review(session, first, Rating.GOOD, may4)  # new → learning
    review(session, second, Rating.EASY, may4)  # new → review
    review(session, third, Rating.GOOD, may4 + timedelta(minutes=1))
    undo_last(session, may4 + timedelta(minutes=2))  # takes back the third card's answer
    session.commit()
    review(session, first, Rating.GOOD, datetime(2026, 5, 5, 9, 0, tzinfo=UTC))
    # 3 am on 6 May is before the day starts at 4: it belongs to 5 May.
    review(session, third, Rating.AGAIN, datetime(2026, 5, 6, 3, 0, tzinfo=UTC))
    review(session, second, Rating.HARD, datetime(2026, 5, 6, 10, 0, tzinfo=UTC))

    activity = stats.daily_activity(session, NOW, SETTINGS)

    assert len(activity) == stats.HISTORY_DAYS
    assert activity[0].day == TODAY - timedelta(days=90)
    assert activity[-1].day == TODAY
    assert by_day(activity) == {
        date(2026, 5, 4): stats.DayActivity(date(2026, 5, 4), new=2),
        date(2026, 5, 5): stats.DayActivity(date(2026, 5, 5), new=1, learning=1),
        date(2026, 5, 6): stats.DayActivity(date(2026, 5, 6), review=1, passed=1),
    }


def test_weekly_and_recent_retention(session: Session) -> None:
    (card,) = make_cards(session, 1, created=NOW - timedelta(days=60))
    last_week = datetime(2026, 4, 28, 9, 0, tzinfo=UTC)  # Tuesday of the week of 27 April
    for hours, rating in enumerate((3, 3, 1, 4)):
        log(session, card, last_week + timedelta(hours=hours), rating)
    this_week = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)  # Monday
    log(session, card, this_week, 1)
    log(session, card, this_week + timedelta(hours=1), 1)
    undo(session, log(session, card, this_week + timedelta(hours=2), 3))  # undone: not counted
    log(session, card, this_week + timedelta(hours=3), 3, phase="learning")  # not in review
    log(session, card, datetime(2026, 3, 3, 9, 0, tzinfo=UTC), 4)  # older than 30 days
    session.commit()

    activity = stats.daily_activity(session, NOW, SETTINGS)
    weeks = stats.weekly_retention(activity)

    assert len(weeks) == stats.WEEKS
    assert weeks[0].start == date(2026, 2, 9)
    assert weeks[-1].start == date(2026, 5, 4)
    rates = {
        w.start: (w.retention.answers, w.retention.passed) for w in weeks if w.retention.answers
    }
    assert rates == {date(2026, 3, 2): (1, 1), date(2026, 4, 27): (4, 3), date(2026, 5, 4): (2, 0)}
    assert weeks[-2].retention.rate == 0.75
    assert weeks[-1].retention.rate == 0.0
    assert weeks[-3].retention.rate is None  # a gap, not a zero
    assert stats.retention(stats.recent(activity, 30)) == stats.Retention(6, 3)


def test_forecast_puts_overdue_cards_in_day_zero(session: Session) -> None:
    cards = make_cards(session, 9, created=NOW - timedelta(days=40))
    tomorrow_start = datetime(2026, 5, 7, 4, 0, tzinfo=UTC)
    plan = [
        ("review", NOW - timedelta(days=3), False),  # overdue: today
        ("review", NOW + timedelta(hours=1), False),  # today
        ("review", tomorrow_start - timedelta(seconds=1), False),  # still today
        ("review", tomorrow_start, False),  # tomorrow
        ("review", datetime(2026, 6, 4, 5, 0, tzinfo=UTC), False),  # day 29, the last
        ("review", datetime(2026, 6, 5, 4, 0, tzinfo=UTC), False),  # day 30: beyond
        ("review", NOW, True),  # suspended: never comes
        ("learning", NOW, False),  # not a review
        ("new", NOW, False),
    ]
    for card, (phase, due, suspended) in zip(cards, plan, strict=True):
        card.phase, card.due, card.suspended = phase, due, suspended
    session.commit()

    forecast = stats.forecast(session, NOW, SETTINGS)

    assert len(forecast) == stats.FORECAST_DAYS
    assert forecast[0] == stats.DueDay(TODAY, 3)
    assert forecast[1] == stats.DueDay(date(2026, 5, 7), 1)
    assert forecast[29] == stats.DueDay(date(2026, 6, 4), 1)
    assert sum(day.due for day in forecast) == 5
    # Due today also counts learning steps, and leaves buried cards out.
    assert stats.due_today(session, NOW, SETTINGS) == 4
    cards[1].buried_until = NOW + timedelta(hours=20)
    session.commit()
    assert stats.due_today(session, NOW, SETTINGS) == 3


def test_card_states_count_suspended_cards_once(session: Session) -> None:
    cards = make_cards(session, 8, created=NOW)
    phases = ["new", "new", "learning", "review", "review", "review", "relearning", "review"]
    for card, phase in zip(cards, phases, strict=True):
        card.phase = phase
    cards[-1].suspended = True
    session.commit()

    states = stats.card_states(session)

    assert states == stats.CardStates(new=2, learning=1, review=3, relearning=1, suspended=1)
    assert states.total == 8


def test_time_per_day_ignores_answers_without_duration(session: Session) -> None:
    first, second = make_cards(session, 2, created=NOW - timedelta(days=40))
    session.commit()
    review(session, first, Rating.GOOD, NOW - timedelta(hours=2), duration_ms=90_000)
    review(session, second, Rating.GOOD, NOW - timedelta(hours=1), duration_ms=None)
    review(session, second, Rating.GOOD, NOW - timedelta(minutes=30), duration_ms=600_000)
    undo_last(session, NOW - timedelta(minutes=29))  # the 10 minutes no longer count
    session.commit()
    log(session, first, NOW - timedelta(days=3), duration_ms=240_000)
    log(session, first, NOW - timedelta(days=20), duration_ms=1_800_000)
    log(session, first, NOW - timedelta(days=60), duration_ms=3_600_000)
    session.commit()

    collected = stats.collect(session, NOW, SETTINGS)

    minutes = {day.day: day.minutes for day in collected.activity if day.duration_ms}
    assert minutes == {
        date(2026, 3, 7): 60.0,
        date(2026, 4, 16): 30.0,
        date(2026, 5, 3): 4.0,
        TODAY: 1.5,
    }
    assert collected.minutes(1) == 1.5
    assert collected.minutes(7) == 5.5
    assert collected.minutes(30) == 35.5
    assert collected.reviewed_today == 2


def test_learner_days_in_a_time_zone_west_of_utc(session: Session) -> None:
    settings = SchedulerSettings(timezone="America/New_York")  # UTC-4 in May
    (card,) = make_cards(session, 1, created=NOW - timedelta(days=5))
    log(session, card, datetime(2026, 5, 6, 7, 30, tzinfo=UTC))  # 03:30 local: still 5 May
    log(session, card, datetime(2026, 5, 6, 8, 30, tzinfo=UTC))  # 04:30 local: 6 May
    log(session, card, datetime(2026, 5, 6, 2, 0, tzinfo=UTC))  # 22:00 on 5 May
    session.commit()

    activity = stats.daily_activity(session, NOW, settings)

    assert {d.day: d.answers for d in activity if d.answers} == {
        date(2026, 5, 5): 2,
        date(2026, 5, 6): 1,
    }


def test_a_learner_day_across_the_spring_dst_change_is_23_hours(session: Session) -> None:
    settings = SchedulerSettings(timezone="Europe/Berlin")  # clocks go forward on 29 March
    (card,) = make_cards(session, 1, created=datetime(2026, 3, 1, tzinfo=UTC))
    times = [
        datetime(2026, 3, 28, 2, 59, tzinfo=UTC),  # 03:59 CET: 27 March
        datetime(2026, 3, 28, 3, 0, tzinfo=UTC),  # 04:00 CET: 28 March begins
        datetime(2026, 3, 29, 1, 59, tzinfo=UTC),  # 03:59 CEST: still 28 March
        datetime(2026, 3, 29, 2, 0, tzinfo=UTC),  # 04:00 CEST: 29 March, 23 hours later
        datetime(2026, 3, 29, 2, 30, tzinfo=UTC),  # a fixed +1 h offset would say 28 March
    ]
    for at in times:
        log(session, card, at)
    session.commit()

    activity = stats.daily_activity(session, datetime(2026, 3, 30, 12, tzinfo=UTC), settings)

    assert {d.day: d.answers for d in activity if d.answers} == {
        date(2026, 3, 27): 1,
        date(2026, 3, 28): 2,
        date(2026, 3, 29): 2,
    }


def test_buckets_agree_with_learner_date_around_the_clock(session: Session) -> None:
    """Every 20 minutes for six days across Adelaide's autumn change (UTC+10:30 → +9:30)."""
    settings = SchedulerSettings(timezone="Australia/Adelaide", day_starts_at=2)
    (card,) = make_cards(session, 1, created=datetime(2026, 3, 1, tzinfo=UTC))
    start = datetime(2026, 4, 2, 0, 10, tzinfo=UTC)
    times = [start + timedelta(minutes=20 * k) for k in range(6 * 72)]
    for at in times:
        log(session, card, at)
    session.commit()
    now = datetime(2026, 4, 10, tzinfo=UTC)

    activity = stats.daily_activity(session, now, settings)

    expected = Counter(learner_date(at, settings.zone, settings.day_starts_at) for at in times)
    assert {d.day: d.answers for d in activity if d.answers} == expected
    assert 75 in expected.values()  # the 25-hour day really was tested


def test_streak_counts_days_with_answers_up_to_today(session: Session) -> None:
    (card,) = make_cards(session, 1, created=NOW - timedelta(days=10))
    for days_ago in (1, 2, 3, 5):
        log(session, card, NOW - timedelta(days=days_ago))
    session.commit()

    before = stats.collect(session, NOW, SETTINGS)
    log(session, card, NOW - timedelta(hours=1))
    session.commit()
    after = stats.collect(session, NOW, SETTINGS)

    assert before.streak == 3  # today has no answers yet, which does not break the streak
    assert after.streak == 4
    assert not after.streak_capped
    assert after.reviewed_today == 1
    assert stats.streak([]) == 0


def test_the_log_query_reads_only_its_days_through_the_index(app: Flask) -> None:
    """Fast on a long log: one index range per learner day, never a scan of review_logs."""
    statements: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if "review_logs" in statement:
            statements.append((statement, parameters))

    with app.app_context():
        engine = get_engine()
        event.listen(engine, "before_cursor_execute", capture)
        try:
            stats.daily_activity(get_session(), NOW, SETTINGS)
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        ((statement, parameters),) = statements
        with engine.connect() as connection:
            plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            details = " | ".join(str(row[-1]) for row in plan)
    assert "SEARCH review_logs USING INDEX ix_review_logs_reviewed_at" in details, details
    assert "SCAN review_logs" not in details, details


def test_nice_ticks_and_bar_geometry() -> None:
    assert charts.nice_ticks(0) == (0.0, 1.0)
    assert charts.nice_ticks(3, whole=True) == (0, 1, 2, 3)
    assert charts.nice_ticks(47) == (0, 20, 40, 60)
    assert charts.nice_ticks(0.4) == (0, 0.1, 0.2, 0.3, 0.4)
    series = (charts.Series("a", "A"), charts.Series("b", "B"))
    chart = charts.bar_chart(
        [charts.Bar((2, 1), "first", "x"), charts.Bar((0, 0), "second")], series
    )
    plot = chart.plot
    assert [t.label for t in chart.y_ticks] == ["0", "1", "2", "3"]
    first, second = chart.columns
    assert [s.series for s in first.segments] == ["a", "b"]
    # Three units fill the plot: 2 of them are two thirds of its height, from the bottom.
    assert first.segments[0].y + first.segments[0].height == pytest.approx(plot.bottom)
    assert first.segments[0].height == pytest.approx(plot.height * 2 / 3, abs=0.01)
    assert first.segments[1].y == pytest.approx(plot.top)
    assert second.segments == ()
    assert [t.label for t in chart.x_ticks] == ["x"]
    assert chart.empty is None
    assert charts.bar_chart([charts.Bar((0, 0), "z")], series).empty == "Nothing to show yet"


def test_line_chart_breaks_at_missing_values() -> None:
    values = [charts.Value(v, f"t{k}") for k, v in enumerate([0.9, 0.8, None, 1.0, None])]
    chart = charts.line_chart(
        values, charts.Series("r", "R"), low=0.6, high=1.0, step=0.1, reference=0.9
    )
    assert [len(run) for run in chart.runs] == [2, 1]
    assert len(chart.points) == 3
    assert chart.reference is not None
    assert chart.reference.y == chart.points[0].y
    assert chart.runs[1][0].y == chart.plot.top
    assert [t.label for t in chart.y_ticks] == ["0.6", "0.7", "0.8", "0.9", "1"]


def test_share_bar_splits_the_width() -> None:
    chart = charts.share_bar([(charts.Series("a", "A"), 3), (charts.Series("b", "B"), 1)])
    assert [(p.x, p.width) for p in chart.parts] == [(0, 450), (450, 150)]
    assert [e.label for e in chart.legend] == ["A 3", "B 1"]
    assert chart.parts[0].tooltip == "A: 3 (75%)"


def simulate(app: Flask) -> None:
    """A few weeks of real reviews ending now, with durations and an undo."""
    with app.app_context():
        session = get_session()
        now = datetime.now(UTC)
        cards = make_cards(session, 12, created=now - timedelta(days=30))
        session.commit()
        for days_ago in range(20, -1, -2):
            at = now - timedelta(days=days_ago, minutes=5)
            for k, card in enumerate(cards[:6]):
                rating = Rating.AGAIN if (k + days_ago) % 5 == 0 else Rating.GOOD
                review(session, card, rating, at + timedelta(seconds=k), duration_ms=8_000 + k)
        undo_last(session, now - timedelta(minutes=1))
        cards[-1].suspended = True
        session.commit()


def test_page_draws_five_accessible_charts(app: Flask, client: FlaskClient) -> None:
    simulate(app)

    response = client.get("/stats")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<svg") == 5
    assert html.count('role="img"') == 5
    assert html.count("<desc id=") == 5
    assert html.count("<details") == 5
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "style=" not in html
    assert "No reviews in the last three months yet" not in html
    assert "<title>" in html  # tooltips
    for key in ("states", "reviews", "time", "retention", "forecast"):
        assert f'aria-labelledby="{key}-heading"' in html


def test_empty_page_says_so_kindly(client: FlaskClient) -> None:
    response = client.get("/stats")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "No reviews in the last three months yet" in html
    assert html.count("<svg") == 5
    assert "No cards yet" in html
    assert "—" in html  # no retention yet, rather than a division by zero
    assert "0 min" in html


def test_chart_text_is_escaped(app: Flask) -> None:
    nasty = '<script>alert("x")</script>'
    chart = charts.bar_chart([charts.Bar((1,), nasty, nasty)], (charts.Series("a", "A"),))
    figure = stats.Figure("k", nasty, nasty, chart, stats.Table((nasty,), ((nasty,),)))
    with app.test_request_context():
        macros = app.jinja_env.get_template("stats/charts.html").module
        html = str(macros.figure(figure))  # type: ignore[attr-defined]
    assert "<script>" not in html
    # Heading, caption, description, tooltip, axis label, table header and cell.
    assert html.count("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") == 7
