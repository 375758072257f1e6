"""Issue 19: the web interface (`xxgk serve`), over SQLite and PostgreSQL, through real HTTP and Chromium.

One archive per database (tests/web_archive.py: a replica crawled over three nights in one process,
plus hostile records written through the store), one `xxgk serve` process over it, one Chromium for
the module. What the pages show is compared with what the archive's own commands say, never with
values typed in here.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from markupsafe import escape
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import ROOT, xxgk
from tests.web_archive import AUDIT_AT, HOSTILE_URL, REPORT_YEAR, WebArchive, build
from tests.web_server import Canary, Served, canary, get, serve

pytestmark = pytest.mark.xdist_group("web")
# The walk's screenshots go to the test's own directory; `UPDATE_SCREENSHOTS=1 pytest tests/test_web.py`
# writes them to docs/screenshots/ (shown in the README) instead, so a test run leaves the tree clean.
SCREENSHOTS = ROOT / "docs" / "screenshots"


@pytest.fixture(scope="module")
def planted_canary() -> Iterator[Canary]:
    with canary() as found:
        yield found


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def web_archive(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, planted_canary: Canary
) -> WebArchive:
    workdir = tmp_path_factory.mktemp(f"web-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{workdir / 'archive.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").create_database(f"xxgk_web_{int(time.time() * 1000)}")
    built = build(url, workdir, planted_canary.url)
    print(f"web archive ({request.param}) built in {built.seconds:.1f}s")
    return built


@pytest.fixture(scope="module")
def served(web_archive: WebArchive) -> Iterator[Served]:
    with serve(web_archive.database_url, AUDIT_AT) as running:
        yield running


def cli_json(served: Served, *args: str) -> object:
    out = xxgk("--as-of", AUDIT_AT, *args, "--database-url", served.database_url, "--format", "json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_search_page_and_api_show_what_xxgk_search_finds(served: Served) -> None:
    want = cli_json(served, "search", "低保", "--facets", "--limit", "20")
    api = get(f"{served.base}/api/search?q={quote('低保')}").json()
    assert api["total"] == want["total"] > 0
    assert [h["id"] for h in api["hits"]] == [h["id"] for h in want["hits"]]
    assert api["facets"] == want["facets"]
    assert (api["engine"], api["warnings"]) == (want["engine"], want["warnings"])  # which index answered
    html = get(f"{served.base}/search?q={quote('低保')}").text
    assert f'<strong class="total">{want["total"]}</strong>' in html
    assert html.count('class="hit"') == len(want["hits"])
    assert "<mark>低保</mark>" in html  # the snippets' hits, highlighted
    # A facet narrows: the site's count is the narrowed total, as `xxgk search --site` says.
    site = want["facets"]["site"][0]
    narrowed = get(f"{served.base}/api/search?q={quote('低保')}&site={site['value']}").json()
    assert (
        narrowed["total"]
        == site["count"]
        == cli_json(served, "search", "低保", "--site", site["value"])["total"]
    )
    # Sorted by date: newest first, the same documents.
    by_date = get(f"{served.base}/api/search?q={quote('低保')}&sort=date").json()
    assert by_date["order"] == "date" and by_date["total"] == want["total"]
    dates = [h["publish_date"] or "" for h in by_date["hits"]]
    assert dates == sorted(dates, reverse=True)
    assert {h["id"] for h in by_date["hits"]} == {h["id"] for h in want["hits"]}


def test_paging_is_stable_and_export_gives_the_result_set(served: Served, tmp_path: Path) -> None:
    everything = cli_json(served, "search", "--limit", "1000")
    first = get(f"{served.base}/api/search?sort=date&since=2000-01-01").json()
    second = get(f"{served.base}/api/search?sort=date&since=2000-01-01&page=2").json()
    assert first["per_page"] == 20 and first["total"] > 20
    ids = [h["id"] for h in first["hits"] + second["hits"]]
    assert len(ids) == len(set(ids)) == min(40, first["total"])  # no document twice across pages
    assert get(f"{served.base}/api/search?sort=date&since=2000-01-01").json() == first  # the same again
    assert first["total"] <= everything["total"]
    csv = get(f"{served.base}/api/export?{urlencode({'q': '低保', 'format': 'csv'})}")
    assert csv.status == 200 and "attachment" in csv.headers["content-disposition"]
    rows = [line for line in csv.text.lstrip("\ufeff").splitlines()[1:] if line.strip()]
    total = cli_json(served, "search", "低保")["total"]
    out = tmp_path / "export.jsonl"
    exported = xxgk(
        "export", "低保", "--format", "jsonl", "--out", str(out), "--database-url", served.database_url
    )
    assert exported.returncode == 0, exported.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == total
    assert len(rows) >= total  # a CSV row per document (a body may span lines inside quotes)
    parquet = get(f"{served.base}/api/export?{urlencode({'q': '低保', 'format': 'parquet'})}")
    import pyarrow.parquet as pq

    assert pq.read_table(io.BytesIO(parquet.body)).num_rows == total
    jsonl = get(f"{served.base}/api/export?{urlencode({'q': '低保', 'format': 'jsonl'})}")
    assert [json.loads(line)["document_id"] for line in jsonl.text.splitlines()] == [
        json.loads(line)["document_id"] for line in lines
    ]
    # The web-archive formats: the result set's captures, the same file `xxgk export` writes.
    cli_warc = tmp_path / "export.warc.gz"
    assert xxgk("export", "低保", "--format", "warc", "--out", str(cli_warc),
                "--database-url", served.database_url).returncode == 0  # fmt: skip
    warc = get(f"{served.base}/api/export?{urlencode({'q': '低保', 'format': 'warc'})}")
    assert warc.status == 200 and warc.body == cli_warc.read_bytes()
    wacz = get(f"{served.base}/api/export?{urlencode({'q': '低保', 'format': 'wacz'})}")
    assert wacz.status == 200 and zipfile.ZipFile(io.BytesIO(wacz.body)).read("datapackage.json")


BAD = [
    "/search?site=no_such_site&q=x",
    "/search?since=2024-13-01",
    "/search?until=yesterday",
    "/search?since=2024-05-01&until=2024-01-01",
    "/search?page=-1",
    "/search?page=1000000000000",
    "/search?page=abc",
    "/search?q=" + "低" * 10_000,
    "/search?q=" + "a" * 10_000,
    "/search?q=" + quote('"unclosed'),
    "/search?sort=random",
    "/search?doc_number=" + quote("〔〕"),
    "/doc/1000000000000",
    "/doc/-1",
    "/doc/1?version=-1",
    "/doc/1/compare?a=0",
    "/audit?year=1800",
    "/audit/no_such_site/disclosure/2026",
    "/audit/anshun_mzj/no_such_kind/2026",
    "/capture/99999999",
    "/bundles/" + "0" * 64 + ".zip",
]


def test_bad_parameters_are_400s_that_say_why_in_chinese_and_english(served: Served) -> None:
    for path in BAD:
        for prefix in ("", "/api"):
            if prefix and path.startswith(("/bundles", "/capture")):
                continue
            target = prefix + (path.replace("/doc/", "/documents/") if prefix else path)
            reply = get(served.base + quote(target, safe="/?=&%"))
            assert reply.status in (400, 404), (target, reply.status, reply.body[:300])
            if prefix:
                error = reply.json()["error"]
                assert re.search(r"[\u4e00-\u9fff]", error["zh"]) and re.search(r"[a-z]{3}", error["en"]), (
                    error
                )
            else:
                assert 'lang="zh-CN"' in reply.text and 'lang="en"' in reply.text
    # The capture origin answers plainly too.
    assert get(f"{served.captures}/capture/abc").status == 400
    assert get(f"{served.captures}/capture/99999999").status == 404


def test_own_pages_send_a_strict_csp_and_escape_every_stored_string(
    served: Served, planted_canary: Canary
) -> None:
    hostile = get(
        f"{served.base}/api/search?{urlencode({'q': '低保', 'doc_number': '安民发〔2027〕1号*'})}"
    ).json()
    (hit,) = [h for h in hostile["hits"] if h["url"] == HOSTILE_URL]
    doc = get(f"{served.base}/api/documents/{hit['id']}").json()
    pages = [
        f"/search?q={quote('低保')}", f"/doc/{hit['id']}", f"/doc/{hit['id']}/compare",
        f"/capture/{doc['captures'][0]['id']}", "/audit", "/sites",
    ]  # fmt: skip
    for path in pages:
        reply = get(served.base + path)
        assert reply.status == 200, path
        csp = reply.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "default-src 'none'" in csp and "unsafe" not in csp
        assert "frame-ancestors 'none'" in csp and f"frame-src {served.captures}" in csp
        scripts = re.findall(r"<script\b[^>]*>", reply.text)
        assert scripts == ['<script src="/static/keys.js" defer>'], (path, scripts)  # no inline script
        assert not re.search(r"<[^>]+\son\w+\s*=", reply.text), path  # no event handler attribute
        assert not re.search(r"(href|src)=\"\s*javascript:", reply.text, re.IGNORECASE), path
    page = get(f"{served.base}/doc/{hit['id']}").text
    assert "&lt;/title&gt;&lt;script&gt;fetch(" in page  # the planted title, shown as text
    assert "</title><script>" not in page
    # An archived page comes from the other origin, sandboxed, with CSP sandbox on the response.
    capture_page = get(f"{served.base}/capture/{doc['captures'][0]['id']}").text
    (frame,) = re.findall(r"<iframe[^>]*>", capture_page)
    assert re.search(r"\ssandbox[\s>]", frame) and "allow-" not in frame
    assert f'src="{served.captures}/capture/' in frame
    raw = get(f"{served.captures}/capture/{doc['captures'][0]['id']}")
    assert raw.headers["content-security-policy"] == "sandbox"
    assert b"<script>fetch(" in raw.body  # as fetched, untouched: the sandbox is what keeps it inert
    # Attachments download from that origin too, sandboxed, as the bytes stored.
    (attachment,) = doc["attachments"]
    assert f'href="{served.captures}/file/{attachment["id"]}"' in page
    file = get(f"{served.captures}/file/{attachment['id']}")
    assert file.headers["content-security-policy"] == "sandbox"
    assert file.headers["content-disposition"].startswith("attachment;")
    assert hashlib.sha256(file.body).hexdigest() == attachment["sha256"]


def test_document_compare_audit_and_sites_show_the_archive(served: Served) -> None:
    want_search = cli_json(served, "search", "低保")
    edited = next(h for h in want_search["hits"] if h["version"] > 1 and h["url"] != HOSTILE_URL)
    doc = get(f"{served.base}/api/documents/{edited['id']}").json()
    history = cli_json(served, "history", str(edited["id"]))
    assert doc["timeline"] == history
    show = cli_json(served, "show", str(edited["id"]))
    assert {k: doc[k] for k in ("title", "body", "version", "raw_sha256")} == {
        k: show[k] for k in ("title", "body", "version", "raw_sha256")
    }
    diff = get(f"{served.base}/api/documents/{edited['id']}/compare").json()
    want_diff = json.loads(
        xxgk("diff", str(edited["id"]), "--format", "json", "--database-url", served.database_url).stdout
    )
    assert {k: diff[k] for k in want_diff} == want_diff
    assert diff["b"] == doc["version_numbers"][-1] and diff["a"] == diff["b"] - 1
    assert diff["next"] is None  # the latest change: nothing after it
    assert diff["previous"] == ({"a": diff["a"] - 1, "b": diff["b"] - 1} if diff["a"] > 1 else None)
    # The timeline has the withdrawal, move and restoration the replica's changes made.
    kinds = set()
    for hit in cli_json(served, "search", "--limit", "1000")["hits"]:
        kinds |= {row["kind"] for row in cli_json(served, "history", str(hit["id"]))}
    html_kinds = set()
    for hit in cli_json(served, "search", "--limit", "1000")["hits"]:
        html = get(f"{served.base}/doc/{hit['id']}").text
        html_kinds |= set(re.findall(r'class="event event-(\w+)"', html))
    assert kinds == html_kinds and {"version", "withdrawn", "restored"} <= kinds
    # Audit: the same verdicts as `xxgk audit`.
    verdicts = cli_json(served, "audit", f"--year={REPORT_YEAR}")
    matrix = get(f"{served.base}/api/audit?year={REPORT_YEAR}").json()
    got = {(v["site"], v["kind"]): v["verdict"] for cells in matrix["cells"].values()
           for v in cells[str(REPORT_YEAR)]}  # fmt: skip
    assert got == {(v["site"], v["kind"]): v["verdict"] for v in verdicts if v["site"] in matrix["sites"]}
    assert "on_time" in got.values()
    assert matrix["forensics"] == cli_json(served, "audit", "dates")
    # Column freshness, with the column kinds `xxgk serve` read from the spiders: as `xxgk audit freshness`.
    columns = [row for row in cli_json(served, "audit", "freshness") if row["site"] in matrix["sites"]]
    assert [c for f in matrix["freshness"] for c in f["columns"]] == columns and columns
    # Sites: each site's runs as `xxgk runs` lists them, and a calendar night per coverage row.
    sites = get(f"{served.base}/api/sites").json()["sites"]
    for site in sites:
        runs = cli_json(served, "runs", "--site", site["site"], "--limit", "8")
        assert [r["id"] for r in site["runs"]] == [r["id"] for r in runs]
        # Every version of this small archive was first captured within the chart's twelve weeks.
        assert sum(w["versions"] for w in site["weeks"]) == site["totals"]["versions"]
        states = [n["state"] for n in site["coverage"]]
        assert "gap" in states and len([s for s in states if s != "gap"]) == 3  # the three crawl nights


def test_serve_is_loaded_only_when_it_runs() -> None:
    probe = ("import sys; from cli.main import main; "
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('web', 'fastapi', 'uvicorn')))")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# --- the walk in Chromium ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"], headless=True
        )
        yield chromium
        chromium.close()


def test_walk_in_chromium_and_planted_script_never_runs(
    served: Served, browser, planted_canary: Canary, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """search 低保 → narrow by a facet → a document → compare → the archived capture → the audit year →
    the evidence bundle, whose SHA-256 is the one the page shows; screenshots on SQLite."""
    shots = "sqlite" in served.database_url
    where = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path / "screenshots"
    if shots:
        fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
        assert fonts.strip(), "no CJK font: install fonts-wqy-microhei (make sysdeps)"
        where.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(
        viewport={"width": 1280, "height": 860}, accept_downloads=True, locale="zh-CN"
    )
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    step = iter(range(1, 20))

    def shot(name: str) -> None:
        if shots:
            page.screenshot(path=str(where / f"{next(step):02d}-{name}.png"))

    page.goto(served.base + "/")
    page.fill("input[name=q]", "低保")
    page.click("form.search button[type=submit]")
    total = int(page.inner_text("strong.total"))
    assert total == cli_json(served, "search", "低保")["total"]
    shot("search")

    facet = page.locator("section.facet[data-facet=site] li a").first
    site = facet.inner_text()
    count = int(page.locator("section.facet[data-facet=site] li .count").first.inner_text())
    facet.click()
    page.wait_for_url(re.compile(r"site="))
    assert int(page.inner_text("strong.total")) == count
    # Then the page kind (体裁): it narrows within the site, as `xxgk search --site --kind` says.
    kind_facet = page.locator("section.facet[data-facet=kind] li a").first
    kind = kind_facet.inner_text()
    kind_count = int(page.locator("section.facet[data-facet=kind] li .count").first.inner_text())
    kind_facet.click()
    page.wait_for_url(re.compile(r"kind="))
    assert int(page.inner_text("strong.total")) == kind_count
    assert kind_count == cli_json(served, "search", "低保", "--site", site, "--kind", kind)["total"]
    assert page.locator("p.narrowed a.chip").count() == 2  # 站点 and 体裁, each removable
    shot("facet")
    page.go_back()

    hits = get(f"{served.base}/api/search?q={quote('低保')}&site={site}").json()["hits"]
    target = next(h for h in hits if h["version"] > 1 and h["url"] != HOSTILE_URL)
    page.click(f"li.hit a.title[href='/doc/{target['id']}']")
    page.wait_for_url(re.compile(rf"/doc/{target['id']}$"))
    assert page.inner_text("h1") == target["title"]
    page.locator("ol.timeline a").first.focus()  # the timeline answers the keyboard
    page.keyboard.press("ArrowDown")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == page.locator("ol.timeline a").nth(1).get_attribute("href")
    shot("document")

    page.click("a.compare")
    page.wait_for_url(re.compile(r"/compare"))
    assert page.locator(".inline-diff ins, .inline-diff del").count() > 0
    assert page.locator("table.side-by-side tr").count() > 1
    shot("compare")

    page.go_back()
    page.locator("a.capture").first.click()
    page.wait_for_url(re.compile(r"/capture/\d+"))
    frame = page.frame_locator("iframe.archived")
    frame.locator("body").wait_for()
    assert target["title"][:10] in frame.locator("body").inner_text()
    shot("capture")

    page.click("header nav a[href='/audit']")
    page.click(f"a.year[href='/audit?year={REPORT_YEAR}']")
    page.wait_for_url(re.compile(rf"year={REPORT_YEAR}"))
    shot("audit")
    verdict = next(v for v in cli_json(served, "audit", f"--year={REPORT_YEAR}") if v["evidence"])
    page.click(f"a.verdict[href='/audit/{verdict['site']}/{verdict['kind']}/{REPORT_YEAR}']")
    page.wait_for_url(re.compile(r"/audit/\w+/\w+/\d+"))
    shown_sha = page.inner_text("code.bundle-sha256")
    shown_raw = page.inner_text("code.raw-sha256")
    assert shown_raw == verdict["evidence"]["raw_sha256"]
    shot("evidence")
    with page.expect_download() as download_info:
        page.click("section.bundle a.download")
    saved = tmp_path / "bundle.zip"
    download_info.value.save_as(saved)
    data = saved.read_bytes()
    assert hashlib.sha256(data).hexdigest() == shown_sha
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        names = bundle.namelist()
        manifest = json.loads(bundle.read(next(n for n in names if n.endswith("manifest.json"))))
        wacz = zipfile.ZipFile(io.BytesIO(bundle.read(next(n for n in names if n.endswith(".wacz")))))
        warc = wacz.read(next(n for n in wacz.namelist() if n.startswith("archive/")))
    assert manifest["verdict"]["verdict"] == verdict["verdict"]
    bodies = [hashlib.sha256(r.content_stream().read()).hexdigest()
              for r in ArchiveIterator(io.BytesIO(warc)) if r.rec_type == "response"]  # fmt: skip
    assert bodies[0] == shown_raw  # the page as first captured

    page.click("header nav a[href='/sites']")
    page.wait_for_url(re.compile(r"/sites$"))
    assert page.locator("ol.calendar li.cov-covered").count() >= 3  # the crawl nights, per site
    shot("sites")

    # The hostile document: its pages, its compare, its archived capture, in the browser. None of the
    # planted script may run: the canary hears nothing from the app's pages.
    hostile = next(h for h in get(f"{served.base}/api/search?q={quote('低保')}").json()["hits"]
                   if h["url"] == HOSTILE_URL)  # fmt: skip
    record = get(f"{served.base}/api/documents/{hostile['id']}").json()
    before = list(planted_canary.hits)
    for path in (f"/search?q={quote('低保')}", f"/doc/{hostile['id']}", f"/doc/{hostile['id']}/compare",
                 *(f"/capture/{c['id']}" for c in record["captures"])):  # fmt: skip
        page.goto(served.base + path)
        page.wait_for_load_state("load")
    page.goto(f"{served.base}/doc/{hostile['id']}")
    assert page.inner_text("h1") == record["title"]  # shown as text, all of it
    page.goto(f"{served.base}/capture/{record['captures'][0]['id']}")
    page.frame_locator("iframe.archived").locator("body").wait_for()
    time.sleep(0.5)  # any fetch a planted script started would have reached the canary by now
    assert planted_canary.hits == before, planted_canary.hits
    assert dialogs == []
    # The canary does hear a browser that asks it: the silence above is the pages', not a deaf canary.
    control = context.new_page()
    control.goto(planted_canary.url + "/control")
    assert "/canary/control" in planted_canary.hits
    context.close()


ATOM = "{http://www.w3.org/2005/Atom}"


def test_atom_feeds_per_site_and_per_saved_search(served: Served) -> None:
    import xml.etree.ElementTree as ET

    def entries(path: str) -> list[dict[str, str]]:
        reply = get(served.base + path)
        assert reply.status == 200 and reply.headers["content-type"].startswith("application/atom+xml")
        root = ET.fromstring(reply.body)  # well-formed whatever the stored strings carry
        return [{"id": e.findtext(f"{ATOM}id") or "", "title": e.findtext(f"{ATOM}title") or "",
                 "link": e.find(f"{ATOM}link").get("href", "")} for e in root.iter(f"{ATOM}entry")]  # type: ignore[union-attr]  # fmt: skip

    for site in get(f"{served.base}/api/sites").json()["sites"]:
        name = site["site"]
        got = entries(f"/feeds/sites/{name}.atom")
        events = {}
        for hit in cli_json(served, "search", "--site", name, "--limit", "1000")["hits"]:
            for row in cli_json(served, "history", str(hit["id"])):
                events.setdefault(row["kind"], set()).add(hit["id"])
        kinds = {
            "新增": "version",
            "修改": "version",
            "撤下": "withdrawn",
            "恢复": "restored",
            "迁移": "moved",
        }
        seen = {
            (kinds[e["title"].split("：")[0]], int(re.search(r"/doc/(\d+)", e["link"]).group(1))) for e in got
        }  # type: ignore[union-attr]
        assert seen <= {(kind, doc) for kind, docs in events.items() for doc in docs}
        assert {kind for kind, _ in seen} == set(events) & {"version", "withdrawn", "restored", "moved"}
    # A saved search: its newest matches, one entry per document's latest version, titles as stored.
    want = cli_json(served, "search", "低保", "--limit", "50")
    got = entries(f"/feeds/search.atom?q={quote('低保')}")
    assert sorted(e["id"] for e in got) == sorted(f"{h['url']}#v{h['version']}" for h in want["hits"])
    hostile = next(e for e in got if e["id"].startswith(HOSTILE_URL))
    assert hostile["title"].endswith(next(h["title"] for h in want["hits"] if h["url"] == HOSTILE_URL))


def test_compare_marks_characters_inside_a_changed_paragraph(served: Served) -> None:
    """Some edit of the replica changes a paragraph or a field: the page marks the characters."""
    found = 0
    for hit in cli_json(served, "search", "--limit", "1000")["hits"]:
        if hit["version"] < 2:
            continue
        diff = get(f"{served.base}/api/documents/{hit['id']}/compare").json()
        html = get(f"{served.base}/doc/{hit['id']}/compare").text
        for paragraph in (p for p in diff["body"] if p["op"] == "replace"):
            found += 1
            tags = {"equal": "{}", "delete": "<del>{}</del>", "insert": "<ins>{}</ins>"}
            marked = "".join(tags[seg["op"]].format(escape(seg["text"])) for seg in paragraph["segments"])
            assert f'<p class="para para-replace">{marked}</p>' in html
        for field in diff["fields"]:
            found += 1
            assert f"<ins>{escape(field['new'] if field['new'] is not None else '（无）')}</ins>" in html
    assert found


def test_schemathesis_finds_no_server_error(served: Served, tmp_path: Path) -> None:
    """Schemathesis generates requests from the OpenAPI description (its coverage phase: boundary and
    invalid values of every parameter; then random ones): none may get a 5xx."""
    out = subprocess.run(
        [str(Path(sys.executable).parent / "schemathesis"), "run", f"{served.base}/api/openapi.json",
         "--checks", "not_a_server_error", "--max-examples", "10", "--generation-deterministic"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,  # its example cache goes there
    )  # fmt: skip
    assert out.returncode == 0, out.stdout[-4000:]
    assert re.search(r"\d+ generated, \d+ passed", out.stdout), out.stdout[-2000:]


def test_state_changes_are_refused_without_a_token(served: Served) -> None:
    """This server was started without a token: read-only, saying so in both languages (and GET is
    never a way to change anything)."""
    from tests.web_server import request

    for path in ("/api/jobs/anshun_mzj:incremental/pause", "/api/sites/anshun_mzj/crawls", "/login",
                 "/crawls", "/jobs/anshun_mzj:incremental/resume"):  # fmt: skip
        reply = request(served.base + path, "POST", {"token": "x" * 32},
                        {"Authorization": "Bearer " + "x" * 32})  # fmt: skip
        assert reply.status == 403, (path, reply.status)
        assert "只读" in reply.text and "read-only" in reply.text
        assert get(served.base + path).status == 405
    assert "只读：未配置令牌" in get(f"{served.base}/sites").text


def test_sites_page_shows_the_schedules_next_runs(served: Served) -> None:
    """`xxgk schedule list` stores the default schedule's jobs in the archive; the sites page reads
    their next runs (the last test of the module: it adds the job table to the shared archive)."""
    from datetime import datetime

    jobs = cli_json(served, "schedule", "list")
    sites = get(f"{served.base}/api/sites").json()["sites"]
    for site in sites:
        want = {j["job"]: datetime.fromisoformat(j["next_run"]) for j in jobs if j["site"] == site["site"]}
        got = {j["job"]: datetime.fromisoformat(j["next_run"]) for j in site["schedule"]}
        assert got == want and got
    html = get(f"{served.base}/sites").text
    assert html.count('<ul class="schedule">') == len(sites)
