"""One ingest of the shipped corpus into an empty SQLite database, timed per stage; run by
ingest_corpus in a fresh interpreter so that the model load is paid every time.

The stages are measured by wrapping the functions the pipeline calls (no product code changes).
The model loads in a background thread while the files are read, so `model_load_s` overlaps
`read_clean_split_s`; `storing_and_waiting_s` is the rest: writing rows, and waiting for the model
when reading finished first.

Usage: python bench/_ingest_job.py EMPTY_FOLDER  (prints one JSON line)
"""

from __future__ import annotations

import functools
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import ARTICLES, peak_rss_mb
from sqlalchemy import func, select

import corpus.ingest
import webapp
from webapp import db, store
from webapp.models import Alignment, Article, Link, Version


class Stopwatch:
    """Seconds and calls accumulated per stage by wrapped functions."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def wrap(self, module: Any, name: str, stage: str) -> None:
        """Replace `module.name` by a version that adds its run time to `stage`."""
        original: Callable[..., Any] = getattr(module, name)

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[stage] += time.perf_counter() - started
                self.calls[stage] += 1

        setattr(module, name, timed)


def main(folder: str) -> None:
    """Create, migrate and fill a database in `folder`; print stage times and row counts."""
    watch = Stopwatch()
    watch.wrap(store, "load_document", "read_clean_split")
    watch.wrap(store, "load_encoder", "model_load")
    watch.wrap(corpus.ingest, "embed_documents", "embedding")
    watch.wrap(store, "group_documents", "grouping")
    watch.wrap(store, "align_article", "alignment")
    files = sorted(ARTICLES.glob("*.txt"))

    started = time.perf_counter()
    app = webapp.create_app(
        {"DATABASE_URL": f"sqlite:///{Path(folder) / 'tandem.sqlite3'}", "SECRET_KEY": "bench"}
    )
    db.upgrade_database(app)
    setup_s = time.perf_counter() - started
    with app.app_context():
        session = db.get_session()
        ingest_started = time.perf_counter()
        report = store.ingest_files(session, files, max_bytes=app.config["MAX_INGEST_BYTES"])
        session.commit()
        ingest_s = time.perf_counter() - ingest_started
        counts = {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (Article, Version, Alignment, Link)
        }
    total_s = time.perf_counter() - started

    serial = ("read_clean_split", "embedding", "grouping", "alignment")
    result = {
        "total_s": total_s,
        "setup_s": setup_s,
        "model_load_s": watch.seconds["model_load"],
        **{f"{stage}_s": watch.seconds[stage] for stage in serial},
        "storing_and_waiting_s": ingest_s - sum(watch.seconds[stage] for stage in serial),
        "embedding_calls": watch.calls["embedding"],
        "peak_rss_mb": peak_rss_mb(),
        "rows": counts,
        "failed": [str(problem) for problem in report.failed],
        "notes": report.notes,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main(*sys.argv[1:])
