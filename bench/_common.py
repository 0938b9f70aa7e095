"""Shared helpers for the benchmarks: the seed article, gold links, long real-text pairs,
fresh-subprocess runs and plain-text tables.

Long pairs (1,000 and 5,000 sentences a side) are real human translations: the messages that
Debian's gettext catalogs translate into both languages, perturbed so that a quarter of the
links are not 1-1. The seed article is too short, and repeating it would make a path shifted by
one copy look as good as the right one.
"""

from __future__ import annotations

import argparse
import gettext
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from corpus.evaluate import Bead, Case, perturb, strict_scores
from corpus.ingest import load_document
from corpus.model import Document, Link, Role

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
ARTICLES = ROOT / "corpus" / "articles"
GOLD_FILE = ROOT / "tests" / "data" / "seed_gold.tsv"
# The first four shipped files are one article in id, it, ar, de; the fifth is another article.
SEED_FILES = sorted(ARTICLES.glob("*.txt"))[:4]
NOT_BODY = {Role.TITLE, Role.SUBTITLE}


@cache
def seed_documents() -> dict[str, Document]:
    """The four versions of the seed article, loaded by the real pipeline, keyed by language."""
    docs = [load_document(path) for path in SEED_FILES]
    return {doc.lang: doc for doc in docs}


def body_sentences(doc: Document) -> tuple[str, ...]:
    """Sentences of the paragraphs that are not title or subtitle (1-1 parallel in the seed)."""
    return tuple(s for p in doc.paragraphs if p.role not in NOT_BODY for s in p.sentences)


LOCALE = Path("/usr/share/locale")
# Messages worth calling sentences: several words, no format placeholders or markup.
_SENTENCE_LIKE = re.compile(r"^(?!.*[%{}<>\t\n\x04]).*\S(\s+\S+){3,}.*$")


@cache
def catalog_pairs(source: str, target: str) -> tuple[tuple[str, str], ...]:
    """Real human translations, parallel by construction: the messages that Debian's gettext
    catalogs under /usr/share/locale translate into both languages (the English msgid is the
    key), sentence-like ones only, ordered by catalog and msgid so every run sees the same text.
    """

    def catalog(lang: str) -> dict[tuple[str, str], str]:
        entries = {}
        for path in sorted((LOCALE / lang / "LC_MESSAGES").glob("*.mo")):
            if path.name.startswith("iso_"):  # country and language names, not sentences
                continue
            with path.open("rb") as handle:
                try:
                    messages = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
                except (OSError, UnicodeDecodeError):
                    continue
            for key, text in messages.items():
                if isinstance(key, str) and key and isinstance(text, str):
                    entries[(path.name, key)] = text
        return entries

    src, tgt = catalog(source), catalog(target)
    keys = sorted(k for k in src.keys() & tgt.keys() if _SENTENCE_LIKE.match(k[1]))
    return tuple(
        (src[k], tgt[k])
        for k in keys
        if _SENTENCE_LIKE.match(src[k]) and _SENTENCE_LIKE.match(tgt[k])
    )


def long_pair(n: int, source: str = "de", target: str = "it", rate: float = 0.25) -> Case:
    """About `n` sentences a side of real parallel text (`catalog_pairs`), made harder with
    `corpus.evaluate.perturb` (a quarter of the links become 2-1, 1-2, 1-0 or 0-1)."""
    pairs = catalog_pairs(source, target)
    size = n
    while True:
        if size > len(pairs):
            raise SystemExit(
                f"only {len(pairs)} parallel {source}/{target} messages under {LOCALE}; "
                "ask for fewer"
            )
        chosen = pairs[:size]
        case = perturb([s for s, _ in chosen], [t for _, t in chosen], random.Random(0), rate)
        shortfall = n - min(len(case.source), len(case.target))
        if shortfall <= 0:
            return case
        size += shortfall


def long_pair_arguments(description: str, default_n: int) -> argparse.Namespace:
    """Command-line options shared by the long-pair benchmarks."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("-n", type=int, default=default_n, help=f"sentences a side ({default_n})")
    parser.add_argument("--source", default="it")
    parser.add_argument("--target", default="de")
    parser.add_argument("--json", action="store_true", help="print a JSON object")
    return parser.parse_args()


def long_pair_description(source: str, target: str) -> str:
    """One line saying where the long pair comes from, for the printed report."""
    return (
        f"real text: {source}/{target} translations of the same messages in Debian's gettext "
        f"catalogs ({LOCALE}), a quarter of the links perturbed (merge, split, drop)"
    )


def scores_text(scores: dict[str, float], gold: int) -> str:
    """The strict-F1 line of a long-pair run."""
    return (
        f"strict P/R/F1 {scores['precision']:.3f} / {scores['recall']:.3f} / {scores['f1']:.3f},"
        f" non-null F1 {scores['non_null_f1']:.3f} ({gold} gold links)"
    )


def write_pair(case: Case, folder: Path, source: str, target: str) -> tuple[Path, Path]:
    """Write a case as two one-sentence-per-line files, the input of `tandem align`."""
    paths = folder / f"{source}.txt", folder / f"{target}.txt"
    for path, sentences in zip(paths, (case.source, case.target), strict=True):
        path.write_text("\n".join(sentences) + "\n", encoding="utf-8")
    return paths


@dataclass(frozen=True)
class Gold:
    """The 4-way gold of the seed article: per unit of meaning, the sentence index in each
    language's `Document.sentences` (None where that version has no such sentence)."""

    langs: tuple[str, ...]
    rows: tuple[tuple[int | None, ...], ...]

    def links(self, source: str, target: str) -> list[Bead]:
        """Gold links of one language pair (rows empty on both sides dropped)."""
        a, b = self.langs.index(source), self.langs.index(target)
        return [
            (() if row[a] is None else (row[a],), () if row[b] is None else (row[b],))
            for row in self.rows
            if row[a] is not None or row[b] is not None
        ]

    def covered(self, lang: str) -> set[int]:
        """Sentence indexes of one language that the gold mentions."""
        k = self.langs.index(lang)
        return {row[k] for row in self.rows if row[k] is not None}


