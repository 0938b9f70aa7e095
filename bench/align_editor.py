"""Server time of the alignment editor on a 5,000-sentence pair (target: a page well under
150 ms), and of one edit and its undo there.

The pair is the reader benchmark's long article (real text: Italian and German translations of
the same gettext messages, four to a paragraph), stored through `webapp.store` with the length
aligner so that the run does not wait for the embedding model: the editor's cost depends on the
number of links, not on how they were found. Times are in process with Flask's test client
(server time only), 20 requests each after one warm-up, median and 95th percentile.

An edit near the start of the pair is the worst case: every link after it moves up or down one
position, in two bulk statements.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _common import emit, machine, table, target
from flask.testing import FlaskClient
from reader import long_documents, measure
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp import create_app, db, store
from webapp.models import Link, LinkSentence
from webapp.seed import prepared_session

TARGET_MS = 150.0
EDITS = 10


def sentence_at(session: Session, position: int) -> int | None:
    """A sentence of the link at `position` (there is one pair in the database)."""
    return session.scalar(
        select(LinkSentence.sentence_id)
        .join(Link, Link.id == LinkSentence.link_id)
        .where(Link.position == position)
        .limit(1)
    )


def edit_times(
    client: FlaskClient, editor: str, sentence: int | None
) -> dict[str, dict[str, float]]:
    """Median and slowest milliseconds of EDITS merges near the start, each undone."""
    samples: dict[str, list[float]] = {"merge near the start (JSON)": [], "undo (JSON)": []}
    version = 0
    for _ in range(EDITS):
        for name, body in zip(
            samples, ({"action": "merge", "sentence": sentence}, {"action": "undo"}), strict=True
        ):
            started = time.perf_counter()
            response = client.post(f"{editor}/edit", json={**body, "version": version})
            samples[name].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.get_json()
            version = response.get_json()["version"]
    return {
        name: {"median_ms": sorted(values)[len(values) // 2], "p95_ms": max(values)}
        for name, values in samples.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5000, help="sentences a side")
    parser.add_argument("--json", action="store_true", help="print a JSON object")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tandem-bench-") as tmp:
        app = create_app(
            {
                "DATABASE_URL": f"sqlite:///{Path(tmp) / 'tandem.sqlite3'}",
                "SECRET_KEY": "bench",
                "SEED_CORPUS": False,
                "WTF_CSRF_ENABLED": False,  # the posts below are the benchmark's own
            }
        )
        with app.app_context():
            session = prepared_session()
            report = store.IngestReport()
            store.ingest_documents(session, long_documents(args.n), None, report)
            session.commit()
            links = session.scalar(select(func.count()).select_from(Link)) or 0
            middle, early = sentence_at(session, links // 2), sentence_at(session, 3)
        editor = f"/read/{report.articles[0]}/align/it/de"
        results = {
            "editor, first page": measure(app, editor),
            "editor, around a sentence in the middle": measure(app, f"{editor}?sel={middle}"),
            "rows fragment (after an edit)": measure(app, f"{editor}/screen?sel={middle}"),
            **edit_times(app.test_client(), editor, early),
        }
        db.get_engine(app).dispose()
    worst = max(v["p95_ms"] for k, v in results.items() if "JSON" not in k)
    text = "\n".join(
        [
            f"alignment editor server time on {links} links ({args.n} sentences a side), "
            "in process, no network",
            table(
                ["request", "median ms", "p95 ms", "KB"],
                [[k, v["median_ms"], v["p95_ms"], v.get("kb", 0.0)] for k, v in results.items()],
            ),
            "",
            f"slowest page, p95: {target(worst, TARGET_MS, 'ms')}",
            f"machine: {machine()}",
        ]
    )
    emit({"links": links, "results": results, "machine": machine()}, args.json, text)


if __name__ == "__main__":
    main()
