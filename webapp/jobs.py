"""Background work for the web app: one worker thread per app, so a long import never holds a
request, and the progress a running job reports, kept in memory for the page to poll.

Progress lives in memory rather than the database because the job's own transaction is still
open while it works (an import is one transaction), and SQLite has one writer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from flask import Flask, current_app

from webapp import db

RUNNER_KEY = "tandem_jobs"

Work = Callable[[int, Callable[[str, float], None]], None]


class Runner:
    """Runs jobs one at a time in a worker thread, each in an app context with its own session."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tandem-job")
        self._lock = threading.Lock()
        self._progress: dict[int, tuple[str, float]] = {}

    def submit(self, job_id: int, work: Work) -> Future[None]:
        """Queue `work(job_id, report)`; `report(stage, fraction)` publishes its progress."""
        with self._lock:
            self._progress[job_id] = ("Waiting for the previous import to finish", 0.0)
        return self._pool.submit(self._run, job_id, work)

    def progress(self, job_id: int) -> tuple[str, float] | None:
        """What a queued or running job last reported, or None when it is not running here."""
        with self._lock:
            return self._progress.get(job_id)

    def wait(self) -> None:
        """Block until every job submitted so far has finished (for tests and shutdown)."""
        self._pool.submit(lambda: None).result()

    def _run(self, job_id: int, work: Work) -> None:
        def report(stage: str, fraction: float) -> None:
            with self._lock:
                self._progress[job_id] = (stage, max(0.0, min(1.0, fraction)))

        try:
            with self.app.app_context():
                try:
                    work(job_id, report)
                finally:
                    db.close_session()
        finally:
            with self._lock:
                self._progress.pop(job_id, None)


def init_app(app: Flask) -> None:
    """Give the app its runner."""
    app.extensions[RUNNER_KEY] = Runner(app)


def runner(app: Flask | None = None) -> Runner:
    """The runner of `app` (default: the current app)."""
    result: Runner = (app or current_app).extensions[RUNNER_KEY]
    return result
