"""`xxgk site add URL… --name NAME`: discover a site's columns and write its declaration as data."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import click


@click.group("site")
def site() -> None:
    """Add sites as TOML declarations (see `xxgk sites` for the sites there are)."""


@site.command("add")
@click.argument("urls", nargs=-1, required=True, metavar="URL…")
@click.option(
    "--name", required=True, help="The site's name: lower-case letters, digits and _ (e.g. hanyin_mzj)."
)
@click.option("--agency", help="The agency's name (default: read from the column pages' titles).")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write NAME.toml (default: the first of XXGK_SITES_DIRS, else the project's spiders/sites/).",
)
@click.option("--force", is_flag=True, help="Overwrite NAME.toml if it exists.")
@click.option("--verbose", is_flag=True, help="Show Scrapy's own log.")
def add(
    urls: tuple[str, ...], name: str, agency: str | None, directory: Path | None, force: bool, verbose: bool
) -> None:
    """Discover the columns at URL… (their lists and pagination, as `xxgk discover` does) and write the
    site's declaration, which `xxgk sites`, `xxgk crawl NAME` and the schedule then pick up. Review the
    file: every field can be edited, and its comments give the evidence for each column."""
    from crawler.sites import NAME_RE

    if not NAME_RE.match(name):
        raise click.BadParameter(
            "lower-case letters, digits and _, starting with a letter", param_hint="--name"
        )
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise click.BadParameter(f"not an http(s) URL: {url!r}", param_hint="URL")
    from cli.crawl_commands import _log_settings
    from crawler.discovery.declaration import declaration_toml
    from crawler.discovery.run import discover
    from crawler.runner import site_names
    from crawler.sites import BUILTIN_DIR, SiteDeclarationError, load_declaration, site_dirs

    target_dir = directory or site_dirs()[0]
    target = target_dir / f"{name}.toml"
    if name in site_names() and not (force and target.exists()):
        raise click.UsageError(
            f"site {name!r} exists; choose another --name (or --force to rewrite {target})"
        )
    if target.exists() and not force:
        raise click.UsageError(f"{target} exists; --force overwrites it")
    found = discover(list(urls), overrides=_log_settings(verbose))
    failed = [f"{f.url}: {f.error}" for f in found if f.error]
    if failed:
        raise click.ClickException("no list found, nothing written: " + "; ".join(failed))
    text = declaration_toml(name, agency, found)
    target_dir.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    try:
        load_declaration(target)
    except SiteDeclarationError as exc:  # never leave a declaration that breaks every command behind
        target.unlink()
        raise click.ClickException(f"the declaration did not load, nothing written: {exc}") from None
    for f in found:
        pager = f.pager
        click.echo(
            f"{f.url}: {len(f.items())} items on page 1-2, {pager.kind if pager else '?'} "
            f"({len(pager.pages) if pager else 0} pages)",
            err=True,
        )
    where = target if target_dir != BUILTIN_DIR else target.relative_to(BUILTIN_DIR.parent.parent)
    click.echo(f"wrote {where}: crawl it with `xxgk crawl {name}`")


COMMANDS = [site]
