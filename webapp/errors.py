"""The one error boundary: every exception a request raises becomes a page or a JSON error here.

Domain errors (the libraries' own exceptions) carry messages meant for people and become 400s;
HTTP errors keep their status; anything else is a bug, logged, rolled back and shown as a 500.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, InternalServerError

from corpus.errors import CorpusError
from decks.errors import DeckError
from webapp import db

# The libraries' base exceptions: their messages are written for people.
DOMAIN_ERRORS: tuple[type[Exception], ...] = (CorpusError, DeckError)


def init_app(app: Flask) -> None:
    """Register the handlers on `app`."""
    for error in DOMAIN_ERRORS:
        app.register_error_handler(error, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected_error)


def handle_domain_error(error: Exception) -> ResponseReturnValue:
    """A library refused the input: show its message, which says what to do about it."""
    db.rollback_session()
    return error_response(400, "Bad Request", str(error))


def handle_http_exception(error: HTTPException) -> ResponseReturnValue:
    """Render an HTTP error (404, 405, CSRF failure...) in our format, keeping its headers."""
    if error.response is not None:
        return error.response
    response = error.get_response()
    # Our body replaces the default page: its type and length must not travel with it.
    headers = [
        (k, v)
        for k, v in response.headers.items()
        if k.lower() not in ("content-type", "content-length")
    ]
    code = error.code or 500
    body, status = error_response(code, error.name, error.description or error.name)
    return body, status, headers


def handle_unexpected_error(error: Exception) -> ResponseReturnValue:
    """A bug: log it, discard the request's unfinished work and show a generic 500."""
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    db.rollback_session()
    server_error = InternalServerError()
    return error_response(500, server_error.name, server_error.description or server_error.name)


def error_response(code: int, title: str, message: str) -> tuple[Response | str, int]:
    """JSON `{"error": message}` for API calls and clients that prefer JSON, else an HTML page."""
    if wants_json():
        return jsonify(error=message), code
    return render_template("error.html", code=code, title=title, message=message), code


def wants_json() -> bool:
    """Whether the client asked for JSON: an `/api/` path, or an Accept header preferring it."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"
