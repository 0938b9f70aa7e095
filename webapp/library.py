"""The library: every article with its languages and how well each pair is aligned."""

from __future__ import annotations

from flask import Blueprint, render_template

from webapp import pairs, seed

bp = Blueprint("library", __name__)


@bp.get("/")
def index() -> str:
    """List the articles (the shipped corpus on first run)."""
    return render_template(
        "library/index.html", articles=pairs.article_summaries(seed.prepared_session())
    )
