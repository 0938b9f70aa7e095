"""The learner's choices that outlive a page: the languages ("I am learning X, I read Y") and
the directions new sentence cards are reviewed in, kept in the database so every page and
every device of this local app agrees on them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from webapp.models import Setting

LEARNING, READING = "learning_lang", "reading_lang"
DIRECTIONS = "default_directions"
ALL_DIRECTIONS = ("recognition", "production")


@dataclass(frozen=True)
class Languages:
    """The language being learned and the one the learner already reads (None until chosen)."""

    learning: str | None
    reading: str | None


def get_languages(session: Session) -> Languages:
    """The stored choice."""
    learning, reading = session.get(Setting, LEARNING), session.get(Setting, READING)
    return Languages(learning.value if learning else None, reading.value if reading else None)


def set_languages(session: Session, learning: str, reading: str) -> None:
    """Store a new choice (the caller commits)."""
    for key, value in ((LEARNING, learning), (READING, reading)):
        row = session.get(Setting, key)
        if row is None:
            session.add(Setting(key=key, value=value))
        else:
            row.value = value


def default_directions(session: Session) -> list[str]:
    """The directions a new sentence card is reviewed in unless the learner says otherwise."""
    row = session.get(Setting, DIRECTIONS)
    return row.value.split(",") if row and row.value else list(ALL_DIRECTIONS)


def set_default_directions(session: Session, directions: list[str]) -> None:
    """Store the default directions (the caller commits and has validated them)."""
    row = session.get(Setting, DIRECTIONS)
    if row is None:
        session.add(Setting(key=DIRECTIONS, value=",".join(directions)))
    else:
        row.value = ",".join(directions)
