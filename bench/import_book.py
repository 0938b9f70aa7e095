"""Importing a book-length pair in the browser's way (upload, preview, confirm, background job),
and what the rest of the app feels meanwhile.

The two files are the long real parallel text of `_common.long_pair` (Debian's gettext catalogs,
Italian and German, a quarter of the links perturbed), written as paragraphs of five sentences.
The app runs in process; the import goes through the real routes and the real worker thread.
While the job stores and aligns, another thread keeps loading a page (reads) and writing a
small transaction (writes: SQLite has one writer, and the import is one transaction).
"""

from __future__ import annotations

import io
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _common import emit, long_pair, long_pair_arguments, long_pair_description, machine, table
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from webapp import create_app, jobs
from webapp.db import upgrade_database

PARAGRAPH = 5


def book_text(sentences: list[str]) -> bytes:
    """Sentences as paragraphs separated by blank lines."""
    paragraphs = [
        " ".join(sentences[k : k + PARAGRAPH]) for k in range(0, len(sentences), PARAGRAPH)
    ]
    return ("\n\n".join(paragraphs) + "\n").encode("utf-8")


def csrf(client: Any) -> str:
    page = client.get("/import/").get_data(as_text=True)
    match = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert match
    return match.group(1)


def wait_for(client: Any, number: int, statuses: set[str], seen: list[tuple[float, str]]) -> str:
    """Poll the job's status as the page does, recording each new stage."""
    while True:
        state = client.get(f"/import/{number}/status").get_json()
        stage = f"{state['status']}: {state['stage']} {state['progress']:.0%}"
        if not seen or seen[-1][1] != stage:
            seen.append((time.perf_counter(), stage))
        if state["status"] in statuses:
            return str(state["status"])
        time.sleep(0.05)


class Meanwhile(threading.Thread):
    """Load a page and write a small transaction, over and over, timing each."""

    def __init__(self, app: Any, database: str) -> None:
        super().__init__(daemon=True)
        self.client = app.test_client()
        self.engine = create_engine(database, connect_args={"timeout": 30})
        self.reads: list[float] = []
        self.writes: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        with self.engine.connect() as connection:
            connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS bench_pulse (at REAL)")
            connection.commit()
            while not self.stop.is_set():
                started = time.perf_counter()
                self.client.get("/import/")
                self.reads.append(time.perf_counter() - started)
                started = time.perf_counter()
                connection.execute(text("INSERT INTO bench_pulse VALUES (:at)"), {"at": started})
                connection.commit()
                self.writes.append(time.perf_counter() - started)
                time.sleep(0.1)


def summary(values: list[float]) -> list[Any]:
    ms = sorted(v * 1000 for v in values)
    if not ms:
        return [0, "-", "-", "-"]
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    return [len(ms), f"{statistics.median(ms):.1f}", f"{p95:.1f}", f"{ms[-1]:.1f}"]


def main() -> None:
    args = long_pair_arguments(__doc__.splitlines()[0], 5000)
    case = long_pair(args.n, args.source, args.target)
    with tempfile.TemporaryDirectory(prefix="tandem-bench-import-") as tmp:
        database = f"sqlite:///{tmp}/tandem.sqlite3"
        os.environ["TANDEM_INSTANCE_PATH"] = tmp
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "bench",
                "SEED_CORPUS": False,
                "DATABASE_URL": database,
            }
        )
        upgrade_database(app)
        client = app.test_client()
        files = {
            f"book.{args.source}.txt": book_text(list(case.source)),
            f"book.{args.target}.txt": book_text(list(case.target)),
        }
        data = {
            "csrf_token": csrf(client),
            "files": [(io.BytesIO(content), name) for name, content in files.items()],
        }
        stages: list[tuple[float, str]] = []
        started = time.perf_counter()
        response = client.post("/import/", data=data, content_type="multipart/form-data")
        number = int(response.headers["Location"].rsplit("/", 1)[1])
        wait_for(client, number, {"preview", "failed"}, stages)
        read_s = time.perf_counter() - started
        preview_started = time.perf_counter()
        client.get(f"/import/{number}")
        preview_ms = (time.perf_counter() - preview_started) * 1000

        meanwhile = Meanwhile(app, database)
        meanwhile.start()
        confirmed = time.perf_counter()
        client.post(f"/import/{number}/confirm", data={"csrf_token": csrf(client)})
        status = wait_for(client, number, {"done", "failed", "warning"}, stages)
        store_s = time.perf_counter() - confirmed
        meanwhile.stop.set()
        meanwhile.join()
        jobs.runner(app).wait()

    result = {
        "machine": machine(),
        "sentences": [len(case.source), len(case.target)],
        "status": status,
        "read_and_clean_s": round(read_s, 2),
        "preview_page_ms": round(preview_ms, 1),
        "store_and_align_s": round(store_s, 2),
        "reads_during_import_ms": summary(meanwhile.reads),
        "writes_during_import_ms": summary(meanwhile.writes),
        "stages": [(round(at - started, 2), stage) for at, stage in stages],
    }
    text_report = "\n".join(
        [
            f"Import of a {len(case.source):,} × {len(case.target):,} sentence book through the "
            f"browser routes ({long_pair_description(args.source, args.target)})",
            f"machine: {result['machine']}",
            f"job status: {status}",
            f"upload → preview ready (read, clean, detect): {read_s:.2f} s; "
            f"preview page {preview_ms:.0f} ms",
            f"confirm → done (split, embed, align, store): {store_s:.2f} s",
            "",
            table(
                ["meanwhile", "count", "median ms", "p95 ms", "max ms"],
                [
                    ["GET /import/ (a page reading the database)", *summary(meanwhile.reads)],
                    ["a small write transaction", *summary(meanwhile.writes)],
                ],
            ),
            "",
            "stages the page saw (seconds since upload):",
            *(f"  {at - started:6.2f}  {stage}" for at, stage in stages),
        ]
    )
    emit(result, args.json, text_report)


if __name__ == "__main__":
    main()
