"""Anki export of 50,000 notes: time of `decks.export.write_package` (target: under 2 s, the
best of 3), of the whole export from a Tandem database holding the same notes (queries
included, and `tandem export --all` as the learner runs it), and the package's size against
what Anki's own exporter writes for the same notes (target: ours at most 1.2 times Anki's).

The notes are real text, a share with review history (`_export_data`). The database is made
with bulk inserts before the export is timed; its build time is reported, not counted.

Anki's figure: our package is imported into a fresh collection with scheduling by the real
`anki` package (AGPL; a measuring instrument here, never imported by `decks`) and exported
again with its exporter, with scheduling and without deck options or media, in its current
format and in the legacy format older Anki versions read.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import emit, machine, table
from _export_data import NOW, build_notes, write_database
from sqlalchemy.orm import Session

from decks.export import ExportSummary, write_package
from decks.settings import SchedulerSettings
from webapp import create_app, db
from webapp.export import Selection, export, export_notes

SETTINGS = SchedulerSettings()
TARGET_S = 2.0
TARGET_RATIO = 1.2
REPEATS = 3


def best_of(repeats: int, work: Callable[[], object]) -> list[float]:
    """The seconds each of `repeats` runs of `work` took."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return times


def from_database(path: Path, package: Path) -> dict[str, Any]:
    """Time the export of everything in the database at `path`: the queries alone
    (`export_notes`), the whole export in this process, and the `tandem export --all` command
    in a new process (start-up, imports and app set-up included)."""
    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "bench"})
    engine = db.get_engine(app)
    summaries: list[ExportSummary] = []

    def queries() -> None:
        with Session(engine) as session:
            export_notes(session, Selection(everything=True))

    def whole() -> None:
        with Session(engine) as session:
            summaries.append(export(session, Selection(everything=True), package, now=NOW))

    def command() -> None:
        subprocess.run(
            [str(Path(sys.executable).with_name("tandem")), "export", "--all", "-o", str(package)],
            env={
                **os.environ,
                "TANDEM_DATABASE_URL": f"sqlite:///{path}",
                "TANDEM_INSTANCE_PATH": str(path.parent),
                "TANDEM_SECRET_KEY": "bench",
            },
            check=True,
            capture_output=True,
        )

    result = {
        "query_s_all": best_of(REPEATS, queries),
        "export_s_all": best_of(REPEATS, whole),
        "command_s_all": best_of(REPEATS, command),
        "database_summary": summaries[-1],
    }
    engine.dispose()
    return result


