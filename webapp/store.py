"""Storing ingested documents and their alignments as rows, once, with stable ids.

The caller (a CLI command or a view) owns the transaction: nothing here commits, so one ingest is
one transaction and a failure leaves the database as it was. Re-ingesting an unchanged file is a
no-op; a changed file keeps the ids of sentences whose text did not change, and links whose
sentences are unchanged keep theirs, because cards point at them.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from corpus.embed import Encoder, load_encoder
from corpus.errors import InputError
from corpus.group import group_documents
from corpus.ingest import CachedEmbedder, align_article, load_document
from corpus.model import Alignment as AlignmentResult
from corpus.model import Document, Role
from corpus.model import Paragraph as DocParagraph
from corpus.model import Removal as CleanerRemoval
from webapp.models import (
    Alignment,
    Article,
    Link,
    LinkSentence,
    Paragraph,
    Removal,
    Sentence,
    Version,
    changed_at,
    utcnow,
)

TITLE_WORDS = 10


@dataclass
class IngestReport:
    """What one ingest did, for the summary a command or page prints."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[InputError] = field(default_factory=list)
    articles: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    removed: dict[str, tuple[CleanerRemoval, ...]] = field(default_factory=dict)
    refused: set[str] = field(default_factory=set)


def ingest_files(
    session: Session,
    files: Iterable[Path],
    *,
    lang: str | None = None,
    max_bytes: int,
    manifest: Sequence[Sequence[Path]] = (),
) -> IngestReport:
    """Load each file (a bad one is reported and skipped), then store what loaded.

    `files` may be a progress bar wrapping the list. `manifest` lists groups of resolved paths
    that are one article each, whatever the automatic grouping would say.
    """
    report = IngestReport()
    docs: list[Document] = []
    # The model takes about a second to load: load it while the files are read and cleaned.
    with ThreadPoolExecutor(max_workers=1) as pool:
        model = pool.submit(load_encoder)
        for path in files:
            try:
                doc = load_document(path.resolve(), lang=lang, max_bytes=max_bytes)
            except InputError as exc:
                report.failed.append(exc)
                continue
            docs.append(doc)
            report.removed[doc.source] = doc.removed
        loaded = model.result()
    labels = _manifest_labels(docs, manifest, report)
    docs = [doc for doc in docs if doc.source not in report.refused]
    if docs:
        if loaded.encoder is None:
            report.notes.append(f"aligned without embeddings: {loaded.reason}")
        ingest_documents(session, docs, loaded.encoder, report, loaded.reason, labels)
    return report


def _manifest_labels(
    docs: Sequence[Document], manifest: Sequence[Sequence[Path]], report: IngestReport
) -> dict[str, str]:
    """Label each document the manifest groups; refuse one that repeats a group's language."""
    group_of = {str(path): k for k, group in enumerate(manifest) for path in group}
    labels: dict[str, str] = {}
    langs: dict[tuple[int, str], str] = {}
    for doc in docs:
        if doc.source not in group_of:
            continue
        key = (group_of[doc.source], doc.lang)
        if key in langs:
            report.failed.append(
                InputError(
                    doc.source,
                    f"the manifest puts it in one article with {langs[key]}, which is "
                    f"also in {doc.lang}: an article has one version per language",
                )
            )
            report.refused.add(doc.source)
            continue
        langs[key] = doc.source
        labels[doc.source] = f"manifest {group_of[doc.source]}"
    return labels


def ingest_documents(
    session: Session,
    docs: Sequence[Document],
    encoder: Encoder | None,
    report: IngestReport,
    model_note: str = "",
    labels: Mapping[str, str] | None = None,
) -> None:
    """Store new and changed documents, group new ones into articles, and align what changed.

    `labels` (source → label) puts new documents with the same label in one article.
    """
    vectors = CachedEmbedder(encoder)
    new: list[Document] = []
    changed: list[tuple[Version, Document]] = []
    for doc in _unique_by_checksum(docs):
        if session.scalar(select(Version.id).where(Version.checksum == doc.checksum)):
            report.unchanged.append(doc.source)
            continue
        previous = session.scalar(select(Version).where(Version.source == doc.source))
        if previous is not None:
            changed.append((previous, doc))
        else:
            new.append(doc)

    touched: dict[int, set[int]] = {}  # article id -> ids of versions whose links must be redone
    for version, doc in changed:
        _replace_content(session, version, doc)
        touched.setdefault(version.article_id, set()).add(version.id)
        report.updated.append(doc.source)

    if new:
        placed = _place_new_documents(session, new, vectors, report, labels or {})
        for article, versions in placed:
            touched.setdefault(article.id, set()).update(v.id for v in versions)
    session.flush()

    for article_id, version_ids in touched.items():
        article = session.get_one(Article, article_id)
        _realign(session, article, version_ids, vectors, model_note)
        report.articles.append(article.slug)


