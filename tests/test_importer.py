"""Importing in the browser: upload or paste, preview and correct the cleaning and languages,
store in the background; every bad input gets a clear message and nothing half-imported."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.conftest import OTHER_ARTICLE, SEED_FILES
from tests.test_api import csrf_token
from tests.test_document import seed_book
from webapp import db, imports, jobs, store
from webapp.models import Alignment, Article, ImportJob, Paragraph, Sentence, Version


def post_import(
    client: FlaskClient,
    *,
    files: dict[str, bytes] | None = None,
    pastes: tuple[str, ...] = (),
    article: str | None = None,
) -> Any:
    """Send the import form as a browser would."""
    data: dict[str, Any] = {"csrf_token": csrf_token(client)}
    if files:
        data["files"] = [(io.BytesIO(content), name) for name, content in files.items()]
    for k, text in enumerate(pastes, start=1):
        data[f"text-{k}"] = text
    if article:
        data["article"] = article
    return client.post("/import/", data=data, content_type="multipart/form-data")


def job_id(response: Any) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)
    match = re.search(r"/import/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def settle(app: Flask) -> None:
    """Wait for the background worker to finish what it was given."""
    jobs.runner(app).wait()


def job(app: Flask, number: int) -> ImportJob:
    with app.app_context():
        found = db.get_session().get(ImportJob, number)
        assert found is not None
        found.files  # load them before the session closes  # noqa: B018
        return found


def confirm(client: FlaskClient, number: int, **languages: str) -> Any:
    data = {"csrf_token": csrf_token(client), **languages}
    return client.post(f"/import/{number}/confirm", data=data)


def seed_text(lang: str) -> bytes:
    return SEED_FILES[lang].read_bytes()


def counts(app: Flask) -> tuple[int, int, int]:
    """Articles, versions and sentences stored."""
    with app.app_context():
        session = db.get_session()
        return (
            session.scalar(select(func.count(Article.id))) or 0,
            session.scalar(select(func.count(Version.id))) or 0,
            session.scalar(select(func.count(Sentence.id))) or 0,
        )


def imported(client: FlaskClient, app: Flask, **kwargs: Any) -> int:
    """Upload, wait for the preview, confirm, wait for the import; the job's number."""
    number = job_id(post_import(client, **kwargs))
    settle(app)
    assert job(app, number).status == "preview", job(app, number).message
    assert confirm(client, number).status_code == 303
    settle(app)
    return number


def test_two_uploaded_files_become_one_aligned_article(app: Flask, client: FlaskClient) -> None:
    files = {"id.txt": seed_text("id"), "de.txt": seed_text("de")}
    number = job_id(post_import(client, files=files))
    settle(app)
    page = client.get(f"/import/{number}").get_data(as_text=True)
    assert "Indonesian" in page and "German" in page
    assert 'class="removed"' in page  # the page noise the cleaner took out is shown
    assert confirm(client, number).status_code == 303
    settle(app)
    finished = job(app, number)
    assert finished.status == "done", finished.message
    with app.app_context():
        session = db.get_session()
        article = session.get_one(Article, finished.result_article_id)
        assert sorted(v.lang for v in article.versions) == ["de", "id"]
        alignment = session.scalar(select(Alignment).where(Alignment.article_id == article.id))
        assert alignment is not None and alignment.links
        slug = article.slug
    done = client.get(f"/import/{number}").get_data(as_text=True)
    assert "Read it now" in done
    assert client.get(f"/read/{slug}?learn=id&help=de").status_code == 200


def test_pasted_texts_import_like_files(app: Flask, client: FlaskClient) -> None:
    pasted = (seed_text("it").decode("utf-8"), seed_text("ar").decode("utf-8"))
    number = imported(client, app, pastes=pasted)
    finished = job(app, number)
    assert finished.status == "done", finished.message
    assert counts(app)[:2] == (1, 2)


def test_the_learner_restores_and_removes_lines_before_saving(
    app: Flask, client: FlaskClient
) -> None:
    number = job_id(post_import(client, files={"id.txt": seed_text("id")}))
    settle(app)
    file = job(app, number).files[0]
    lines = imports.preview(file)
    removed = next(line for line in lines if line.removed and len(line.text.split()) > 1)
    kept = next(line for line in lines if not line.removed and len(line.text.split()) > 8)
    token = csrf_token(client)
    for row in (removed, kept):
        response = client.post(
            f"/import/{number}/files/0/lines/{row.line}",
            headers={"X-CSRFToken": token, "Accept": "application/json"},
            json={"correction": "restore" if row.removed else "remove"},
        )
        assert response.status_code == 200
        assert response.get_json()["kept"] == bool(row.removed)
    assert confirm(client, number).status_code == 303
    settle(app)
    assert job(app, number).status == "done", job(app, number).message
    with app.app_context():
        text = " ".join(db.get_session().scalars(select(Sentence.text)))
    assert removed.text.split()[0] in text
    assert kept.text not in text


