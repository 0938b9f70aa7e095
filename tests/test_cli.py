"""The `tandem` command end to end, on a real SQLite file: ingest (summary, idempotence, changed
files, one transaction, bad input, HTML), articles, pairs, align, help and the first run.

Commands run through the app's CLI runner with the `tandem` group, so they use the test app. The
embedding model is loaded once per process (about a second).
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskCliRunner
from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from corpus.ingest import load_document
from corpus.model import Role
from webapp import create_app, store
from webapp.cli import cli
from webapp.db import get_engine, upgrade_database
from webapp.models import Alignment, Article, Base, Link, Version
from webapp.seed import SHIPPED_ARTICLES

DATA = Path(__file__).parent / "data"
SEEDS = sorted(SHIPPED_ARTICLES.glob("*.txt"))
INDONESIAN, ITALIAN, ARABIC, GERMAN, OTHER_GERMAN = SEEDS
LINK_LINE = re.compile(r"^\[(\d+(, \d+)*)?\]:\[(\d+(, \d+)*)?\]$")
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# A paragraph added to the Italian and German seed copies, with characters XML must escape.
ITALIAN_MARKUP = "Nel rapporto «Rossi & Figli» si legge che 3 < 5 e che 7 > 2, come tutti sanno."
GERMAN_MARKUP = "Im Bericht „Rossi & Söhne“ steht, dass 3 < 5 und 7 > 2 ist, wie alle wissen."

GERMAN_PARAGRAPHS = (
    "Die Stadtverwaltung hat am Montag beschlossen, die Öffnungszeiten der öffentlichen "
    "Bibliotheken im kommenden Jahr deutlich zu verlängern, damit auch Berufstätige abends noch "
    "Bücher ausleihen können.",
    "Viele Bürgerinnen und Bürger hatten sich seit Jahren darüber beschwert, dass die "
    "Bibliotheken schon am frühen Nachmittag schließen und am Wochenende überhaupt nicht "
    "geöffnet sind.",
    "Die zusätzlichen Kosten sollen nach Angaben des Bürgermeisters durch Einsparungen bei der "
    "Verwaltung und durch eine bessere Nutzung der vorhandenen Räume gedeckt werden.",
)
ITALIAN_PARAGRAPHS = (
    "Il consiglio comunale ha deciso lunedì di prolungare in modo significativo gli orari di "
    "apertura delle biblioteche pubbliche il prossimo anno, così che anche chi lavora possa "
    "prendere in prestito libri la sera.",
    "Molti cittadini si lamentavano da anni del fatto che le biblioteche chiudessero già nel "
    "primo pomeriggio e che nel fine settimana non fossero aperte affatto.",
    "Secondo il sindaco, i costi aggiuntivi saranno coperti da risparmi nell'amministrazione e "
    "da un uso migliore degli spazi già disponibili.",
)


def invoke(runner: FlaskCliRunner, *args: str) -> Result:
    """Run a `tandem` command against the runner's app."""
    return runner.invoke(cli, args=list(args))


@pytest.fixture
def make_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Flask]]:
    """Build apps on fresh SQLite files under `tmp_path`, migrated unless asked otherwise."""
    for name in ("TANDEM_DATABASE_URL", "TANDEM_SECRET_KEY", "TANDEM_MAX_INGEST_BYTES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TANDEM_INSTANCE_PATH", str(tmp_path / "instance"))
    apps: list[Flask] = []

    def make(name: str, *, migrate: bool = True, **config: Any) -> Flask:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test",
                "SEED_CORPUS": False,
                "DATABASE_URL": f"sqlite:///{tmp_path / name}.sqlite3",
                **config,
            }
        )
        if migrate:
            upgrade_database(app)
        apps.append(app)
        return app

    yield make
    for app in apps:
        get_engine(app).dispose()


@contextmanager
def reading(app: Flask) -> Iterator[Session]:
    """A session of its own on the app's database, to inspect what a command stored."""
    with Session(get_engine(app)) as session:
        yield session


