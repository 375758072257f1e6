"""Run crawls in this process: settings from `crawler.settings`, the environment, then arguments.

Twisted's reactor cannot be restarted, so one process runs one `run_crawl` call; the CLI, the demo
and the scheduler each call it in a fresh process.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader

from archive import clock, locks
from archive.db import shared_archive
from crawler import workers
from crawler.middlewares.replica import replica_proxy

ENVIRONMENT_SETTINGS = ("XXGK_DATABASE_URL", "XXGK_REPLICA_URL")


def project_settings(overrides: dict[str, Any] | None = None) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    for name in ENVIRONMENT_SETTINGS:
        if os.environ.get(name):
            settings.set(name, os.environ[name], priority="project")
    # Spider modules outside the project (a site being tried before it is added to spiders/).
    extra = [m.strip() for m in os.environ.get("XXGK_SPIDER_MODULES", "").split(",") if m.strip()]
    if extra:
        settings.set("SPIDER_MODULES", [*settings.getlist("SPIDER_MODULES"), *extra], priority="project")
    for name, value in (overrides or {}).items():
        if value is not None:
            settings.set(name, value, priority="cmdline")
    return settings


def spider_loader(settings: Settings | None = None) -> SpiderLoader:
    """Every site: the TOML declarations and any Python spiders (crawler/sites.py)."""
    from crawler.sites import SiteLoader

    return SiteLoader.from_settings(settings or project_settings())


def site_names() -> list[str]:
    return sorted(spider_loader().list())


@dataclass
class CrawlResult:
    site: str
    stats: dict[str, Any]

    @property
    def finish_reason(self) -> str:
        return str(self.stats.get("finish_reason", "unknown"))

    def count(self, outcome: str) -> int:
        return int(self.stats.get(f"xxgk/{outcome}", 0))


class UnknownSiteError(ValueError):
    pass


def _checked_loader(settings: Any, sites: list[str]) -> Any:
    """The spider loader, once the replica URL and every site name are known good: fail fast, before
    a lock is taken or the reactor starts."""
    if settings.get("XXGK_REPLICA_URL"):
        replica_proxy(settings.get("XXGK_REPLICA_URL"))
    loader = spider_loader(settings)
    known = set(loader.list())
    unknown = [s for s in sites if s not in known]
    if unknown:
        raise UnknownSiteError(f"unknown site {', '.join(unknown)}; `xxgk sites` lists them")
    return loader


@contextmanager
def _site_locks(settings: Any, sites: list[str]) -> Iterator[Callable[[], None]]:
    """Hold every site's crawl lock while the block runs (released even when it fails). Yields the
    function that starts the locks' heartbeat, to call once the crawlers have installed the reactor.

    The lock is a lease of XXGK_LOCK_TTL seconds renewed five times per lease: a holder on another
    machine cannot be asked whether it lives, so when it stops renewing (killed, its machine gone) the
    lock is another's once the lease runs out (a dead process on this machine: at once)."""
    # The process's archive, shared with its crawls' frontier, resume check and store.
    archive, holder = shared_archive(settings.get("XXGK_DATABASE_URL")), locks.holder_name()
    ttl = timedelta(seconds=settings.getfloat("XXGK_LOCK_TTL"))
    taken: list[str] = []

    def keep_alive() -> None:
        from twisted.internet import reactor, task

        heartbeat = task.LoopingCall(locks.refresh, archive, taken, holder, ttl)
        heartbeat.start(ttl.total_seconds() / 5, now=False)
        reactor.addSystemEventTrigger("before", "shutdown", lambda: heartbeat.running and heartbeat.stop())

    try:
        for site in sites:
            locks.acquire(archive, site, holder, ttl)
            taken.append(site)
        yield keep_alive
    finally:
        locks.release(archive, taken, holder)
        archive.close()


def _crawler_process(settings: Settings) -> CrawlerProcess:
    """Scrapy's crawler process, with the public suffix list read from tldextract's bundled snapshot.

    Scrapy's cookie middleware asks tldextract whether a cookie's domain is a public suffix, and
    tldextract's default first downloads the live list from the web: a request outside the crawl
    (no politeness, no host confinement, not archived) that fails with a traceback on a machine that
    reaches only the agencies' sites, as a fresh machine running the demo showed. The snapshot shipped
    with tldextract answers the same question without the network."""
    from scrapy.downloadermiddlewares import cookies
    from tldextract import TLDExtract

    cookies._split_domain = TLDExtract(suffix_list_urls=(), include_psl_private_domains=True)
    return CrawlerProcess(settings)