def load_gold(docs: dict[str, Document], path: Path = GOLD_FILE) -> Gold:
    """Read the gold TSV and map each cell (the start of a sentence) to a sentence index.

    Cells of one column are matched in order, so repeated sentences ("Probabilmente no.") map
    to successive occurrences. Raises ValueError naming a cell that matches nothing.
    """
    lines = [x for x in path.read_text(encoding="utf-8").splitlines() if x and x[0] != "#"]
    langs = tuple(lines[0].split("\t"))
    cursor = dict.fromkeys(langs, 0)
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        row: list[int | None] = []
        for lang, cell in zip(langs, line.split("\t"), strict=True):
            if cell.strip() == "-":
                row.append(None)
                continue
            sentences = docs[lang].sentences
            index = next(
                (i for i in range(cursor[lang], len(sentences)) if sentences[i].startswith(cell)),
                None,
            )
            if index is None:
                raise ValueError(f"{path.name} row {number}, {lang}: no sentence starts {cell!r}")
            cursor[lang] = index + 1
            row.append(index)
        rows.append(tuple(row))
    return Gold(langs, tuple(rows))


def beads(links: Iterable[Link]) -> list[Bead]:
    """Links as (source, target) index tuples, the form `strict_scores` compares."""
    return [(link.source, link.target) for link in links]


def parse_links(lines: Iterable[str]) -> list[Bead]:
    """Parse `tandem align` output lines such as "[0]:[0, 1]" (extra ":score" ignored)."""
    result = []
    for line in lines:
        if not line.startswith("["):
            continue
        left, right = line.split(":")[:2]
        result.append((_indexes(left), _indexes(right)))
    return result


def link_scores(gold: Iterable[Bead], links: Iterable[Sequence[Sequence[int]]]) -> dict[str, float]:
    """Strict precision, recall and F1 (all links), and strict F1 of non-null links only."""
    predicted = [(tuple(s), tuple(t)) for s, t in links]
    gold = list(gold)
    strict = strict_scores(gold, predicted)
    non_null = strict_scores(gold, predicted, include_null=False)
    return {
        "precision": strict.precision,
        "recall": strict.recall,
        "f1": strict.f1,
        "non_null_f1": non_null.f1,
    }


def _indexes(text: str) -> tuple[int, ...]:
    inner = text.strip()[1:-1].strip()
    return tuple(int(x) for x in inner.split(",")) if inner else ()


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (ru_maxrss is KB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_job(script: str, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run `bench/<script>` in a fresh interpreter and return the JSON object it prints last,
    plus `process_s`, the wall time of the whole process (start-up and imports included)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{script} failed with exit code {done.returncode}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_s"] = elapsed
    return result


def summarise(runs: Sequence[dict[str, Any]], keys: Iterable[str]) -> dict[str, dict[str, float]]:
    """Min and median of each key over repeated runs."""
    return {
        key: {
            "min": min(run[key] for run in runs),
            "median": statistics.median(run[key] for run in runs),
        }
        for key in keys
    }


def machine() -> dict[str, Any]:
    """What the figures were measured on (load average shows other work on the machine)."""
    return {
        "cpus": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "python": sys.version.split()[0],
    }


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A plain aligned table; floats get 3 decimals, the first column is left-aligned."""
    cells = [[_cell(x) for x in row] for row in rows]
    widths = [max(len(h), *(len(r[k]) for r in cells)) for k, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.ljust(w) if k == 0 else v.rjust(w)
            for k, (v, w) in enumerate(zip(values, widths, strict=True))
        )

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, cells)])


def _cell(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def target(value: float, limit: float, unit: str) -> str:
    """'met' or 'MISSED' for a figure against its target."""
    verdict = "met" if value < limit else "MISSED"
    return f"{value:.2f} {unit} (target < {limit:g} {unit}: {verdict})"


def emit(result: dict[str, Any], as_json: bool, text: str) -> None:
    """Print the JSON object or the human-readable text."""
    print(json.dumps(result, ensure_ascii=False, indent=2) if as_json else text)
