"""The errors the decks library raises, each with a message a person can act on."""


class DeckError(Exception):
    """Base of every error raised by `decks`: the web app turns these into user messages."""


class SettingsError(DeckError):
    """Scheduler settings that cannot work; the message lists every problem at once."""


class NotEnoughHistory(DeckError):
    """Too few reviews to fit scheduler parameters to the learner."""


class ExportError(DeckError):
    """A selection or destination that cannot become an Anki package."""
