"""Review at scale: server time to fetch the next card and to record an answer with 100,000
cards and 1,000,000 review-log rows (target: under 10 ms each at the 99th percentile), and the
answer endpoint's throughput under load beside a trivial endpoint of the same server.

The collection is made by `_review_data.generate` in a fresh SQLite file. Then:

1. In process, with Flask's test client (server time, no network): `--iterations` rounds of
   GET /review/card (the next card with the day's counts and the buttons' intervals) and
   POST /review/answer (Good on the card just fetched), after a warm-up; then the same rounds
   through the service functions alone (`review.next_card`, `review.counts`,
   `review.button_intervals`, `cardview.face`, `review.answer_card`, the commit), each timed,
   to show where the time goes, with the SQL each fetch runs and SQLite's query plans.
2. Under load, with wrk (2 threads, 8 connections, 10 s each, loopback only) against the
   production server (`tandem serve`, waitress) in a subprocess: POST /review/answer with
   valid answers (each request a first answer to a different card at its current version,
   `wrk_answer.lua`), the same over one connection (no two answers compete for SQLite's write
   lock), GET /review/card, and two trivial endpoints as the ceiling: a static file (no
   database, no template) and the 404 page of an unknown path (a template, no database).
3. The query plans again after ANALYZE. The app never runs ANALYZE, so everything above runs
   without statistics, as a learner's database does.

Measurements write to the database in this order, so later ones see a few thousand answers
given today (which the day's counts look at), as a learner in a long session would.
"""

from __future__ import annotations

import argparse
import http.cookies
import json
import math
import os
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import BENCH, emit, machine, table, target
from _review_data import Generated, check, generate
from flask import Flask
from sqlalchemy import Engine, event

from webapp import cardview, create_app, db, review
from webapp.cli import freeze_startup_objects
from webapp.seed import prepared_session

TARGET_MS = 10.0
SLOW_QUERY_MS = 1.0
SECRET_KEY = "bench-review-secret"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
SHOWN_CARD = re.compile(r'data-card="(\d+)" data-version="(\d+)"')
WRK_LUA = BENCH / "wrk_answer.lua"
ANSWER = "POST /review/answer (a different card each)"


def percentiles(samples: list[float]) -> dict[str, float]:
    """Median, 95th and 99th percentile (nearest rank) and maximum, in the samples' unit."""
    ordered = sorted(samples)

    def rank(q: float) -> float:
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]

    return {
        "median": statistics.median(ordered),
        "p95": rank(0.95),
        "p99": rank(0.99),
        "max": ordered[-1],
        "n": len(ordered),
    }


class Queries:
    """Records the SQL an engine runs while `recording`: each statement's parameters (for its
    plan) and durations (to see which query costs what)."""

    def __init__(self, engine: Engine) -> None:
        self.recording = False
        self.order: list[str] = []
        self.params: dict[str, Any] = {}
        self.ms: dict[str, list[float]] = {}
        self._started = 0.0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        self._started = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if not self.recording:
            return
        if statement not in self.ms:
            self.order.append(statement)
            self.ms[statement] = []
            self.params[statement] = params
        self.ms[statement].append((time.perf_counter() - self._started) * 1000)

    @contextmanager
    def record(self, on: bool = True) -> Iterator[None]:
        """Record what runs inside the block (if `on`)."""
        self.recording = on
        try:
            yield
        finally:
            self.recording = False


def short_sql(statement: str, width: int = 96) -> str:
    """One line of SQL, the selected columns elided, cut to `width` characters."""
    flat = " ".join(statement.split())
    flat = re.sub(r"^SELECT .+? FROM ", "SELECT … FROM ", flat)
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def query_plans(engine: Engine, queries: Queries) -> list[dict[str, Any]]:
    """SQLite's EXPLAIN QUERY PLAN of each recorded SELECT, with the tell-tale steps flagged:
    a SCAN of a table (not of a subquery) without an index, a temporary B-tree for ORDER BY or
    GROUP BY, and an index search that is not covering in a query whose median exceeds
    SLOW_QUERY_MS (each row found costs a lookup in the table: the index misses a column)."""
    plans = []
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        tables = {name for (name,) in cursor.fetchall()}
        for number, statement in enumerate(queries.order, start=1):
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN QUERY PLAN " + statement, queries.params[statement])
            depth: dict[int, int] = {0: -1}
            lines = []
            for node, parent, _, detail in cursor.fetchall():
                depth[node] = depth.get(parent, -1) + 1
                lines.append("  " * depth[node] + detail)
            slow = statistics.median(queries.ms[statement]) > SLOW_QUERY_MS
            flags = []
            for line in (x.strip() for x in lines):
                words = line.split()
                if "TEMP B-TREE" in line:
                    flags.append(line)
                elif words[0] == "SCAN" and words[1] in tables and "USING" not in line:
                    flags.append(f"table scan: {line}")
                elif slow and words[0] == "SEARCH" and "USING INDEX" in line:
                    flags.append(f"slow, index not covering (row lookups): {line}")
            plans.append({"q": f"Q{number}", "sql": statement, "plan": lines, "flags": flags})
        cursor.close()
    finally:
        raw.close()
    return plans


