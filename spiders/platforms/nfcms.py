"""Guangdong 政府网站集约化平台: the gkmlpt 信息公开目录 (JSON list API) plus NFCMS column pages.

gkmlpt (research PLATFORMS.md §1): `<prefix>gkmlpt/index` carries `window._CONFIG` with the SID and
the column TREE; each leaf without a `jump_url` is listed by
`<prefix>gkmlpt/api/all/<id>?page=N&sid=SID` as JSON `{classify:{post_count…}, articles:[{url…}]}`.
Paging differs between sites (page 0 may repeat page 1; past the end some answer 404, some an empty
list, some ignore `page`), so columns are walked page by page from 1 and a column ends at a 404, an
empty page, a page with nothing unseen, or once `post_count` posts were listed.

NFCMS columns: `<col>/index.html`, `<col>/index_<n>.html`; entries link `<col>/content/post_<id>.html`.

Only the site's own hosts are followed: catalogues list reposts from other hosts, and spam mirrors
copy these pages (PLATFORMS.md §6).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response

from crawler.extraction.dates import unix_day
from crawler.extraction.platforms import GKMLPT_HINTS
from spiders.base import XxgkSpider

SID_RE = re.compile(r"""\bSID\s*:\s*['"]?(\w+)""")
TREE_RE = re.compile(r"""\bTREE\s*:\s*\[""")
PAGE_LINK_RE = re.compile(r"index_(\d+)\.html")


class NfcmsGkmlptSpider(XxgkSpider):
    platform = "gkmlpt"
    hints = GKMLPT_HINTS
    # Department prefixes whose gkmlpt catalogue to walk, e.g. ("/qylzmzj/",).
    gkmlpt_prefixes: ClassVar[tuple[str, ...]] = ()
    # NFCMS column paths, e.g. ("/lzszdlyxxgkzl/mzxx/",).
    nfcms_columns: ClassVar[tuple[str, ...]] = ()
    nfcms_entry_xpath: ClassVar[str] = '//ul[contains(@class,"news_list")]/li'
    nfcms_pager_xpath: ClassVar[str] = '//div[contains(@class,"pagination")]//a/@href'
    detail_url_pattern: ClassVar[re.Pattern[str]] = re.compile(r"/content/(?:\d+/\d+/)?post_\d+\.html$")

    # What `xxgk sites` lists: the NFCMS columns and each gkmlpt catalogue (its leaves are found at run time).
    columns: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.columns = (*cls.nfcms_columns, *(f"{p}gkmlpt/" for p in cls.gkmlpt_prefixes))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # This run's columns for the coverage ledger: the declared ones, plus each TREE leaf once read.
        self.columns = tuple(type(self).columns)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        base = self.base_url.rstrip("/")
        for prefix in self.gkmlpt_prefixes:
            yield scrapy.Request(
                f"{base}{prefix}gkmlpt/index", callback=self.parse_catalogue, cb_kwargs={"prefix": prefix}
            )
        for column in self.nfcms_columns:
            yield self._nfcms_request(column, 1)
        for request in self.revisit_requests():
            yield request

    def on_site(self, url: str) -> bool:
        """Host discipline: reposts and mirror copies on other hosts never enter the archive."""
        if (urlsplit(url).hostname or "").lower() in self.hosts:
            return True
        self.crawler.stats.inc_value("xxgk/offsite_links_skipped")
        return False

    # ---- gkmlpt -------------------------------------------------------------------------------------

    def parse_catalogue(self, response: Response, prefix: str) -> Iterator[scrapy.Request]:
        sid = SID_RE.search(response.text)
        tree = _tree(response.text)
        if sid is None or tree is None:
            self.logger.error("%s: no window._CONFIG SID/TREE; the catalogue page changed", response.url)
            self.crawler.stats.inc_value("xxgk/catalogue_unreadable")
            return
        self.saw_list_page(f"{prefix}gkmlpt/")
        for leaf in _leaves(tree):
            column = f"{prefix}gkmlpt/{leaf['id']}"
            self.columns = (*self.columns, column)
            yield self._api_request(column, int(leaf["id"]), 1, sid.group(1), leaf.get("post_count"), 0)

    def _api_request(
        self, column: str, column_id: int, page: int, sid: str, expected: Any, listed: int
    ) -> scrapy.Request:
        prefix = column.split("gkmlpt/", 1)[0]
        return scrapy.Request(
            f"{self.base_url.rstrip('/')}{prefix}gkmlpt/api/all/{column_id}?page={page}&sid={sid}",
            callback=self.parse_api,
            cb_kwargs={"column": column, "column_id": column_id, "page": page, "sid": sid,
                       "expected": expected, "listed": listed},
            meta={"handle_httpstatus_list": [404], "xxgk_seen_ids": set()},
            headers={"Accept": "application/json, text/plain, */*", "X-Requested-With": "XMLHttpRequest"},
        )  # fmt: skip

    def parse_api(
        self,
        response: Response,
        column: str,
        column_id: int,
        page: int,
        sid: str,
        expected: Any,
        listed: int,
    ) -> Iterator[scrapy.Request]:
        if response.status == 404:  # past the last page on sites that answer so
            return
        try:
            data = json.loads(response.text)
        except ValueError:
            self.logger.warning("%s: list API answered something that is not JSON", response.url)
            return
        self.saw_list_page(column)  # an empty column is a column seen
        articles = data.get("articles") or []
        if not articles:
            return
        seen: set[int] = response.meta.get("xxgk_seen_ids", set())
        total = (data.get("classify") or {}).get("post_count", expected)
        fresh = news = 0
        for article in articles:
            url = article.get("url") or article.get("post_url")
            ident = article.get("id")
            if not url or ident in seen:
                continue
            seen.add(ident)
            fresh += 1
            if not self.on_site(url) or not self.detail_url_pattern.search(url):
                continue
            listed += 1
            title = article.get("title")
            day = unix_day(article.get("display_publish_time") or article.get("date"))
            if self.wants(url, title, day):
                news += 1
                yield self.detail_request(url, column=column, list_title=title, list_date=day)
        if not fresh or (isinstance(total, int) and listed >= total):
            return
        if self.incremental and not news:
            self.crawler.stats.inc_value("xxgk/incremental_stopped_columns")
            return
        following = self._api_request(column, column_id, page + 1, sid, expected, listed)
        following.meta["xxgk_seen_ids"] = seen
        yield following

    # ---- NFCMS --------------------------------------------------------------------------------------

    def _nfcms_request(self, column: str, page: int) -> scrapy.Request:
        leaf = "" if page == 1 else f"index_{page}.html"
        return scrapy.Request(
            f"{self.base_url.rstrip('/')}{column}{leaf}",
            callback=self.parse_nfcms_list,
            cb_kwargs={"column": column, "page": page},
        )

    def parse_nfcms_list(self, response: Response, column: str, page: int) -> Iterator[scrapy.Request]:
        self.saw_list_page(column)
        news = 0
        for entry in response.xpath(self.nfcms_entry_xpath):
            href = entry.xpath(".//a[@href][1]/@href").get()
            if not href:
                continue
            url = response.urljoin(href.strip())
            if not self.on_site(url) or not self.detail_url_pattern.search(url):
                continue
            title = entry.xpath("normalize-space(.//a[@href][1])").get()
            day = entry.xpath("normalize-space(.//span)").get() or None
            if self.wants(url, title, day):
                news += 1
                yield self.detail_request(url, column=column, list_title=title, list_date=day)
        last = max((int(n) for n in PAGE_LINK_RE.findall(" ".join(response.xpath(self.nfcms_pager_xpath).getall()))), default=1)  # fmt: skip
        if self.incremental:
            if not news:
                self.crawler.stats.inc_value("xxgk/incremental_stopped_columns")
            elif page < last:
                yield self._nfcms_request(column, page + 1)
        elif page == 1:
            for number in range(2, last + 1):
                yield self._nfcms_request(column, number)


def _tree(text: str) -> list[dict[str, Any]] | None:
    """`TREE:[…]` out of the `window._CONFIG` object literal (the array itself is JSON)."""
    match = TREE_RE.search(text)
    if match is None:
        return None
    try:
        tree, _ = json.JSONDecoder().raw_decode(text, match.end() - 1)
    except ValueError:
        return None
    return tree if isinstance(tree, list) else None


def _leaves(nodes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Columns that list posts: TREE leaves without a jump_url (those link elsewhere)."""
    for node in nodes:
        if node.get("jump_url"):
            continue
        children = node.get("children") or []
        if children:
            yield from _leaves(children)
        else:
            yield node
