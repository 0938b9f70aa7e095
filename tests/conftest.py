"""Fixtures in the flaskr style: an app on a fresh SQLite file per test, its client and runner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from playwright.sync_api import Browser, sync_playwright

from corpus.embed import Encoder, load_encoder
from corpus.ingest import load_document
from corpus.model import Document
from tests.browser import launch_chromium
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
            "SEED_CORPUS": False,
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


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    """The real sentence-embedding model, loaded once; its absence is a failure, not a skip."""
    loaded = load_encoder()
    assert loaded.encoder is not None, loaded.reason
    return loaded.encoder


SEEDS = Path(__file__).parent.parent / "corpus" / "articles"
SEED_FILES = {
    "id": SEEDS / "000_8f123585864df893.txt",
    "it": SEEDS / "001_2a7579b3dd081df8.txt",
    "ar": SEEDS / "002_e08fb0561d16d1ad.txt",
    "de": SEEDS / "003_df6d18255d5365cb.txt",
}
OTHER_ARTICLE = SEEDS / "004_bf70c1f2b191f604.txt"


@pytest.fixture(scope="session")
def seed_docs() -> dict[str, Document]:
    """The four translations of the seed article, loaded through the real pipeline."""
    return {lang: load_document(path) for lang, path in SEED_FILES.items()}


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, shared by a module of browser tests."""
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()
