"""Alembic environment: uses the engine handed over by `archive.migrate`, or the configured URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from archive.migrate import finish_upgrade
from archive.models import Base

config = context.config
engine = config.attributes.get("engine") or create_engine(config.get_main_option("sqlalchemy.url"))

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
        # Derived data the migrations marked stale is rebuilt once, here, when they reached head.
        finish_upgrade(connection)
