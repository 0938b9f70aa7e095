"""SQLite checkpoints in a background thread, so that no request waits for one.

In WAL mode a commit appends to the write-ahead log and a checkpoint copies the log into the
database file and syncs both. SQLite runs one inside the commit that brings the log to 1,000
pages: on the review benchmark that made one answer in a hundred wait 20 to 30 ms (pages
scattered over a large file, and two fsyncs), right at the 99th percentile. Here one thread
checkpoints a database every EVERY_COMMITS commits instead; SQLite's own checkpoint only
backs it up, at BACKSTOP_PAGES.

Commits keep `synchronous=FULL` (see `webapp.db`): an answer the learner saw accepted
survives a power cut too. That costs an fsync of the log per commit; with checkpoints out of
the way the answer's p99 stays near 5-7 ms on the review benchmark.

The thread opens its own short connection, so a database file must not be replaced while
checkpoints may run: `Engine.dispose()` waits for a running checkpoint of the engine's file
and cancels a pending one, the same promise it makes about the engine's own connections.
"""

from __future__ import annotations

import itertools
import logging
import sqlite3
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import sessionmaker

log = logging.getLogger(__name__)

EVERY_COMMITS = 20  # an answer writes about ten pages: a checkpoint of ~200 pages
BACKSTOP_PAGES = 10_000  # SQLite's own checkpoint, should the thread fall this far behind
_RETRIES = 3  # checkpoints again while commits land during one, so the log can restart

_pending: set[Path] = set()  # databases waiting for a checkpoint
_running: Path | None = None  # the database being checkpointed now
_changed = threading.Condition()
_thread: threading.Thread | None = None


def checkpoint_after_commits(engine: Engine, sessions: sessionmaker[Any], path: Path) -> None:
    """Checkpoint the SQLite file `path` in the background every EVERY_COMMITS commits of
    sessions from `sessions`; stop when `engine` is disposed."""
    commits = itertools.count(1)

    def committed(session: Any) -> None:
        if next(commits) % EVERY_COMMITS == 0:
            _request(path)

    event.listen(sessions, "after_commit", committed)
    event.listen(engine, "engine_disposed", lambda engine: _forget(path))


def _request(path: Path) -> None:
    """Ask for a checkpoint of `path`, starting the thread on the first request."""
    global _thread
    with _changed:
        _pending.add(path)
        _changed.notify_all()
        if _thread is None:
            _thread = threading.Thread(target=_serve, name="sqlite-checkpoints", daemon=True)
            _thread.start()


def _forget(path: Path) -> None:
    """Cancel a pending checkpoint of `path` and wait for a running one to end."""
    with _changed:
        _pending.discard(path)
        _changed.wait_for(lambda: _running != path)


def _serve() -> None:
    """Checkpoint the databases asked for, one at a time, forever."""
    global _running
    while True:
        with _changed:
            _changed.wait_for(lambda: bool(_pending))
            path = _running = _pending.pop()
        try:
            _checkpoint(path)
        finally:
            with _changed:
                _running = None
                _changed.notify_all()


def _checkpoint(path: Path) -> None:
    """Passive checkpoints, which never wait for readers or writers, until the whole log is
    in the file (a few tries): only then can the next commit start the log afresh. One that
    fails is logged and left to the next, or to SQLite's own; a file that is gone is not
    made again (`mode=rw`)."""
    try:
        connection = sqlite3.connect(f"{path.as_uri()}?mode=rw", uri=True)
        try:
            for _ in range(_RETRIES):
                _, in_log, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                if copied == in_log:
                    break
        finally:
            connection.close()
    except sqlite3.Error as error:
        log.warning("checkpoint of %s failed: %s", path, error)
