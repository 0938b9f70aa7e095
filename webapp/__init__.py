"""Tandem's web application: the factory that wires configuration, database, errors and security.

`webapp` alone owns persistence, HTTP, templates and the command line; `corpus` and `decks` stay
plain libraries it calls.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response
from flask_wtf.csrf import CSRFProtect

from webapp import (
    alignedit,
    api,
    browse,
    db,
    errors,
    importer,
    imports,
    jobs,
    library,
    reader,
    reviewer,
    settings,
    stats,
)

csrf = CSRFProtect()

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
DEFAULT_MAX_INGEST_BYTES = 20 * 1024 * 1024


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. Configuration comes from the environment; `test_config` overrides it.

    `TANDEM_INSTANCE_PATH` moves the instance folder (database and secret key) elsewhere.
    """
    instance_path = os.environ.get("TANDEM_INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=os.path.abspath(instance_path) if instance_path else None,
        instance_relative_config=True,
    )
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(
        DATABASE_URL=os.environ.get("TANDEM_DATABASE_URL")
        or f"sqlite:///{instance / 'tandem.sqlite3'}",
        MAX_INGEST_BYTES=_int_from_env("TANDEM_MAX_INGEST_BYTES", DEFAULT_MAX_INGEST_BYTES),
        SEED_CORPUS=True,
    )
    if test_config is not None:
        app.config.from_mapping(test_config)
    # A request may carry several files (or pasted texts) of the per-file limit each; each file
    # is then checked against the limit itself, with a message that names it.
    request_limit = app.config["MAX_INGEST_BYTES"] * imports.MAX_FILES + 1024 * 1024
    app.config.setdefault("MAX_CONTENT_LENGTH", request_limit)
    app.config.setdefault("MAX_FORM_MEMORY_SIZE", request_limit)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ.get("TANDEM_SECRET_KEY") or _instance_secret_key(
            instance
        )

    db.init_app(app)
    jobs.init_app(app)
    errors.init_app(app)
    app.register_blueprint(library.bp)
    app.register_blueprint(reader.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(reviewer.bp)
    app.register_blueprint(browse.bp)
    app.register_blueprint(settings.bp)
    app.register_blueprint(stats.bp)
    app.register_blueprint(importer.bp)
    app.register_blueprint(alignedit.bp)
    csrf.init_app(app)
    app.after_request(_set_security_headers)
    return app


def _set_security_headers(response: Response) -> Response:
    """Every response forbids inline scripts, framing and MIME sniffing."""
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _int_from_env(name: str, default: int) -> int:
    """An integer setting from the environment, with an error that names the variable."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name} must be a whole number of bytes, not {value!r}") from None


def _instance_secret_key(instance: Path) -> str:
    """A random key made on first start and kept in the instance folder, so sessions and CSRF
    tokens survive restarts without anyone having to configure a secret."""
    path = instance / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as file:
        file.write(key + "\n")
    return key
