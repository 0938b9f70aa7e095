"""The database wiring and the request boundary around it: pragmas, time zones, session
lifetime, security headers, the secret key and the error handlers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError

from corpus.errors import InputError
from webapp import CONTENT_SECURITY_POLICY, create_app
from webapp.db import get_engine, get_session
from webapp.models import Article


def test_sqlite_pragmas_are_on(app: Flask) -> None:
    with app.app_context():
        session = get_session()
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert session.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 10_000
        assert session.execute(text("PRAGMA busy_timeout")).scalar() == 5000


def test_utc_datetime_stores_utc_and_returns_aware_utc(app: Flask) -> None:
    paris_summer = timezone(timedelta(hours=2))
    with app.app_context():
        session = get_session()
        session.add(
            Article(slug="a", title="A", created_at=datetime(2024, 7, 1, 12, tzinfo=paris_summer))
        )
        session.commit()
        stored = session.execute(text("SELECT created_at FROM articles")).scalar()
        assert str(stored).startswith("2024-07-01 10:00:00")
        session.expire_all()
        loaded = session.execute(select(Article.created_at)).scalar_one()
    assert loaded == datetime(2024, 7, 1, 10, tzinfo=UTC)
    assert loaded.tzinfo is UTC


def test_utc_datetime_refuses_naive_datetimes(app: Flask) -> None:
    with app.app_context():
        session = get_session()
        session.add(Article(slug="a", title="A", created_at=datetime(2024, 7, 1, 12)))
        with pytest.raises(StatementError, match="naive datetime") as caught:
            session.flush()
        assert isinstance(caught.value.orig, ValueError)


def test_one_session_per_context_closed_at_teardown(app: Flask) -> None:
    engine = get_engine(app)
    with app.app_context():
        session = get_session()
        assert get_session() is session
        session.add(Article(slug="uncommitted", title="Never committed"))
        session.flush()
        assert engine.pool.checkedout() == 1  # type: ignore[attr-defined]
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    with app.app_context():
        assert get_session() is not session
        assert get_session().scalars(select(Article)).all() == []


def test_responses_carry_security_headers(app: Flask) -> None:
    @app.get("/probe")
    def probe() -> str:
        return "ok"

    response = app.test_client().get("/probe")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_secret_key_is_made_once_in_the_instance_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TANDEM_SECRET_KEY", raising=False)
    monkeypatch.setenv("TANDEM_INSTANCE_PATH", str(tmp_path / "instance"))
    first = create_app()
    second = create_app()
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) == 64
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o777 == 0o600
    assert first.config["DATABASE_URL"].endswith("/instance/tandem.sqlite3")
    assert first.config["MAX_INGEST_BYTES"] == 20 * 1024 * 1024


def add_failing_routes(app: Flask) -> None:
    """Routes that fail the three ways the error boundary distinguishes."""

    @app.get("/corpus-error")
    @app.get("/api/corpus-error")
    def corpus_error() -> str:
        raise InputError("<b>notes.txt</b>", "the file is empty")

    @app.get("/bug")
    def bug() -> str:
        get_session().add(Article(slug="half-done", title="Half done"))
        get_session().flush()
        raise RuntimeError("secret internals")


def test_domain_errors_become_400_pages_with_escaped_messages(app: Flask) -> None:
    add_failing_routes(app)
    response = app.test_client().get("/corpus-error")
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "&lt;b&gt;notes.txt&lt;/b&gt;: the file is empty" in response.text
    assert "Content-Security-Policy" in response.headers


def test_api_errors_are_json(app: Flask) -> None:
    add_failing_routes(app)
    client = app.test_client()
    response = client.get("/api/corpus-error")
    assert response.status_code == 400
    assert response.json == {"error": "<b>notes.txt</b>: the file is empty"}
    response = client.get("/nowhere", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert set(response.json or {}) == {"error"}


def test_http_errors_keep_status_and_headers(client: FlaskClient) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "404 Not Found" in response.text


def test_post_without_csrf_token_is_refused(app: Flask) -> None:
    @app.post("/form")
    def form() -> str:
        return "accepted"

    response = app.test_client().post("/form", data={"x": "1"})
    assert response.status_code == 400
    assert "CSRF" in response.text


def test_unexpected_errors_roll_back_and_hide_details(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    add_failing_routes(app)
    response = app.test_client().get("/bug", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert set(response.json or {}) == {"error"}
    assert "secret internals" not in response.text
    assert "unhandled error on GET /bug" in caplog.text
    with app.app_context():
        assert get_session().scalars(select(Article)).all() == []
