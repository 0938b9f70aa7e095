"""Alembic environment for Tandem's database.

Normally run by `webapp.db.upgrade_database`, which passes the app's connection in
`config.attributes["connection"]`; there is no alembic.ini. With a `sqlalchemy.url` main option
instead, it opens its own connection (or, offline, renders SQL).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from webapp.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations(connection: Connection) -> None:
    """Migrate through `connection`; SQLite gets batch mode, since it cannot ALTER most things."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    """Render the migrations as SQL for the configured URL."""
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=url is not None and url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Migrate the connection passed in, or one opened from `sqlalchemy.url`."""
    connection: Connection | None = config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("pass a connection in config.attributes or set sqlalchemy.url")
    engine = create_engine(url)
    try:
        with engine.begin() as own_connection:
            run_migrations(own_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
