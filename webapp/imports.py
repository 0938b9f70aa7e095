"""Imports started in the browser, as jobs the learner can watch and steer.

1. `start` saves the uploaded files and queues `read_job`, which decodes and cleans each file and
   detects its language in the background (a book takes seconds).
2. The learner sees a preview: the cleaned text with the cleaner's removals highlighted, and may
   restore a removed line, remove another (`correct_line`) and correct a language.
3. `confirm` queues `store_job`, which builds the documents with those corrections and stores
   and aligns them in one transaction: a failure stores nothing and says why. A translation that
   barely aligns with its article is held back (status "warning") until the learner accepts it.

Nothing here commits except the two jobs, which own their transactions.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from corpus.errors import CorpusError, InputError
from corpus.language import LANGUAGE_NAMES, detect_language, language_name
from corpus.model import Corrections, Document
from webapp import db, jobs
from webapp.models import Article, ImportFile, ImportJob, Version

if TYPE_CHECKING:
    from corpus.clean import Cleaned
    from webapp import store

MAX_FILES = 10
PREVIEW_PAGE_LINES = 200
RUNNING = frozenset({"reading", "queued", "running"})
AFTER_CONFIRMING = frozenset({"queued", "running", "done"})
INTERRUPTED = "Tandem stopped while this import was running; nothing was stored. Try again."


class ImportProblem(CorpusError):
    """What the learner asked for cannot be done as asked (the message says why)."""


@dataclass(frozen=True)
class Upload:
    """A file or pasted text (UTF-8) as it arrived."""

    name: str
    data: bytes
    pasted: bool = False


@dataclass(frozen=True)
class PreviewLine:
    """One paragraph of a file as the cleaner sees it, for the preview."""

    line: int
    text: str
    removed: str  # the reason it is removed, "" when kept
    section: int


def upload_dir() -> Path:
    """Where uploads wait to be read: the instance folder, never the code tree."""
    return Path(current_app.instance_path) / "uploads"


def start(session: Session, uploads: Sequence[Upload], article: Article | None) -> ImportJob:
    """Create a job for `uploads` (added to `article` when given) and keep their bytes on disk
    until they are read. The caller commits, then calls `queue_reading`."""
    if not uploads:
        raise ImportProblem("Choose a file or paste a text to import.")
    if len(uploads) > MAX_FILES:
        raise ImportProblem(f"Import at most {MAX_FILES} files at once ({len(uploads)} given).")
    job = ImportJob(status="reading", article_id=article.id if article else None)
    job.files = [ImportFile(position=k, name=u.name) for k, u in enumerate(uploads)]
    session.add(job)
    session.flush()
    folder = upload_dir() / str(job.id)
    folder.mkdir(parents=True, exist_ok=True)
    for k, upload in enumerate(uploads):
        _upload_path(folder, k, upload.pasted).write_bytes(upload.data)
    return job


def _upload_path(folder: Path, position: int, pasted: bool) -> Path:
    """Where an upload waits: pasted text is marked, because it is read as text, whatever its
    name says."""
    return folder / f"{position}.pasted" if pasted else folder / str(position)


def queue_reading(job: ImportJob) -> None:
    """Read the job's files in the background."""
    jobs.runner().submit(job.id, read_job)


def queue_storing(job: ImportJob) -> None:
    """Store the job's files in the background."""
    jobs.runner().submit(job.id, store_job)


def read_job(job_id: int, report: Callable[[str, float], None]) -> None:
    """Decode, clean and detect the language of each file; the job then awaits confirmation."""
    session = db.get_session()
    job = session.get_one(ImportJob, job_id)
    max_bytes = current_app.config["MAX_INGEST_BYTES"]
    folder = upload_dir() / str(job.id)
    try:
        for k, file in enumerate(job.files):
            report(f"Reading {file.name}", k / len(job.files))
            _read_file(file, folder, max_bytes)
    except Exception:
        current_app.logger.exception("import %s: reading failed", job_id)
        session.rollback()
        _finish(session, job, "failed", "Reading the files failed unexpectedly; try again.")
        return
    readable = [f for f in job.files if not f.error]
    if readable:
        _finish(session, job, "preview", "")
    else:
        _finish(session, job, "failed", "None of the files could be read.")
    shutil.rmtree(folder, ignore_errors=True)


def _read_file(file: ImportFile, folder: Path, max_bytes: int) -> None:
    """Fill in the file's text and detected language, or the reason it cannot be used."""
    from corpus.clean import clean_text  # deferred: only import jobs clean text
    from corpus.read import read_pasted, read_upload  # deferred: lxml, markdown-it, charsets

    pasted = _upload_path(folder, file.position, pasted=True)
    try:
        if pasted.exists():
            text = read_pasted(file.name, pasted.read_text(encoding="utf-8"), max_bytes=max_bytes)
        else:
            data = _upload_path(folder, file.position, pasted=False).read_bytes()
            text = read_upload(file.name, data, max_bytes=max_bytes)
        cleaned = clean_text(text)
        if not cleaned.paragraphs:
            raise InputError(file.name, "no article text is left after removing page noise")
        code, confidence = detect_language(file.name, list(cleaned.texts))
    except InputError as exc:
        file.error = exc.reason
        return
    except OSError:
        file.error = "the uploaded file is gone (was Tandem's instance folder cleaned?)"
        return
    file.text, file.detected_lang, file.lang, file.lang_confidence = text, code, code, confidence


