"""Helpers for the browser tests: the app served by waitress in a thread, and Debian's Chromium.

The server is the one production uses (waitress), on a free port, so the browser sees the real
headers, CSRF checks and static files. Playwright drives the system Chromium; it never downloads
a browser of its own.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Playwright
from waitress import create_server

from webapp import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def browser_app(root: Path, *, seed: bool) -> Flask:
    """An app for a module of browser tests: its own SQLite file and instance folder under
    `root`, none of the developer's environment, the shipped corpus only if `seed`."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("TANDEM_DATABASE_URL", "TANDEM_SECRET_KEY", "TANDEM_MAX_INGEST_BYTES"):
            patch.delenv(name, raising=False)
        patch.setenv("TANDEM_INSTANCE_PATH", str(root / "instance"))
        return create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "browser-tests",
                "SEED_CORPUS": seed,
                "DATABASE_URL": f"sqlite:///{root / 'tandem.sqlite3'}",
            }
        )


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Serve `app` with waitress on a free local port; yield its base URL, then stop it."""
    server = create_server(app, host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        # Kept-alive browser connections keep the loop running: close them too, so it ends.
        for channel in list(server._map.values()):
            channel.close()
        server.task_dispatcher.shutdown()
        thread.join(timeout=10)


def launch_chromium(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless; a missing browser fails the test with what to install."""
    if not CHROMIUM.is_file():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests drive Debian's Chromium "
            "(apt-get install chromium); Playwright's own browsers are not used",
            pytrace=False,
        )
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
