"""The learner's day: it starts at a set hour of local time (4 am by default, like Anki), so
daily limits and "due today" follow the learner's clock across time zones and DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("times must be timezone-aware (UTC)")


def learner_date(now: datetime, zone: ZoneInfo, starts_at: int) -> date:
    """The calendar date of the learner's day that contains `now`."""
    _require_aware(now)
    local = now.astimezone(zone)
    return local.date() if local.hour >= starts_at else local.date() - timedelta(days=1)


def day_bounds(now: datetime, zone: ZoneInfo, starts_at: int) -> tuple[datetime, datetime]:
    """Start and end (aware UTC) of the learner's day containing `now`; 23 or 25 hours long
    across a DST change."""
    day = learner_date(now, zone, starts_at)
    start = datetime.combine(day, time(starts_at), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(starts_at), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)
