"""`xxgk extract`: run the page parser on one page, for checking a new site and scoring quality."""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:  # the parser and Scrapy's spider loader are imported when `extract` runs
    from crawler.extraction import ParsedPage
    from crawler.extraction.hints import ExtractionHints

# DESIGN §7: exactly the keys the corpus is scored on, `null` where the page does not show a field.
SCORED_KEYS = (
    "page_type",
    "title",
    "index_no",
    "issuer",
    "source",
    "written_date",
    "publish_date",
    "doc_number",
    "topic",
    "validity",
    "abolish_date",
    "body",
)


def scored_record(parsed: ParsedPage) -> dict[str, Any]:
    """The contract's record: the scored keys, plus `items` for a list page."""
    record: dict[str, Any] = {key: getattr(parsed, key) for key in SCORED_KEYS}
    if parsed.page_type == "list":
        record["items"] = parsed.items
    return record


def _hints(site: str | None) -> ExtractionHints | None:
    if site is None:
        return None
    from crawler.runner import spider_loader

    loader = spider_loader()
    if site not in loader.list():
        raise click.BadParameter(f"unknown site {site!r}; `xxgk sites` lists them", param_hint="--site")
    return loader.load(site).hints


def _fetch(url: str) -> tuple[bytes, str | None]:
    """Plain HTTP, through the replica when XXGK_REPLICA_URL is set (as crawls are)."""
    handlers = []
    if os.environ.get("XXGK_REPLICA_URL"):
        handlers.append(urllib.request.ProxyHandler({"http": os.environ["XXGK_REPLICA_URL"]}))
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(
            urllib.request.Request(url, headers={"User-Agent": "xxgk-archive"}), timeout=30
        ) as resp:
            return resp.read(), resp.headers.get_content_charset()
    except OSError as exc:
        raise click.ClickException(f"cannot fetch {url}: {exc}") from exc


@click.command("extract")
@click.argument("source")
@click.option("--site", help="Use this site's selectors (see `xxgk sites`).")
@click.option(
    "--url",
    "page_url",
    help="The page's real URL, when SOURCE is a file (resolves links, t-dates); without it links stay as written.",
)
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
@click.option(
    "--all", "show_all", is_flag=True, help="Print every parsed field (tables, attachments, search text…)."
)
def extract(source: str, site: str | None, page_url: str | None, fmt: str, show_all: bool) -> None:
    """Parse one page (a FILE or a URL) and print its fields: the keys quality is scored on."""
    from crawler.extraction import parse_page

    hints = _hints(site)
    if source.startswith(("http://", "https://")):
        body, charset = _fetch(source)
        url = page_url or source
    else:
        path = Path(source)
        if not path.is_file():
            raise click.BadParameter(f"{source!r} is neither a file nor an http(s) URL", param_hint="SOURCE")
        # Without --url a saved page's links stay as written (`./201710/t2017…html`): resolving them
        # against the file's own path would invent addresses the page never had.
        body, charset, url = path.read_bytes(), None, page_url or ""
    parsed = parse_page(body, url, hints, header_charset=charset)
    record = parsed.to_dict() if show_all else scored_record(parsed)
    if fmt == "json":
        click.echo(json.dumps(record, ensure_ascii=False, indent=2))
    else:
        for key, value in record.items():
            if key != "body" and value not in (None, [], {}):
                click.echo(f"{key:>14}: {value}")
        click.echo("\n" + (record.get("body") or ""))


COMMANDS = [extract]
