"""The `tandem` command: a FlaskGroup over `create_app`, so the CLI and the web share code.

Commands are thin: parse, call the library, commit once, print a summary. Domain errors become
`click.ClickException` with a message a person can act on.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import current_app
from flask.cli import FlaskGroup
from werkzeug.exceptions import HTTPException

from corpus.errors import CorpusError
from corpus.language import detect_language
from decks.errors import DeckError
from webapp import create_app, pairs, seed

if TYPE_CHECKING:
    from corpus.embed import Encoder, Vectors


@click.group(
    cls=FlaskGroup, create_app=create_app, add_default_commands=False, add_version_option=False
)
def cli() -> None:
    """Tandem: read an article beside its translations, and study what you read."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--lang", help="Force the language (ISO 639-1 code) instead of detecting it.")
@click.option("--explain", is_flag=True, help="List what the cleaner removed from each file.")
@click.option(
    "--manifest",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A TOML file whose [[article]] entries list files that are one article.",
)
@click.option(
    "--article",
    "article_key",
    help="Add the files as translations of this stored article (id or slug).",
)
@click.option(
    "--accept-doubtful",
    is_flag=True,
    help="Keep a file you placed (--article or --manifest) even if it barely aligns.",
)
def ingest(
    paths: tuple[Path, ...],
    lang: str | None,
    explain: bool,
    manifest: Path | None,
    article_key: str | None,
    accept_doubtful: bool,
) -> None:
    """Ingest text, Markdown, HTML or EPUB files, or folders of them: clean, detect languages,
    group translations, split and align them, and store the result in one transaction."""
    if not paths and manifest is None:
        raise click.UsageError("name files or folders to ingest, or a --manifest")
    if article_key and manifest:
        raise click.UsageError("use --article or --manifest, not both")
    from corpus.ingest import collect_files  # deferred: the ingest pipeline (numpy, lxml)
    from corpus.manifest import read_manifest  # deferred: only `ingest` reads manifests
    from webapp import store  # deferred: it loads the ingest pipeline too

    try:
        groups = read_manifest(manifest) if manifest else []
    except CorpusError as exc:
        raise click.ClickException(str(exc)) from None
    files = list(dict.fromkeys([*(p.resolve() for p in collect_files(paths)), *chain(*groups)]))
    session = seed.prepared_session()
    try:
        article = pairs.find_article(session, article_key) if article_key else None
    except HTTPException as exc:
        raise click.ClickException(exc.description or str(exc)) from None
    with click.progressbar(
        files, label="Reading", file=sys.stderr, item_show_func=lambda p: p.name if p else ""
    ) as bar:
        report = store.ingest_files(
            session,
            bar,
            lang=lang,
            max_bytes=current_app.config["MAX_INGEST_BYTES"],
            manifest=groups,
            article=article,
        )
    if report.doubtful and not accept_doubtful:
        session.rollback()
        for doubt in report.doubtful:
            click.echo(f"doubtful: {doubt}", err=True)
        raise click.ClickException(
            "nothing was stored: a file you placed in an article barely aligns with it and may "
            "be a different text; check it, or run again with --accept-doubtful to keep it"
        )
    session.commit()
    for doubt in report.doubtful:
        click.echo(f"kept although doubtful: {doubt}", err=True)
    for problem in report.failed:
        click.echo(f"skipped {problem.source}: {problem.reason}", err=True)
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    if explain:
        for source, removed in report.removed.items():
            click.echo(f"{source}: removed {len(removed)} line(s)")
            for item in removed:
                click.echo(f"  line {item.line} ({item.reason}): {item.text}")
    click.echo(
        f"{len(report.added)} added, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged, {len(report.failed)} failed; "
        f"articles aligned: {', '.join(report.articles) or 'none'}"
    )
    if report.failed and not (report.added or report.updated or report.unchanged):
        raise click.ClickException("nothing could be ingested")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def articles(as_json: bool) -> None:
    """List articles with their languages, sentence counts and alignment quality."""
    summaries = pairs.article_summaries(seed.prepared_session())
    if as_json:
        click.echo(json.dumps(summaries, ensure_ascii=False, indent=2))
        return
    if not summaries:
        click.echo("No articles yet: run `tandem ingest PATH`.")
    for article in summaries:
        langs = ", ".join(f"{v['lang']} ({v['sentences']})" for v in article["versions"])
        click.echo(f"{article['id']:>4}  {article['slug']}  —  {article['title']}")
        click.echo(f"      languages: {langs}")
        if not article["alignments"]:
            click.echo("      single-language article: no translation yet")
        for a in article["alignments"]:
            click.echo(
                f"      {a['source']}→{a['target']}: {a['links']} links, quality "
                f"{a['quality']:.2f}, {a['flagged']} flagged ({a['method']})"
            )
            if a["notes"]:
                click.echo(f"        note: {a['notes']}")


@cli.command("pairs")
@click.argument("article")
@click.option("--source", "source_lang", required=True, help="Language of the left column.")
@click.option("--target", "target_lang", required=True, help="Language of the right column.")
@click.option(
    "--format", "fmt", type=click.Choice(["tsv", "jsonl", "tmx"]), default="tsv", show_default=True
)
def pairs_command(article: str, source_lang: str, target_lang: str, fmt: str) -> None:
    """Print the aligned sentence pairs of ARTICLE (id or slug) in reading order."""
    session = seed.prepared_session()
    try:
        rows = pairs.aligned_rows(session, article, source_lang, target_lang)
    except HTTPException as exc:
        raise click.ClickException(exc.description or str(exc)) from None
    for chunk in pairs.FORMATS[fmt](rows, source_lang, target_lang):
        click.echo(chunk, nl=False)


