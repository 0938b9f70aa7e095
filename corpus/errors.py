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


def megabytes(size: int) -> str:
    """A size in bytes as messages state it: "3", "2.5" or, for tiny limits, "0.00095" MB."""
    value = size / (1024 * 1024)
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text if text != "0" else f"{value:.2g}"
