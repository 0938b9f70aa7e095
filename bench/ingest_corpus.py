"""Ingest and align the whole shipped corpus (corpus/articles, 5 files) into an empty database:
the first-run experience (target < 3 s including the model load).

Each run gets a fresh SQLite file and a fresh interpreter, so the model load is paid each time.
"""

from __future__ import annotations

import argparse
import tempfile

from _common import ARTICLES, emit, machine, run_job, summarise, table, target

TARGET_S = 3.0
STAGES = {
    "total (app + migrate + ingest + commit)": "total_s",
    "  create app + migrate empty DB": "setup_s",
    "  model load (in the background, overlaps reading)": "model_load_s",
    "  reading + cleaning + detecting + splitting": "read_clean_split_s",
    "  embedding": "embedding_s",
    "  grouping": "grouping_s",
    "  alignment (6 pairs)": "alignment_s",
    "  storing rows, waiting for the model": "storing_and_waiting_s",
    "whole process (start-up and imports too)": "process_s",
    "peak RSS (MB)": "peak_rss_mb",
}


def one_run() -> dict:
    """One ingest in a fresh interpreter on a fresh database."""
    with tempfile.TemporaryDirectory(prefix="tandem-bench-") as tmp:
        return run_job("_ingest_job.py", tmp, env={"TANDEM_INSTANCE_PATH": f"{tmp}/instance"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="repetitions (default 3)")
    parser.add_argument("--json", action="store_true", help="print a JSON object")
    args = parser.parse_args()

    runs = [one_run() for _ in range(args.runs)]
    summary = summarise(runs, STAGES.values())
    files = sorted(ARTICLES.glob("*.txt"))
    result = {
        "files": [f.name for f in files],
        "runs": args.runs,
        "seconds": {k: v for k, v in summary.items() if k != "peak_rss_mb"},
        "peak_rss_mb": summary["peak_rss_mb"],
        "embedding_calls_per_run": runs[0]["embedding_calls"],
        "rows": runs[0]["rows"],
        "notes": runs[0]["notes"],
        "machine": machine(),
    }
    rows = [(label, summary[key]["min"], summary[key]["median"]) for label, key in STAGES.items()]
    median_total = summary["total_s"]["median"]
    text = "\n".join(
        [
            f"ingest + align {len(files)} shipped files into an empty SQLite database, "
            f"{args.runs} runs (fresh interpreter and database each)",
            "",
            table(["seconds", "min", "median"], rows),
            "",
            f"median total: {target(median_total, TARGET_S, 's')}",
            f"embedding calls per run: {result['embedding_calls_per_run']} "
            "(grouping embeds every new document, then each article is embedded again to align)",
            f"rows: {result['rows']}",
            f"machine: {result['machine']}",
        ]
    )
    emit(result, args.json, text)


if __name__ == "__main__":
    main()
