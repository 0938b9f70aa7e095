"""A book-length pair: 5,000 sentences a side aligned with embeddings (target < 60 s on 2 cores
and < 1 GB peak memory).

No parallel book can be downloaded here, so the input is the longest real parallel text on the
machine (see `_common.long_pair`): messages that Debian's gettext catalogs translate into both
Italian and German, a quarter of the links perturbed. The work runs in a fresh interpreter so
that its peak RSS is its own.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from _common import (
    emit,
    link_scores,
    long_pair,
    long_pair_arguments,
    long_pair_description,
    machine,
    run_job,
    scores_text,
    table,
    target,
    write_pair,
)

TARGET_S = 60.0
TARGET_MB = 1024.0


def main() -> None:
    args = long_pair_arguments(__doc__.splitlines()[0], 5000)

    case = long_pair(args.n, args.source, args.target)
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
        "input": long_pair_description(args.source, args.target),
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
            scores_text(scores, len(case.gold)),
            f"machine: {result['machine']}",
        ]
    )
    emit(result, args.json, text)


if __name__ == "__main__":
    main()
