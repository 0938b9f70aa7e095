"""From files to aligned articles: the corpus pipeline in one place.

`load_document` turns one file into a cleaned, structured, sentence-split `Document` (through
`build_document`, which does the same for text that arrived as an upload or a paste);
`embed_documents` adds sentence vectors; `group_documents` (in `corpus.group`) finds the
translations of one article; `align_article` aligns every pair of its languages directly.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from corpus.align import align_documents
from corpus.clean import clean_text
from corpus.embed import Encoder, Vectors, covers, encode_in_batches
from corpus.errors import InputError
from corpus.group import semantic_similarity
from corpus.language import detect_language, language_name
from corpus.model import Alignment, Corrections, Document, Link, Paragraph
from corpus.read import DEFAULT_MAX_BYTES, SUFFIXES, read_document_text
from corpus.segment import split_sentences
from corpus.structure import classify_paragraphs

# For a language the model was not trained on, embeddings are used only when the document pair
# shows them working: most sentences find a clearly similar counterpart.
UNCOVERED_MIN_SIMILARITY = 0.55


def collect_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files to ingest: given files as they are, folders searched recursively for files of the
    supported types (`corpus.read.SUFFIXES`; hidden files skipped), in a stable order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            yield path


def load_document(
    path: Path, *, lang: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> Document:
    """Read, clean, structure, detect the language of and split one file.

    Raises `InputError` (or its `LanguageError` subclass) naming the file and the reason.
    """
    return build_document(str(path), read_document_text(path, max_bytes=max_bytes), lang=lang)


def build_document(
    source: str,
    text: str,
    *,
    lang: str | None = None,
    restore: frozenset[int] = frozenset(),
    remove: frozenset[int] = frozenset(),
) -> Document:
    """Clean, structure, detect the language of and split text that was already read (from a
    file, an upload or a paste), applying the learner's corrections to the cleaner.

    Every paragraph gets the section (book chapter) it is in. The checksum is the SHA-256 of
    the text, and of the text and the corrections that applied when there are any (see
    `document_checksum`). Raises `InputError` (or `LanguageError`) naming `source`.
    """
    cleaned = clean_text(text, restore=restore, remove=remove)
    if not cleaned.paragraphs:
        raise InputError(source, "no article text is left after removing page noise")
    texts = cleaned.texts
    code, confidence = detect_language(source, texts, forced=lang)
    roles = classify_paragraphs(texts)
    paragraphs = tuple(
        Paragraph(role, paragraph, split_sentences(paragraph, code), section)
        for role, paragraph, section in zip(roles, texts, cleaned.sections, strict=True)
    )
    checksum = document_checksum(text, cleaned.corrections)
    return Document(
        source, checksum, code, confidence, paragraphs, cleaned.removed, cleaned.corrections
    )


def document_checksum(text: str, corrections: Corrections) -> str:
    """SHA-256 of the text, or of the text, a NUL and the canonical JSON of the corrections:
    the same file with the same corrections is recognised as unchanged, and a corrected
    import is a different document from an uncorrected one."""
    data = text.encode("utf-8")
    if corrections:
        data += b"\x00" + corrections.to_json().encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def embed_documents(
    docs: Sequence[Document],
    encoder: Encoder | None,
    progress: Callable[[int], None] = lambda done: None,
) -> list[Vectors | None]:
    """Sentence vectors for each document, in batches (`progress` hears how many sentences
    each one did); None without a model."""
    if encoder is None:
        return [None] * len(docs)
    sentences = [s for doc in docs for s in doc.sentences]
    vectors = encode_in_batches(encoder, sentences, progress)
    result: list[Vectors | None] = []
    start = 0
    for doc in docs:
        result.append(vectors[start : start + len(doc.sentences)])
        start += len(doc.sentences)
    return result


class CachedEmbedder:
    """Embeds each document (by checksum) once, however often grouping and alignment ask.

    `progress(done, total)` hears of every batch of sentences embedded by one call.
    """

    def __init__(
        self,
        encoder: Encoder | None,
        progress: Callable[[int, int], None] = lambda done, total: None,
    ) -> None:
        self.encoder = encoder
        self.progress = progress
        self._vectors: dict[str, Vectors | None] = {}

    def __call__(self, docs: Sequence[Document]) -> list[Vectors | None]:
        missing = list({d.checksum: d for d in docs if d.checksum not in self._vectors}.values())
        total = sum(len(doc.sentences) for doc in missing)
        done = 0

        def batch_done(count: int) -> None:
            nonlocal done
            done += count
            self.progress(done, total)

        embedded = embed_documents(missing, self.encoder, batch_done)
        for doc, vectors in zip(missing, embedded, strict=True):
            self._vectors[doc.checksum] = vectors
        return [self._vectors[d.checksum] for d in docs]


@dataclass(frozen=True)
class PairAlignment:
    """The alignment of two versions of one article (indexes into the article's documents)."""

    source: int
    target: int
    alignment: Alignment


def align_article(
    docs: Sequence[Document],
    vectors: Sequence[Vectors | None],
    model_note: str = "",
    wanted: Callable[[int, int], bool] = lambda i, j: True,
    fixed: Mapping[tuple[int, int], Sequence[Link]] | None = None,
) -> list[PairAlignment]:
    """Align every pair of an article's versions directly (4 languages give 6 pairs), or the
    pairs (i, j) for which `wanted(i, j)` is true, keeping a pair's `fixed[(i, j)]` links (the
    learner's own) as they are.

    Each pair uses embeddings when the model is loaded and either covers both languages or
    visibly works on this pair; otherwise lengths and anchors, with a note saying why.
    """
    result = []
    for i, j in itertools.combinations(range(len(docs)), 2):
        if not wanted(i, j):
            continue
        va, vb, notes = pair_vectors(docs[i].lang, docs[j].lang, vectors[i], vectors[j], model_note)
        kept = (fixed or {}).get((i, j), ())
        if kept:
            notes = (*notes, f"{len(kept)} link(s) made by hand were kept")
        alignment = align_documents(docs[i], docs[j], va, vb, notes, fixed=kept)
        result.append(PairAlignment(i, j, alignment))
    return result


def pair_vectors(
    lang_a: str, lang_b: str, va: Vectors | None, vb: Vectors | None, model_note: str = ""
) -> tuple[Vectors | None, Vectors | None, tuple[str, ...]]:
    """The vectors to align a pair with (both, or neither) and a note on the method chosen."""
    if va is None or vb is None:
        reason = model_note or "the sentence-embedding model is unavailable"
        return None, None, (f"aligned by sentence length and anchors: {reason}",)
    uncovered = [lang for lang in (lang_a, lang_b) if not covers(lang)]
    if not uncovered:
        return va, vb, ()
    names = " and ".join(language_name(code) for code in uncovered)
    similarity = semantic_similarity(va, vb)
    if similarity >= UNCOVERED_MIN_SIMILARITY:
        return (
            va,
            vb,
            (
                f"the embedding model was not trained on {names}; its similarities were checked on "
                f"this pair ({similarity:.2f}) and used",
            ),
        )
    return (
        None,
        None,
        (
            f"aligned by sentence length and anchors: the embedding model does not cover {names} "
            f"(similarity on this pair {similarity:.2f})",
        ),
    )
