"""Run the discovery spider in this process (one Twisted reactor per process, as for crawls)."""

from __future__ import annotations

from typing import Any

from crawler.discovery.spider import ColumnDiscoverySpider, Discovery
from crawler.runner import _crawler_process, project_settings


def discover(
    urls: list[str], *, all_pages: bool = False, overrides: dict[str, Any] | None = None
) -> list[Discovery]:
    """What each column in `urls` holds, fetched with the crawl's settings (politeness per host,
    retries, the replica routing when XXGK_REPLICA_URL is set). The columns are discovered side by
    side in one process, one spider each."""
    settings = project_settings(overrides)
    process = _crawler_process(settings)
    crawlers = []
    for url in urls:
        crawler = process.create_crawler(ColumnDiscoverySpider)
        crawlers.append(crawler)
        process.crawl(crawler, column_url=url, all_pages=all_pages)
    process.start()
    found = []
    for crawler in crawlers:
        spider = crawler.spider
        assert isinstance(spider, ColumnDiscoverySpider)
        found.append(spider.found)
    return found
