"""Adding articles in the browser: paste or upload, check the cleaned text and the languages,
then watch the import run in the background (`webapp.imports` does the work)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response

from corpus.language import LANGUAGE_NAMES
from webapp import imports, jobs, seed
from webapp.errors import wants_json
from webapp.models import Article, ImportFile, ImportJob
from webapp.pairs import find_article

bp = Blueprint("importer", __name__, url_prefix="/import")

PASTE_SLOTS = 3


@bp.get("/")
def new() -> str:
    """The form: upload files or paste texts, for a new article or as translations of one."""
    session = seed.prepared_session()
    article = _target_article(request.args.get("article"))
    return render_template(
        "importer/new.html",
        article=article,
        slots=range(1, PASTE_SLOTS + 1),
        recent=session.scalars(select(ImportJob).order_by(ImportJob.id.desc()).limit(5)).all(),
    )


@bp.post("/")
def create() -> ResponseReturnValue:
    """Save what was sent and start reading it in the background."""
    session = seed.prepared_session()
    article = _target_article(request.form.get("article"))
    uploads = [
        imports.Upload(upload.filename or "upload.txt", upload.read())
        for upload in request.files.getlist("files")
        if upload.filename
    ]
    for k in range(1, PASTE_SLOTS + 1):
        text = request.form.get(f"text-{k}", "")
        if text.strip():
            name = request.form.get(f"name-{k}", "").strip() or f"pasted text {k}"
            uploads.append(imports.Upload(name, text.encode("utf-8"), pasted=True))
    try:
        job = imports.start(session, uploads, article)
    except imports.ImportProblem as exc:
        session.rollback()
        page = render_template(
            "importer/new.html",
            article=article,
            slots=range(1, PASTE_SLOTS + 1),
            recent=[],
            error=str(exc),
            form=request.form,
        )
        return page, 400
    session.commit()
    imports.queue_reading(job)
    return redirect(url_for("importer.show", job_id=job.id), code=303)


def _target_article(key: str | None) -> Article | None:
    """The article to add translations to, when the learner came from one."""
    return find_article(seed.prepared_session(), key) if key else None


@bp.get("/<int:job_id>")
def show(job_id: int) -> str:
    """The job: progress while it runs, the preview while it waits, the outcome when done."""
    job = _job(job_id)
    files = [f for f in job.files if not f.error]
    current = _current_file(files)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    lines = imports.preview(current) if current and job.status == "preview" else []
    pages = max(1, -(-len(lines) // imports.PREVIEW_PAGE_LINES))
    page = min(page, pages)
    shown = lines[(page - 1) * imports.PREVIEW_PAGE_LINES : page * imports.PREVIEW_PAGE_LINES]
    return render_template(
        "importer/job.html",
        job=job,
        status=status(job),
        can_retry=imports.can_retry(job),
        files=files,
        failed=[f for f in job.files if f.error],
        current=current,
        lines=shown,
        removed=sum(1 for line in lines if line.removed),
        page=page,
        pages=pages,
        languages=sorted(LANGUAGE_NAMES.items(), key=lambda item: item[1]),
    )


def _current_file(files: list[ImportFile]) -> ImportFile | None:
    wanted = request.args.get("file", type=int)
    return next((f for f in files if f.position == wanted), files[0] if files else None)


@bp.get("/<int:job_id>/status")
def job_status(job_id: int) -> Response:
    """What the page polls while the job runs."""
    return jsonify(status(_job(job_id)))


def status(job: ImportJob) -> dict[str, Any]:
    """The job's state for people: status, stage, progress, message, and where to go next."""
    # Progress lives with the worker while a job runs (its transaction is still open).
    stage, progress = jobs.runner().progress(job.id) or ("", 1.0 if job.status == "done" else 0.0)
    return {
        "status": job.status,
        "stage": stage,
        "progress": round(progress, 3),
        "message": job.message,
        "article": (
            url_for("reader.read", key=job.result_article_id) if job.result_article_id else None
        ),
    }


@bp.post("/<int:job_id>/files/<int:position>/lines/<int:line>")
def correct(job_id: int, position: int, line: int) -> ResponseReturnValue:
    """Restore a line the cleaner removed, or remove one it kept (the other way takes it back)."""
    session = seed.prepared_session()
    job = _job(job_id)
    if job.status != "preview":
        raise BadRequest("The text can only be corrected before the import is confirmed.")
    file = next((f for f in job.files if f.position == position and not f.error), None)
    if file is None:
        abort(404)
    body = request.get_json(silent=True) if request.is_json else None
    action = (body or {}).get("correction") or request.form.get("correction", "")
    kept = imports.correct_line(file, line, str(action))
    session.commit()
    if wants_json():
        return jsonify(line=line, kept=kept)
    page = request.form.get("page", 1, type=int)
    target = url_for("importer.show", job_id=job.id, file=position, page=page)
    return redirect(f"{target}#line-{line}", code=303)


@bp.post("/<int:job_id>/confirm")
def confirm(job_id: int) -> Response:
    """Import with the languages the learner confirmed."""
    session = seed.prepared_session()
    job = _job(job_id)
    languages = {
        f.position: request.form.get(f"lang-{f.position}", f.lang).strip() for f in job.files
    }
    return _run(job, "storing" if imports.confirm(session, job, languages) else "")


@bp.post("/<int:job_id>/accept")
def accept(job_id: int) -> Response:
    """Keep a translation the aligner doubts."""
    job = _job(job_id)
    return _run(job, "storing" if imports.accept_doubtful(job) else "")


@bp.post("/<int:job_id>/retry")
def retry(job_id: int) -> Response:
    """Run a failed job again."""
    job = _job(job_id)
    return _run(job, imports.retry(job))


def _run(job: ImportJob, phase: str) -> Response:
    """Commit the job's new state, start its `phase` ("" when a double-submitted form found
    it already started), and show the job."""
    seed.prepared_session().commit()
    if phase == "reading":
        imports.queue_reading(job)
    elif phase == "storing":
        imports.queue_storing(job)
    return redirect(url_for("importer.show", job_id=job.id), code=303)


@bp.post("/<int:job_id>/discard")
def discard(job_id: int) -> Response:
    """Forget the job (what it stored stays in the library)."""
    session = seed.prepared_session()
    imports.discard(session, _job(job_id))
    session.commit()
    return redirect(url_for("importer.new"), code=303)


def _job(job_id: int) -> ImportJob:
    job = seed.prepared_session().get(ImportJob, job_id)
    if job is None:
        abort(404, description=f"There is no import {job_id}.")
    return job
