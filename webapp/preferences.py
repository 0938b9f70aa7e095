"""The learner's language choice ("I am learning X, I read Y"), remembered in the database so
every page and every device of this local app agrees on it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from webapp.models import Setting

LEARNING, READING = "learning_lang", "reading_lang"


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
