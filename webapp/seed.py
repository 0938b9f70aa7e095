"""First run: migrate the database and ingest the articles that ship with Tandem.

A newcomer should see real content at once, so the shipped corpus is ingested the first time the
app meets a database; a learner who later deletes those articles does not get them back. Tests
turn this off with `SEED_CORPUS = False`.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from sqlalchemy.orm import Session

import corpus
from webapp import db, imports
from webapp.models import Setting

SHIPPED_ARTICLES = Path(corpus.__file__).parent / "articles"
SEEDED = "shipped_corpus_ingested"


def prepared_session() -> Session:
    """The request's session on a database that is migrated and, on first run, seeded.

    The check runs once per app; later calls only return the session.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    session = db.get_session()
    if app.extensions.get("tandem_prepared"):
        return session
    db.upgrade_database(app)
    imports.mark_interrupted(session)
    session.commit()
    if app.config["SEED_CORPUS"] and session.get(Setting, SEEDED) is None:
        from webapp import store  # deferred: the ingest pipeline (numpy, readers) runs only once

        store.ingest_files(
            session,
            sorted(SHIPPED_ARTICLES.glob("*.txt")),
            max_bytes=app.config["MAX_INGEST_BYTES"],
        )
        session.add(Setting(key=SEEDED, value="1"))
        session.commit()
    app.extensions["tandem_prepared"] = True
    return session
