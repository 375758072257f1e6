"""Importing this module warms a fork server: the last entry of its preload list.

multiprocessing's fork server can only import modules before it forks (`set_forkserver_preload`), so
work that must be done once in it, and inherited by every crawl it forks, is done by an import. Only
`crawler.preload.CRAWL_MODULES` names this module; nothing else imports it.

Four things are done here:
- the parser's warm-up (`crawler.warm_up`): its libraries imported and its label regex built;
- every component a crawl's settings name (middlewares, extensions, pipelines, handlers, the
  scheduler's queues) imported: Scrapy imports them when a crawler is built, in the forked crawl, so
  a fleet's crawl of a small site imported Scrapy's telnet console, feed exports and queues itself;
- the archive's ORM mappers configured: SQLAlchemy does it at a process's first use of a model (the
  crawl's site lock), 19 ms of every forked crawl otherwise. It touches no database;
- the site declarations parsed (`crawler.sites.read_declaration`): each crawl's loader reads every
  declaration, and a fleet's hundred cost each crawl 27 ms of TOML parsing. A crawl parses again only
  a file changed since. The directories are the fork server's (`XXGK_SITES_DIRS`); a crawl lists its
  own, so a parse made here serves only a file it lists.
"""

from __future__ import annotations

import sys

from crawler.sites import read_all_declarations
from crawler.warm_up import warm_up

# The settings that name classes a crawl loads: component dicts (keyed by class), single classes, and
# the project's http(s) handlers (`DOWNLOAD_HANDLERS`, keyed by scheme; Scrapy's others, ftp, s3, …,
# load on a first request of their scheme).
COMPONENT_DICTS = (
    "DOWNLOADER_MIDDLEWARES_BASE", "DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES_BASE", "SPIDER_MIDDLEWARES",
    "EXTENSIONS_BASE", "EXTENSIONS", "ITEM_PIPELINES",
)  # fmt: skip
COMPONENT_PATHS = (
    "SCHEDULER", "SCHEDULER_DISK_QUEUE", "SCHEDULER_MEMORY_QUEUE", "SCHEDULER_PRIORITY_QUEUE",
    "SCHEDULER_START_DISK_QUEUE", "SCHEDULER_START_MEMORY_QUEUE", "STATS_CLASS", "DUPEFILTER_CLASS",
    "LOG_FORMATTER", "REQUEST_FINGERPRINTER_CLASS", "DOWNLOADER", "ITEM_PROCESSOR",
)  # fmt: skip


def import_crawl_components() -> list[str]:
    """Import every class the project's settings name for a crawl; returns their paths."""
    from scrapy.utils.misc import load_object

    from crawler.runner import project_settings

    settings = project_settings()
    components = [path for name in COMPONENT_DICTS for path in settings.getdict(name)]
    handlers = list(settings.getdict("DOWNLOAD_HANDLERS").values())
    paths = [p for p in (*components, *handlers, *map(settings.get, COMPONENT_PATHS)) if isinstance(p, str)]
    for path in paths:
        load_object(path)
    return paths


def configure_orm() -> None:
    """The archive's mappers configured, once, before the fork."""
    from sqlalchemy.orm import configure_mappers

    import archive.models  # noqa: F401  (the mappers to configure)

    configure_mappers()


def warm() -> None:
    """Every step, or as much as works: a fork server that raised here would die and take every crawl with
    it, with nothing but an EOF to say why. What fails is left to the crawl, which reports it."""
    for step in (warm_up, import_crawl_components, configure_orm, read_all_declarations):
        try:
            step()
        except Exception as error:  # reported; the crawl meets it again and says so
            print(f"fork server warm-up: {step.__name__} failed: {error!r}", file=sys.stderr)


warm()