def _finish(session: Session, job: ImportJob, status: str, message: str) -> None:
    job.status, job.message, job.updated_at = status, message, datetime.now(UTC)
    session.commit()


def corrections(file: ImportFile) -> Corrections:
    """The lines the learner restored and removed."""
    return Corrections.from_json(file.overrides)


def correct_line(file: ImportFile, line: int, action: str) -> bool:
    """Apply the learner's correction to one line: "restore" a removal (or take back their own
    removal), "remove" a kept paragraph (or take back a restoration). Returns whether the line
    is now kept."""
    restore, remove = set(corrections(file).restore), set(corrections(file).remove)
    cleaned = _cleaned(file.text, Corrections())
    if action == "restore":
        if line in remove:
            remove.discard(line)
        elif any(r.line == line for r in cleaned.removed):
            restore.add(line)
        else:
            raise ImportProblem(f"Line {line} of {file.name} was not removed.")
    elif action == "remove":
        if line in restore:
            restore.discard(line)
        elif any(n == line for n, _ in _cleaned(file.text, corrections(file)).paragraphs):
            remove.add(line)
        else:
            raise ImportProblem(f"Line {line} of {file.name} is not in the text.")
    else:
        raise ImportProblem(f"Unknown correction {action!r}: use restore or remove.")
    file.overrides = Corrections(frozenset(restore), frozenset(remove)).to_json()
    return any(n == line for n, _ in _cleaned(file.text, corrections(file)).paragraphs)


def preview(file: ImportFile) -> list[PreviewLine]:
    """The file's paragraphs and removals in line order, as the learner's corrections leave
    them (a title whose site name was cut appears once kept, once as the removed part)."""
    cleaned = _cleaned(file.text, corrections(file))
    rows = [(line, text, "") for line, text in cleaned.paragraphs]
    rows += [(r.line, r.text, r.reason) for r in cleaned.removed]
    rows.sort(key=lambda row: (row[0], row[2] != ""))
    return [
        PreviewLine(line, text, reason, cleaned.section_of(line)) for line, text, reason in rows
    ]


@lru_cache(maxsize=16)
def _cleaned(text: str, corrections: Corrections) -> Cleaned:
    """Cleaning a book takes a while: the preview pages and corrections reuse the result."""
    from corpus.clean import clean_text  # deferred: only import previews clean text

    return clean_text(text, restore=corrections.restore, remove=corrections.remove)


def confirm(session: Session, job: ImportJob, languages: dict[int, str]) -> bool:
    """Take the learner's languages (file position → code) and mark the job for storing;
    False when it was already confirmed (a double-submitted form changes nothing).

    Every problem is reported at once: unknown codes, two files in one language, or a language
    the article already has.
    """
    if job.status in AFTER_CONFIRMING:
        return False
    if job.status != "preview":
        raise ImportProblem(f"This import is {job.status}, not waiting for confirmation.")
    problems = []
    usable = [f for f in job.files if not f.error]
    for file in usable:
        code = languages.get(file.position, file.lang)
        if code not in LANGUAGE_NAMES:
            problems.append(f"{file.name}: {code!r} is not a language Tandem knows.")
        else:
            file.lang = code
    seen: dict[str, str] = {}
    if job.article_id is not None:
        article = session.get_one(Article, job.article_id)
        seen = {v.lang: f"the article's {language_name(v.lang)} version" for v in article.versions}
    for file in usable:
        if file.lang in seen:
            problems.append(
                f"{file.name} is in {language_name(file.lang)}, like {seen[file.lang]}: "
                "a translation must be in another language (correct the language if it is wrong)."
            )
        seen.setdefault(file.lang, file.name)
    if problems:
        raise ImportProblem(" ".join(problems))
    job.status, job.message, job.updated_at = "queued", "", datetime.now(UTC)
    return True


def store_job(job_id: int, report: Callable[[str, float], None]) -> None:
    """Build the documents with the learner's corrections and store them in one transaction."""
    session = db.get_session()
    job = session.get_one(ImportJob, job_id)
    job.status, job.updated_at = "running", datetime.now(UTC)
    session.commit()
    try:
        status, message = _store(session, job, report)
    except CorpusError as exc:
        session.rollback()
        status, message = "failed", str(exc)
    except Exception:
        current_app.logger.exception("import %s: storing failed", job_id)
        session.rollback()
        status, message = "failed", "Storing the import failed unexpectedly; nothing was stored."
    if status != "done":
        session.rollback()
    _finish(session, job, status, message)


