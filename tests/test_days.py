"""The learner's day starts at 4 am local time, across time zones and DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from decks.days import day_bounds, learner_date

BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")


def test_before_four_am_is_still_yesterday() -> None:
    late = datetime(2026, 6, 10, 1, 30, tzinfo=UTC)  # 03:30 in Berlin (summer time)
    assert learner_date(late, BERLIN, 4) == date(2026, 6, 9)
    assert learner_date(late + timedelta(hours=1), BERLIN, 4) == date(2026, 6, 10)


def test_the_same_instant_is_a_different_day_in_another_zone() -> None:
    instant = datetime(2026, 6, 10, 20, 0, tzinfo=UTC)  # 22:00 Berlin, 05:00 next day Tokyo
    assert learner_date(instant, BERLIN, 4) == date(2026, 6, 10)
    assert learner_date(instant, TOKYO, 4) == date(2026, 6, 11)


def test_a_day_lasts_23_hours_when_clocks_go_forward() -> None:
    # Clocks go forward at 02:00 on 29 March 2026: the day from 04:00 on the 28th is short.
    start, end = day_bounds(datetime(2026, 3, 28, 12, 0, tzinfo=UTC), BERLIN, 4)
    assert end - start == timedelta(hours=23)
    assert start == datetime(2026, 3, 28, 3, 0, tzinfo=UTC)  # 04:00 CET
    assert end == datetime(2026, 3, 29, 2, 0, tzinfo=UTC)  # 04:00 CEST


def test_a_day_lasts_25_hours_when_clocks_go_back() -> None:
    # Clocks go back at 03:00 on 25 October 2026: the day from 04:00 on the 24th is long.
    start, end = day_bounds(datetime(2026, 10, 24, 12, 0, tzinfo=UTC), BERLIN, 4)
    assert end - start == timedelta(hours=25)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        learner_date(datetime(2026, 1, 1), BERLIN, 4)
