"""A book-length pair: 5,000 sentences a side aligned with embeddings (target < 60 s on 2 cores
and < 1 GB peak memory).

There is no real book pair here, so the input is made from real text: the seed article's
Italian and German body sentences, repeated with a different perturbation each time. The work
runs in a fresh interpreter so that its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from _common import emit, link_scores, machine, run_job, synthetic_pair, table, target, write_pair

TARGET_S = 60.0
TARGET_MB = 1024.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5000, help="sentences a side (default 5000)")
    parser.add_argument("--source", default="it")
    parser.add_argument("--target", default="de")
    parser.add_argument("--json", action="store_true", help="print a JSON object")
    args = parser.parse_args()

    case = synthetic_pair(args.n, args.source, args.target)
    with tempfile.TemporaryDirectory(prefix="tandem-bench-") as tmp:
        files = write_pair(case, Path(tmp), args.source, args.target)
        job = run_job("_align_job.py", *map(str, files), args.source, args.target)

    stages = {
        "model load": job["load_s"],
        "embedding source": job["embed_source_s"],
        "embedding target": job["embed_target_s"],
        "alignment": job["align_s"],
    }
    total = sum(stages.values())
    scores = link_scores(case.gold, job["links"])
    result = {
        "input": (
            f"synthetic: seed {args.source}/{args.target} body sentences (40) repeated with "
            "a different perturbation each copy"
        ),
        "sentences": {"source": len(case.source), "target": len(case.target)},
        "stages_s": stages,
        "total_s": total,
        "process_s": job["process_s"],
        "peak_rss_mb": job["peak_rss_mb"],
        "strict": scores,
        "notes": job["notes"],
        "machine": machine(),
    }
    text = "\n".join(
        [
            f"book-length alignment, {len(case.source)} × {len(case.target)} sentences",
            f"input: {result['input']}",
            "",
            table(["stage", "seconds"], [*stages.items(), ("total", total)]),
            "",
            f"total: {target(total, TARGET_S, 's')}; whole process {job['process_s']:.2f} s",
            f"peak RSS: {target(job['peak_rss_mb'], TARGET_MB, 'MB')}",
            f"strict P/R/F1 {scores['precision']:.3f} / {scores['recall']:.3f} / "
            f"{scores['f1']:.3f}, non-null F1 {scores['non_null_f1']:.3f} "
            f"({len(case.gold)} gold links)",
            f"machine: {result['machine']}",
        ]
    )
    emit(result, args.json, text)


if __name__ == "__main__":
    main()
