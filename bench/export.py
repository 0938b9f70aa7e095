"""Anki export of 50,000 notes: time of `decks.export.write_package` (target: under 2 s, the
best of 3) and the package's size against what Anki's own exporter writes for the same notes
(target: ours at most 1.2 times Anki's).

The notes are real text (see `_common.catalog_pairs`): Italian sentences with their German
translations, cycled when the catalogs hold fewer pairs, four to a paragraph, each a sentence
note with both directions. A share of them (30 % by default) has an FSRS review state and a
review history of 2 to 6 answers; the rest are new. Times and ratings come from a seeded
`random.Random`, so every run exports the same notes.

Anki's figure: our package is imported into a fresh collection with scheduling by the real
`anki` package (AGPL; a measuring instrument here, never imported by `decks`) and exported
again with its exporter, with scheduling and without deck options or media, in its current
format and in the legacy format older Anki versions read.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import catalog_pairs, emit, machine, table

from decks.export import ExportCard, ExportNote, ExportReview, write_package
from decks.scheduler import CardState, Phase
from decks.settings import SchedulerSettings

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SETTINGS = SchedulerSettings()
TARGET_S = 2.0
TARGET_RATIO = 1.2
REPEATS = 3
TITLES = ("Messaggi del sistema", "Manuale", "Note di rilascio", "Guida rapida")


def history(rng: random.Random) -> tuple[CardState, tuple[ExportReview, ...]]:
    """A review card's FSRS state and the answers that led to it, oldest first."""
    answered = NOW - timedelta(days=rng.uniform(60, 400))
    reviews = [
        ExportReview(
            reviewed_at=answered,
            rating=3,
            interval=timedelta(minutes=10),
            last_interval=timedelta(0),
            duration_ms=rng.randrange(2_000, 20_000),
            kind="learn",
        )
    ]
    answered += timedelta(minutes=10, seconds=rng.randrange(0, 300))
    interval, stability, difficulty, lapses = timedelta(days=1), 2.3, rng.uniform(3, 8), 0
    for _ in range(rng.randrange(1, 6)):
        rating = rng.choices((1, 2, 3, 4), weights=(1, 2, 8, 2))[0]
        last = interval
        if rating == 1:
            lapses += 1
            stability = max(0.5, stability * 0.4)
            difficulty = min(10.0, difficulty + 0.8)
        else:
            stability *= (1.5, 2.2, 3.0)[rating - 2]
            difficulty = max(1.0, difficulty - 0.2 * (rating - 3))
        interval = timedelta(days=max(1, round(stability)))
        reviews.append(
            ExportReview(
                reviewed_at=answered,
                rating=rating,
                interval=interval,
                last_interval=last,
                duration_ms=rng.randrange(1_500, 30_000),
                kind="relearn" if rating == 1 else "review",
                difficulty=difficulty,
            )
        )
        answered += interval + timedelta(hours=rng.uniform(-6, 30))
    last_review = reviews[-1].reviewed_at
    state = CardState(
        phase=Phase.REVIEW,
        stability=stability,
        difficulty=difficulty,
        due=last_review + interval,
        last_review=last_review,
        reps=len(reviews),
        lapses=lapses,
    )
    return state, tuple(reviews)


def build_notes(n: int, reviewed: float, seed: int = 1) -> list[ExportNote]:
    """`n` it→de sentence notes of real text, both directions, a `reviewed` share with
    history on the recognition card (and on the production card for half of those)."""
    pairs = catalog_pairs("it", "de")
    rng = random.Random(seed)
    notes = []
    for k in range(n):
        sentence, translation = pairs[k % len(pairs)]
        start = k - k % 4
        group = [pairs[(start + j) % len(pairs)] for j in range(4)]
        cards = [ExportCard(template="recognition"), ExportCard(template="production")]
        if rng.random() < reviewed:
            state, reviews = history(rng)
            cards[0] = ExportCard(template="recognition", state=state, reviews=reviews)
            if rng.random() < 0.5:
                state, reviews = history(rng)
                cards[1] = ExportCard(template="production", state=state, reviews=reviews)
        title = TITLES[(k // 1000) % len(TITLES)]
        notes.append(
            ExportNote(
                key=f"sentence:{k + 1}:it:de",
                kind="sentence",
                learn_lang="it",
                help_lang="de",
                sentence=sentence,
                translation=translation,
                sentence_paragraph=" ".join(p[0] for p in group),
                translation_paragraph=" ".join(p[1] for p in group),
                article_title=title,
                tags=(f"tandem::{title.lower().replace(' ', '-')}", "lang::it", "lang::de"),
                cards=tuple(cards),
            )
        )
    return notes


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
        times = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            summary = write_package(package, notes, now=NOW, settings=SETTINGS)
            times.append(time.perf_counter() - started)
        anki = anki_sizes(package, folder)
    ours = summary.bytes
    ratio = ours / anki["anki_bytes"]
    ratio_legacy = ours / anki["anki_legacy_bytes"]
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
        "targets": {
            "write_s": {"limit": TARGET_S, "met": min(times) < TARGET_S},
            "ratio_to_anki": {"limit": TARGET_RATIO, "met": ratio <= TARGET_RATIO},
        },
        "machine": machine(),
    }
    mb = 1024 * 1024
    text = "\n".join(
        [
            f"Anki export of {summary.notes:,} notes, {summary.cards:,} cards, "
            f"{summary.reviews:,} reviews (real it-de text)",
            table(
                ["figure", "value", "target", "verdict"],
                [
                    [
                        f"write_package, best of {REPEATS} (s)",
                        min(times),
                        f"< {TARGET_S:g}",
                        verdict(min(times) < TARGET_S),
                    ],
                    ["our package (MB)", ours / mb, "", ""],
                    ["Anki's export, current format (MB)", anki["anki_bytes"] / mb, "", ""],
                    ["Anki's export, legacy format (MB)", anki["anki_legacy_bytes"] / mb, "", ""],
                    [
                        "ours / Anki's current",
                        ratio,
                        f"<= {TARGET_RATIO:g}",
                        verdict(ratio <= TARGET_RATIO),
                    ],
                    ["ours / Anki's legacy", ratio_legacy, "", ""],
                    ["Anki import of ours (s)", anki["import_s"], "", ""],
                ],
            ),
            f"all write times (s): {', '.join(f'{t:.3f}' for t in times)}",
            f"Anki imported {anki['imported_notes']:,} notes, {anki['cards']:,} cards, "
            f"{anki['revlog']:,} revlog rows",
            f"machine: {machine()}",
        ]
    )
    emit(result, args.json, text)


if __name__ == "__main__":
    main()
