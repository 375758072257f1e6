"""The spider a user would write first: walk the lists, fetch each page, run plain trafilatura.

It stores nothing and knows nothing of versions, attachments or metadata; it is the baseline the real
pipeline is measured against in `bench/crawl.py`.
"""

from __future__ import annotations

import re

import scrapy
import trafilatura


class NaiveSpider(scrapy.Spider):
    name = "naive"

    def __init__(self, base_url: str, columns: list[str], **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(**kwargs)
        self.start_urls = [base_url.rstrip("/") + c for c in columns]

    def parse(self, response):  # type: ignore[no-untyped-def]
        for href in response.css("div.zfxxgk_zdgkc li a::attr(href), div.NewsList li a::attr(href)").getall():
            yield response.follow(href, self.parse_detail)
        match = re.search(r"createPageHTML\((\d+)", response.text)
        if match and not response.url.split("/")[-1].startswith("index_"):
            for page in range(1, int(match.group(1))):
                yield response.follow(f"index_{page}.html", self.parse)

    def parse_detail(self, response):  # type: ignore[no-untyped-def]
        text = trafilatura.extract(response.text)
        yield {"url": response.url, "chars": len(text or "")}
