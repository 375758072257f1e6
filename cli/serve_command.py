"""`xxgk serve`: the web interface and JSON API (the `web` package, imported only here and only when the
command runs, so `xxgk --help` and every other command start without FastAPI). Read-only unless given
a token (`--token-file`, or XXGK_SERVE_TOKEN): then it may pause and resume scheduled jobs and start
crawls, through `schedules.control`, built here and handed to the app (web/actions.py)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import click

from cli.archive_commands import db_option
from cli.crawl_commands import parse_setting, settings_option


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback by default).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--capture-port",
    type=click.IntRange(1, 65535),
    help="Port of the archived pages' own origin (default: --port + 1).",
)
@click.option(
    "--token-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file holding the token (16+ characters) that allows pausing and resuming schedules and "
    "starting crawls (API: Authorization: Bearer TOKEN; pages: log in on /sites). "
    "Default: the XXGK_SERVE_TOKEN environment variable; neither: read-only.",
)
@click.option(
    "--replica-url", envvar="XXGK_REPLICA_URL", help="Crawls started here crawl a running replica instead."
)
@settings_option("A crawl setting for crawls started here.")
@db_option
def serve(  # type: ignore[no-untyped-def]
    host: str,
    port: int,
    capture_port: int | None,
    token_file: Path | None,
    replica_url,
    settings,
    database_url,
) -> None:
    """Serve the archive: search, documents, version comparison, archived pages, audit, crawls.

    Pages in Chinese at http://HOST:PORT/, the same data as JSON under /api (OpenAPI description at
    /api/openapi.json). Archived pages are served from a second port, a different origin, sandboxed.
    Read-only unless a token is configured (--token-file, XXGK_SERVE_TOKEN); then POST requests with
    it may pause or resume a scheduled job and start a crawl (never a GET)."""
    capture_port = capture_port or port + 1
    if capture_port == port or capture_port > 65535:
        raise click.BadParameter("the captures need a port of their own", param_hint="--capture-port")
    token = _token(token_file)
    crawl_args: tuple[str, ...] = ("--replica-url", replica_url) if replica_url else ()
    for pair in settings:
        parse_setting(pair)  # a malformed setting is refused now, not at the first crawl
        crawl_args += ("-s", pair)
    for number in (port, capture_port):
        _require_free(host, number)
    from web.server import run

    kinds = column_kinds()
    control = None
    if token is not None:
        from schedules.control import ScheduleControl

        control = ScheduleControl(database_url, sorted(kinds), crawl_args)
    try:
        run(database_url, host, port, capture_port, kinds, token, control)
    finally:
        if control is not None:
            control.close()


def _token(path: Path | None) -> str | None:
    """The configured token (the file's content, else the environment's), or None: read-only."""
    from web.actions import TOKEN_ENV, check_token

    raw = path.read_text(encoding="utf-8") if path else os.environ.get(TOKEN_ENV)
    if raw is None:
        return None
    try:
        return check_token(raw)
    except ValueError as e:
        where = str(path) if path else TOKEN_ENV
        raise click.BadParameter(f"{where}: {e}", param_hint="--token-file") from None


def column_kinds() -> dict[str, dict[str, str]]:
    """Each site's columns and their kinds (动态, 通知公告 …), declared by its spider: handed to the web
    interface as data for the audit's column freshness (the web room does not enter the spiders)."""
    from crawler.runner import site_names, spider_loader  # Scrapy's spider loader: only when serving

    loader = spider_loader()
    out = {}
    for name in site_names():
        spider = loader.load(name)
        out[name] = {
            column: spider.column_kinds.get(column, "other") for column in getattr(spider, "columns", ())
        }
    return out


def _require_free(host: str, port: int) -> None:
    """One clear line for a port in use (uvicorn would end with a traceback of its SystemExit)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as e:
            raise click.ClickException(f"cannot listen on {host}:{port}: {e.strerror}") from None


COMMANDS = [serve]
