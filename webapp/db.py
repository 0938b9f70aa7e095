"""Database wiring in the flaskr style: one engine per app, one session per app context.

`webapp` alone owns persistence. Helpers here never commit: the view or CLI command that owns a
unit of work calls `get_session().commit()`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, g
from sqlalchemy import URL, Connection, DateTime, Dialect, Engine, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from webapp import checkpoints

if TYPE_CHECKING:
    from alembic.config import Config

ENGINE_KEY = "tandem_engine"
SESSIONMAKER_KEY = "tandem_sessionmaker"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 5000
# The newest migration's revision, so that a start on a database already at it (every start but
# the first after an upgrade) needs no Alembic, which takes about 0.15 s to import: several times
# what building the app takes. tests/test_migrations.py checks it against the migration scripts.
SCHEMA_REVISION = "0002"
VERSION_TABLE = "alembic_version"  # Alembic's default name, which env.py keeps


def init_app(app: Flask) -> None:
    """Build the app's engine and session factory, and close the session when a context ends."""
    engine = create_engine(app.config["DATABASE_URL"])
    sessions = sessionmaker(engine)
    if engine.dialect.name == "sqlite":
        # Listen on this engine only, so other engines in the process (tests, tools) keep theirs.
        event.listen(engine, "connect", _set_sqlite_pragmas)
        path = sqlite_file(engine.url)
        if path is not None:
            checkpoints.checkpoint_after_commits(engine, sessions, path)
    app.extensions[ENGINE_KEY] = engine
    app.extensions[SESSIONMAKER_KEY] = sessions
    app.teardown_appcontext(close_session)


def get_engine(app: Flask | None = None) -> Engine:
    """The engine of `app` (default: the current app)."""
    engine: Engine = (app or current_app).extensions[ENGINE_KEY]
    return engine


def get_session() -> Session:
    """The session of the current app context, opened on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = current_app.extensions[SESSIONMAKER_KEY]()
    session: Session = g.db_session
    return session


def rollback_session() -> None:
    """Roll back the current context's session, if one was opened, so an error page can use it."""
    session: Session | None = g.get("db_session")
    if session is not None:
        session.rollback()


def close_session(exception: BaseException | None = None) -> None:
    """Close the context's session; uncommitted work is discarded and the connection returned."""
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()


def sqlite_file(url: URL) -> Path | None:
    """The file of a SQLite URL, or None for an in-memory database or a `file:` URI."""
    if not url.database or url.database == ":memory:" or url.query.get("uri"):
        return None
    return Path(url.database).absolute()


def _set_sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite leaves foreign keys off and locks eagerly by default; fix both per connection.

    Every commit reaches the disk (FULL: no accepted answer is lost, even to a power cut), and
    checkpoints happen in the background: see `webapp.checkpoints` for why.
    """
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA wal_autocheckpoint={checkpoints.BACKSTOP_PAGES}")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is aware UTC in Python and UTC in the database.

    SQLite returns naive datetimes and the FSRS scheduler rejects them, so this is the one place
    that deals with time zones: naive values are refused rather than guessed at.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert an aware datetime to naive UTC for storage; refuse a naive one."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()}: pass an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Mark a stored (UTC) value as aware UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def result_processor(
        self, dialect: Dialect, coltype: object
    ) -> Callable[[Any], datetime | None] | None:
        """On SQLite, read the stored text as aware UTC in one parse.

        The general path parses the text to a naive datetime and then replaces its time zone,
        which took a quarter of the time of reading a large export's cards and answers.
        """
        if dialect.name == "sqlite":
            return _sqlite_utc
        return super().result_processor(dialect, coltype)


def _sqlite_utc(value: str | None) -> datetime | None:
    """SQLAlchemy's SQLite text for a naive UTC timestamp ('2026-03-01 12:00:00.000000'), as
    an aware UTC datetime."""
    return None if value is None else datetime.fromisoformat(value + "+00:00")


def alembic_config() -> Config:
    """An Alembic configuration built in code (there is no alembic.ini).

    Set `config.attributes["connection"]` to migrate a given connection; the migrations' env.py
    uses it. Also usable for `alembic.command.revision(config, autogenerate=True, ...)`.
    """
    from alembic.config import Config  # deferred: Alembic is needed only to migrate

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    return config


def head_revision() -> str | None:
    """The newest migration's revision id, read from the migration scripts."""
    from alembic.script import ScriptDirectory  # deferred: Alembic is needed only to migrate

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def upgrade_database(app: Flask) -> str | None:
    """Migrate the app's database to the newest revision; return the revision it had before
    (None for a database that was empty, which is how the first run is recognised).

    A SQLite file that holds tables and is behind is first backed up next to itself as
    `<file>.bak-<revision or "empty">`, so a failed or unwanted migration can be undone by hand.
    A database already at `SCHEMA_REVISION` is recognised without loading Alembic.
    """
    engine = get_engine(app)
    with engine.connect() as connection:
        if recorded_revision(connection) == SCHEMA_REVISION:
            return SCHEMA_REVISION
        from alembic import command  # deferred: Alembic is needed only to migrate
        from alembic.runtime.migration import MigrationContext  # deferred: only to migrate

        head = head_revision()
        config = alembic_config()
        current = MigrationContext.configure(connection).get_current_revision()
        if current == head:
            return current
        sqlite = connection.dialect.name == "sqlite"
        # Connecting creates the file, so "non-empty" means it already holds tables.
        holds_data = sqlite and bool(
            connection.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
        )
        connection.rollback()
        if holds_data:
            backup_sqlite_file(engine.url, current)
        if sqlite:
            # Batch migrations rebuild tables; with foreign keys on, dropping the old table
            # would cascade-delete child rows. SQLite's documented procedure turns them off.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            if sqlite:
                problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if problems:
                    raise RuntimeError(f"migration left broken foreign keys: {problems[:5]}")
            connection.commit()
        finally:
            if sqlite:
                connection.rollback()
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
    return current


def recorded_revision(connection: Connection) -> str | None:
    """The revision Alembic recorded in the database, read with plain SQL; None when there is
    no version table or it does not hold exactly one revision (Alembic then decides)."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    revisions = connection.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").all()
    return revisions[0][0] if len(revisions) == 1 else None


def backup_sqlite_file(url: URL, revision: str | None) -> Path | None:
    """Copy a non-empty SQLite database file before it is migrated; return the copy's path.

    Uses SQLite's backup API rather than a file copy so that pages still in the WAL are included.
    An existing backup is never overwritten: the oldest copy of a revision is the one worth keeping.
    """
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    source = Path(url.database)
    if not source.is_file() or source.stat().st_size == 0:
        return None
    target = source.with_name(f"{source.name}.bak-{revision or 'empty'}")
    counter = 1
    while target.exists():
        counter += 1
        target = source.with_name(f"{source.name}.bak-{revision or 'empty'}-{counter}")
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return target