def _store(
    session: Session, job: ImportJob, report: Callable[[str, float], None]
) -> tuple[str, str]:
    """Store the job's documents; on any outcome but "done" the caller rolls back."""
    from corpus.embed import load_encoder  # deferred: numpy, loaded only to store an import
    from corpus.ingest import build_document  # deferred: the whole ingest pipeline
    from webapp import store  # deferred: it loads the ingest pipeline too

    usable = [f for f in job.files if not f.error]
    docs = []
    for k, file in enumerate(usable):
        report(f"Splitting {file.name} into sentences", 0.1 * k / len(usable))
        fixes = corrections(file)
        docs.append(
            build_document(
                _source(job, file),
                file.text,
                lang=file.lang,
                restore=fixes.restore,
                remove=fixes.remove,
            )
        )
    report("Loading the sentence model", 0.1)
    loaded = load_encoder()
    result = store.IngestReport()
    article = session.get(Article, job.article_id) if job.article_id is not None else None
    if job.article_id is not None and article is None:
        return "failed", "The article this translation was for has been deleted."
    labels = (
        store.group_labels(docs, [[d.source for d in docs]], result, "you put")
        if article is None
        else {}
    )
    docs = [d for d in docs if d.source not in result.refused]
    store.ingest_documents(
        session,
        docs,
        loaded.encoder,
        result,
        loaded.reason,
        labels,
        article=article,
        progress=report,
    )
    names = {_source(job, f): f.name for f in job.files}
    if result.failed:
        return "failed", "\n".join(
            f"{names.get(p.source, p.source)}: {p.reason}" for p in result.failed
        )
    if result.doubtful and not job.accept_doubtful:
        return "warning", "\n".join(
            f"{replace(d, source=names.get(d.source, d.source))}." for d in result.doubtful
        )
    _keep_corrections(session, docs)
    job.result_article_id = _result_article(session, docs)
    for file in job.files:
        file.text = ""  # stored as sentences now; the copy is not needed
    return "done", _summary(result)


def _source(job: ImportJob, file: ImportFile) -> str:
    """A version's source for an upload: unique to the job, so two uploads named alike are
    never taken for an update of one another."""
    return f"upload {job.id}/{file.position + 1}: {file.name}"


def _keep_corrections(session: Session, docs: Sequence[Document]) -> None:
    """Record on each new version the corrections that applied to it."""
    by_source = {d.source: d.corrections.to_json() for d in docs}
    for version in session.scalars(select(Version).where(Version.source.in_(list(by_source)))):
        version.overrides = by_source[version.source]


def _result_article(session: Session, docs: Sequence[Document]) -> int | None:
    """The article the documents are in now (also when they were already stored)."""
    checksums = [d.checksum for d in docs]
    return session.scalar(select(Version.article_id).where(Version.checksum.in_(checksums)))


def _summary(result: store.IngestReport) -> str:
    parts = []
    if result.added:
        parts.append(f"{len(result.added)} added")
    if result.unchanged:
        parts.append(f"{len(result.unchanged)} already in the library")
    return ", ".join(parts) + "." + "".join(f" Note: {note}." for note in result.notes)


def accept_doubtful(job: ImportJob) -> bool:
    """The learner keeps a translation the aligner doubts: store it after all. False when
    that was already decided (a double-submitted form changes nothing)."""
    if job.accept_doubtful and job.status in AFTER_CONFIRMING:
        return False
    if job.status != "warning":
        raise ImportProblem("This import has no warning to accept.")
    job.accept_doubtful, job.status, job.updated_at = True, "queued", datetime.now(UTC)
    return True


def can_retry(job: ImportJob) -> bool:
    """Whether running a failed job again could succeed: it failed while storing (its texts
    are kept) or before its uploads were read (they are still on disk)."""
    return job.status == "failed" and (
        any(f.text for f in job.files) or (upload_dir() / str(job.id)).is_dir()
    )


def retry(job: ImportJob) -> str:
    """Mark a failed job to run again from where it failed; returns the phase it restarts
    ("reading" or "storing"), or "" when it is not failed (already retried: nothing to do)."""
    if job.status != "failed":
        return ""
    job.updated_at = datetime.now(UTC)
    if any(f.text for f in job.files):
        job.status = "queued"
        return "storing"
    if not (upload_dir() / str(job.id)).is_dir():
        raise ImportProblem("The uploaded files are gone: start a new import.")
    for file in job.files:
        file.error = ""
    job.status = "reading"
    return "reading"


def discard(session: Session, job: ImportJob) -> None:
    """Forget the job and its uploads (stored articles stay)."""
    if job.status in RUNNING:
        raise ImportProblem("This import is running; wait for it to finish.")
    shutil.rmtree(upload_dir() / str(job.id), ignore_errors=True)
    session.delete(job)


def mark_interrupted(session: Session) -> None:
    """After a restart, jobs that were reading or storing will never finish: say so (their
    transaction was never committed, so nothing of them was stored)."""
    for job in session.scalars(select(ImportJob).where(ImportJob.status.in_(RUNNING))):
        job.status, job.message = "failed", INTERRUPTED
