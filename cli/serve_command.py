"""`xxgk serve`: the read-only web interface and JSON API (the `web` package, imported only here and
only when the command runs, so `xxgk --help` and every other command start without FastAPI)."""

from __future__ import annotations

import socket

import click

from cli.archive_commands import db_option


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback by default).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--capture-port",
    type=click.IntRange(1, 65535),
    help="Port of the archived pages' own origin (default: --port + 1).",
)
@db_option
def serve(host: str, port: int, capture_port: int | None, database_url: str | None) -> None:
    """Serve the archive read-only: search, documents, version comparison, archived pages, audit, crawls.

    Pages in Chinese at http://HOST:PORT/, the same data as JSON under /api (OpenAPI description at
    /api/openapi.json). Archived pages are served from a second port, a different origin, sandboxed."""
    capture_port = capture_port or port + 1
    if capture_port == port or capture_port > 65535:
        raise click.BadParameter("the captures need a port of their own", param_hint="--capture-port")
    for number in (port, capture_port):
        _require_free(host, number)
    from web.server import run

    run(database_url, host, port, capture_port, column_kinds())


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
