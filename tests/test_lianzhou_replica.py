"""The 连州 replica (Guangdong NFCMS + gkmlpt behind a 412 JavaScript challenge), in process.

The crawl over real HTTP with Chromium is in test_lianzhou_crawl.py; here the site's rules are checked
request by request through `Replica.handle()`.
"""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest

import replica
from replica.challenge import clearance_headers, solve
from replica.reports import report_plan
from replica.web import parse_request

HOST = "www.lianzhou.gov.cn"
BASE = f"http://{HOST}"
API = f"{BASE}/qylzmzj/gkmlpt/api/all/"
SID = "759025"
SEED_NFCMS = f"{BASE}/lzszdlyxxgkzl/mzxx/content/post_1971208.html"
SEED_GKMLPT = f"{BASE}/qylzmzj/gkmlpt/content/1/1971/post_1971208.html"
SEED_TITLE = "连州市民政局2024年度法治政府建设情况报告"
CONFIG_TREE = re.compile(r"TREE:(\[.*?\])\}", re.S)


@pytest.fixture(scope="module")
def built() -> replica.Replica:
    return replica.build(seed=1, docs=40)


@pytest.fixture(scope="module")
def cookie(built: replica.Replica) -> dict[str, str]:
    """What the challenge page's script would set: the hash loop over the server's nonce."""
    page = built.handle("GET", BASE + "/").text
    nonce = re.search(r'var n = "([0-9a-f]+)", r = (\d+)', page)
    assert nonce is not None
    value = f"{nonce.group(1)}.{solve(nonce.group(1), int(nonce.group(2)))}"
    assert clearance_headers(built, BASE + "/")["Cookie"].startswith("FSSBBIl1UgzbN7N80T=")
    assert clearance_headers(built, "http://smzj.anshun.gov.cn/") == {}  # no challenge there
    return {"Cookie": f"FSSBBIl1UgzbN7N80T={value}"}


def get(built: replica.Replica, url: str, headers: dict[str, str]):
    return built.handle("GET", url, headers)


def test_whole_host_answers_412_with_a_script_until_the_computed_cookie_is_sent(built, cookie):
    for url in (BASE + "/", SEED_NFCMS, f"{API}2652?page=1&sid={SID}", f"{BASE}/no/such/page"):
        refused = built.handle("GET", url)
        assert refused.status == 412
        assert "document.cookie" in refused.text and "location.reload()" in refused.text
        assert "FSSBBIl1UgzbN7N80T=" + '" + n' in refused.text  # the value is computed, never shown
    forged = {"Cookie": cookie["Cookie"][:-2] + "00"}
    assert built.handle("GET", SEED_NFCMS, forged).status == 412
    assert get(built, SEED_NFCMS, cookie).status == 200


def test_a_challenge_whose_cookie_the_server_sets_on_the_scripts_answer() -> None:
    """`--challenge-clearance server`: the script sends its answer in the URL; the server answers a
    302 back to the page with the cookie, which then opens the page (a forged answer does not)."""
    from replica.challenge import ANSWER_PARAM, Challenges

    guard = Challenges(seed=1)
    guard.apply_record({"op": "challenge", "host": "a.gov.cn", "prefix": "/x", "clearance": "server"})
    page = "http://a.gov.cn/x/list.html?page=2"
    refused = guard.check(parse_request("GET", page))
    assert refused is not None and refused.status == 412
    assert "document.cookie" not in refused.text and ANSWER_PARAM in refused.text
    nonce, rounds = re.search(r'var n = "([0-9a-f]+)", r = (\d+)', refused.text).groups()  # type: ignore[union-attr]
    answer = f"{nonce}.{solve(nonce, int(rounds))}"
    forged = guard.check(parse_request("GET", f"{page}&{ANSWER_PARAM}={answer[:-2]}00"))
    assert forged is not None and forged.status == 412
    granted = guard.check(parse_request("GET", f"{page}&{ANSWER_PARAM}={answer}"))
    assert granted is not None and granted.status == 302
    assert granted.headers["Location"] == "/x/list.html?page=2"
    assert granted.headers["Set-Cookie"].startswith(f"FSSBBIl1UgzbN7N80T={answer};")
    assert guard.check(parse_request("GET", page, {"Cookie": f"FSSBBIl1UgzbN7N80T={answer}"})) is None


