"""Migrations build exactly the schema the models describe, and back up a database first."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import Flask

from webapp.db import alembic_config, get_engine, head_revision, upgrade_database
from webapp.models import Base


def database_file(app: Flask) -> Path:
    database = get_engine(app).url.database
    assert database is not None
    return Path(database)


def test_head_matches_models(app: Flask) -> None:
    with get_engine(app).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert context.get_current_revision() == head_revision()
        assert compare_metadata(context, Base.metadata) == []


def test_upgrading_a_new_database_makes_no_backup(app: Flask) -> None:
    path = database_file(app)
    assert list(path.parent.glob("*.bak-*")) == []
    assert upgrade_database(app) == head_revision()  # already at head: nothing to do
    assert list(path.parent.glob("*.bak-*")) == []


def downgrade_to_base(app: Flask, note: str) -> None:
    """Make the app's database an "older" one: no schema revision, but data worth keeping."""
    with get_engine(app).connect() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
        connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS keepsake (note TEXT)")
        connection.exec_driver_sql("DELETE FROM keepsake")
        connection.exec_driver_sql("INSERT INTO keepsake VALUES (?)", (note,))
        connection.commit()


def keepsake(path: Path) -> list[tuple[str]]:
    copy = sqlite3.connect(path)
    try:
        return copy.execute("SELECT note FROM keepsake").fetchall()
    finally:
        copy.close()


def test_an_existing_database_is_backed_up_before_migrating(app: Flask) -> None:
    path = database_file(app)
    downgrade_to_base(app, "first")

    assert upgrade_database(app) is None  # it had no revision: the first run

    assert keepsake(path.with_name(f"{path.name}.bak-empty")) == [("first",)]
    with get_engine(app).connect() as connection:
        context = MigrationContext.configure(connection)
        assert context.get_current_revision() == head_revision()


def test_an_earlier_backup_is_never_overwritten(app: Flask) -> None:
    path = database_file(app)
    downgrade_to_base(app, "first")
    upgrade_database(app)
    downgrade_to_base(app, "second")
    upgrade_database(app)

    assert keepsake(path.with_name(f"{path.name}.bak-empty")) == [("first",)]
    assert keepsake(path.with_name(f"{path.name}.bak-empty-2")) == [("second",)]


def test_a_database_at_0001_keeps_its_notes_and_gains_the_new_columns(app: Flask) -> None:
    with get_engine(app).connect() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
        created = "2026-05-01 10:00:00.000000"
        for statement in (
            "INSERT INTO articles VALUES (1, 'a', 'A', '2026-05-01 09:00:00')",
            "INSERT INTO versions VALUES (1, 1, 'de', 1.0, 'a.txt', 'x', NULL, "
            "'2026-05-01 09:00:00')",
            "INSERT INTO paragraphs VALUES (1, 1, 0, 'body')",
            "INSERT INTO notes VALUES (1, 'sentence', 1, NULL, NULL, 'de', 'it', '', '', "
            f"'{created}')",
        ):
            connection.exec_driver_sql(statement)
        connection.commit()
    assert upgrade_database(app) == "0001"
    with get_engine(app).connect() as connection:
        note = connection.exec_driver_sql("SELECT updated_at, needs_review FROM notes").one()
        assert tuple(note) == (created, "")
        assert connection.exec_driver_sql("SELECT section FROM paragraphs").scalar() == 0
        assert connection.exec_driver_sql("SELECT overrides FROM versions").scalar() == ""
