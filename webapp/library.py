"""The library: every article, titled in the learner's language, with its languages, length,
reading progress and cards; and the "I am learning X, I read Y" choice."""

from __future__ import annotations

import io
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, send_file, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response

from corpus.language import LANGUAGE_NAMES, language_name
from webapp import pairs, seed
from webapp.models import Card, Note, ReadingPosition, Version
from webapp.preferences import Languages, get_languages, set_languages
from webapp.reading import direction

bp = Blueprint("library", __name__)


def entries(session: Session, chosen: Languages) -> list[dict[str, Any]]:
    """Article summaries with what the library shows for the learner's choice of languages."""
    cards = dict(
        session.execute(
            select(Note.article_id, func.count(Card.id)).join(Card).group_by(Note.article_id)
        ).all()
    )
    positions = {
        (p.article_id, p.lang): p.position for p in session.scalars(select(ReadingPosition))
    }
    result = []
    for article in pairs.article_summaries(session):
        versions = {v["lang"]: v for v in article["versions"]}
        learn = chosen.learning if chosen.learning in versions else next(iter(versions))
        read = positions.get((article["id"], learn))
        sentences = versions[learn]["sentences"] or 1
        # The title in the learner's language, else in the language they read, else any.
        titled = [
            v
            for v in (versions.get(learn), versions.get(chosen.reading or ""), *versions.values())
            if v and v["title"]
        ]
        result.append(
            {
                **article,
                "display_title": titled[0]["title"] if titled else article["title"],
                "title_lang": titled[0]["lang"] if titled else versions[learn]["lang"],
                "learn": learn,
                "sentences": versions[learn]["sentences"],
                "progress": 0 if read is None else round(100 * (read + 1) / sentences),
                "cards": cards.get(article["id"], 0),
                "single_language": len(versions) == 1,
            }
        )
    return result


@bp.get("/")
def index() -> str:
    """List the articles (the shipped corpus on first run)."""
    session = seed.prepared_session()
    chosen = get_languages(session)
    return render_template("library/index.html", articles=entries(session, chosen))


@bp.post("/languages")
def choose_languages() -> Response:
    """Remember the learner's languages, then go back where they were."""
    learning = request.form.get("learning", "")
    reading = request.form.get("reading", "")
    problems = [
        f"{code!r} is not a language code"
        for code in (learning, reading)
        if code not in LANGUAGE_NAMES
    ]
    if learning == reading:
        problems.append("choose two different languages")
    if problems:
        raise BadRequest("; ".join(problems))
    session = seed.prepared_session()
    set_languages(session, learning, reading)
    session.commit()
    return redirect(_local(request.form.get("next", "")) or url_for("library.index"))


def _local(target: str) -> str | None:
    """`target` if it is a path on this site, else None: never redirect elsewhere. Control
    characters and backslashes are refused because browsers and Werkzeug rewrite them."""
    parts = urlsplit(target)
    if (
        not target.startswith("/")
        or target.startswith("//")
        or parts.scheme
        or parts.netloc
        or "\\" in target
        or not target.isprintable()
    ):
        return None
    return target


@bp.app_context_processor
def language_context() -> dict[str, Any]:
    """Every page's header offers the language choice. It is a function the header calls, so
    that an error page, which has no header, never touches the database."""

    def language_menu() -> dict[str, Any]:
        session = seed.prepared_session()
        codes = session.scalars(select(Version.lang).distinct().order_by(Version.lang)).all()
        return {
            "chosen": get_languages(session),
            "choices": [(code, language_name(code)) for code in codes],
        }

    return {
        "language_menu": language_menu,
        "language_name": language_name,
        "direction": direction,
    }


@bp.get("/export.apkg")
def download() -> Response:
    """Download an Anki package of one article (one language pair, optionally every sentence
    pair) or of everything. Built in a temporary folder that is gone before the reply leaves."""
    from webapp import export  # deferred: the Anki writer (genanki) is needed by this page only

    session = seed.prepared_session()
    args = request.args
    selection = export.Selection(
        article=args.get("article") or None,
        source=args.get("learn") or None,
        target=args.get("help") or None,
        everything=args.get("all") == "1",
        all_sentences=args.get("sentences") == "1",
    )
    with tempfile.TemporaryDirectory(prefix="tandem-export-") as folder:
        path = Path(folder) / "tandem.apkg"
        export.export(session, selection, path, now=datetime.now(UTC))
        data = path.read_bytes()
    name = f"tandem-{selection.article or 'all'}.apkg"
    return send_file(
        io.BytesIO(data), mimetype="application/apkg", as_attachment=True, download_name=name
    )
