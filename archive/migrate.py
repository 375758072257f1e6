"""Alembic, driven from code: the migrations ship inside the package, so any install can upgrade.

Every process that opens an archive asks whether it is at head. The answer is usually yes, and needs
no Alembic: `HEAD` names the newest migration shipped (a test checks it is Alembic's head) and one
query reads the archive's stamp. Alembic (with Mako and Pygments, 0.2 s of a process's start) is
imported only to upgrade.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
HEAD = "0019"  # the newest revision in migrations/versions/ (tests/test_archive.py checks it)


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    cfg.attributes["engine"] = engine
    return cfg


def current_revision(engine: Engine) -> str | None:
    """The archive's stamp (None: a new database, no migration run)."""
    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except DBAPIError:  # no such table: nothing was ever migrated here
            conn.rollback()
            return None


def head_revision(engine: Engine) -> str | None:
    return HEAD


def shipped_head() -> str | None:
    """Alembic's head of the migrations shipped (reads every migration file): what `HEAD` must say."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def upgrade(engine: Engine) -> bool:
    """Bring the schema to head; returns whether anything ran. Cheap when already current."""
    if current_revision(engine) == HEAD:
        return False
    from alembic import command

    command.upgrade(alembic_config(engine), "head")
    return True


def finish_upgrade(conn: Connection) -> None:
    """The end of an upgrade (env.py, in its transaction): rebuild what the migrations marked stale
    (archive/migrations/derived.py), once, and only at head, where today's code writes the layout the
    schema has. First the text of stored attachments never read, then the search index from the
    versions; the rebuild records the normaliser, which clears the mark."""
    from alembic.runtime.migration import MigrationContext

    from archive.migrations.derived import STALE
    from archive.search import index, state

    if MigrationContext.configure(conn).get_current_revision() != shipped_head():
        return
    if state.recorded_normaliser(conn) != STALE:
        return
    index.extract_attachments(conn)
    index.rebuild(conn)
