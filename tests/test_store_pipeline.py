"""The store pipeline's group commit: items that arrive close together share one transaction.

The pipeline is Scrapy's own object (`from_crawler`, real settings and stats) writing into a real SQLite
archive through the writer thread (`XXGK_STORE_PROCESS=False`); only the crawl around it is left out, because what is tested is how
items arriving at given moments are grouped, which a crawl's timing would make a matter of chance.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler
from sqlalchemy import func, select

from archive.db import Archive
from archive.models import Version
from crawler.extraction import parse_page
from crawler.items import FetchedPage
from crawler.pipelines.extract import page_content
from crawler.pipelines.store import ArchivePipeline
from crawler.settings import XXGK_STORE_GROUP
from tests.conftest import run_python_json
from tests.pages import BODY, URL, page_html


class _Site(Spider):
    name = "anshun_mzj"


def _page(n: int) -> FetchedPage:
    url = URL.replace(".html", f"_{n}.html")
    html = page_html(BODY.replace("养老", f"养老{n}号"), n)
    return FetchedPage(
        site="anshun_mzj",
        url=url,
        http_status=200,
        headers={},
        body=html,
        fetched_at=datetime(2024, 1, 1, tzinfo=UTC),
        content=page_content(parse_page(html, url)),
    )


def _pipeline(database_url: str, linger: float) -> ArchivePipeline:
    # The writer thread: the grouping is the pipeline's, whichever writer runs the transactions (every
    # crawl test writes through the default, a store process).
    settings = {
        "XXGK_DATABASE_URL": database_url,
        "XXGK_MODE": "full",
        "XXGK_STORE_LINGER": linger,
        "XXGK_STORE_GROUP": XXGK_STORE_GROUP,
        "XXGK_STORE_PROCESS": False,
    }
    crawler = get_crawler(_Site, settings)
    crawler.spider = _Site()
    pipeline = ArchivePipeline.from_crawler(crawler)
    pipeline.open_spider()
    return pipeline


async def _arriving(pipeline: ArchivePipeline, pages: list[FetchedPage], every: float) -> None:
    """Hand the pages to the pipeline `every` seconds apart, as a crawl's responses would arrive."""
    tasks = []
    for page in pages:
        tasks.append(asyncio.ensure_future(pipeline.process_item(page)))
        await asyncio.sleep(every)
    await asyncio.gather(*tasks)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_items_arriving_within_the_linger_share_a_transaction(database_url: str) -> None:
    pipeline = _pipeline(database_url, linger=30.0)
    stats = pipeline.crawler.stats
    # Two groups' worth, 10 ms apart: each transaction waits until a whole group waits (not 30 s).
    started = time.monotonic()
    asyncio.run(_arriving(pipeline, [_page(n) for n in range(2 * XXGK_STORE_GROUP)], every=0.01))
    assert time.monotonic() - started < 20
    assert stats.get_value("xxgk/store_transactions") == 2
    assert stats.get_value("xxgk/new_version") == 2 * XXGK_STORE_GROUP
    archive = Archive(database_url)
    with archive.session() as s:
        assert s.scalar(select(func.count()).select_from(Version)) == 2 * XXGK_STORE_GROUP
    archive.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_lone_item_waits_the_linger_then_is_written_alone(database_url: str) -> None:
    pipeline = _pipeline(database_url, linger=0.4)
    started = time.monotonic()
    asyncio.run(_arriving(pipeline, [_page(1)], every=0))
    waited = time.monotonic() - started
    assert 0.4 <= waited < 10
    assert pipeline.crawler.stats.get_value("xxgk/store_transactions") == 1
    assert pipeline.crawler.stats.get_value("xxgk/new_version") == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_without_a_linger_an_item_is_written_when_it_arrives(database_url: str) -> None:
    """XXGK_STORE_LINGER=0: an item reaching an idle writer is written at once, alone; items that came
    while a transaction was being written are written together after it."""
    pipeline = _pipeline(database_url, linger=0)
    started = time.monotonic()
    asyncio.run(_arriving(pipeline, [_page(1)], every=0))
    assert time.monotonic() - started < 0.4
    asyncio.run(_arriving(pipeline, [_page(n) for n in range(2, 2 + XXGK_STORE_GROUP + 1)], every=0))
    # All were waiting before the writer ran: a whole group, then the one left over.
    assert pipeline.crawler.stats.get_value("xxgk/store_transactions") == 3
    assert pipeline.crawler.stats.get_value("xxgk/new_version") == XXGK_STORE_GROUP + 2


_FORKED_STORE = """
import json
from crawler import worker_process, workers
from crawler.pipelines import store
from crawler.runner import project_settings

forked = {}
for on in (True, False):
    with workers.forked_ahead(project_settings({"XXGK_STORE_PROCESS": on}), 1):
        forked[str(on)] = len(worker_process._FORKED.get(store._store_process_start, []))
print(json.dumps(forked))
"""


def test_the_store_process_is_forked_ahead_with_the_parse_workers() -> None:
    """The store process is forked with the parse workers before the reactor starts, born with the
    archive's imports (a spawned one spends ~0.8 s of CPU on them), and only when the crawl writes
    through one (`XXGK_STORE_PROCESS`)."""
    assert run_python_json(_FORKED_STORE) == {"True": 1, "False": 0}