def test_a_corrected_language_is_stored(app: Flask, client: FlaskClient) -> None:
    number = job_id(post_import(client, files={"text.txt": seed_text("it")}))
    settle(app)
    assert job(app, number).files[0].detected_lang == "it"
    assert confirm(client, number, **{"lang-0": "es"}).status_code == 303
    settle(app)
    assert job(app, number).status == "done", job(app, number).message
    with app.app_context():
        assert db.get_session().scalars(select(Version.lang)).all() == ["es"]


def test_a_translation_attaches_to_an_existing_article(app: Flask, client: FlaskClient) -> None:
    first = imported(client, app, files={"it.txt": seed_text("it")})
    with app.app_context():
        slug = db.get_session().get_one(Article, job(app, first).result_article_id).slug
    form = client.get(f"/import/?article={slug}").get_data(as_text=True)
    assert "Add a translation" in form
    second = imported(client, app, files={"de.txt": seed_text("de")}, article=slug)
    assert job(app, second).status == "done", job(app, second).message
    assert counts(app)[:2] == (1, 2)


def test_double_submitted_confirmation_imports_once(app: Flask, client: FlaskClient) -> None:
    number = job_id(post_import(client, files={"it.txt": seed_text("it")}))
    settle(app)
    assert confirm(client, number).status_code == 303
    assert confirm(client, number).status_code == 303  # the second click changes nothing
    settle(app)
    assert job(app, number).status == "done"
    assert counts(app)[:2] == (1, 1)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "empty"),
        ("binary.txt", bytes(range(256)) * 40, "binary"),
        ("broken.txt", "Caffè e latte. ".encode() * 50 + b"\xe2\x82 e poi", "damaged"),
        ("book.epub", b"this is not a zip archive at all", "ZIP"),
        ("notes.docx", b"PK\x03\x04 whatever", "unsupported"),
    ],
    ids=["empty", "binary", "undecodable", "epub-not-zip", "unsupported-type"],
)
def test_a_bad_file_is_named_with_its_reason(
    app: Flask, client: FlaskClient, name: str, content: bytes, message: str
) -> None:
    number = job_id(post_import(client, files={name: content}))
    settle(app)
    failed = job(app, number)
    assert failed.status == "failed"
    assert message.lower() in failed.files[0].error.lower(), failed.files[0].error
    page = client.get(f"/import/{number}").get_data(as_text=True)
    assert name in page and "nothing was stored" in page
    assert "Try again" not in page  # the same bytes would fail the same way
    assert counts(app) == (0, 0, 0)


def test_a_file_over_the_size_limit_is_refused(app: Flask, client: FlaskClient) -> None:
    app.config["MAX_INGEST_BYTES"] = 1000
    number = job_id(post_import(client, files={"it.txt": seed_text("it")}))
    settle(app)
    error = job(app, number).files[0].error
    assert "MB" in error or "KB" in error or "bytes" in error, error


def test_a_zip_bomb_epub_is_refused(app: Flask, client: FlaskClient) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        archive.writestr("OEBPS/chapter.xhtml", b"\0" * (300 * 1024 * 1024))
    number = job_id(post_import(client, files={"bomb.epub": buffer.getvalue()}))
    settle(app)
    failed = job(app, number)
    assert failed.status == "failed"
    assert failed.files[0].error, failed.files[0]


def test_scripts_in_html_never_reach_the_page(app: Flask, client: FlaskClient) -> None:
    html = (
        "<html><head><title>Bibliotheken</title><script>alert('x')</script></head><body>"
        "<article><h1>Bibliotheken bleiben länger offen</h1>"
        + "".join(
            f"<p>Die Stadt hat beschlossen, die Bibliothek Nummer {k} bis spät am Abend zu "
            "öffnen, damit alle lesen können. &lt;script&gt;alert(1)&lt;/script&gt;</p>"
            for k in range(8)
        )
        + "</article></body></html>"
    )
    number = job_id(post_import(client, files={"page.html": html.encode()}))
    settle(app)
    page = client.get(f"/import/{number}").get_data(as_text=True)
    assert "alert('x')" not in page
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)" in page


