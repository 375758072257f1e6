"""`xxgk discover URL`: a column's list items, pagination and detail pages, with no declaration."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import click

from cli.output import emit


@click.command("discover")
@click.argument("urls", nargs=-1, required=True, metavar="URL…")
@click.option("--all-pages", is_flag=True, help="Walk every list page and print every item.")
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="json", show_default=True)
@click.option("--verbose", is_flag=True, help="Show Scrapy's own log.")
def discover(urls: tuple[str, ...], all_pages: bool, fmt: str, verbose: bool) -> None:
    """Find the list items (full title, absolute URL, date), the pagination and the detail pages of
    column URLs on any platform, confirming the pagination by fetching page 2. Requests stay on each
    column's host. JSON: one object for one URL, a list for several. Exits 1 when a column page
    cannot be read or holds no list."""
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise click.BadParameter(f"not an http(s) URL: {url!r}", param_hint="URL")
    from cli.crawl_commands import _log_settings
    from crawler.discovery.run import discover as run_discovery

    found = run_discovery(list(urls), all_pages=all_pages, overrides=_log_settings(verbose))
    results = [f.as_json() for f in found]
    if fmt == "json":
        click.echo(json.dumps(results[0] if len(results) == 1 else results, ensure_ascii=False, indent=2))
    else:
        for result in results:
            pagination = result["pagination"]
            click.echo(
                f"{result['url']}: {len(result['items'])} items, pagination {pagination['kind']} "
                f"({len(pagination['pages'])} pages; {pagination['confirmed']})",
                err=True,
            )
            emit(result["items"], "table", ["date", "title", "url"])
    errors = [f"{f.url}: {f.error}" for f in found if f.error]
    if errors:
        raise click.ClickException("; ".join(errors))


COMMANDS = [discover]