def run_crawl(
    sites: list[str], *, mode: str = "full", overrides: dict[str, Any] | None = None
) -> list[CrawlResult]:
    settings = project_settings({"XXGK_MODE": mode, **(overrides or {})})
    loader = _checked_loader(settings, sites)
    return run_spiders([loader.load(site) for site in sites], mode=mode, settings=settings)


def run_spiders(spiders: list[type[Any]], *, mode: str, settings: Settings) -> list[CrawlResult]:
    """Crawl with these spider classes (declared sites, or columns given by URL) side by side, each
    site's crawl lock held."""
    sites = [str(cls.name) for cls in spiders]
    # The parse workers forked first: one thread, no archive open, no reactor yet.
    with workers.forked_ahead(settings, len(sites)), _site_locks(settings, sites) as keep_alive:
        process = _crawler_process(settings)
        crawlers = []
        for spider in spiders:
            crawler = process.create_crawler(spider)
            crawlers.append(crawler)
            process.crawl(crawler, mode=mode)
        keep_alive()
        process.start()
    return [CrawlResult(c.spider.name if c.spider else "?", dict(c.stats.get_stats())) for c in crawlers]


def run_columns(
    urls: list[str], *, site: str | None = None, mode: str = "full", overrides: dict[str, Any] | None = None
) -> list[CrawlResult]:
    """Crawl columns given by URL, with no declaration (spiders/platforms/discovered.py), as `site`
    (a declared site keeps its identity; by default the first column's host names the site)."""
    from crawler.sites import column_site, column_site_name

    settings = project_settings({"XXGK_MODE": mode, **(overrides or {})})
    if settings.get("XXGK_REPLICA_URL"):
        replica_proxy(settings.get("XXGK_REPLICA_URL"))
    loader = spider_loader(settings)
    name = site or column_site_name(urls)
    declared = loader.load(name) if name in loader.list() else None
    return run_spiders([column_site(urls, name, declared)], mode=mode, settings=settings)


@dataclass(frozen=True)
class Night:
    """One simulated night of `run_nights`: the moment its crawls start, the sites, the mode."""

    as_of: str  # ISO 8601 (naive = China time), as for XXGK_CLOCK
    sites: tuple[str, ...]
    mode: str = "incremental"


def run_nights(nights: list[Night], *, overrides: dict[str, Any] | None = None) -> list[list[CrawlResult]]:
    """Crawl simulated nights one after the other in this process: each night's sites together, on
    the clock set to that night (`archive.clock`), then the next night. What a nightly service does
    over a season, without a process (and its imports, parse worker and browser start) per night; a
    replica learns each request's moment from the crawler (`X-Xxgk-Clock`). Returns the results of the
    nights crawled: it stops after a night whose crawls did not all finish."""
    if not nights:
        return []
    settings = project_settings(overrides or {})
    every = sorted({site for night in nights for site in night.sites})
    loader = _checked_loader(settings, every)
    for night in nights:
        clock.parse_moment(night.as_of)  # fail before the first crawl, not in the middle of a season
    results: list[list[CrawlResult]] = []
    failure: list[BaseException] = []
    # The parse workers forked first: one thread, no archive open, no reactor yet.
    with workers.forked_ahead(settings, len(every)), _site_locks(settings, every) as keep_alive:
        process = _crawler_process(settings)

        def crawlers(night: Night) -> list[Any]:
            made = []
            for site in night.sites:
                crawler = process.create_crawler(loader.load(site))
                crawler.settings.set("XXGK_MODE", night.mode, priority="cmdline")
                made.append(crawler)
            return made

        clock.use(nights[0].as_of)
        first = crawlers(nights[0])
        started = [process.crawl(c, mode=nights[0].mode) for c in first]  # installs the reactor
        from twisted.internet import defer, reactor

        @defer.inlineCallbacks
        def season():  # type: ignore[no-untyped-def]
            try:
                for n, night in enumerate(nights):
                    clock.use(night.as_of)
                    tonight = first if n == 0 else crawlers(night)
                    running = started if n == 0 else [process.crawl(c, mode=night.mode) for c in tonight]
                    yield defer.DeferredList(running)
                    results.append([CrawlResult(c.spider.name if c.spider else "?", dict(c.stats.get_stats()))
                                    for c in tonight])  # fmt: skip
                    if any(r.finish_reason != "finished" for r in results[-1]):
                        break  # interrupted (SIGTERM, a failed crawl): no later night on a broken one
            except BaseException as error:  # re-raised once the reactor has stopped
                failure.append(error)
            finally:
                reactor.stop()  # type: ignore[attr-defined]

        keep_alive()
        reactor.callWhenRunning(season)  # type: ignore[attr-defined]
        process.start(stop_after_crawl=False)
    if failure:
        raise failure[0]
    return results
