"""The errors the corpus library raises. Each names the input and says what a person can do."""


class CorpusError(Exception):
    """Base of every error raised by `corpus`: the web app turns these into user messages."""


class InputError(CorpusError):
    """A file that cannot become a document: empty, binary, too large, undecodable, unreadable."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class LanguageError(InputError):
    """A document whose language cannot be determined, or that mixes several languages."""


class AlignmentError(CorpusError):
    """Inputs the aligner cannot work with (for example, sentence files that are empty)."""
