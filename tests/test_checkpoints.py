"""Background checkpoints: commits are copied into the database file off the request path,
disposing of the engine waits for them, and a missing file is never made again."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
import uuid
from pathlib import Path

import pytest
from flask import Flask

from webapp import checkpoints
from webapp.db import get_engine, get_session
from webapp.models import Article


def add_articles(app: Flask, count: int) -> None:
    """`count` commits through the app's sessions, one new article each."""
    with app.app_context():
        session = get_session()
        for _ in range(count):
            slug = uuid.uuid4().hex
            session.add(Article(slug=slug, title=slug))
            session.commit()


def database_file(app: Flask) -> Path:
    return Path(get_engine(app).url.database or "")


def articles_in_the_file(path: Path) -> int:
    """Articles in the database file itself, ignoring the write-ahead log."""
    connection = sqlite3.connect(f"{path.as_uri()}?immutable=1", uri=True)
    try:
        return int(connection.execute("SELECT count(*) FROM articles").fetchone()[0])
    finally:
        connection.close()


def test_every_few_commits_are_checkpointed_in_the_background(app: Flask) -> None:
    done = threading.Event()
    real = checkpoints._checkpoint

    def checkpoint(path: Path) -> None:
        real(path)
        done.set()

    get_engine(app).dispose()  # the last connection out leaves the schema in the file
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(checkpoints, "_checkpoint", checkpoint)
        add_articles(app, checkpoints.EVERY_COMMITS - 1)
        assert articles_in_the_file(database_file(app)) == 0  # all still in the log
        add_articles(app, 1)
        assert done.wait(10), "no checkpoint after EVERY_COMMITS commits"
    assert articles_in_the_file(database_file(app)) == checkpoints.EVERY_COMMITS


def test_disposing_of_the_engine_waits_for_a_running_checkpoint(app: Flask) -> None:
    started, finished = threading.Event(), threading.Event()

    def slow_checkpoint(path: Path) -> None:
        started.set()
        time.sleep(0.3)
        finished.set()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(checkpoints, "_checkpoint", slow_checkpoint)
        add_articles(app, checkpoints.EVERY_COMMITS)
        assert started.wait(10)
        get_engine(app).dispose()
        assert finished.is_set()  # the file is the caller's again: nothing is writing to it


def test_a_missing_database_is_not_made_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    missing = tmp_path / "gone.sqlite3"
    with caplog.at_level(logging.WARNING, logger="webapp.checkpoints"):
        checkpoints._checkpoint(missing)
    assert not missing.exists()
    assert "checkpoint of" in caplog.text
