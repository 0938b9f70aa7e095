"""Server time to render the reader: the seed article, and a 5,000-sentence article (target:
the first screen in under 150 ms of server time; later rows load a page at a time).

The long article is real text (see `_common.catalog_pairs`): Italian and German translations
of the same gettext messages, four to a paragraph, ingested through the real pipeline into a
fresh SQLite database. Times are measured in process with Flask's test client (server time
only, no network), 20 requests each after one warm-up, and reported as median and 95th
percentile.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _common import catalog_pairs, emit, machine, table, target
from flask import Flask

from corpus.embed import load_encoder
from corpus.model import Document, Paragraph, Role
from webapp import create_app, db, store
from webapp.seed import prepared_session

TARGET_MS = 150.0
REPEATS = 20


def long_documents(n: int) -> list[Document]:
    """An Italian and a German document of `n` sentences, four sentences a paragraph."""
    pairs = catalog_pairs("it", "de")[:n]
    docs = []
    for lang, side in (("it", 0), ("de", 1)):
        sentences = [pair[side] for pair in pairs]
        paragraphs = tuple(
            Paragraph(Role.BODY, " ".join(sentences[k : k + 4]), tuple(sentences[k : k + 4]))
            for k in range(0, len(sentences), 4)
        )
        checksum = hashlib.sha256("\n".join(sentences).encode()).hexdigest()
        docs.append(Document(f"catalog.{lang}.txt", checksum, lang, 1.0, paragraphs))
    return docs


def timed(get: Callable[[], object]) -> dict[str, float]:
    """Median and 95th percentile milliseconds of REPEATS calls, after one warm-up."""
    get()
    samples = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        get()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {"median_ms": statistics.median(samples), "p95_ms": samples[int(0.95 * REPEATS) - 1]}


def measure(app: Flask, path: str) -> dict[str, float]:
    client = app.test_client()

    def get() -> object:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.data

    result = timed(get)
    result["kb"] = len(client.get(path).data) / 1024
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5000, help="sentences in the long article")
    parser.add_argument("--json", action="store_true", help="print a JSON object")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tandem-bench-") as tmp:
        app = create_app(
            {"DATABASE_URL": f"sqlite:///{Path(tmp) / 'tandem.sqlite3'}", "SECRET_KEY": "bench"}
        )
        with app.app_context():
            session = prepared_session()  # migrates and ingests the shipped corpus
            started = time.perf_counter()
            report = store.IngestReport()
            store.ingest_documents(session, long_documents(args.n), load_encoder().encoder, report)
            session.commit()
            ingest_s = time.perf_counter() - started
            seed_slug, long_slug = (
                "mengapa-anda-tidak-perlu-menambahkan-orang-asing-di",
                report.articles[0],
            )
        cases = {
            "seed article, it-de, whole page": f"/read/{seed_slug}?learn=it&help=de",
            "seed article, ar-it, whole page": f"/read/{seed_slug}?learn=ar&help=it",
            f"{args.n}-sentence article, first screen": f"/read/{long_slug}?learn=it&help=de",
            f"{args.n}-sentence article, a page in the middle (fragment)": (
                f"/read/{long_slug}/rows?learn=it&help=de&start={args.n // 8}"
            ),
            f"{args.n}-sentence article, rows API (JSON)": (
                f"/api/articles/{long_slug}/rows?learn=it&help=de&start={args.n // 8}"
            ),
            "library": "/",
        }
        results = {name: measure(app, path) for name, path in cases.items()}
        db.get_engine(app).dispose()
    first = results[f"{args.n}-sentence article, first screen"]["p95_ms"]
    text = "\n".join(
        [
            f"reader server time, {REPEATS} requests each (in process, no network)",
            table(
                ["page", "median ms", "p95 ms", "KB"],
                [[k, v["median_ms"], v["p95_ms"], v["kb"]] for k, v in results.items()],
            ),
            "",
            f"first screen of the long article, p95: {target(first, TARGET_MS, 'ms')}",
            f"(ingesting the {args.n}-sentence article took {ingest_s:.1f} s)",
            f"machine: {machine()}",
        ]
    )
    emit({"results": results, "ingest_s": ingest_s, "machine": machine()}, args.json, text)


if __name__ == "__main__":
    main()
