"""`xxgk discover URL`: a column's items and pagination from its URL alone (issue 20).

The rules read pages as any site shows them; the replica's declared sites are run through discovery
instead of their declarations and scored against what the replica lists. The pure rules are checked on
small pages written here, one per reading: a pager call whose count is a variable, pager links whose
URL numbers are offset from the page numbers, a `?page=N` family beside a link to page 1, a next link
alone, and a sidebar that looks like the list.
"""

from __future__ import annotations

import json
from collections import Counter
from urllib.parse import urlsplit

import pytest

from crawler.discovery.items import choose_list, page_groups
from crawler.discovery.pagination import find_pagers
from crawler.extraction.dom import parse_html
from replica.core import build
from replica.process import start_replica
from tests.conftest import FAST, run_xxgk
from tests.histories import archived

DOCS, SEED = 300, 3
COLUMNS = {  # one or two columns of each static platform: TRS WCM ×2 sites, sxjz (GBK), 安康
    "smzj.anshun.gov.cn": ("/gzdt/bmdt/", "/wsbs/cjwt/"),
    "www.zzszq.gov.cn": ("/zw/bmxxgk/qmzj/gzdt/",),
    "mzj.sxjz.gov.cn": ("/mzdt/gzdt/", "/xxgk/zfxxgknb/"),
    "mzj.ankang.gov.cn": ("/Node-5901.html",),
}


def _key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}{parts.path}"