def plans_text(plans: list[dict[str, Any]]) -> str:
    out = []
    for item in plans:
        out.append(f"{item['q']}: {short_sql(item['sql'], 200)}")
        out += [f"      {line}" for line in item["plan"]]
    return "\n".join(out)


def csrf_token(client: Any, path: str = "/review/") -> str:
    """The CSRF token of the client's session, from a page's meta element."""
    found = CSRF_META.search(client.get(path).get_data(as_text=True))
    if found is None:
        raise SystemExit(f"{path} has no csrf-token meta element")
    return found.group(1)


def http_in_process(app: Flask, iterations: int, warmup: int) -> dict[str, Any]:
    """Fetch the next card and answer it Good, `iterations` times after `warmup` rounds."""
    client = app.test_client()
    token = csrf_token(client)
    fetch_ms, answer_ms = [], []
    for k in range(warmup + iterations):
        started = time.perf_counter()
        response = client.get("/review/card")
        fetched = time.perf_counter()
        if response.status_code != 200:
            raise SystemExit(f"GET /review/card answered {response.status_code}")
        shown = SHOWN_CARD.search(response.get_data(as_text=True))
        if shown is None:
            raise SystemExit(f"the queue ran dry after {k} answers")
        body = {
            "card": int(shown.group(1)),
            "version": int(shown.group(2)),
            "rating": 3,
            "request": uuid.uuid4().hex,
        }
        posted = time.perf_counter()
        response = client.post("/review/answer", json=body, headers={"X-CSRFToken": token})
        answered = time.perf_counter()
        if response.status_code != 200:
            raise SystemExit(f"POST /review/answer: {response.status_code} {response.text}")
        if k >= warmup:
            fetch_ms.append((fetched - started) * 1000)
            answer_ms.append((answered - posted) * 1000)
    return {"next_card": percentiles(fetch_ms), "answer": percentiles(answer_ms)}


