"""How long `tandem align` takes on N sentences a side (default 1000; target < 10 s).

The input is real text (see `_common.long_pair`): messages that Debian's gettext catalogs
translate into both Italian and German, a quarter of the links perturbed (merges, splits,
drops). The CLI is timed end to end in a subprocess, then the same work is timed stage by stage
in a fresh interpreter, with strict F1 against the gold.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import (
    emit,
    link_scores,
    long_pair,
    long_pair_arguments,
    long_pair_description,
    machine,
    parse_links,
    run_job,
    scores_text,
    table,
    target,
    write_pair,
)

TARGET_S = 10.0


def tandem_command() -> list[str]:
    """The installed `tandem` script next to this interpreter (or on PATH)."""
    beside = Path(sys.executable).with_name("tandem")
    found = str(beside) if beside.exists() else shutil.which("tandem")
    if found is None:
        raise SystemExit("the `tandem` command is not installed (pip install -e .)")
    return [found]


def run_cli(file_a: Path, file_b: Path, source: str, target_lang: str, instance: Path) -> dict:
    """Time `tandem align A B --source S --target T` as a user runs it."""
    started = time.perf_counter()
    command = [*tandem_command(), "align", str(file_a), str(file_b)]
    done = subprocess.run(
        [*command, "--source", source, "--target", target_lang],
        capture_output=True,
        text=True,
        env={**os.environ, "TANDEM_INSTANCE_PATH": str(instance)},
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"tandem align failed:\n{done.stderr}")
    return {"wall_s": elapsed, "links": parse_links(done.stdout.splitlines())}


def main() -> None:
    args = long_pair_arguments(__doc__.splitlines()[0], 1000)

    case = long_pair(args.n, args.source, args.target)
    with tempfile.TemporaryDirectory(prefix="tandem-bench-") as tmp:
        file_a, file_b = write_pair(case, Path(tmp), args.source, args.target)
        cli = run_cli(file_a, file_b, args.source, args.target, Path(tmp) / "instance")
        job = run_job("_align_job.py", str(file_a), str(file_b), args.source, args.target)

    links = [(tuple(s), tuple(t)) for s, t in job["links"]]
    scores = link_scores(case.gold, links)
    embed_s = job["embed_source_s"] + job["embed_target_s"]
    stages = {
        "model load": job["load_s"],
        "embedding (both sides)": embed_s,
        "alignment DP": job["align_s"],
        "sum of stages": job["load_s"] + embed_s + job["align_s"],
        "job process wall": job["process_s"],
    }
    result = {
        "input": long_pair_description(args.source, args.target),
        "sentences": {"source": len(case.source), "target": len(case.target)},
        "cli_wall_s": cli["wall_s"],
        "stages_s": stages,
        "cli_links_equal_job_links": cli["links"] == links,
        "strict": scores,
        "notes": job["notes"],
        "machine": machine(),
    }
    text = "\n".join(
        [
            f"tandem align on {len(case.source)} × {len(case.target)} sentences",
            f"input: {result['input']}",
            f"CLI end to end: {target(cli['wall_s'], TARGET_S, 's')}",
            "",
            table(["stage (fresh interpreter)", "seconds"], stages.items()),
            "",
            scores_text(scores, len(case.gold)),
            f"CLI links identical to in-process links: {result['cli_links_equal_job_links']}",
            f"machine: {result['machine']}",
        ]
    )
    emit(result, args.json, text)


if __name__ == "__main__":
    main()
