"""The replica over real HTTP, used as a proxy exactly as crawls use it, and its in-process API."""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

import replica
from replica.process import ReplicaProcess, ReplicaStartError, start_replica
from replica.reports import report_plan
from replica.state import LiveReplica, ReplicaState, load_state, open_state, save_state

HOST = "smzj.anshun.gov.cn"
BASE = f"http://{HOST}"
JHZJ = f"{BASE}/zwgk/zfxxgk/xxgkml/jhzj/"
SEED_URL = f"{JHZJ}202201/t20220109_72272508.html"
SEED_TITLE = "安顺市民政局关于印发《安顺市民政局深入推进民政法治建设实施方案(2021-2025年)》的通知"
ITEM = re.compile(
    r'<li><a href="(\./\d{6}/t(\d{8})_\d+\.html)" title="[^"]*" target="_blank">[^<]+</a><b>(\d{4}-\d{2}-\d{2})</b></li>'
)
PAGES = re.compile(r'createPageHTML\((\d+), (\d+), "index", "html"\);')


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReplicaProcess]:
    with start_replica(tmp_path_factory.mktemp("replica-state"), docs=60, seed=1) as running:
        yield running


@pytest.fixture(scope="module")
def built() -> replica.Replica:
    return replica.build(seed=1, docs=60)


