"""Fixtures in the flaskr style: an app on a fresh SQLite file per test, its client and runner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from webapp import create_app
from webapp.db import get_engine, upgrade_database


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """An app migrated to head, with its instance folder under `tmp_path` (CSRF stays on)."""
    for name in ("TANDEM_DATABASE_URL", "TANDEM_SECRET_KEY", "TANDEM_MAX_INGEST_BYTES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TANDEM_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'tandem.sqlite3'}",
        }
    )
    upgrade_database(app)
    yield app
    get_engine(app).dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for `app`."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A CLI runner for `app`'s commands."""
    return app.test_cli_runner()
