"""One `tandem align` done in-process with a stopwatch per stage; run by align_speed and book in a
fresh interpreter so that the model load and the peak memory belong to this job alone.

Usage: python bench/_align_job.py FILE_A FILE_B SOURCE_LANG TARGET_LANG  (prints one JSON line)
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from _common import beads, peak_rss_mb

from corpus.align import SENTENCE_BEADS, Units, align_units
from corpus.embed import load_encoder
from corpus.ingest import pair_vectors


def main(file_a: str, file_b: str, source: str, target: str) -> None:
    """Align like `tandem align --source --target` does and print stage times and links."""
    src = Path(file_a).read_text(encoding="utf-8").splitlines()
    tgt = Path(file_b).read_text(encoding="utf-8").splitlines()
    clock = time.perf_counter()
    loaded = load_encoder()
    load_s = time.perf_counter() - clock
    if loaded.encoder is None:
        raise SystemExit(f"no embeddings: {loaded.reason}")
    clock = time.perf_counter()
    src_vectors = loaded.encoder.encode(src)
    embed_source_s = time.perf_counter() - clock
    clock = time.perf_counter()
    tgt_vectors = loaded.encoder.encode(tgt)
    embed_target_s = time.perf_counter() - clock
    clock = time.perf_counter()
    va, vb, notes = pair_vectors(source, target, src_vectors, tgt_vectors)
    links = align_units(Units.from_texts(src, va), Units.from_texts(tgt, vb), SENTENCE_BEADS)
    align_s = time.perf_counter() - clock
    result = {
        "sentences": [len(src), len(tgt)],
        "load_s": load_s,
        "embed_source_s": embed_source_s,
        "embed_target_s": embed_target_s,
        "align_s": align_s,
        "peak_rss_mb": peak_rss_mb(),
        "notes": list(notes),
        "links": beads(links),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main(*sys.argv[1:])