def test_seed_is_served_at_its_real_url_as_the_official_page_shows_it(built, cookie):
    page = get(built, SEED_NFCMS, cookie).text
    assert f'<meta name="ArticleTitle" content="{SEED_TITLE}">' in page
    assert 'var NFCMS_POST_ID = "1971208"' in page
    assert "發布時間:2025-01-08 09:41:15" in page and "您當前所在的位置" in page  # traditional chrome
    # The text is simplified, without the mirror's pinyin and mojibake.
    assert "根据《连州市人民政府办公室关于印发〈连州市2024年法治政府建设工作要点〉的通知》" in page
    assert "工作。现将我局2024年度法治政府建设情况报告如下" in page
    for junk in ("(jù)", "?,F", "根據", "?!", "</p>&lt;", "&lt;/p&gt;"):
        assert junk not in page
    twin = get(built, SEED_GKMLPT, cookie).text
    assert "window._CONFIG.DETAIL = {" in twin
    for label in (
        "索引号：",
        "分类：",
        "发布机构：",
        "成文日期：",
        "名称：",
        "文号：",
        "发布日期：",
        "主题词：",
    ):
        assert f"<th>{label}</th>" in twin
    assert "<td>2025-01-07</td>" in twin and "中共连州市民政局党组(代章)" in twin


