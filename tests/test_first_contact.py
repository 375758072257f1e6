"""Until a host has answered once, the process sends it one request at a time (crawler/middlewares/
challenge.py `_first_contact`), so a crawl that starts many columns of a challenged host at once meets
one challenge, not one per column. The crawl-level effect is measured over real HTTP in
tests/test_discover.py (`test_the_browser_asks_the_site_only_what_the_crawl_cannot`); here the
middleware's rules, with Scrapy's own test crawler: who waits, what releases them, and that a first
answer that never comes holds nobody for ever. Also the page the browser is given
(crawler/browser_given.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.browser_given import GivenPage
from crawler.middlewares import challenge

SETTINGS = {
    "XXGK_BROWSER_CHALLENGES": True,
    "XXGK_CHALLENGE_MAX_SOLVES": 10,
    "XXGK_CHALLENGE_MAX_RETRIES": 3,
    "DOWNLOAD_TIMEOUT": 0.1,  # the longest wait for a first answer: twice the longer timeout
    "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": 100,
}


@pytest.fixture(autouse=True)
def fresh_process() -> Iterator[None]:
    """Each test a process of its own, as far as the hosts' clearances and first contacts go."""
    kept = challenge._PROCESS
    challenge._PROCESS = challenge.Clearances()
    yield
    challenge._PROCESS = kept


def middleware() -> challenge.ChallengeMiddleware:
    return challenge.ChallengeMiddleware.from_crawler(get_crawler(settings_dict=SETTINGS))


def page(request: Request) -> HtmlResponse:
    return HtmlResponse(request.url, status=200, body=b"<html><body>ok</body></html>", request=request)


def test_the_others_wait_for_the_first_answer_then_go() -> None:
    async def run() -> None:
        mw = middleware()
        first, second, third = (Request(f"http://a.gov.cn/{n}") for n in "123")
        await mw.process_request(first)
        waiting = [asyncio.ensure_future(mw.process_request(r)) for r in (second, third)]
        await asyncio.sleep(0.02)
        assert not any(w.done() for w in waiting)
        assert await mw.process_response(first, page(first)) is not None
        await asyncio.wait_for(asyncio.gather(*waiting), 1)
        later = Request("http://a.gov.cn/4")
        await asyncio.wait_for(mw.process_request(later), 0.01)  # the host is known: no wait
        assert mw.crawler.stats.get_value("xxgk/first_contact_waits") == 2

    asyncio.run(run())


def test_a_first_request_that_fails_releases_the_others() -> None:
    async def run() -> None:
        mw = middleware()
        first, second = Request("http://a.gov.cn/1"), Request("http://a.gov.cn/2")
        await mw.process_request(first)
        waiting = asyncio.ensure_future(mw.process_request(second))
        await asyncio.sleep(0.02)
        mw.process_exception(first, ConnectionRefusedError())
        await asyncio.wait_for(waiting, 1)

    asyncio.run(run())


def test_a_first_request_redirected_to_another_host_releases_both() -> None:
    """www. to the bare name, http to another host: the redirect carries what its request opened."""

    async def run() -> None:
        mw = middleware()
        first = Request("http://www.a.gov.cn/1")
        await mw.process_request(first)
        redirected = first.replace(url="http://a.gov.cn/1")  # as Scrapy's redirect builds it
        await mw.process_request(redirected)
        waiting = [asyncio.ensure_future(mw.process_request(Request(u)))
                   for u in ("http://www.a.gov.cn/2", "http://a.gov.cn/2")]  # fmt: skip
        await asyncio.sleep(0.02)
        assert not any(w.done() for w in waiting)
        await mw.process_response(redirected, page(redirected))
        await asyncio.wait_for(asyncio.gather(*waiting), 1)

    asyncio.run(run())


def test_a_first_answer_that_never_comes_holds_the_others_only_so_long() -> None:
    async def run() -> None:
        mw = middleware()
        await mw.process_request(Request("http://a.gov.cn/1"))
        started = asyncio.get_running_loop().time()
        await asyncio.wait_for(mw.process_request(Request("http://a.gov.cn/2")), 2)
        assert 0.15 <= asyncio.get_running_loop().time() - started < 1.5  # 2 × 0.1 s

    asyncio.run(run())


def test_hosts_open_independently() -> None:
    async def run() -> None:
        mw = middleware()
        await mw.process_request(Request("http://a.gov.cn/1"))
        await asyncio.wait_for(mw.process_request(Request("http://b.gov.cn/1")), 0.01)

    asyncio.run(run())


def test_the_page_given_to_the_browser_is_the_page_as_decoded() -> None:
    """The body handed over is decoded already, so the headers that describe the wire go; the cookies
    the answer itself sets are told apart from any a script sets."""
    response = HtmlResponse(
        "http://a.gov.cn/x",
        status=412,
        body=b"<script>document.cookie='a=1'</script>",
        headers={
            "Content-Encoding": "gzip",
            "Content-Length": "999",
            "Content-Type": "text/html; charset=utf-8",
            "Set-Cookie": ["session=abc; Path=/", "route=r1"],
        },
    )
    given = GivenPage.of(response)
    assert given.status == 412 and given.body == response.body
    assert "content-encoding" not in given.headers and "content-length" not in given.headers
    assert given.headers["content-type"] == "text/html; charset=utf-8"
    assert given.cookie_names() == frozenset({"session", "route"})
