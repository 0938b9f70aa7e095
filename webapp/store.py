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
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from corpus.embed import Encoder, Vectors, load_encoder
from corpus.errors import InputError
from corpus.group import group_documents, semantic_similarity, translation_doubt
from corpus.ingest import CachedEmbedder, align_article, load_document
from corpus.language import language_name
from corpus.model import Alignment as AlignmentResult
from corpus.model import Document, Role
from corpus.model import Link as DocLink
from corpus.model import Paragraph as DocParagraph
from corpus.model import Removal as CleanerRemoval
from webapp import relink
from webapp.models import (
    Alignment,
    AlignmentEdit,
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
# Progress of a long ingest: a stage a person can read, and the fraction of the work done.
Progress = Callable[[str, float], None]


def _no_progress(stage: str, fraction: float) -> None:
    """The default progress callback: nobody is watching."""


@dataclass(frozen=True)
class Doubt:
    """A document the learner said is a translation of an article, but that barely aligns with
    one of its versions: most likely a different text. The learner decides whether to keep it."""

    source: str
    language: str
    other_language: str
    reason: str

    def __str__(self) -> str:
        return (
            f"{self.source} ({self.language}) does not look like a translation of the "
            f"{self.other_language} version: {self.reason}"
        )


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
    doubtful: list[Doubt] = field(default_factory=list)


def ingest_files(
    session: Session,
    files: Iterable[Path],
    *,
    lang: str | None = None,
    max_bytes: int,
    manifest: Sequence[Sequence[Path]] = (),
    article: Article | None = None,
) -> IngestReport:
    """Load each file (a bad one is reported and skipped), then store what loaded.

    `files` may be a progress bar wrapping the list. `manifest` lists groups of resolved paths
    that are one article each, whatever the automatic grouping would say; `article` makes every
    new file a translation of that stored article instead.
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
    groups = [[str(path) for path in group] for group in manifest]
    labels = group_labels(docs, groups, report, "the manifest puts")
    docs = [doc for doc in docs if doc.source not in report.refused]
    if docs:
        if loaded.encoder is None:
            report.notes.append(f"aligned without embeddings: {loaded.reason}")
        ingest_documents(
            session, docs, loaded.encoder, report, loaded.reason, labels, article=article
        )
    return report


def group_labels(
    docs: Sequence[Document],
    groups: Sequence[Sequence[str]],
    report: IngestReport,
    who: str,
) -> dict[str, str]:
    """Label each document a group (of sources) names; refuse one that repeats a group's
    language. `who` starts the refusal, as in "the manifest puts it in one article with...".
    """
    group_of = {source: k for k, group in enumerate(groups) for source in group}
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
                    f"{who} it in one article with {langs[key]}, which is also in "
                    f"{language_name(doc.lang)}: an article has one version per language",
                )
            )
            report.refused.add(doc.source)
            continue
        langs[key] = doc.source
        labels[doc.source] = f"group {group_of[doc.source]}"
    return labels


def ingest_documents(
    session: Session,
    docs: Sequence[Document],
    encoder: Encoder | None,
    report: IngestReport,
    model_note: str = "",
    labels: Mapping[str, str] | None = None,
    *,
    article: Article | None = None,
    progress: Progress = _no_progress,
) -> None:
    """Store new and changed documents, group new ones into articles, and align what changed.

    `labels` (source → label) puts new documents with the same label in one article; `article`
    puts every new document in that stored article. Documents placed by the learner (a label
    or `article`) that barely align with their article are listed in `report.doubtful`: the
    caller decides whether to keep them.
    """
    vectors = CachedEmbedder(
        encoder, lambda done, total: progress("Embedding sentences", 0.1 + 0.4 * done / total)
    )
    if article is not None:
        docs = _refuse_present_languages(article, docs, report)
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

    # Embed before the first write: the model is the slow part, and SQLite has one writer, so
    # other requests would wait for the whole import to write anything.
    replaced = {version.id for version, _ in changed}
    stored_versions = [v for version, _ in changed for v in version.article.versions]
    if article is not None:
        stored_versions += article.versions
    unchanged = [to_document(v) for v in stored_versions if v.id not in replaced]
    vectors([*new, *(doc for _, doc in changed), *unchanged])

    # Read before any sentence is replaced: a replaced sentence takes its place in a link with it.
    hand_made = _hand_made_links(session, [version.id for version, _ in changed])

    touched: dict[int, set[int]] = {}  # article id -> ids of versions whose links must be redone
    chosen = set(labels or ()) | ({doc.source for doc in new} if article is not None else set())
    if new:  # placed first: grouping compares with stored text, which reads, not writes
        if article is not None:
            placed = [(article, [_add_version(session, article, doc) for doc in new])]
            report.added.extend(doc.source for doc in new)
        else:
            placed = _place_new_documents(session, new, vectors, report, labels or {})
        for stored, versions in placed:
            touched.setdefault(stored.id, set()).update(v.id for v in versions)
    for version, doc in changed:
        _replace_content(session, version, doc)
        touched.setdefault(version.article_id, set()).add(version.id)
        report.updated.append(doc.source)
    session.flush()

    for done, (article_id, version_ids) in enumerate(touched.items()):
        progress("Aligning", 0.5 + 0.5 * done / len(touched))
        stored = session.get_one(Article, article_id)
        for saved, result, vectors_of_pair in _realign(
            session, stored, version_ids, vectors, model_note, hand_made
        ):
            _check_translation(saved, result, vectors_of_pair, chosen, report)
        report.articles.append(stored.slug)


def _refuse_present_languages(
    article: Article, docs: Sequence[Document], report: IngestReport
) -> list[Document]:
    """The documents that can join `article`: one per language it does not have yet (a stored
    version of the same file counts as present, so re-attaching it is a no-op)."""
    present = {v.lang: v.source for v in article.versions}
    checksums = {v.checksum for v in article.versions}
    accepted = []
    for doc in docs:
        if doc.lang in present and doc.checksum not in checksums:
            report.failed.append(
                InputError(
                    doc.source,
                    f"it is in {language_name(doc.lang)}, and the article already has its "
                    f"{language_name(doc.lang)} version ({present[doc.lang]}): a translation "
                    "must be in another language (or correct the detected language)",
                )
            )
            report.refused.add(doc.source)
            continue
        present.setdefault(doc.lang, doc.source)
        accepted.append(doc)
    return accepted


def _check_translation(
    saved: Alignment,
    result: AlignmentResult,
    vectors: tuple[Vectors | None, Vectors | None],
    chosen: set[str],
    report: IngestReport,
) -> None:
    """Note a learner-placed document that barely aligns with the other side of a pair (the
    later version of the pair when the learner placed both)."""
    placed = [
        (version, other)
        for version, other in (
            (saved.target_version, saved.source_version),
            (saved.source_version, saved.target_version),
        )
        if version.source in chosen
    ]
    if not placed:
        return
    va, vb = vectors
    similarity = None if va is None or vb is None else semantic_similarity(va, vb)
    reason = translation_doubt(result, similarity)
    if reason is not None:
        version, other = placed[0]
        report.doubtful.append(
            Doubt(version.source, language_name(version.lang), language_name(other.lang), reason)
        )


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
        row.section = paragraph.section
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
            Role(p.role),
            " ".join(s.text for s in p.sentences),
            tuple(s.text for s in p.sentences),
            p.section,
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
    hand_made: Mapping[int, Sequence[HandMade]] | None = None,
) -> list[tuple[Alignment, AlignmentResult, tuple[Vectors | None, Vectors | None]]]:
    """Align every pair of the article's versions that involves a new or changed version,
    keeping the learner's hand-made links (`hand_made`, by alignment id) whose sentences all
    survived, and return what was stored with what the aligner found and the pair's vectors."""
    versions = sorted(article.versions, key=lambda v: v.id)
    docs = [to_document(v) for v in versions]
    vectors = embedder(docs)
    index = {v.id: k for k, v in enumerate(versions)}
    fixed = {}
    if hand_made:
        positions = dict(
            session.execute(
                select(Sentence.id, Sentence.position).where(Sentence.version_id.in_(list(index)))
            ).all()
        )
        for alignment in session.scalars(
            select(Alignment).where(Alignment.id.in_(list(hand_made)))
        ):
            pair = (index[alignment.source_version_id], index[alignment.target_version_id])
            fixed[pair] = _kept(hand_made[alignment.id], positions)
    saved = []
    for pair in align_article(
        docs,
        vectors,
        model_note,
        lambda i, j: bool({versions[i].id, versions[j].id} & version_ids),
        fixed,
    ):
        source, target = versions[pair.source], versions[pair.target]
        row = save_alignment(session, article, source, target, pair.alignment)
        saved.append((row, pair.alignment, (vectors[pair.source], vectors[pair.target])))
    return saved


# A hand-made link as the sentence ids of its source and target sides.
HandMade = tuple[tuple[int, ...], tuple[int, ...]]


def _hand_made_links(session: Session, version_ids: Sequence[int]) -> dict[int, list[HandMade]]:
    """The learner's links in the pairs of these versions, by alignment id, in reading order."""
    if not version_ids:
        return {}
    rows = session.execute(
        select(Link.alignment_id, Link.id, LinkSentence.side, LinkSentence.sentence_id)
        .join(LinkSentence, LinkSentence.link_id == Link.id)
        .join(Alignment, Alignment.id == Link.alignment_id)
        .where(
            Link.manual,
            Alignment.source_version_id.in_(version_ids)
            | Alignment.target_version_id.in_(version_ids),
        )
        .order_by(Link.alignment_id, Link.position, LinkSentence.sentence_id)
    )
    links: dict[int, dict[int, HandMade]] = {}
    for alignment_id, link_id, side, sentence_id in rows:
        source, target = links.setdefault(alignment_id, {}).get(link_id, ((), ()))
        if side == "source":
            source += (sentence_id,)
        else:
            target += (sentence_id,)
        links[alignment_id][link_id] = (source, target)
    return {alignment_id: list(by_link.values()) for alignment_id, by_link in links.items()}


def _kept(links: Sequence[HandMade], positions: Mapping[int, int]) -> list[DocLink]:
    """The hand-made links whose sentences are all still there, as sentence positions for the
    aligner to keep (a link that lost a sentence no longer joins what the learner joined)."""
    return [
        DocLink(
            tuple(sorted(positions[i] for i in source)),
            tuple(sorted(positions[j] for j in target)),
            1.0,
        )
        for source, target in links
        if all(k in positions for k in (*source, *target))
    ]


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
        if not row.manual:  # the learner's judgement stands over the aligner's score
            row.score, row.flagged = bead.score, bead.flagged
        links.append(row)
    departures = relink.detach_notes(session, list(old.values()))
    for row in old.values():
        session.delete(row)
    alignment.links = links
    alignment.method = result.method
    alignment.notes = "\n".join(result.notes)
    alignment.quality = round(sum(x.score for x in links) / len(links), 4) if links else 0.0
    alignment.flagged = sum(1 for x in links if x.flagged)
    session.flush()
    now = utcnow()
    relink.reattach_notes(session, alignment, departures, links, now)
    if old:
        _close_edit_history(session, alignment, now)
    return alignment


def _close_edit_history(session: Session, alignment: Alignment, now: datetime) -> None:
    """The editor's undo snapshots describe links that realignment replaced: retire them (kept,
    so the pair's edit version never goes down and a stale editor page is refused)."""
    session.execute(
        update(AlignmentEdit)
        .where(AlignmentEdit.alignment_id == alignment.id, AlignmentEdit.undone_at.is_(None))
        .values(undone_at=now)
    )