def test_tree_leaves_and_the_list_api_cover_every_gkmlpt_post(built, cookie):
    index = get(built, f"{BASE}/qylzmzj/gkmlpt/index", cookie).text
    assert f"SID:'{SID}'" in index
    tree = json.loads(CONFIG_TREE.search(index).group(1))
    leaves = [c for node in tree for c in node["children"] or [node] if not c["jump_url"]]
    assert any(node["jump_url"] for node in tree)
    seen = []
    for leaf in leaves:
        first = json.loads(get(built, f"{API}{leaf['id']}?page=1&sid={SID}", cookie).body)
        assert json.loads(get(built, f"{API}{leaf['id']}?page=0&sid={SID}", cookie).body) == first
        total = first["classify"]["post_count"]
        assert total == leaf["post_count"]
        pages = max(1, -(-total // 10))
        for page in range(1, pages + 1):
            answer = json.loads(get(built, f"{API}{leaf['id']}?page={page}&sid={SID}", cookie).body)
            seen += [a["url"] for a in answer["articles"] if a["url"].startswith(BASE)]
        assert get(built, f"{API}{leaf['id']}?page={pages + 1}&sid={SID}", cookie).status == 404
    gkmlpt = {d.url for d in built.documents(HOST) if "/gkmlpt/content/" in d.url}
    assert len(seen) == len(set(seen)) and set(seen) == gkmlpt and SEED_GKMLPT in gkmlpt
    assert get(built, f"{API}2652?page=1", cookie).status == 400  # no sid
    assert get(built, f"{API}2652?page=1&sid=1", cookie).status == 400


def test_nfcms_column_paginates_its_twin_pages(built, cookie):
    twins = [d for d in built.documents(HOST) if d.column == "/lzszdlyxxgkzl/mzxx/"]
    assert len(twins) > 15 and SEED_NFCMS in {d.url for d in twins}
    listed = []
    page, pages = 1, 1
    while page <= pages:
        leaf = "" if page == 1 else f"index_{page}.html"
        text = get(built, f"{BASE}/lzszdlyxxgkzl/mzxx/{leaf}", cookie).text
        listed += re.findall(r'<li><a href="(/lzszdlyxxgkzl/mzxx/content/post_\d+\.html)"', text)
        pages = max([int(n) for n in re.findall(r'href="index_(\d+)\.html"', text)] + [pages])
        page += 1
    assert [BASE + p for p in listed] == [d.url for d in twins]  # newest first, all of them
    assert "http://f88tv.com/lzszdlyxxgkzl/mzxx/" in text  # the mirror links a crawler must not follow


def test_report_history_follows_the_plan_with_the_seed_in_its_slot(built):
    catalog = built.catalogs[HOST]
    plan = {(p.kind, p.year): p for p in report_plan(HOST, 1)}
    placed = {(p.kind, p.year): p for p in catalog.report_plan}
    assert placed.keys() == plan.keys()
    assert {p.status for p in placed.values()} == {"on_time", "late", "missing"}
    seed = placed[("rule_of_law_report", 2024)]
    assert seed.publish == datetime(2025, 1, 8, 9, 41, 15) and seed.status == "on_time"
    reports = [d for d in built.documents(HOST) if d.kind in ("annual_report", "rule_of_law_report", "seed")]
    gk = {(d.kind, d.title) for d in reports if "/gkmlpt/" in d.url}
    for (kind, year), p in placed.items():
        title = p.title("连州市民政局") if (kind, year) != ("rule_of_law_report", 2024) else SEED_TITLE
        published = any(t == title for _, t in gk)
        assert published == (p.status != "missing"), (kind, year, p.status)
    for d in reports:
        p = next((p for p in placed.values() if p.publish == d.publish), None)
        assert p is not None and p.status != "missing"


def test_changes_apply_to_both_pages_of_a_post(built):
    fresh = replica.build(seed=1, docs=40)
    catalog = fresh.catalogs[HOST]
    path = "/qylzmzj/gkmlpt/content/1/1971/post_1971208.html"
    at = "2026-11-01T10:00:00"
    fresh.apply({"host": HOST, "op": "withdraw", "path": path, "url": BASE + path, "status": 410, "at": at})
    assert (
        path not in catalog.by_path and "/lzszdlyxxgkzl/mzxx/content/post_1971208.html" not in catalog.by_path
    )
    fresh.apply({"host": HOST, "op": "restore", "path": path, "url": BASE + path, "at": at})
    assert path in catalog.by_path and "/lzszdlyxxgkzl/mzxx/content/post_1971208.html" in catalog.by_path
    fresh.apply({"host": HOST, "op": "edit", "path": path, "url": BASE + path, "what": "body", "at": at})
    assert catalog.body_text(catalog.by_path[path]).endswith("作进一步补充说明。）")
    twin = catalog.by_path["/lzszdlyxxgkzl/mzxx/content/post_1971208.html"]
    assert catalog.body_text(twin).endswith("作进一步补充说明。）")
    fresh.apply({"host": HOST, "op": "publish", "k": 10_040, "at": at})
    newest = catalog.documents[0]
    assert newest.publish == datetime(2026, 11, 1, 10, 0) and newest.doc_id > 2_000_000


def test_a_move_republishes_the_post_under_a_new_id_keeping_its_index_number():
    from random import Random

    fresh = replica.build(seed=1, docs=40)
    catalog = fresh.catalogs[HOST]
    movable = [d for d in catalog.documents if catalog.move_target(d, Random(d.path)) is not None]
    assert movable and all("/gkmlpt/" in d.path and d.kind == "generated" for d in movable)
    doc = next(
        d for d in movable if any(t.doc_id == d.doc_id and t.path != d.path for t in catalog.documents)
    )
    target = catalog.move_target(doc, Random(1))
    fresh.apply(
        {"host": HOST, "op": "move", "path": doc.path, "url": doc.url, **target, "at": "2026-11-02T09:00:00"}
    )
    new = catalog.by_path[catalog.moved[doc.path]]
    assert new.index_no == doc.index_no and new.doc_id == target["doc_id"] and new.url != doc.url
    assert catalog.body_text(new) == catalog.body_text(doc)
    assert doc.path not in catalog.by_path and all(d.doc_id != doc.doc_id for d in catalog.documents)