def _unique_by_checksum(docs: Sequence[Document]) -> list[Document]:
    seen: set[str] = set()
    unique = []
    for doc in docs:
        if doc.checksum not in seen:
            seen.add(doc.checksum)
            unique.append(doc)
    return unique


def _place_new_documents(
    session: Session,
    new: Sequence[Document],
    embedder: CachedEmbedder,
    report: IngestReport,
    labels: Mapping[str, str],
) -> list[tuple[Article, list[Version]]]:
    """Make each manifest group an article as it stands; group the other new documents with
    each other and with stored articles that lack their language."""
    listed: dict[str, list[Document]] = {}
    for doc in new:
        if doc.source in labels:
            listed.setdefault(labels[doc.source], []).append(doc)
    groups: list[tuple[Article | None, list[Document]]] = [(None, g) for g in listed.values()]
    unlisted = [doc for doc in new if doc.source not in labels]
    if unlisted:
        groups += _group_with_stored(session, unlisted, embedder)
    placed = []
    for stored, fresh in groups:
        article = stored or _new_article(session, fresh)
        placed.append((article, [_add_version(session, article, doc) for doc in fresh]))
        report.added.extend(doc.source for doc in fresh)
    return placed


def _group_with_stored(
    session: Session, new: Sequence[Document], embedder: CachedEmbedder
) -> list[tuple[Article | None, list[Document]]]:
    """Automatic grouping: each group of new documents, with the stored article it joins."""
    langs = {doc.lang for doc in new}
    candidates = [
        version
        for article in session.scalars(select(Article).order_by(Article.id))
        if langs - {v.lang for v in article.versions}
        for version in article.versions
    ]
    docs = [*new, *(to_document(v) for v in candidates)]
    known = [None] * len(new) + [str(v.article_id) for v in candidates]
    groups: list[tuple[Article | None, list[Document]]] = []
    for group in group_documents(docs, embedder(docs), known):
        fresh = [docs[i] for i in group if i < len(new)]
        stored = [candidates[i - len(new)].article for i in group if i >= len(new)]
        if fresh:
            groups.append((stored[0] if stored else None, fresh))
    return groups


def _new_article(session: Session, docs: Sequence[Document]) -> Article:
    title = next((doc.title for doc in docs if doc.title), None) or _first_words(docs[0])
    latin = next((doc.title for doc in docs if doc.title and _slugify(doc.title)), None)
    article = Article(
        slug=_unique_slug(session, _slugify(latin or title) or "article"), title=title
    )
    session.add(article)
    return article


def _first_words(doc: Document) -> str:
    words = doc.sentences[0].split() if doc.sentences else [doc.source]
    return " ".join(words[:TITLE_WORDS]) + ("…" if len(words) > TITLE_WORDS else "")


def _slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "-".join(words[:8])[:80].strip("-")


def _unique_slug(session: Session, base: str) -> str:
    slug, counter = base, 1
    while session.scalar(select(Article.id).where(Article.slug == slug)) is not None:
        counter += 1
        slug = f"{base}-{counter}"
    return slug


def _add_version(session: Session, article: Article, doc: Document) -> Version:
    version = Version(
        lang=doc.lang,
        lang_confidence=doc.lang_confidence,
        source=doc.source,
        checksum=doc.checksum,
        title=doc.title,
    )
    article.versions.append(version)
    session.add(version)
    _replace_content(session, version, doc)
    return version