def fetch(
    server: ReplicaProcess, url: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """GET through the replica as an HTTP proxy; errors come back as (status, headers, body) too."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": server.url}))
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_column_lists_paginate_twenty_newest_first(server, built):
    column_docs = [d for d in built.documents(HOST) if d.column == "/zwgk/zfxxgk/xxgkml/jhzj/"]
    status, headers, body = fetch(server, JHZJ)
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    page0 = body.decode()
    pages, current = map(int, PAGES.search(page0).groups())
    assert current == 0 and pages == -(-len(column_docs) // 20) and pages >= 2
    assert fetch(server, JHZJ + "index.html")[2] == body
    page1 = fetch(server, JHZJ + "index_1.html")[2].decode()
    assert PAGES.search(page1).groups() == (str(pages), "1")
    items0, items1 = ITEM.findall(page0), ITEM.findall(page1)
    assert len(items0) == 20 and len(items1) == min(20, len(column_docs) - 20)
    dates = [day for _, _, day in items0 + items1]
    assert dates == sorted(dates, reverse=True)
    assert [href for href, _, _ in items0 + items1][:40] == [
        "./" + d.path.rsplit("/", 2)[1] + "/" + d.path.rsplit("/", 1)[1] for d in column_docs
    ][:40]
    assert 'class="path"' in page0 and "网站标识码" in page0
    assert fetch(server, JHZJ + f"index_{pages}.html")[0] == 404


def test_news_columns_use_newslist_markup(server):
    page = fetch(server, f"{BASE}/gzdt/bmdt/")[2].decode()
    assert '<div class="NewsList">' in page and "createPageHTML(" in page
    assert re.search(
        r'<li><a href="\./\d{6}/t\d{8}_\d+\.html"[^>]*>[^<]+</a><span>\d{4}-\d{2}-\d{2}</span></li>', page
    )


def test_seed_page_keeps_its_date_trap_and_text(server):
    status, headers, body = fetch(server, SEED_URL)
    page = body.decode()
    assert status == 200 and "Last-Modified" in headers
    assert f'<meta name="ArticleTitle" content="{SEED_TITLE}">' in page
    assert '<meta name="PubDate" content="2021-12-28 18:55">' in page
    assert '<meta name="ContentSource" content="安顺市民政局">' in page
    assert "发布时间: 2021-12-28 18:55" in page
    body_html = page.split('<div class="view TRS_UEDITOR trs_paper_default trs_web">', 1)[1].split(
        "</div>", 1
    )[0]
    paragraphs = re.findall(r"<p[^>]*>(.*?)</p>", body_html)
    assert paragraphs[0] == "安顺市民政局关于印发《安顺市民政局"
    assert paragraphs[-1].endswith("并同步抄送市民政局。")
    assert len(paragraphs) > 60 and "分享到" not in body_html
    assert "分享到:" in page and 'href="javascript:window.print()">打印</a>' in page


def test_generated_detail_page_has_meta_and_metadata_table(server, built):
    doc = next(d for d in built.documents(HOST) if d.kind == "generated" and d.index_no)
    page = fetch(server, doc.url)[2].decode()
    assert f'<meta name="PubDate" content="{doc.publish:%Y-%m-%d %H:%M}">' in page
    assert f'<meta name="ArticleTitle" content="{doc.title}">' in page
    table = page.split('<div class="Article_xx">', 1)[1].split("</table>", 1)[0]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", table)
    pairs = dict(zip(cells[::2], cells[1::2], strict=True))
    assert pairs["索引号："] == doc.index_no and re.fullmatch(r"\w{9}/\d{4}-\d{5}", doc.index_no)
    assert pairs["发布机构："] == "安顺市民政局" and pairs["成文日期："] == doc.written_date.isoformat()
    assert pairs["文号："] == doc.doc_number
    assert f"发布时间: {doc.publish:%Y-%m-%d %H:%M}" in page
    assert built.body_text(doc).splitlines()[-1] in page


def test_attachments_are_linked_from_the_body_and_served(server, built):
    doc = next(d for d in built.documents(HOST) if any(a.path.endswith(".pdf") for a in d.attachments))
    attachment = next(a for a in doc.attachments if a.path.endswith(".pdf"))
    assert re.fullmatch(r"P0\d{8}\d{12}\.pdf", attachment.filename)
    assert attachment.path.rsplit("/", 1)[0] == doc.path.rsplit("/", 1)[0]
    page = fetch(server, doc.url)[2].decode()
    body_html = page.split("trs_paper_default", 1)[1].split('<div class="Article_fx">', 1)[0]
    assert f'href="./{attachment.filename}"' in body_html and "附件：" in body_html
    status, headers, data = fetch(server, attachment.url)
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert fetch(server, attachment.url)[2] == data


def test_unknown_paths_and_hosts(server):
    status, _, body = fetch(server, f"{BASE}/zwgk/no-such-column/")
    assert status == 404 and "页面不存在" in body.decode()
    assert fetch(server, "http://www.example.com/")[0] == 502


def test_origin_form_with_host_header(server):
    request = urllib.request.Request(f"{server.url}/gzdt/tzgg/index.html", headers={"Host": HOST})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200 and "NewsList" in response.read().decode()


def test_only_the_view_counter_changes_between_fetches(server):
    first, second = fetch(server, SEED_URL)[2].decode(), fetch(server, SEED_URL)[2].decode()
    counter = re.compile(r"浏览次数: <em id=\"fwl\">(\d+)</em>")
    assert counter.search(first).group(1) != counter.search(second).group(1)
    assert counter.sub("", first) == counter.sub("", second)


def test_documents_are_deterministic_per_seed(built):
    again = replica.build(seed=1, docs=60)
    assert again.documents(HOST) == built.documents(HOST)
    assert len(built.documents(HOST)) == 61  # 60 generated + the seed page
    assert built.body_text(built.documents(HOST)[5]) == again.body_text(again.documents(HOST)[5])
    other = replica.build(seed=2, docs=60).documents(HOST)
    assert [d.url for d in other] != [d.url for d in built.documents(HOST)]
    # Document k does not depend on how many are generated.
    bigger = {d.url: d for d in replica.build(seed=1, docs=200).documents(HOST)}
    assert all(bigger[d.url] == d for d in built.documents(HOST))


def test_generated_documents_look_like_a_civil_affairs_bureau(built):
    docs = built.documents(HOST)
    assert len({d.url for d in docs}) == len(docs)
    indexed = [d.index_no for d in docs if d.index_no]
    assert len(set(indexed)) == len(indexed)
    assert any(d.url_date != d.publish.date() for d in docs)
    reports = [d for d in docs if d.kind in ("annual_report", "rule_of_law_report")]
    assert reports and all(d.column.endswith("/jhzj/") for d in reports)
    # Exactly the reports the plan publishes, on the planned dates; the missing ones nowhere.
    plan = report_plan(HOST, seed=1)
    published = {(r.kind, r.title("安顺市民政局"), r.publish) for r in plan if r.status != "missing"}
    assert {(d.kind, d.title, d.publish) for d in reports} == published
    assert {r.status for r in plan} == {"on_time", "late", "missing"}
    assert all(r.days_late for r in plan if r.status == "late")
    assert not any(r.days_late for r in plan if r.status == "on_time")
    assert any(d.attachments for d in docs)
    assert all(d.url.startswith(BASE + "/") and "127.0.0.1" not in d.url for d in docs)


def test_twenty_thousand_documents_build_quickly():
    """A guard against a build that grows faster than its documents, not a benchmark: the bound is this
    process's CPU, which other processes on a loaded machine do not inflate as they do the wall time
    (5.2 s of wall once, with the load at 11)."""
    started = time.process_time()
    big = replica.build(seed=1, docs=20000)
    assert len(big.documents(HOST)) == 20001
    assert time.process_time() - started < 5


def test_state_is_written_and_a_running_replica_follows_it(server, tmp_path: Path):
    state = load_state(server.state_dir)
    assert state is not None and (state.seed, state.docs, state.mutations) == (1, 60, [])
    directory = tmp_path / "state"
    live = LiveReplica(directory, open_state(directory, seed=1, docs=5), check_every=0)
    assert len(live.current().documents(HOST)) == 6
    save_state(directory, ReplicaState(seed=1, docs=7))
    assert len(live.current().documents(HOST)) == 8
    # Same seed and docs keep the recorded state; different ones start afresh.
    assert open_state(directory, seed=1, docs=7) == ReplicaState(seed=1, docs=7)


def test_a_dead_child_reports_its_stderr(tmp_path: Path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    with pytest.raises(ReplicaStartError, match="stderr"):
        start_replica(blocker, docs=1, seed=1, timeout=30)
