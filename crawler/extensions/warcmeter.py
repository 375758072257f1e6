"""What this crawl would cost as a WARC.gz, measured while it runs (`XXGK_WARC_METER = True`).

For `bench/storage.py`: every response is written, as warcio writes it, as one gzip-compressed WARC
response record (WARC headers with digests, HTTP status line and headers, body) into a counting sink,
so the archive's size can be compared with the standard alternative on the very same fetches. Counted
per kind of page (`detail`, `attachment`, `other` = lists and sections) in the run's stats:
`xxgk/meter/<kind>/raw` (status line + headers + body, as Scrapy counts `downloader/response_bytes`),
`xxgk/meter/<kind>/warc_gz` and `xxgk/meter/<kind>/count`. Off by default: it costs a gzip per page.
"""

from __future__ import annotations

import logging
from io import BytesIO

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

logger = logging.getLogger(__name__)

DETAIL = "xxgk_detail"


class _Counter:
    """A write-only file that only counts bytes."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass


def page_kind(request: Request) -> str:
    if request.meta.get(DETAIL):
        return "detail"
    if "download_maxsize" in request.meta:  # set by the attachments pipeline
        return "attachment"
    return "other"


def http_bytes(response: Response) -> tuple[list[tuple[str, str]], int]:
    headers = [
        (k.decode("latin-1"), v.decode("latin-1")) for k, values in response.headers.items() for v in values
    ]
    size = len(f"HTTP/1.1 {response.status} \r\n") + sum(len(k) + len(v) + 4 for k, v in headers) + 2
    return headers, size + len(response.body)


class WarcMeter:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcMeter:
        if not crawler.settings.getbool("XXGK_WARC_METER"):
            # Off by design, so no message: Scrapy logs a warning for a component disabled with one.
            logger.debug("%s off: XXGK_WARC_METER is off", cls.__name__)
            raise NotConfigured
        meter = cls(crawler)
        crawler.signals.connect(meter.response_received, signal=signals.response_received)
        return meter

    def response_received(self, response: Response, request: Request, spider: object) -> None:
        headers, raw = http_bytes(response)
        sink = _Counter()
        writer = WARCWriter(sink, gzip=True)
        status = StatusAndHeaders(f"{response.status} {response.status}", headers, protocol="HTTP/1.1")
        record = writer.create_warc_record(
            response.url, "response", payload=BytesIO(response.body), http_headers=status
        )
        writer.write_record(record)
        kind = page_kind(request)
        assert self.stats is not None
        self.stats.inc_value(f"xxgk/meter/{kind}/raw", raw)
        self.stats.inc_value(f"xxgk/meter/{kind}/warc_gz", sink.size)
        self.stats.inc_value(f"xxgk/meter/{kind}/count")
