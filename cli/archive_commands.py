"""Reading the archive: show, history, runs; and `db upgrade` (search and export: `search_commands`)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import click

from archive import clock, queries
from archive.db import Archive
from archive.text import CHINA
from cli.output import emit, emit_record, format_option


def open_archive(url: str | None, *, migrate: bool = True) -> Archive:
    """The archive for this command, closed (its connections released) when the command ends."""
    archive = Archive(url, migrate=migrate)
    click.get_current_context().call_on_close(archive.close)
    return archive


db_option = click.option(
    "--database-url", envvar="XXGK_DATABASE_URL", help="Archive database (default ./data/xxgk.sqlite3)."
)


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2024-01-31") from None


def parse_moment(value: str, *, start_of_day: bool = False) -> datetime:
    """A day or an ISO 8601 moment, in China Standard Time (the agencies' own clock) when naive. A day
    means its end (`--as-of`, `--captured-until`), or its start with `start_of_day`
    (`--captured-since`)."""
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime.combine(day, time.min if start_of_day else time.max, tzinfo=CHINA)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date (2024-01-31) or a moment (2024-01-31T18:00)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA)


def _moment(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    return None if value is None else parse_moment(value)


@click.command("show")
@click.argument("doc")
@click.option("--version", "number", type=click.IntRange(1), help="Version number (default: the latest).")
@click.option("--as-of", callback=_moment, help="The version the archive held at this date or time (CST).")
@format_option(default="table", choices=("table", "json"))
@db_option
def show(doc: str, number: int | None, as_of, fmt: str, database_url) -> None:  # type: ignore[no-untyped-def]
    """One document (by id or URL): its fields and body at a version."""
    if number is not None and as_of is not None:
        raise click.UsageError("give --version or --as-of, not both")
    archive = open_archive(database_url)
    with archive.session() as s:
        record = queries.show(s, queries.find_document(s, doc), number, as_of=as_of)
    emit_record(record, fmt)


@click.command("history")
@click.argument("doc")
@format_option()
@db_option
def history(doc: str, fmt: str, database_url) -> None:  # type: ignore[no-untyped-def]
    """Versions and withdrawals of one document, oldest first."""
    archive = open_archive(database_url)
    with archive.session() as s:
        rows = queries.history(s, queries.find_document(s, doc))
    emit(rows, fmt)


@click.command("runs")
@click.option("--site", help="Only this site.")
@click.option("--failed", is_flag=True, help="Only runs that did not finish or recorded errors.")
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True)
@format_option()
@db_option
def runs(site: str | None, failed: bool, limit: int, fmt: str, database_url) -> None:  # type: ignore[no-untyped-def]
    """Crawl runs, newest first: when, how they ended, what they found (late = after its scheduled slot)."""
    archive = open_archive(database_url)
    with archive.session() as s:
        emit(queries.runs(s, limit, site=site, failed=failed), fmt)


@click.command("coverage")
@click.argument("site")
@click.option("--since", callback=_date, help="First night (YYYY-MM-DD; default: 30 nights ago).")
@click.option("--until", callback=_date, help="Last night (default: today).")
@format_option()
@db_option
def coverage(site: str, since: date | None, until: date | None, fmt: str, database_url) -> None:  # type: ignore[no-untyped-def]
    """Night by night (China time): did a crawl of SITE finish, and did it see every column?"""
    last = until or clock.today_in_china()
    first = since or last - timedelta(days=29)
    if first > last:
        raise click.BadParameter("--since is after --until", param_hint="--since")
    archive = open_archive(database_url)
    with archive.session() as s:
        rows = queries.coverage(s, site, first, last, CHINA)
    emit(rows, fmt)
    gaps = [r["night"] for r in rows if r["state"] != "covered"]
    if gaps and fmt == "table":
        click.echo(f"{len(gaps)} of {len(rows)} nights not fully covered", err=True)


class _DbGroup(click.Group):
    """`db reindex` and `db check` maintain the search index and live with search
    (cli/search_commands.py), where they register themselves on this group. `xxgk` imports a command's
    module only when the command is used (cli/main.py), so `db` imports theirs when it lists or looks up
    a command: without it `xxgk db reindex` was "No such command" unless search had been imported."""

    def _load(self) -> None:
        import cli.search_commands  # noqa: F401 (registers reindex and check)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            self._load()
        return super().get_command(ctx, cmd_name)


@click.group("db", cls=_DbGroup)
def db() -> None:
    """Archive database maintenance."""


@db.command("upgrade")
@db_option
def db_upgrade(database_url) -> None:  # type: ignore[no-untyped-def]
    """Apply pending migrations (also done automatically on first use)."""
    archive = open_archive(database_url, migrate=False)
    from archive.migrate import current_revision, upgrade

    ran = upgrade(archive.engine)
    where = archive.engine.url.render_as_string(hide_password=True)
    click.echo(f"{'upgraded' if ran else 'already at'} revision {current_revision(archive.engine)} ({where})")


COMMANDS = [show, history, runs, coverage, db]
