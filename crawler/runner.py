"""Run crawls in this process: settings from `crawler.settings`, the environment, then arguments.

Twisted's reactor cannot be restarted, so one process runs one `run_crawl` call; the CLI, the demo
and the scheduler each call it in a fresh process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader

from archive import locks
from archive.db import Archive
from crawler.middlewares.replica import replica_proxy

ENVIRONMENT_SETTINGS = ("XXGK_DATABASE_URL", "XXGK_REPLICA_URL", "XXGK_REDIS_URL")


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
    return SpiderLoader.from_settings(settings or project_settings())


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


def run_crawl(
    sites: list[str], *, mode: str = "full", overrides: dict[str, Any] | None = None
) -> list[CrawlResult]:
    settings = project_settings({"XXGK_MODE": mode, **(overrides or {})})
    if settings.get("XXGK_REPLICA_URL"):
        replica_proxy(settings.get("XXGK_REPLICA_URL"))  # fail fast, before the reactor starts
    loader = spider_loader(settings)
    known = set(loader.list())
    unknown = [s for s in sites if s not in known]
    if unknown:
        raise UnknownSiteError(f"unknown site {', '.join(unknown)}; `xxgk sites` lists them")
    archive, holder = Archive(settings.get("XXGK_DATABASE_URL")), locks.holder_name()
    taken: list[str] = []
    try:
        for site in sites:
            locks.acquire(archive, site, holder)
            taken.append(site)
        process = CrawlerProcess(settings)
        crawlers = []
        for site in sites:
            crawler = process.create_crawler(loader.load(site))
            crawlers.append(crawler)
            process.crawl(crawler, mode=mode)
        from twisted.internet import reactor, task

        heartbeat = task.LoopingCall(locks.refresh, archive, taken, holder)
        heartbeat.start(locks.TTL.total_seconds() / 5, now=False)
        reactor.addSystemEventTrigger("before", "shutdown", lambda: heartbeat.running and heartbeat.stop())
        process.start()
    finally:
        locks.release(archive, taken, holder)
        archive.close()
    return [CrawlResult(c.spider.name if c.spider else "?", dict(c.stats.get_stats())) for c in crawlers]
