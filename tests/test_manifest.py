"""The optional manifest: it overrides grouping for the files it lists, and says what is wrong
with it all at once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from corpus.errors import InputError
from corpus.manifest import read_manifest
from tests.conftest import OTHER_ARTICLE, SEED_FILES
from webapp.cli import cli
from webapp.db import get_session
from webapp.models import Article


def write(folder: Path, text: str) -> Path:
    path = folder / "tandem.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_paths_are_relative_to_the_manifest(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    (tmp_path / "b.txt").write_text("y", encoding="utf-8")
    groups = read_manifest(write(tmp_path, '[[article]]\nfiles = ["a.txt", "b.txt"]\n'))
    assert groups == [(tmp_path / "a.txt", tmp_path / "b.txt")]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    manifest = write(
        tmp_path,
        '[[article]]\nfiles = ["a.txt", "missing.txt"]\n[[article]]\nfiles = ["a.txt"]\n'
        "[[article]]\ntitle = 'no files'\n",
    )
    with pytest.raises(InputError) as error:
        read_manifest(manifest)
    message = str(error.value)
    assert "missing.txt does not exist" in message
    assert "a.txt is listed twice" in message
    assert "article 3 needs a list of file names" in message


def test_broken_toml_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot be read"):
        read_manifest(write(tmp_path, "[[article]\nfiles = "))


def test_the_manifest_overrides_automatic_grouping(app: Flask, tmp_path: Path) -> None:
    for path in [*SEED_FILES.values(), OTHER_ARTICLE]:
        shutil.copy(path, tmp_path / path.name)
    # Deliberately wrong: the Italian seed with the unrelated German article. The alignment
    # shows it, so the learner has to insist.
    manifest = write(
        tmp_path,
        f'[[article]]\nfiles = ["{SEED_FILES["it"].name}", "{OTHER_ARTICLE.name}"]\n',
    )
    args = ["ingest", str(tmp_path), "--manifest", str(manifest)]
    refused = app.test_cli_runner().invoke(cli, args)
    assert refused.exit_code == 1
    assert "does not look like a translation of the Italian version" in refused.output
    result = app.test_cli_runner().invoke(cli, [*args, "--accept-doubtful"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        articles = get_session().scalars(select(Article).order_by(Article.id)).all()
        groups = sorted(sorted(v.lang for v in a.versions) for a in articles)
    assert groups == [["ar", "de", "id"], ["de", "it"]]


def test_a_manifest_article_with_two_versions_in_one_language_is_refused(
    app: Flask, tmp_path: Path
) -> None:
    german, other = SEED_FILES["de"], OTHER_ARTICLE
    manifest = write(tmp_path, f'[[article]]\nfiles = ["{german}", "{other}"]\n')
    result = app.test_cli_runner().invoke(cli, ["ingest", "--manifest", str(manifest)])
    assert result.exit_code == 0, result.output
    assert "an article has one version per language" in result.output
    assert "1 added" in result.output
