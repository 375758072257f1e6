"""Alembic, driven from code: the migrations ship inside the package, so any install can upgrade."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    cfg.attributes["engine"] = engine
    return cfg


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return _head()


@lru_cache(maxsize=1)
def _head() -> str | None:
    """The newest revision shipped: fixed for the life of the process, and reading it executes every
    migration file (~0.1 s), which each opening of an archive paid (four per crawl)."""
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def upgrade(engine: Engine) -> bool:
    """Bring the schema to head; returns whether anything ran. Cheap when already current."""
    if current_revision(engine) == head_revision(engine):
        return False
    command.upgrade(alembic_config(engine), "head")
    return True


def finish_upgrade(conn: Connection) -> None:
    """The end of an upgrade (env.py, in its transaction): rebuild what the migrations marked stale
    (archive/migrations/derived.py), once, and only at head, where today's code writes the layout the
    schema has. First the text of stored attachments never read, then the search index from the
    versions; the rebuild records the normaliser, which clears the mark."""
    from archive.migrations.derived import STALE
    from archive.search import index, state

    context = MigrationContext.configure(conn)
    script = ScriptDirectory(str(MIGRATIONS))
    if context.get_current_revision() != script.get_current_head():
        return
    if state.recorded_normaliser(conn) != STALE:
        return
    index.extract_attachments(conn)
    index.rebuild(conn)
