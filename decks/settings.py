"""Scheduler settings, with Anki's defaults, validated as a whole."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fsrs.scheduler import DEFAULT_PARAMETERS

from decks.errors import SettingsError

LEECH_ACTIONS = ("tag", "suspend")


@dataclass(frozen=True)
class SchedulerSettings:
    """How cards are scheduled and how many come each day (Anki's defaults).

    The learner's day starts at `day_starts_at` o'clock in `timezone`, as in Anki, so a late
    evening session still counts for the same day.
    """

    desired_retention: float = 0.9
    learning_steps: tuple[timedelta, ...] = (timedelta(minutes=1), timedelta(minutes=10))
    relearning_steps: tuple[timedelta, ...] = (timedelta(minutes=10),)
    maximum_interval: int = 36_500
    new_per_day: int = 20
    reviews_per_day: int = 200
    day_starts_at: int = 4
    timezone: str = "UTC"
    leech_threshold: int = 8
    leech_action: str = "tag"
    parameters: tuple[float, ...] = field(default=tuple(DEFAULT_PARAMETERS))

    def __post_init__(self) -> None:
        problems = []
        if not 0.7 <= self.desired_retention <= 0.99:
            problems.append("desired retention must be between 0.70 and 0.99")
        if any(step <= timedelta(0) for step in (*self.learning_steps, *self.relearning_steps)):
            problems.append("learning and relearning steps must be positive")
        if not 1 <= self.maximum_interval <= 36_500:
            problems.append("the maximum interval must be between 1 and 36,500 days")
        if self.new_per_day < 0 or self.reviews_per_day < 0:
            problems.append("daily limits cannot be negative")
        if not 0 <= self.day_starts_at <= 23:
            problems.append("the next day must start at an hour from 0 to 23")
        if self.leech_threshold < 1:
            problems.append("the leech threshold must be at least 1 lapse")
        if self.leech_action not in LEECH_ACTIONS:
            problems.append(f"the leech action must be one of {', '.join(LEECH_ACTIONS)}")
        if len(self.parameters) != len(DEFAULT_PARAMETERS):
            problems.append(f"FSRS-6 needs {len(DEFAULT_PARAMETERS)} parameters")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(f"unknown time zone {self.timezone!r}")
        if problems:
            raise SettingsError("; ".join(problems))

    @property
    def zone(self) -> ZoneInfo:
        """The learner's time zone."""
        return ZoneInfo(self.timezone)