def anki_sizes(package: Path, folder: Path) -> dict[str, Any]:
    """Import `package` into a fresh collection, export it with Anki's exporter in the current
    and the legacy format, and return the sizes (and the seconds each step took)."""
    from anki.collection import Collection, ExportAnkiPackageOptions
    from anki.import_export_pb2 import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    col = Collection(str(folder / "collection.anki2"))
    try:
        started = time.perf_counter()
        request = ImportAnkiPackageRequest(
            package_path=str(package), options=ImportAnkiPackageOptions(with_scheduling=True)
        )
        log = col.import_anki_package(request).log
        result: dict[str, Any] = {
            "import_s": time.perf_counter() - started,
            "imported_notes": len(log.new),
            "cards": col.card_count(),
            "revlog": col.db.scalar("select count() from revlog") if col.db else 0,
        }
        for name, legacy in (("anki", False), ("anki_legacy", True)):
            out = folder / f"{name}.apkg"
            started = time.perf_counter()
            col.export_anki_package(
                out_path=str(out),
                options=ExportAnkiPackageOptions(
                    with_scheduling=True, with_deck_configs=False, with_media=False, legacy=legacy
                ),
                limit=None,
            )
            result[f"{name}_export_s"] = time.perf_counter() - started
            result[f"{name}_bytes"] = out.stat().st_size
        return result
    finally:
        col.close()


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=50_000, help="notes to export")
    parser.add_argument("--reviewed", type=float, default=0.3, help="share with history")
    parser.add_argument("--json", action="store_true", help="print a JSON object")
    args = parser.parse_args()
    notes = build_notes(args.n, args.reviewed)
    with tempfile.TemporaryDirectory(prefix="tandem-bench-") as tmp:
        folder = Path(tmp)
        package = folder / "tandem.apkg"
        summaries: list[ExportSummary] = []
        times = best_of(
            REPEATS,
            lambda: summaries.append(write_package(package, notes, now=NOW, settings=SETTINGS)),
        )
        anki = anki_sizes(package, folder)
        database = folder / "tandem.sqlite3"
        started = time.perf_counter()
        write_database(database, notes)
        built_s = time.perf_counter() - started
        stored = from_database(database, folder / "from-database.apkg")
    summary = summaries[-1]
    ours = summary.bytes
    ratio = ours / anki["anki_bytes"]
    ratio_legacy = ours / anki["anki_legacy_bytes"]
    same = stored.pop("database_summary")
    result = {
        "notes": summary.notes,
        "cards": summary.cards,
        "reviews": summary.reviews,
        "write_s_min": min(times),
        "write_s_all": times,
        "ours_bytes": ours,
        **anki,
        "ratio_to_anki": ratio,
        "ratio_to_anki_legacy": ratio_legacy,
        "database_built_s": built_s,
        **stored,
        "database_counts_match": (same.notes, same.cards, same.reviews)
        == (summary.notes, summary.cards, summary.reviews),
        "targets": {
            "write_s": {"limit": TARGET_S, "met": min(times) < TARGET_S},
            "ratio_to_anki": {"limit": TARGET_RATIO, "met": ratio <= TARGET_RATIO},
        },
        "machine": machine(),
    }
    emit(result, args.json, report(result))


def report(result: dict[str, Any]) -> str:
    """The human-readable summary of a run."""
    mb = 1024 * 1024
    write_s, ratio = result["write_s_min"], result["ratio_to_anki"]
    rows = [
        [
            f"write_package, best of {REPEATS} (s)",
            write_s,
            f"< {TARGET_S:g}",
            verdict(write_s < TARGET_S),
        ],
        ["export from the database, in process (s)", min(result["export_s_all"]), "", ""],
        ["  of which the queries (export_notes) (s)", min(result["query_s_all"]), "", ""],
        ["tandem export --all, new process (s)", min(result["command_s_all"]), "", ""],
        ["our package (MB)", result["ours_bytes"] / mb, "", ""],
        ["Anki's export, current format (MB)", result["anki_bytes"] / mb, "", ""],
        ["Anki's export, legacy format (MB)", result["anki_legacy_bytes"] / mb, "", ""],
        ["ours / Anki's current", ratio, f"<= {TARGET_RATIO:g}", verdict(ratio <= TARGET_RATIO)],
        ["ours / Anki's legacy", result["ratio_to_anki_legacy"], "", ""],
        ["Anki import of ours (s)", result["import_s"], "", ""],
    ]

    def seconds(key: str) -> str:
        return ", ".join(f"{t:.3f}" for t in result[key])

    return "\n".join(
        [
            f"Anki export of {result['notes']:,} notes, {result['cards']:,} cards, "
            f"{result['reviews']:,} reviews (real it-de text)",
            table(["figure", "value", "target", "verdict"], rows),
            f"all write_package times (s): {seconds('write_s_all')}",
            f"all database export times (s): {seconds('export_s_all')}; "
            f"queries: {seconds('query_s_all')}; command: {seconds('command_s_all')}",
            f"database built in {result['database_built_s']:.1f} s (not counted); "
            f"its export has the same counts: {result['database_counts_match']}",
            f"Anki imported {result['imported_notes']:,} notes, {result['cards']:,} cards, "
            f"{result['revlog']:,} revlog rows",
            f"machine: {result['machine']}",
        ]
    )


if __name__ == "__main__":
    main()
