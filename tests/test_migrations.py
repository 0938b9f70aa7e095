"""Migrations build exactly the schema the models describe, and back up a database first."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import Flask

from webapp.db import (
    SCHEMA_REVISION,
    alembic_config,
    get_engine,
    head_revision,
    recorded_revision,
    upgrade_database,
)
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


def test_the_schema_revision_is_the_newest_migration() -> None:
    # Start-up trusts SCHEMA_REVISION to skip Alembic: a new migration must update it.
    assert head_revision() == SCHEMA_REVISION


def test_the_recorded_revision_comes_from_the_version_table(app: Flask) -> None:
    with get_engine(app).connect() as connection:
        assert recorded_revision(connection) == SCHEMA_REVISION
        connection.exec_driver_sql("DROP TABLE alembic_version")
        assert recorded_revision(connection) is None


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


def test_a_database_at_0001_keeps_its_rows_and_fills_the_new_columns(app: Flask) -> None:
    """Notes and alignments take their creation time as `updated_at`; the other new columns
    (migration 0002) their neutral values."""
    path = database_file(app)
    created = "2025-01-02 03:04:05.678000"
    with get_engine(app).connect() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
        run = connection.exec_driver_sql
        run(f"INSERT INTO articles VALUES (1, 'a', 'A', '{created}')")
        for version, lang in ((1, "it"), (2, "de")):
            run(
                "INSERT INTO versions VALUES "
                f"({version}, 1, '{lang}', 1.0, '{lang}.txt', '{lang}', NULL, '{created}')"
            )
        run("INSERT INTO paragraphs VALUES (1, 1, 0, 'body')")
        run(f"INSERT INTO alignments VALUES (1, 1, 1, 2, 'embeddings', '', 0.9, 0, '{created}')")
        for note, kind in ((1, "sentence"), (2, "word")):
            run(
                "INSERT INTO notes VALUES "
                f"({note}, '{kind}', 1, NULL, NULL, 'it', 'de', '{kind}', '', '{created}')"
            )
        connection.commit()

    assert upgrade_database(app) == "0001"

    assert path.with_name(f"{path.name}.bak-0001").exists()
    with get_engine(app).connect() as connection:
        for table, count in (("notes", 2), ("alignments", 1)):
            rows = connection.exec_driver_sql(f"SELECT created_at, updated_at FROM {table}")
            assert [tuple(row) for row in rows] == [(created, created)] * count
        for column, value in (
            ("notes.needs_review", ""),
            ("paragraphs.section", 0),
            ("versions.overrides", ""),
        ):
            table, name = column.split(".")
            values = connection.exec_driver_sql(f"SELECT DISTINCT {name} FROM {table}").scalars()
            assert values.all() == [value], column
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