def test_two_files_in_one_language_are_refused_at_confirmation(
    app: Flask, client: FlaskClient
) -> None:
    other = OTHER_ARTICLE.read_bytes()
    number = job_id(post_import(client, files={"a.txt": seed_text("de"), "b.txt": other}))
    settle(app)
    response = confirm(client, number)
    assert response.status_code == 400
    assert "a translation must be in another language" in response.get_data(as_text=True)
    assert job(app, number).status == "preview"
    assert counts(app) == (0, 0, 0)


def test_a_translation_in_the_article_language_is_refused(app: Flask, client: FlaskClient) -> None:
    first = imported(client, app, files={"de.txt": seed_text("de")})
    with app.app_context():
        slug = db.get_session().get_one(Article, job(app, first).result_article_id).slug
    number = job_id(post_import(client, files={"b.txt": OTHER_ARTICLE.read_bytes()}, article=slug))
    settle(app)
    response = confirm(client, number)
    assert response.status_code == 400
    assert "German" in response.get_data(as_text=True)


def test_an_unrelated_text_is_held_back_until_the_learner_accepts_it(
    app: Flask, client: FlaskClient
) -> None:
    first = imported(client, app, files={"it.txt": seed_text("it")})
    with app.app_context():
        slug = db.get_session().get_one(Article, job(app, first).result_article_id).slug
    number = imported(client, app, files={"other.txt": OTHER_ARTICLE.read_bytes()}, article=slug)
    held = job(app, number)
    assert held.status == "warning", held.message
    assert "does not look like a translation" in held.message
    assert counts(app)[1] == 1  # nothing stored yet
    page = client.get(f"/import/{number}").get_data(as_text=True)
    assert "Import anyway" in page
    client.post(f"/import/{number}/accept", data={"csrf_token": csrf_token(client)})
    settle(app)
    assert job(app, number).status == "done", job(app, number).message
    assert counts(app)[1] == 2


def test_a_crash_while_storing_leaves_nothing_half_imported(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_realign = store._realign

    def crash(*args: Any, **kwargs: Any) -> Any:
        real_realign(*args, **kwargs)  # rows are written (flushed) before the crash
        raise RuntimeError("power cut")

    monkeypatch.setattr(store, "_realign", crash)
    number = imported(client, app, files={"it.txt": seed_text("it"), "de.txt": seed_text("de")})
    failed = job(app, number)
    assert failed.status == "failed"
    assert "nothing was stored" in failed.message.lower()
    assert counts(app) == (0, 0, 0)
    monkeypatch.setattr(store, "_realign", real_realign)
    client.post(f"/import/{number}/retry", data={"csrf_token": csrf_token(client)})
    settle(app)
    assert job(app, number).status == "done", job(app, number).message
    assert counts(app)[:2] == (1, 2)


def test_an_import_interrupted_by_a_restart_says_so(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        session = db.get_session()
        session.add(ImportJob(status="running"))
        session.commit()
        imports.mark_interrupted(session)
        session.commit()
        stuck = session.scalars(select(ImportJob)).one()
        assert stuck.status == "failed" and stuck.message == imports.INTERRUPTED


def test_the_import_form_needs_something_to_import(client: FlaskClient) -> None:
    response = post_import(client)
    assert response.status_code == 400
    assert "Choose a file or paste a text" in response.get_data(as_text=True)


def test_the_status_is_json_for_the_page_to_poll(app: Flask, client: FlaskClient) -> None:
    number = job_id(post_import(client, pastes=(seed_text("it").decode(),)))
    settle(app)
    state = client.get(f"/import/{number}/status").get_json()
    assert state["status"] == "preview"
    assert set(state) >= {"stage", "progress", "message", "article"}


def test_posting_without_a_csrf_token_is_refused(client: FlaskClient) -> None:
    response = client.post("/import/", data={"text-1": "Ciao"})
    assert response.status_code == 400


def test_two_epub_books_import_with_their_chapters(app: Flask, client: FlaskClient) -> None:
    books = {
        "libro.epub": seed_book("it", 0, {0, 1, 2, 3}, "Capitolo"),
        "buch.epub": seed_book("de", 2, {0, 1, 3}, "Kapitel"),
    }
    number = job_id(post_import(client, files=books))
    settle(app)
    page = client.get(f"/import/{number}").get_data(as_text=True)
    assert "Chapter 2" in page  # the preview marks where each chapter starts
    assert confirm(client, number).status_code == 303
    settle(app)
    assert job(app, number).status == "done", job(app, number).message
    with app.app_context():
        sections = db.get_session().execute(
            select(Version.lang, func.max(Paragraph.section)).join(Paragraph).group_by(Version.id)
        )
        assert dict(sections.all()) == {"it": 3, "de": 2}