@pytest.fixture(scope="module")
def discovered(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    urls = [f"http://{host}{path}" for host, paths in COLUMNS.items() for path in paths]
    with start_replica(tmp_path_factory.mktemp("replica"), docs=DOCS, seed=SEED) as replica:
        ran = run_xxgk("discover", "--all-pages", *urls, env={"XXGK_REPLICA_URL": replica.url})
    assert ran.returncode == 0, ran.stderr
    return json.loads(ran.stdout)


def test_every_item_of_every_page_with_its_full_title_and_date(discovered: list[dict]) -> None:
    replica = build(SEED, DOCS)
    columns = [(host, path) for host, paths in COLUMNS.items() for path in paths]
    multi_page = 0
    for (host, path), result in zip(columns, discovered, strict=True):
        truth = {
            _key(d.url): {"title": d.title, "date": d.publish.date().isoformat()}
            for d in replica.catalogs[host].by_column[path]
        }
        got = {_key(it["url"]): {"title": it["title"], "date": it["date"]} for it in result["items"]}
        assert got == truth, f"{host}{path}"
        pages = result["pagination"]["pages"]
        assert result["pages_walked"] == len(pages)
        assert result["requests"] == len(pages) + 1  # every list page once, and one detail page
        multi_page += len(pages) > 1
        assert all(urlsplit(it["url"]).hostname == host for it in result["items"])
    assert multi_page >= 4  # the readings that matter were confirmed, not only one-page columns


def test_each_platform_reading_is_named_with_its_evidence(discovered: list[dict]) -> None:
    kinds = {
        urlsplit(r["url"]).hostname: r["pagination"]["kind"]
        for r in discovered
        if len(r["pagination"]["pages"]) > 1
    }
    assert kinds == {
        "smzj.anshun.gov.cn": "script_call",
        "www.zzszq.gov.cn": "script_call",
        "mzj.sxjz.gov.cn": "page_links",
        "mzj.ankang.gov.cn": "page_links",
    }
    for result in discovered:
        assert result["pagination"]["confirmed"]
        assert result["list_region"]


def test_a_page_that_is_not_a_list_is_a_clear_error(replica) -> None:
    ran = run_xxgk(
        "discover", "http://smzj.anshun.gov.cn/no/such/column/", env={"XXGK_REPLICA_URL": replica.url}
    )
    assert ran.returncode == 1
    assert "HTTP 404" in ran.stderr and "Traceback" not in ran.stderr


# The rules, on pages written here.


def _page(body: str) -> str:
    return f"<html><body>{body}</body></html>"


def _items(prefix: str, numbers: range, day: int = 28) -> str:
    rows = "".join(
        f'<li><a href="{prefix}/t2026010{n % 9 + 1}_{n}.html" title="关于第{n}号事项的通知全文标题">关于第{n}号事项…</a>'
        f"<span>2026-01-{day - n % 20:02d}</span></li>"
        for n in numbers
    )
    return f'<div class="list"><ul>{rows}</ul></div>'


def test_a_pager_call_whose_count_is_a_variable() -> None:
    html = _page(
        _items("/a", range(5))
        + '<script>var countPage = 4;createPageHTML(countPage, 0, "index", "shtml");</script>'
    )
    readings = find_pagers(parse_html(html), html, "http://x.gov.cn/col/")
    assert readings[0].kind == "script_call"
    assert readings[0].pages == (
        "http://x.gov.cn/col/", "http://x.gov.cn/col/index_1.shtml",
        "http://x.gov.cn/col/index_2.shtml", "http://x.gov.cn/col/index_3.shtml",
    )  # fmt: skip


def test_pager_links_whose_numbers_are_offset_from_the_pages() -> None:
    pager = '<div class="page"><a href="list_1.html">2</a><a href="list_2.html">3</a><a href="list_1.html">下一页</a><a href="list_7.html">尾页</a></div>'
    html = _page(_items("/a", range(5)) + pager)
    reading = find_pagers(parse_html(html), html, "http://x.gov.cn/col/list.html")[0]
    assert reading.kind == "page_links"
    assert reading.pages[1] == "http://x.gov.cn/col/list_1.html"
    assert reading.pages[-1] == "http://x.gov.cn/col/list_7.html"
    assert len(reading.pages) == 8


def test_a_query_page_family_beside_a_link_to_page_one() -> None:
    pager = '<p><a href="?page=1">1</a> <a href="?page=2">2</a> <a href="?page=3">3</a> <a href="?page=2">下一页</a> 共5页</p>'
    html = _page(_items("/a", range(5)) + pager)
    reading = find_pagers(parse_html(html), html, "http://x.gov.cn/list.aspx")[0]
    assert reading.pages[1:] == tuple(f"http://x.gov.cn/list.aspx?page={n}" for n in (2, 3, 4, 5))


def test_a_next_link_alone_is_followed() -> None:
    html = _page(_items("/a", range(5)) + '<a href="/col/more.html?start=20">下一页</a>')
    reading = find_pagers(parse_html(html), html, "http://x.gov.cn/col/")[0]
    assert (reading.kind, reading.pages) == (
        "next_links",
        ("http://x.gov.cn/col/", "http://x.gov.cn/col/more.html?start=20"),
    )


def test_a_sidebar_that_repeats_on_the_next_page_is_chrome() -> None:
    sidebar = '<div class="hot"><ul>' + "".join(
        f'<li><a href="/hot/t2025_{n}.html">热点关注第{n}条消息标题</a><span>2025-12-0{n + 1}</span></li>' for n in range(8)
    ) + "</ul></div>"  # fmt: skip
    one = _page(sidebar + _items("/col", range(5)))
    two = _page(sidebar + _items("/col", range(5, 10)))
    first, second = (
        page_groups(parse_html(h), u)
        for h, u in ((one, "http://x.gov.cn/col/"), (two, "http://x.gov.cn/col/2"))
    )
    choice = choose_list(first, [second])
    assert [it.url for it in choice.items] == [
        f"http://x.gov.cn/col/t2026010{n % 9 + 1}_{n}.html" for n in range(5)
    ]
    assert choice.items[0].title == "关于第0号事项的通知全文标题"  # the @title, not the cut link text
    assert list(choice.chrome) == ["div.hot/ul"]


# List styles the rules were not written against (replica/platforms/unseen.py), and gkmlpt's catalogue.

UNSEEN_DOCS = 150  # enough for columns of several pages on every style
UNSEEN = {
    "http://mzj.yuxian.gov.cn/list.aspx?cid=13": ("mzj.yuxian.gov.cn", "/list.aspx?cid=13", "page_links"),
    "http://mzj.heshan.gov.cn/col/col40502/index.html": ("mzj.heshan.gov.cn", "/col/col40502/index.html", "list_api"),
    "http://mzj.qingxi.gov.cn/col/col802/index.html": ("mzj.qingxi.gov.cn", "/col/col802/index.html", "list_api"),
    # Two leaves behind the JavaScript challenge, asked at once: one challenge, one browser solve.
    "http://www.lianzhou.gov.cn/qylzmzj/gkmlpt/index#2641": ("www.lianzhou.gov.cn", "/qylzmzj/gkmlpt/2641", "list_api"),
    "http://www.lianzhou.gov.cn/qylzmzj/gkmlpt/index#2644": ("www.lianzhou.gov.cn", "/qylzmzj/gkmlpt/2644", "list_api"),
    # A shell whose list a script file fetches: found by loading the page once in Chromium.
    "http://mzj.baishui.gov.cn/news/62/": ("mzj.baishui.gov.cn", "/news/62/", "list_api"),
}  # fmt: skip
CRAWLED = [url for url in UNSEEN if "lianzhou" not in url]  # the unseen styles, crawled as one site


@pytest.fixture(scope="module")
def unseen(tmp_path_factory: pytest.TempPathFactory) -> dict:
    from replica.sites.unseen import MODULES

    tmp = tmp_path_factory.mktemp("unseen")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XXGK_REPLICA_SITES", ",".join(MODULES))
        truth = build(SEED, UNSEEN_DOCS)
        log = tmp / "requests.log"
        with start_replica(tmp / "replica", docs=UNSEEN_DOCS, seed=SEED, request_log=log) as replica:
            env = {"XXGK_REPLICA_URL": replica.url, "XXGK_REPLICA_SITES": ",".join(MODULES)}
            found = run_xxgk("discover", "--all-pages", *UNSEEN, env=env)
            asked = Counter(tuple(line.split(" ", 2)[1:]) for line in log.read_text().splitlines())
            database_url = f"sqlite:///{tmp / 'archive.sqlite3'}"
            columns = [arg for url in CRAWLED for arg in ("--column", url)]
            crawled = run_xxgk(
                "crawl", *columns, "--site", "unseen_styles", "--database-url", database_url,
                "--format", "json", *FAST, env=env,
            )  # fmt: skip
    assert found.returncode == 0, found.stderr[-2000:]
    assert crawled.returncode == 0, crawled.stderr[-2000:]
    return {"truth": truth, "found": json.loads(found.stdout), "database_url": database_url,
            "crawled": json.loads(crawled.stdout), "asked": asked}  # fmt: skip


def test_lists_from_a_datastore_endpoint_json_and_gkmlpt_api(unseen: dict) -> None:
    for result, (host, key, kind) in zip(unseen["found"], UNSEEN.values(), strict=True):
        truth = {
            _key(d.url): {"title": d.title, "date": d.publish.date().isoformat()}
            for d in unseen["truth"].catalogs[host].by_column[key]
        }
        got = {_key(it["url"]): {"title": it["title"], "date": it["date"]} for it in result["items"]}
        assert got == truth, result["url"]
        assert result["pagination"]["kind"] == kind
        # The column page (or a detail page that shows chrome); for the shell also a detail page and
        # the page in the browser, whose first answer from the endpoint is not asked for again.
        probed = "browser" in " ".join(result["notes"])
        assert result["requests"] == len(result["pagination"]["pages"]) + (2 if probed else 1)
        assert result["pages_from_browser"] == probed
        assert probed == ("baishui" in result["url"])


def test_the_browser_asks_the_site_only_what_the_crawl_cannot(unseen: dict) -> None:
    """What the replica served (its request log, path without query): the shell's page is given to the
    browser, which fetches only its script and the endpoint's first page; the challenged host answered
    one challenge (the other leaf waited for the first answer), whose page the browser was given and
    whose reload it refused once the script had set the cookie."""
    asked = unseen["asked"]
    shell = {path: n for (host, path), n in asked.items() if host == "mzj.baishui.gov.cn"}
    assert shell["/news/62/"] == 1 and shell["/api/v2/list"] == 4  # its 4 pages, each once
    assert sum(n for path, n in shell.items() if path.endswith(".js")) == 1
    lianzhou = {path: n for (host, path), n in asked.items() if host == "www.lianzhou.gov.cn"}
    assert lianzhou["/qylzmzj/gkmlpt/index"] == 3  # one challenge, then each leaf with the cookie
    assert not [p for p in lianzhou if p.endswith((".js", ".css"))]


def test_columns_of_unseen_styles_crawl_into_the_archive(unseen: dict) -> None:
    (row,) = unseen["crawled"]
    assert row["errors"] == 0
    want = {
        _key(d.url)
        for url in CRAWLED
        for d in unseen["truth"].catalogs[UNSEEN[url][0]].by_column[UNSEEN[url][1]]
    }
    versions = archived(unseen["database_url"], "unseen_styles")[0]
    assert {_key(url) for url in versions} == want
    assert row["new_versions"] == len(want)