@cli.command()
@click.argument("file_a", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("file_b", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", "source_lang", help="Language of FILE_A (detected when omitted).")
@click.option("--target", "target_lang", help="Language of FILE_B (detected when omitted).")
@click.option("--scores", is_flag=True, help="Append each link's score: [0]:[0, 1]:0.8123")
def align(
    file_a: Path, file_b: Path, source_lang: str | None, target_lang: str | None, scores: bool
) -> None:
    """Align two files already split into sentences (one per line) and print one link per line
    in the Vecalign/Bertalign format, [0]:[0, 1] (0-based line numbers)."""
    from corpus.align import SENTENCE_BEADS, Units, align_units  # deferred: numpy
    from corpus.embed import load_encoder  # deferred: numpy and the sentence model
    from corpus.ingest import pair_vectors  # deferred: the whole ingest pipeline

    started = time.perf_counter()
    try:
        src = _sentence_lines(file_a)
        tgt = _sentence_lines(file_b)
        src_lang = detect_language(str(file_a), src[:200], forced=source_lang)[0]
        tgt_lang = detect_language(str(file_b), tgt[:200], forced=target_lang)[0]
    except CorpusError as exc:
        raise click.ClickException(str(exc)) from None
    loaded = load_encoder()
    vectors: list[Vectors | None] = [None, None]
    if loaded.encoder is not None:
        vectors = _embed_with_progress(loaded.encoder, [src, tgt])
    va, vb, notes = pair_vectors(src_lang, tgt_lang, vectors[0], vectors[1], loaded.reason)
    links = align_units(Units.from_texts(src, va), Units.from_texts(tgt, vb), SENTENCE_BEADS)
    for link in links:
        line = f"[{', '.join(map(str, link.source))}]:[{', '.join(map(str, link.target))}]"
        click.echo(f"{line}:{link.score:.4f}" if scores else line)
    for note in notes:
        click.echo(f"note: {note}", err=True)
    click.echo(
        f"aligned {len(src)} × {len(tgt)} sentences in {time.perf_counter() - started:.2f} s",
        err=True,
    )


def _embed_with_progress(encoder: Encoder, sides: list[list[str]]) -> list[Vectors | None]:
    """Embed each side in batches, with a progress bar on stderr (a book takes seconds)."""
    from corpus.embed import encode_in_batches  # deferred: numpy

    with click.progressbar(length=sum(map(len, sides)), label="Embedding", file=sys.stderr) as bar:
        return [encode_in_batches(encoder, texts, bar.update) for texts in sides]


def _sentence_lines(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    if not any(line.strip() for line in lines):
        raise CorpusError(f"{path}: the file has no sentences")
    return [line.strip() for line in lines]


@cli.command("export")
@click.option("--article", help="The article's id or slug.")
@click.option("--source", "source_lang", help="Learning language of the cards to export.")
@click.option("--target", "target_lang", help="Helper language of the cards to export.")
@click.option("--all", "everything", is_flag=True, help="Export every card of every article.")
@click.option(
    "--all-sentences",
    is_flag=True,
    help="Every aligned sentence pair of the article becomes a note, not only cards made.",
)
@click.option(
    "--with-scheduling/--without-scheduling",
    default=True,
    show_default=True,
    help="Carry each card's schedule and review history, or export every card as new.",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The .apkg file to write.",
)
def export_command(
    article: str | None,
    source_lang: str | None,
    target_lang: str | None,
    everything: bool,
    all_sentences: bool,
    with_scheduling: bool,
    output: Path,
) -> None:
    """Export cards to an Anki package (.apkg) that Anki imports, updates and keeps
    scheduling."""
    from webapp import export  # deferred: the Anki writer (genanki) is needed by this command only

    session = seed.prepared_session()
    selection = export.Selection(article, source_lang, target_lang, everything, all_sentences)
    try:
        summary = export.export(
            session, selection, output, now=datetime.now(UTC), with_scheduling=with_scheduling
        )
    except DeckError as exc:
        raise click.ClickException(str(exc)) from None
    except HTTPException as exc:
        raise click.ClickException(exc.description or str(exc)) from None
    click.echo(
        f"wrote {summary.notes} notes, {summary.cards} cards and {summary.reviews} reviews "
        f"to {output} ({summary.bytes / 1024:.0f} KB)"
    )
    skipped = export.left_out(session, selection)
    if skipped:
        click.echo(
            f"left out {skipped} note(s) whose aligned pair is gone: see `needs review` in the "
            "card list",
            err=True,
        )


def freeze_startup_objects() -> None:
    """What is alive once the app is ready (modules, the app, its engine) lives as long as the
    server: keep full collections from walking it. One took 80 ms in the middle of an answer."""
    gc.collect()
    gc.freeze()


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the app with a production WSGI server (waitress), ingesting the shipped corpus on
    first run."""
    import waitress

    seed.prepared_session()
    freeze_startup_objects()
    click.echo(f"Tandem is running at http://{host}:{port}/ (Ctrl+C to stop)")
    waitress.serve(
        current_app._get_current_object(),
        host=host,
        port=port,  # type: ignore[attr-defined]
        threads=8,
        _quiet=True,
    )
