"""`tandem ingest --article`: add translations to a stored article from the command line, with
the same refusals as the browser (a language the article has, a text that is not a translation)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from click.testing import Result
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from tests.conftest import OTHER_ARTICLE, SEED_FILES
from webapp import db
from webapp.cli import cli
from webapp.models import Article, Version


def ingest(runner: FlaskCliRunner, *args: str | Path) -> Result:
    return runner.invoke(cli, args=["ingest", *map(str, args)])


def languages(app: Flask) -> dict[str, list[str]]:
    with app.app_context():
        session = db.get_session()
        return {
            article.slug: sorted(v.lang for v in article.versions)
            for article in session.scalars(select(Article))
        }


def only_slug(app: Flask) -> str:
    (slug,) = languages(app)
    return slug


def test_files_attach_to_the_named_article(app: Flask, runner: FlaskCliRunner) -> None:
    assert ingest(runner, SEED_FILES["it"]).exit_code == 0
    slug = only_slug(app)
    result = ingest(runner, "--article", slug, SEED_FILES["ar"], SEED_FILES["de"])
    assert result.exit_code == 0, result.output
    assert languages(app) == {slug: ["ar", "de", "it"]}


def test_a_language_the_article_has_is_refused(app: Flask, runner: FlaskCliRunner) -> None:
    assert ingest(runner, SEED_FILES["de"]).exit_code == 0
    slug = only_slug(app)
    result = ingest(runner, "--article", slug, OTHER_ARTICLE)
    assert result.exit_code != 0
    assert "already has its German version" in result.output
    assert languages(app) == {slug: ["de"]}


def test_a_text_that_is_not_a_translation_needs_the_learners_consent(
    app: Flask, runner: FlaskCliRunner
) -> None:
    assert ingest(runner, SEED_FILES["it"]).exit_code == 0
    slug = only_slug(app)
    refused = ingest(runner, "--article", slug, OTHER_ARTICLE)
    assert refused.exit_code != 0
    assert "does not look like a translation" in refused.output
    assert "--accept-doubtful" in refused.output
    assert languages(app) == {slug: ["it"]}
    kept = ingest(runner, "--article", slug, "--accept-doubtful", OTHER_ARTICLE)
    assert kept.exit_code == 0, kept.output
    assert languages(app) == {slug: ["de", "it"]}


def test_an_unknown_article_is_named(runner: FlaskCliRunner) -> None:
    result = ingest(runner, "--article", "no-such-article", SEED_FILES["it"])
    assert result.exit_code != 0
    assert "no article 'no-such-article'" in result.output


def test_forcing_the_language_of_an_attached_file(app: Flask, runner: FlaskCliRunner) -> None:
    assert ingest(runner, SEED_FILES["it"]).exit_code == 0
    slug = only_slug(app)
    assert ingest(runner, "--article", slug, "--lang", "de", SEED_FILES["de"]).exit_code == 0
    with app.app_context():
        assert db.get_session().scalars(select(Version.lang).order_by(Version.id)).all() == [
            "it",
            "de",
        ]


def test_bad_books_are_named_with_their_reason(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    (tmp_path / "not-a-book.epub").write_bytes(b"plain text, not a ZIP archive")
    bomb = tmp_path / "bomb.epub"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/epub+zip")
        archive.writestr("OEBPS/chapter.xhtml", b"\0" * (64 * 1024 * 1024))
    result = ingest(runner, tmp_path)
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.startswith("skipped")]
    assert len(lines) == 2
    assert any("not-a-book.epub" in line and "ZIP" in line for line in lines), lines
    assert any("bomb.epub" in line for line in lines), lines
    assert languages(app) == {}