def _replace_content(session: Session, version: Version, doc: Document) -> None:
    """Make the version's rows match the document, keeping the id of every sentence whose text
    is unchanged (matched in order with difflib) and of paragraphs by position."""
    version.lang, version.lang_confidence = doc.lang, doc.lang_confidence
    version.checksum, version.title = doc.checksum, doc.title
    version.removals = [
        Removal(position=k, line=r.line, text=r.text, reason=r.reason)
        for k, r in enumerate(doc.removed)
    ]
    old_paragraphs = list(version.paragraphs)
    old_sentences = list(version.sentences)
    # Park existing rows on negative positions so renumbering never collides with the unique
    # (version, position) indexes mid-flush.
    for row in [*old_paragraphs, *old_sentences]:
        row.position = -1 - row.position
    session.flush()

    paragraphs: list[Paragraph] = []
    for k, paragraph in enumerate(doc.paragraphs):
        row = old_paragraphs[k] if k < len(old_paragraphs) else Paragraph(version=version)
        row.position, row.role = k, paragraph.role.value
        paragraphs.append(row)
    session.add_all(paragraphs)

    new_texts = [(k, s) for k, p in enumerate(doc.paragraphs) for s in p.sentences]
    matcher = difflib.SequenceMatcher(
        a=[s.text for s in old_sentences], b=[text for _, text in new_texts], autojunk=False
    )
    kept: dict[int, Sentence] = {}
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            kept[block.b + offset] = old_sentences[block.a + offset]
    for row in set(old_sentences) - set(kept.values()):
        session.delete(row)
    for position, (paragraph_index, text) in enumerate(new_texts):
        row = kept.get(position) or Sentence(version=version, text=text)
        row.position, row.paragraph = position, paragraphs[paragraph_index]
        session.add(row)
    for row in old_paragraphs[len(doc.paragraphs) :]:
        session.delete(row)
    session.flush()
    # The ordered collections still hold deleted rows and list new ones last: reload them.
    session.expire(version, ["paragraphs", "sentences"])
    for row in paragraphs:
        session.expire(row, ["sentences"])


def to_document(version: Version) -> Document:
    """Rebuild the corpus document of a stored version (for grouping and re-alignment)."""
    paragraphs = tuple(
        DocParagraph(
            Role(p.role), " ".join(s.text for s in p.sentences), tuple(s.text for s in p.sentences)
        )
        for p in version.paragraphs
    )
    return Document(
        version.source, version.checksum, version.lang, version.lang_confidence, paragraphs
    )


def _realign(
    session: Session,
    article: Article,
    version_ids: set[int],
    embedder: CachedEmbedder,
    model_note: str,
) -> None:
    """Align every pair of the article's versions that involves a new or changed version."""
    versions = sorted(article.versions, key=lambda v: v.id)
    docs = [to_document(v) for v in versions]
    vectors = embedder(docs)
    for pair in align_article(docs, vectors, model_note):
        source, target = versions[pair.source], versions[pair.target]
        if source.id in version_ids or target.id in version_ids:
            save_alignment(session, article, source, target, pair.alignment)


def save_alignment(
    session: Session, article: Article, source: Version, target: Version, result: AlignmentResult
) -> Alignment:
    """Store an alignment; links joining exactly the same sentences as before keep their ids."""
    alignment = session.scalar(
        select(Alignment).where(
            Alignment.source_version_id == source.id, Alignment.target_version_id == target.id
        )
    )
    if alignment is None:
        alignment = Alignment(
            article=article,
            source_version=source,
            target_version=target,
            method=result.method,
            quality=0.0,
            flagged=0,
        )
        session.add(alignment)
    else:
        # Re-aligned: the sentences around each of its exported notes may have changed.
        alignment.updated_at = changed_at(alignment.updated_at, utcnow())
    src_ids = [s.id for s in source.sentences]
    tgt_ids = [s.id for s in target.sentences]
    old = {
        (
            tuple(m.sentence_id for m in link.members if m.side == "source"),
            tuple(m.sentence_id for m in link.members if m.side == "target"),
        ): link
        for link in alignment.links
    }
    for link in alignment.links:
        link.position = -1 - link.position
    session.flush()
    links = []
    for position, (bead, group) in enumerate(zip(result.sentences, result.groups, strict=True)):
        key = (
            tuple(sorted(src_ids[i] for i in bead.source)),
            tuple(sorted(tgt_ids[j] for j in bead.target)),
        )
        row = old.pop(key, None)
        if row is None:
            row = Link()  # joins the session through `alignment.links` below
            row.members = [LinkSentence(sentence_id=i, side="source") for i in key[0]] + [
                LinkSentence(sentence_id=j, side="target") for j in key[1]
            ]
        row.position, row.paragraph = position, group
        row.score, row.flagged = bead.score, bead.flagged
        links.append(row)
    for row in old.values():
        session.delete(row)
    alignment.links = links
    alignment.method = result.method
    alignment.notes = "\n".join(result.notes)
    alignment.quality = (
        round(sum(x.score for x in result.sentences) / len(links), 4) if links else 0.0
    )
    alignment.flagged = sum(1 for x in result.sentences if x.flagged)
    session.flush()
    return alignment