def row_counts(app: Flask) -> dict[str, int]:
    with reading(app) as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def snapshot(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    with reading(app) as session:
        return {
            table.name: [
                tuple(row)
                for row in session.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in Base.metadata.sorted_tables
        }


def copy_seeds(folder: Path, seeds: list[Path] = SEEDS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for seed in seeds:
        # copyfile, not copy: the shipped files are read-only and the tests edit the copies.
        shutil.copyfile(seed, folder / seed.name)
    return folder


def append_paragraph(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + f"\n\n{text}\n", "utf-8")


def version(session: Session, lang: str, source_name: str | None = None) -> Version:
    query = select(Version).where(Version.lang == lang)
    if source_name is not None:
        query = query.where(Version.source.endswith(source_name, autoescape=True))
    return session.scalars(query).one()


def link_keys(session: Session, a: Version, b: Version) -> dict[int, tuple[tuple[int, ...], ...]]:
    """Link id → (source sentence ids, target sentence ids) of the alignment of a and b."""
    alignment = session.scalars(
        select(Alignment).where(
            Alignment.source_version_id.in_([a.id, b.id]),
            Alignment.target_version_id.in_([a.id, b.id]),
        )
    ).one()
    return {
        link.id: tuple(
            tuple(sorted(m.sentence_id for m in link.members if m.side == side))
            for side in ("source", "target")
        )
        for link in alignment.links
    }


def explained(output: str) -> dict[str, list[str]]:
    """The `--explain` listing: file name → its "line N (reason): text" entries."""
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for line in output.splitlines():
        header = re.match(r"^(\S.*): removed \d+ line\(s\)$", line)
        if header:
            current = sections.setdefault(Path(header.group(1)).name, [])
        elif line.startswith("  line "):
            current.append(line.strip())
    return sections


def test_ingest_shipped_corpus_groups_aligns_and_explains(
    app: Flask, runner: FlaskCliRunner
) -> None:
    result = invoke(runner, "ingest", str(SHIPPED_ARTICLES), "--explain")

    assert result.exit_code == 0, result.output
    summary = result.stdout.splitlines()[-1]
    assert summary.startswith("5 added, 0 updated, 0 unchanged, 0 failed; articles aligned: ")
    removed = explained(result.stdout)
    assert sorted(removed) == sorted(seed.name for seed in SEEDS)
    assert removed[ITALIAN.name] == removed[GERMAN.name] == removed[OTHER_GERMAN.name] == []
    for seed, video, site in (
        (INDONESIAN, "Google I/O Keynote (Google I/O '17) (Mungkin 2025)", "muse"),
        (ARABIC, "شاهد ما فعله عمال توصيل الطلبات عندما اعطاهم هذا الرجل بقشيش", "الفكرة"),
    ):
        lines = removed[seed.name]
        assert "line 1 (navigation): Skip to main content" in lines
        assert sum(1 for line in lines if "(repeated line): " + video in line) == 2
        assert any(line.endswith("(byline): Anonim") for line in lines)
        assert any(line.endswith(f"(site name in title): {site}") for line in lines)

    with reading(app) as session:
        first, second = session.scalars(select(Article).order_by(Article.id)).all()
        assert [v.lang for v in first.versions] == ["id", "it", "ar", "de"]
        assert [Path(v.source).name for v in first.versions] == [s.name for s in SEEDS[:4]]
        alignments = session.scalars(select(Alignment).where(Alignment.article_id == first.id))
        pairs = set()
        for alignment in alignments:
            ends = {alignment.source_version_id, alignment.target_version_id}
            pairs.add(frozenset(ends))
            # Direct: each link joins sentences of exactly the two versions of its pair.
            for link in alignment.links:
                assert {m.sentence.version_id for m in link.members} <= ends
            assert alignment.links
        versions = [v.id for v in first.versions]
        assert pairs == {frozenset(pair) for pair in itertools.combinations(versions, 2)}
        assert [(v.lang, Path(v.source).name) for v in second.versions] == [
            ("de", OTHER_GERMAN.name)
        ]
        assert not session.scalars(select(Alignment).where(Alignment.article_id == second.id)).all()
        assert first.slug in summary


def test_ingesting_the_same_folder_again_changes_nothing(
    app: Flask, runner: FlaskCliRunner
) -> None:
    assert invoke(runner, "ingest", str(SHIPPED_ARTICLES)).exit_code == 0
    before = snapshot(app)

    result = invoke(runner, "ingest", str(SHIPPED_ARTICLES))

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        "0 added, 0 updated, 5 unchanged, 0 failed; articles aligned: none"
    )
    assert row_counts(app) == {name: len(rows) for name, rows in before.items()}
    assert snapshot(app) == before


def test_changed_file_keeps_the_ids_of_what_did_not_change(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    folder = copy_seeds(tmp_path / "articles")
    assert invoke(runner, "ingest", str(folder)).exit_code == 0
    with reading(app) as session:
        italian, german = version(session, "it"), version(session, "de", GERMAN.name)
        indonesian = version(session, "id")
        old_sentences = [(s.id, s.text) for s in italian.sentences]
        old_it_de = link_keys(session, italian, german)
        old_id_de = link_keys(session, indonesian, german)
    edited_old = "Forse hai bisogno di una raccomandazione."
    edited_new = "Forse hai bisogno di una buona raccomandazione."
    added = (
        "Questo paragrafo è stato aggiunto dopo la prima lettura.",
        "Non ha una traduzione tedesca.",
    )
    copy = folder / ITALIAN.name
    text = copy.read_text(encoding="utf-8")
    assert text.count(edited_old) == 1
    copy.write_text(text.replace(edited_old, edited_new), encoding="utf-8")
    append_paragraph(copy, " ".join(added))

    result = invoke(runner, "ingest", str(folder))

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith("0 added, 1 updated, 4 unchanged, 0 failed")
    with reading(app) as session:
        italian, german = version(session, "it"), version(session, "de", GERMAN.name)
        indonesian = version(session, "id")
        new_sentences = [(s.id, s.text) for s in italian.sentences]
        new_it_de = link_keys(session, italian, german)
        new_id_de = link_keys(session, indonesian, german)

    (edited_id,) = [id_ for id_, text in old_sentences if text == edited_old]
    old_ids = {id_ for id_, _ in old_sentences}
    # Unchanged sentences keep their ids and texts, in their order.
    assert [s for s in new_sentences if s[0] in old_ids] == [
        s for s in old_sentences if s[0] != edited_id
    ]
    # Only the edited and the new sentences have new ids.
    assert [text for id_, text in new_sentences if id_ not in old_ids] == [edited_new, *added]
    # The stored version reads like the edited file, in order.
    assert [text for _, text in new_sentences] == list(load_document(copy).sentences)
    # Links joining exactly the same sentences as before keep their ids: here every link that
    # does not touch the edited sentence. The edited sentence keeps its German counterpart
    # under a new link, and the new sentences have no counterpart.
    untouched = {
        link_id: key for link_id, key in old_it_de.items() if edited_id not in key[0] + key[1]
    }
    assert {link_id: key for link_id, key in new_it_de.items() if link_id in old_it_de} == (
        untouched
    )
    new_ids = {id_: text for id_, text in new_sentences if id_ not in old_ids}
    (old_edited_link,) = set(old_it_de.values()) - set(untouched.values())
    fresh = sorted(key for link_id, key in new_it_de.items() if link_id not in old_it_de)
    assert [[new_ids[i] for i in source] for source, _ in fresh] == [
        [edited_new],
        [added[0]],
        [added[1]],
    ]
    assert fresh[0][1] == old_edited_link[1]
    assert all(target == () for _, target in fresh[1:])
    # A pair without Italian was not realigned at all.
    assert new_id_de == old_id_de


def test_a_sentence_inserted_mid_file_is_aligned_in_its_place(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    folder = copy_seeds(tmp_path / "articles", [ITALIAN, GERMAN])
    assert invoke(runner, "ingest", str(folder)).exit_code == 0
    before = invoke(runner, "pairs", "1", "--source", "it", "--target", "de").stdout
    inserted = "Questa frase nuova è stata inserita nel mezzo dell'articolo."
    copy = folder / ITALIAN.name
    lines = copy.read_text(encoding="utf-8").split("\n")
    copy.write_text("\n".join([*lines[:3], inserted, *lines[3:]]), encoding="utf-8")

    result = invoke(runner, "ingest", str(folder))

    assert result.exit_code == 0, result.output
    after = invoke(runner, "pairs", "1", "--source", "it", "--target", "de").stdout
    # Every other sentence keeps its counterpart (paragraph numbers and scores may move).
    pairs_before = [row.split("\t")[:2] for row in before.splitlines()]
    pairs_after = [row.split("\t")[:2] for row in after.splitlines()]
    assert [inserted, ""] in pairs_after
    assert [pair for pair in pairs_after if pair[0] != inserted] == pairs_before


def test_one_ingest_is_one_transaction(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = copy_seeds(tmp_path / "articles", SEEDS[:4])
    save_alignment = store.save_alignment
    calls = 0

    def fail_on_third_call(*args: Any, **kwargs: Any) -> Alignment:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("simulated failure while saving an alignment")
        return save_alignment(*args, **kwargs)

    monkeypatch.setattr(store, "save_alignment", fail_on_third_call)
    empty = snapshot(app)
    result = invoke(runner, "ingest", str(folder))
    assert result.exit_code != 0
    assert isinstance(result.exception, RuntimeError)
    assert calls == 3
    assert snapshot(app) == empty
    assert row_counts(app)["articles"] == 0

    # The same on a database that holds the article: a failed update leaves it as it was.
    monkeypatch.setattr(store, "save_alignment", save_alignment)
    assert invoke(runner, "ingest", str(folder)).exit_code == 0
    before = snapshot(app)
    assert before["alignments"]
    append_paragraph(folder / ITALIAN.name, "Questo paragrafo è nuovo e cambia la versione.")
    calls = 0
    monkeypatch.setattr(store, "save_alignment", fail_on_third_call)
    result = invoke(runner, "ingest", str(folder))
    assert result.exit_code != 0
    assert isinstance(result.exception, RuntimeError)
    assert calls == 3
    assert snapshot(app) == before


def write_bad_inputs(folder: Path, limit: int) -> dict[str, tuple[str, ...]]:
    """Write one file per kind of bad input; return file name → what its message must say."""
    folder.mkdir(parents=True, exist_ok=True)
    german = "\n\n".join(GERMAN_PARAGRAPHS)
    files: dict[str, tuple[bytes, str | tuple[str, ...]]] = {
        "empty.txt": (b"", "empty"),
        "blank.txt": (b"  \n\t\n   \n", "only whitespace"),
        "scan.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "PNG image"),
        "nul.txt": (b"Hallo Welt\x00 das ist ein Text\x00 mit Nullen.\n" * 10, "NUL"),
        "cut.txt": (
            "Grüße aus München!\n".encode() * 5 + "ü".encode()[:1],
            "ends in the middle of a UTF-8 character",
        ),
        "big.txt": (((german + "\n\n") * (limit // len(german) + 2)).encode(), "larger than"),
        "garbage.txt": (bytes(range(0x80, 0x100)) * 8, "encoding could not be recognised"),
        "mixed.txt": (
            "\n\n".join(GERMAN_PARAGRAPHS + ITALIAN_PARAGRAPHS).encode(),
            ("mixes languages", "German", "Italian"),
        ),
        "short.txt": (b"Hallo!\n", "too little text"),
    }
    for name, (data, _) in files.items():
        (folder / name).write_bytes(data)
    assert (folder / "big.txt").stat().st_size > limit
    return {
        name: (reason,) if isinstance(reason, str) else reason
        for name, (_, reason) in files.items()
    }


def test_bad_files_are_reported_one_line_each_and_the_good_one_ingests(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    limit = 20_000
    assert ITALIAN.stat().st_size < limit
    app = make_app("limited", MAX_INGEST_BYTES=limit)
    folder = copy_seeds(tmp_path / "batch", [ITALIAN])
    expected = write_bad_inputs(folder, limit)

    result = invoke(app.test_cli_runner(), "ingest", str(folder))

    assert result.exit_code == 0, result.output
    errors = result.stderr.splitlines()
    for name, reason in expected.items():
        mentions = [line for line in errors if name in line]
        assert len(mentions) == 1, (name, errors)
        (line,) = mentions
        assert line.startswith(f"skipped {folder / name}: "), line
        assert all(part in line for part in reason), line
    assert not [line for line in errors if ITALIAN.name in line]
    assert result.stdout.splitlines()[-1].startswith(
        f"1 added, 0 updated, 0 unchanged, {len(expected)} failed"
    )
    with reading(app) as session:
        assert [v.lang for v in session.scalars(select(Version))] == ["it"]


def test_a_batch_where_everything_fails_exits_non_zero(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    app = make_app("limited", MAX_INGEST_BYTES=20_000)
    folder = tmp_path / "batch"
    expected = write_bad_inputs(folder, 20_000)

    result = invoke(app.test_cli_runner(), "ingest", str(folder))

    assert result.exit_code != 0
    assert "nothing could be ingested" in result.stderr
    assert f"0 added, 0 updated, 0 unchanged, {len(expected)} failed" in result.stdout
    assert row_counts(app)["versions"] == 0


def test_html_is_stored_as_text_without_markup_or_scripts(
    app: Flask, runner: FlaskCliRunner
) -> None:
    page = DATA / "hostile_page.html"

    result = invoke(runner, "ingest", str(page))

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith("1 added")
    with reading(app) as session:
        stored = version(session, "de")
        texts = [s.text for s in stored.sentences]
    assert stored.title == "Warum Bibliotheken länger öffnen sollten"
    assert "Die Stadtverwaltung hat am Montag beschlossen" in " ".join(texts)
    assert len(texts) >= 8
    for text in texts:
        for forbidden in ("<", ">", "alert", "onerror", "document.write", "color: red"):
            assert forbidden not in text
        for chrome in ("Startseite", "Impressum", "Alle Rechte vorbehalten", "Stadtzeitung"):
            assert chrome not in text


def test_articles_lists_articles_as_text_and_json(app: Flask, runner: FlaskCliRunner) -> None:
    assert invoke(runner, "ingest", str(SHIPPED_ARTICLES)).exit_code == 0

    table = invoke(runner, "articles")
    listing = invoke(runner, "articles", "--json")

    assert table.exit_code == 0, table.output
    assert listing.exit_code == 0, listing.output
    articles = json.loads(listing.stdout)
    assert [article["id"] for article in articles] == [1, 2]
    first, second = articles
    assert [v["lang"] for v in first["versions"]] == ["id", "it", "ar", "de"]
    assert [v["lang"] for v in second["versions"]] == ["de"]
    for article in articles:
        assert set(article) >= {"id", "slug", "title", "versions", "alignments"}
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", article["slug"])
        assert article["title"]
        for v in article["versions"]:
            assert isinstance(v["sentences"], int) and v["sentences"] > 0
        assert f"{article['id']:>4}  {article['slug']}  —  {article['title']}" in table.stdout
    assert second["alignments"] == []
    assert len(first["alignments"]) == 6
    for alignment in first["alignments"]:
        assert set(alignment) >= {"source", "target", "quality", "method", "flagged", "notes"}
        assert alignment["method"] in {"embeddings", "length"}
        assert 0.0 <= alignment["quality"] <= 1.0
        assert isinstance(alignment["flagged"], int) and alignment["flagged"] >= 0
        assert isinstance(alignment["notes"], str)
        assert f"{alignment['source']}→{alignment['target']}: " in table.stdout
    sentences = ", ".join(f"{v['lang']} ({v['sentences']})" for v in first["versions"])
    assert f"languages: {sentences}" in table.stdout
    assert "single-language article: no translation yet" in table.stdout


def test_articles_on_an_empty_library_says_how_to_start(runner: FlaskCliRunner) -> None:
    assert invoke(runner, "articles").stdout == "No articles yet: run `tandem ingest PATH`.\n"
    assert json.loads(invoke(runner, "articles", "--json").stdout) == []


@pytest.fixture
def italian_german(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> Article:
    """The Italian and German seeds as one article, each with a paragraph holding & < >."""
    folder = copy_seeds(tmp_path / "articles", [ITALIAN, GERMAN])
    append_paragraph(folder / ITALIAN.name, ITALIAN_MARKUP)
    append_paragraph(folder / GERMAN.name, GERMAN_MARKUP)
    result = invoke(runner, "ingest", str(folder))
    assert result.exit_code == 0, result.output
    with reading(app) as session:
        (article,) = session.scalars(select(Article)).all()
        assert sorted(v.lang for v in article.versions) == ["de", "it"]
        return article


def test_pairs_as_tsv_jsonl_and_tmx(
    app: Flask, runner: FlaskCliRunner, italian_german: Article
) -> None:
    slug = italian_german.slug
    with reading(app) as session:
        links = session.scalar(select(func.count()).select_from(Link))

    tsv = invoke(runner, "pairs", slug, "--source", "it", "--target", "de")
    assert tsv.exit_code == 0, tsv.output
    header, *rows = tsv.stdout.splitlines()
    assert header == "it\tde\tparagraph\tscore"
    assert len(rows) == links
    table = [row.split("\t") for row in rows]
    assert all(len(cells) == 4 for cells in table)
    assert table[-1][:2] == [ITALIAN_MARKUP, GERMAN_MARKUP]
    by_id = invoke(runner, "pairs", str(italian_german.id), "--source", "it", "--target", "de")
    assert by_id.stdout == tsv.stdout

    jsonl = invoke(runner, "pairs", slug, "--source", "it", "--target", "de", "--format", "jsonl")
    assert jsonl.exit_code == 0, jsonl.output
    records = [json.loads(line) for line in jsonl.stdout.splitlines()]
    assert len(records) == links
    for record in records:
        assert isinstance(record["source"], str) and isinstance(record["target"], str)
        assert isinstance(record["paragraph"], int)
        assert 0.0 <= record["score"] <= 1.0
        assert record["source"] or record["target"]
    # The German title and subtitle have no Italian counterpart.
    assert records[0]["source"] == ""
    assert records[0]["target"] == "Warum Sie keine Fremden auf LinkedIn hinzufügen sollten"
    assert [r["source"] for r in records] == [c[0] for c in table]

    tmx = invoke(runner, "pairs", slug, "--source", "it", "--target", "de", "--format", "tmx")
    assert tmx.exit_code == 0, tmx.output
    assert "Rossi &amp; Figli" in tmx.stdout and "3 &lt; 5" in tmx.stdout
    root = etree.fromstring(tmx.stdout.encode("utf-8"))
    assert root.tag == "tmx" and root.get("version") == "1.4"
    assert root.find("header").get("srclang") == "it"
    units = root.findall("body/tu")
    assert len(units) == sum(1 for r in records if r["source"] and r["target"])
    segments: dict[str, list[str]] = {"it": [], "de": []}
    for unit in units:
        variants = unit.findall("tuv")
        assert [v.get(XML_LANG) for v in variants] == ["it", "de"]
        for variant in variants:
            (seg,) = variant.findall("seg")
            assert seg.text and seg.text.strip()
            segments[variant.get(XML_LANG)].append(seg.text)
    assert ITALIAN_MARKUP in segments["it"] and GERMAN_MARKUP in segments["de"]


def test_pairs_in_the_other_direction_swap_the_columns(
    runner: FlaskCliRunner, italian_german: Article
) -> None:
    forward = invoke(runner, "pairs", italian_german.slug, "--source", "it", "--target", "de")
    backward = invoke(runner, "pairs", italian_german.slug, "--source", "de", "--target", "it")

    assert backward.exit_code == 0, backward.output
    header, *rows = backward.stdout.splitlines()
    assert header == "de\tit\tparagraph\tscore"
    swapped = []
    for row in forward.stdout.splitlines()[1:]:
        source, target, *rest = row.split("\t")
        swapped.append("\t".join([target, source, *rest]))
    assert rows == swapped


def test_pairs_errors_say_what_is_wrong(runner: FlaskCliRunner, italian_german: Article) -> None:
    slug = italian_german.slug

    unknown = invoke(runner, "pairs", "no-such-article", "--source", "it", "--target", "de")
    missing = invoke(runner, "pairs", slug, "--source", "it", "--target", "fr")
    same = invoke(runner, "pairs", slug, "--source", "it", "--target", "it")

    for result in (unknown, missing, same):
        assert result.exit_code != 0
        assert result.stdout == ""
        assert result.stderr.startswith("Error: ")
    assert "no-such-article" in unknown.stderr
    assert "no fr version" in missing.stderr and "(it has: de, it)" in missing.stderr
    assert "two different languages" in same.stderr


def body_sentences(path: Path) -> list[str]:
    doc = load_document(path)
    return [s for p in doc.paragraphs if p.role is Role.BODY for s in p.sentences]


def test_align_prints_one_link_per_line_covering_both_files(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    source, target = body_sentences(ITALIAN), body_sentences(GERMAN)
    assert len(source) == len(target) > 20
    merged = 12
    target[merged : merged + 2] = [" ".join(target[merged : merged + 2])]
    file_a, file_b = tmp_path / "it.txt", tmp_path / "de.txt"
    file_a.write_text("\n".join(source) + "\n", encoding="utf-8")
    file_b.write_text("\n".join(target) + "\n", encoding="utf-8")

    result = invoke(runner, "align", str(file_a), str(file_b), "--source", "it", "--target", "de")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert all(LINK_LINE.match(line) for line in lines), lines
    sides = [[json.loads(side) for side in line.split(":")] for line in lines]
    assert [i for src, _ in sides for i in src] == list(range(len(source)))
    assert [j for _, tgt in sides for j in tgt] == list(range(len(target)))
    assert f"[{merged}, {merged + 1}]:[{merged}]" in lines
    assert f"aligned {len(source)} × {len(target)} sentences" in result.stderr


def test_align_refuses_an_empty_file(runner: FlaskCliRunner, tmp_path: Path) -> None:
    file_a, file_b = tmp_path / "it.txt", tmp_path / "de.txt"
    file_a.write_text("Probabilmente no.\n", encoding="utf-8")
    file_b.write_text("\n  \n", encoding="utf-8")

    result = invoke(runner, "align", str(file_a), str(file_b), "--source", "it", "--target", "de")

    assert result.exit_code != 0
    assert result.stdout == ""
    assert result.stderr == f"Error: {file_b}: the file has no sentences\n"


@pytest.mark.parametrize("command", ["ingest", "articles", "pairs", "align", "serve"])
def test_every_command_has_help(runner: FlaskCliRunner, command: str) -> None:
    result = invoke(runner, command, "--help")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Usage: cli {command} ")
    assert "--help" in result.stdout


def test_the_group_lists_every_command(runner: FlaskCliRunner) -> None:
    result = invoke(runner, "--help")

    assert result.exit_code == 0
    for command in ("ingest", "articles", "pairs", "align", "serve"):
        assert re.search(rf"^  {command}\s", result.stdout, re.MULTILINE), command


def test_first_run_ingests_the_shipped_corpus(make_app: Callable[..., Flask]) -> None:
    app = make_app("first-run", migrate=False, SEED_CORPUS=True)

    result = invoke(app.test_cli_runner(), "articles")

    assert result.exit_code == 0, result.output
    with reading(app) as session:
        articles = session.scalars(select(Article).order_by(Article.id)).all()
        assert [[v.lang for v in a.versions] for a in articles] == [
            ["id", "it", "ar", "de"],
            ["de"],
        ]
        assert {Path(v.source).name for a in articles for v in a.versions} == {
            s.name for s in SEEDS
        }
    for article in articles:
        assert article.slug in result.stdout
    # A later run does not ingest the corpus again.
    again = make_app("first-run", SEED_CORPUS=True)
    assert invoke(again.test_cli_runner(), "articles").exit_code == 0
    assert row_counts(again)["articles"] == 2


def test_a_failed_first_run_is_retried(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app("crashed-first-run", migrate=False, SEED_CORPUS=True)
    real_save = store.save_alignment

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "save_alignment", crash)
    assert invoke(app.test_cli_runner(), "articles").exit_code != 0
    assert row_counts(app)["articles"] == 0

    monkeypatch.setattr(store, "save_alignment", real_save)
    assert invoke(app.test_cli_runner(), "articles").exit_code == 0
    assert row_counts(app)["articles"] == 2