def service_functions(app: Flask, iterations: int, warmup: int, queries: Queries) -> dict[str, Any]:
    """Each service call of a fetch and of an answer timed on its own, in one app context per
    request as the views do; also which queue served the cards and the per-query times."""
    steps = ("next_card", "counts", "button_intervals", "face", "answer_card", "commit")
    samples: dict[str, list[float]] = {step: [] for step in steps}
    served: Counter[str] = Counter()
    keep = False

    @contextmanager
    def clock(step: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        if keep:
            samples[step].append((time.perf_counter() - started) * 1000)

    for k in range(warmup + iterations):
        keep = k >= warmup
        with app.app_context(), queries.record(keep):
            session = prepared_session()
            settings = review.load_settings(session)
            now = datetime.now(UTC)
            with clock("next_card"):
                card = review.next_card(session, now, settings)
            if card is None:
                raise SystemExit(f"the queue ran dry after {k} answers")
            with clock("counts"):
                review.counts(session, now, settings)
            with clock("button_intervals"):
                review.button_intervals(card, now, settings)
            with clock("face"):
                cardview.face(session, card)
            card_id, version = card.id, card.version
            if keep:
                served[card.phase] += 1
        with app.app_context():
            session = prepared_session()
            settings = review.load_settings(session)
            with clock("answer_card"):
                review.answer_card(
                    session,
                    card_id,
                    3,
                    datetime.now(UTC),
                    settings,
                    version=version,
                    request_id=uuid.uuid4().hex,
                )
            with clock("commit"):
                session.commit()
    return {
        "steps": {step: percentiles(values) for step, values in samples.items()},
        "served_from": dict(served),
    }


def read_only_next_card(app: Flask, calls: int) -> dict[str, float]:
    """next_card + counts without answering (the same card each time): the queries alone."""
    ms = []
    with app.app_context():
        session = prepared_session()
        settings = review.load_settings(session)
        for _ in range(calls + 10):
            started = time.perf_counter()
            now = datetime.now(UTC)
            review.next_card(session, now, settings)
            review.counts(session, now, settings)
            ms.append((time.perf_counter() - started) * 1000)
            session.rollback()
    return percentiles(ms[10:])


# --- under load: the production server and wrk -------------------------------------------------


def ensure_wrk() -> str:
    """wrk's path, installing Debian's package when running as root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise SystemExit(
            "wrk is not installed: run `sudo apt-get update && sudo apt-get install -y wrk`, "
            "or pass --no-wrk to skip the load test"
        )
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "wrk"]):
        subprocess.run(command, check=True, capture_output=True, timeout=600)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("apt-get installed wrk but it is not on PATH")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tandem_command() -> list[str]:
    """`tandem` from this interpreter's environment (not a shim that may pick another)."""
    beside = Path(sys.executable).with_name("tandem")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("tandem")
    if not found:
        raise SystemExit("the `tandem` command is not installed: pip install -e .")
    return [found]


@contextmanager
def production_server(db_path: Path, folder: Path) -> Iterator[str]:
    """`tandem serve` on a free loopback port, yielding its base URL; always stopped."""
    port = free_port()
    env = {
        **os.environ,
        "TANDEM_INSTANCE_PATH": str(folder / "instance"),
        "TANDEM_DATABASE_URL": f"sqlite:///{db_path}",
        "TANDEM_SECRET_KEY": SECRET_KEY,
    }
    log = (folder / "server.log").open("wb")
    process = subprocess.Popen(
        [*tandem_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"the server exited: {(folder / 'server.log').read_text()}")
            try:
                with urllib.request.urlopen(f"{base}/static/settings.js", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not answer within 60 s") from None
                time.sleep(0.2)
        yield base
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


def session_and_token(base: str) -> tuple[str, str]:
    """A session cookie ("session=...") and its CSRF token, from a GET of the review page."""
    with urllib.request.urlopen(f"{base}/review/", timeout=30) as response:
        page = response.read().decode()
        cookies = http.cookies.SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
    found = CSRF_META.search(page)
    if found is None or "session" not in cookies:
        raise SystemExit("the review page set no session cookie or CSRF token")
    return f"session={cookies['session'].value}", found.group(1)


def write_answerable(db_path: Path, path: Path) -> int:
    """Every card that is not suspended, as "id version" lines in random order; returns how
    many. Answering needs only the current version: the card need not be due."""
    connection = sqlite3.connect(db_path)
    try:
        rows = connection.execute(
            "SELECT id, version FROM cards WHERE suspended = 0 ORDER BY random()"
        ).fetchall()
    finally:
        connection.close()
    path.write_text("".join(f"{card} {version}\n" for card, version in rows))
    return len(rows)


def run_wrk(wrk: str, url: str, args: argparse.Namespace, *script_args: str) -> dict[str, Any]:
    """One wrk run; its figures as a dict (latencies in ms, throughput in requests/s)."""
    command = [
        wrk,
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--timeout",
        "10s",
        "-s",
        str(WRK_LUA),
        url,
        "--",
        *script_args,
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=args.duration + 60, check=False
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stdout}{done.stderr}")
    raw = json.loads(line.removeprefix("WRK_JSON "))
    seconds = raw["duration_us"] / 1e6
    ok = sum(n for status, n in raw["statuses"].items() if 200 <= int(status) < 300)
    latency = {k: v / 1000 for k, v in raw["latency_us"].items()}
    return {
        "url": url,
        "requests": raw["requests"],
        "requests_per_s": raw["requests"] / seconds,
        "statuses": raw["statuses"],
        "non_2xx": raw["requests"] - ok,
        "socket_errors": {k: v for k, v in raw["errors"].items() if k != "status" and v},
        "exhausted": raw["exhausted"],
        "latency_ms": latency,
    }


def load_test(db_path: Path, folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    """The wrk runs against `tandem serve`; also checks that every 2xx answer was stored."""
    wrk = ensure_wrk()
    pairs = folder / "answerable.txt"
    run = f"wrk{uuid.uuid4().hex[:8]}"
    results: dict[str, Any] = {}
    with production_server(db_path, folder) as base:
        cookie, token = session_and_token(base)
        cases = {
            "GET /static/settings.js (ceiling: no database, no template)": (
                f"{base}/static/settings.js",
                ["plain"],
            ),
            "GET /no-such-page (404 page: template, no database)": (
                f"{base}/no-such-page",
                ["plain"],
            ),
            "GET /review/card (next card)": (f"{base}/review/card", ["plain"]),
        }
        for name, (url, script_args) in cases.items():
            results[name] = run_wrk(wrk, url, args, *script_args)
        # The same load over one connection: no two answers compete for SQLite's write lock,
        # so the difference shows what contention costs.
        single = argparse.Namespace(**{**vars(args), "threads": 1, "connections": 1})
        for name, settings in (
            (ANSWER, args),
            ("POST /review/answer, 1 connection (no lock contention)", single),
        ):
            answerable = write_answerable(db_path, pairs)  # versions moved on: read them again
            tag = f"{run}{len(results)}"
            results[name] = run_wrk(
                wrk,
                f"{base}/review/answer",
                settings,
                "answer",
                str(pairs),
                cookie,
                token,
                tag,
                str(settings.threads),
            )
            results[name]["answerable_cards"] = answerable
            results[name]["answers_stored"] = stored_answers(db_path, tag)
    return results


def stored_answers(db_path: Path, tag: str) -> int:
    """How many log rows a wrk run's request ids made."""
    connection = sqlite3.connect(db_path)
    try:
        return int(
            connection.execute(
                "SELECT count(*) FROM review_logs WHERE request_id LIKE ?", (tag + "-%",)
            ).fetchone()[0]
        )
    finally:
        connection.close()


def wrk_text(results: dict[str, Any]) -> str:
    rows = [
        [
            name,
            r["requests_per_s"],
            r["latency_ms"]["p50"],
            r["latency_ms"]["p90"],
            r["latency_ms"]["p99"],
            r["latency_ms"]["max"],
            r["non_2xx"],
            " ".join(f"{s}:{n}" for s, n in sorted(r["statuses"].items())),
        ]
        for name, r in results.items()
    ]
    return table(
        ["endpoint", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "non-2xx", "codes"], rows
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--cards", type=int, default=100_000)
    parser.add_argument("--logs", type=int, default=1_000_000, help="review-log rows")
    parser.add_argument("--iterations", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--no-wrk", action="store_true", help="skip the load test")
    parser.add_argument("--dir", type=Path, help="where to make the database (a temp folder)")
    parser.add_argument("--json", action="store_true", help="print a JSON object")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="tandem-bench-review-", dir=args.dir) as tmp:
        folder = Path(tmp)
        db_path = folder / "tandem.sqlite3"
        made = generate(db_path, args.cards, args.logs)
        problems = check(made)
        if problems:
            raise SystemExit("generated data is wrong:\n" + "\n".join(problems))
        app = create_app({"DATABASE_URL": f"sqlite:///{db_path}", "SECRET_KEY": SECRET_KEY})
        freeze_startup_objects()  # as `tandem serve` does once the app is ready
        engine = db.get_engine(app)
        queries = Queries(engine)
        http = http_in_process(app, args.iterations, args.warmup)
        service = service_functions(app, args.iterations, args.warmup, queries)
        plans = query_plans(engine, queries)
        per_query = [
            {"q": f"Q{k}", "sql": short_sql(s), **percentiles(queries.ms[s])}
            for k, s in enumerate(queries.order, start=1)
        ]
        engine.dispose()  # the server opens its own connections
        load = None if args.no_wrk else load_test(db_path, folder, args)
        before = read_only_next_card(app, 200)
        with sqlite3.connect(db_path) as connection:
            started = time.perf_counter()
            connection.execute("ANALYZE")
            analyze_s = time.perf_counter() - started
        engine.dispose()
        after = read_only_next_card(app, 200)
        plans_after = query_plans(engine, queries)
        engine.dispose()
        size_mb = sum(p.stat().st_size for p in folder.glob("tandem.sqlite3*")) / 1e6

    result = {
        "data": _data(made, size_mb),
        "in_process_ms": http,
        "service_ms": service,
        "queries_ms": per_query,
        "plans": plans,
        "plans_after_analyze": plans_after,
        "analyze": {"seconds": analyze_s, "next_card_counts_before": before, "after": after},
        "wrk": load,
        "wrk_settings": {k: getattr(args, k) for k in ("threads", "connections", "duration")},
        "sqlite": sqlite3.sqlite_version,
        "machine": machine(),
    }
    emit(result, args.json, report(result, args))


def _data(made: Generated, size_mb: float) -> dict[str, Any]:
    return {
        "cards": made.cards,
        "phases": made.phases,
        "log_rows": made.logs,
        "generate_s": made.seconds,
        "generated_mb": made.megabytes,
        "final_mb": size_mb,
    }


def report(result: dict[str, Any], args: argparse.Namespace) -> str:
    data, http, service = result["data"], result["in_process_ms"], result["service_ms"]
    stat_headers = ["", "median ms", "p95 ms", "p99 ms", "max ms"]

    def row(name: str, p: dict[str, float]) -> list[Any]:
        return [name, p["median"], p["p95"], p["p99"], p["max"]]

    lines = [
        f"review at scale: {data['cards']:,} cards {data['phases']}, {data['log_rows']:,} log rows"
        f" (generated in {data['generate_s']:.1f} s, {data['generated_mb']:.0f} MB;"
        f" {data['final_mb']:.0f} MB at the end)",
        "",
        f"HTTP in process (Flask test client), {args.iterations} rounds after {args.warmup}:",
        table(
            stat_headers,
            [
                row("GET /review/card (next card)", http["next_card"]),
                row("POST /review/answer (Good)", http["answer"]),
            ],
        ),
        "",
        f"service functions, served from {service['served_from']}:",
        table(stat_headers, [row(k, v) for k, v in service["steps"].items()]),
        "",
        "SQL of one fetch (next card, counts, intervals, face), per statement:",
        table(
            ["", "calls", "median ms", "p99 ms", "sql"],
            [
                [q["q"], q["n"] // args.iterations, q["median"], q["p99"], q["sql"]]
                for q in result["queries_ms"]
            ],
        ),
        "",
        "query plans (no ANALYZE, as the app runs):",
        plans_text(result["plans"]),
    ]
    flagged = [f"  {p['q']}: {'; '.join(p['flags'])}" for p in result["plans"] if p["flags"]]
    lines += [
        "",
        f"flags (table scan, temp B-tree, index search not covering in a query > {SLOW_QUERY_MS:g}"
        " ms):",
        *(flagged or ["  none"]),
    ]
    changed = [
        f"{b['q']}:\n" + "\n".join(f"      {x}" for x in b["plan"])
        for a, b in zip(result["plans"], result["plans_after_analyze"], strict=True)
        if a["plan"] != b["plan"]
    ]
    an = result["analyze"]
    lines += [
        "",
        f"ANALYZE took {an['seconds']:.1f} s; next_card + counts (read-only, same card) median/p99"
        f" {an['next_card_counts_before']['median']:.2f}/{an['next_card_counts_before']['p99']:.2f}"
        f" ms before, {an['after']['median']:.2f}/{an['after']['p99']:.2f} ms after;"
        f" plans changed by ANALYZE: {'none' if not changed else ''}",
        *changed,
    ]
    if result["wrk"] is not None:
        s = result["wrk_settings"]
        answer = result["wrk"][ANSWER]
        ceiling = max(
            (v for k, v in result["wrk"].items() if "ceiling" in k or "404" in k),
            key=lambda v: v["requests_per_s"],
        )
        lines += [
            "",
            f"under load: tandem serve (waitress, 8 threads), wrk -t{s['threads']} "
            f"-c{s['connections']} -d{s['duration']}s on 127.0.0.1, sharing "
            f"{result['machine']['cpus']} CPUs:",
            wrk_text(result["wrk"]),
            f"answers: {answer['answers_stored']} stored for {answer['statuses'].get('200', 0)}"
            " 200s (more: answers in flight when wrk stopped); the 404 page's 404s are expected;"
            f" {answer['answerable_cards']} cards available, {answer['exhausted']} requests"
            f" past the end of the list; answer throughput "
            f"{100 * answer['requests_per_s'] / ceiling['requests_per_s']:.0f} % of the ceiling",
        ]
    lines += [
        "",
        f"next card, p99: {target(http['next_card']['p99'], TARGET_MS, 'ms')}",
        f"answer, p99:    {target(http['answer']['p99'], TARGET_MS, 'ms')}",
        f"SQLite {result['sqlite']}; machine: {result['machine']}",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
