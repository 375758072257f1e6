"""Issue 25 part 2: annual reports as data. The parser on every form the replica publishes and on the
ways real tables break (pure, in-process); then a real crawl of two sites (UTF-8 and GBK pages, HTML
and text-layer PDF reports), an edit of one report's numbers after the deadline and a second crawl:
`xxgk reports` gives every planted number and `xxgk audit content` every planted finding, and nothing
else. The truth is `replica.annual_reports` (numbers, forms, planted errors) and the change log (the
edits), never typed in here.
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pypdf
import pytest

import replica as replica_pkg
from archive.reports import checks
from archive.reports.parse import parse_report
from replica import annual_reports as A
from replica.changes import change_log
from replica.process import start_replica
from tests.conftest import FAST, run_xxgk, xxgk

AGENCIES = ("安顺市民政局", "晋中市民政局", "市中区民政局")
SITES = {"anshun_mzj": "smzj.anshun.gov.cn", "jinzhong_mzj": "mzj.sxjz.gov.cn"}
DOCS = 40  # enough generated documents for every planned report of a site to be placed


def _html(blocks: list) -> str:
    out = []
    for block in blocks:
        if isinstance(block, str):
            out.append(f"<p>{block}</p>")
        else:
            rows = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in block)
            out.append(f"<table border='1'>{rows}</table>")
    return "<html><body><div class='nav'>首页 行政许可 总计</div>" + "\n".join(out) + "</body></html>"


def _expected_issues(t: A.ReportTruth) -> Counter:
    """The checks a report must fail, from what was planted in it (copies are judged across years)."""
    out: Counter = Counter()
    for check in t.planted:
        if check == "identity":
            out[check] += len(t.details["identity"])
        elif check != "copied_year":
            out[check] += 1
    return out


@pytest.mark.parametrize("agency", AGENCIES)
def test_every_form_and_generation_reads_back_exactly(agency: str) -> None:
    """Each year of an agency in each form (the four HTML/PDF forms), both generations, with the
    planted errors: the parser gives every number, and the checks exactly the planted findings."""
    seen = set()
    for year in range(2018, 2026):
        t = A.truth(agency, year)
        for form in A.FORMS:
            if form == "pdf_text":
                pdf = pypdf.PdfReader(io.BytesIO(A.pdf_bytes(A.attachment_key(agency, year))))
                parsed = parse_report("\n".join(p.extract_text() for p in pdf.pages), "text")
            else:
                parsed = parse_report(_html(A.full_blocks(t, date(year + 1, 1, 20), form=form)), "html")
            assert parsed.cells == t.cells, (year, form)
            assert (tuple(parsed.sections), parsed.generation) == (t.sections, t.generation)
            assert Counter(i.check for i in checks.one_report(parsed, year)) == _expected_issues(t)
            seen.add((form, t.generation))
    assert len(seen) == 2 * len(A.FORMS)


TEXT_REPORT = """二、主动公开政府信息情况
第二十条第（一）项
信息内容 本年制发件数 本年废止件数 现行有效件数
规章 — — —
行政规范性文件 3 1 12
第二十条第（五）项
信息内容 本年处理决定数量
行政许可 0
第二十条第（六）项
信息内容 本年处理决定数量
行政处罚 0
行政强制 0
第二十条第（八）项
信息内容 本年收费金额（单位：万元）
行政事业性收费 1.50
三、收到和处理政府信息公开申请情况
（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） 申请人情况
自然人 法人或其他组织 总计 商业企业 科研机构 社会公益组织 法律服务机构 其他
一、本年新收政府信息公开申请数量 5 1 0 0 0 0 6
二、上年结转政府信息公开申请数量
0 0 0 0 0 0 0
三、本年度办理结果 （一）予以公开 4 | 1 | 0 | 0 | 0 | 0 | 5
（二）部分公开（区分处理的，只计
这一情形，不计其他情形） 0 0 0 0 0 0 0
（三）不予公开 1.属于国家秘密 0 0 0 0 0 0 0
2.其他法律行政法规禁止公开 0 0 0 0 0 0 0
3.危及“三安全一稳定” 0 0 0 0 0 0 0
4.保护第三方合法权益 0 0 0 0 0 0 0
5.属于三类内部事务信息 0 0 0 0 0 0 0
6.属于四类过程性信息 0 0 0 0 0 0 0
7.属于行政执法案卷 0 0 0 0 0 0 0
8.属于行政查询事项 0 0 0 0 0 0 0
（四）无法提供 1.本机关不掌握相关政府信息 1 0 0 0 0 0 1
2.没有现成信息需要另行制作 0 0 0 0 0 0 0
3.补正后申请内容仍不明确 0 0 0 0 0 0
（五）不予处理 1.信访举报投诉类申请 0 0 0 0 0 0 0
2.重复申请 0 0 0 0 0 0 0
3.要求提供公开出版物 0 0 0 0 0 0 0
4.无正当理由大量反复申请 0 0 0 0 0 0 0
5.要求行政机关确认或重新出具已获取信息 0 0 0 0 0 0 0
（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请 0 0 0 0 0 0 0
2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请 0 0 0 0 0 0 0
3.其他 0 0 0 0 0 0 0
（七）总计 5 1 0 0 0 0 6
四、结转下年度继续办理 0 0 0 0 0 0 0
四、政府信息公开行政复议、行政诉讼情况
行政复议 行政诉讼
结果维持 结果纠正 其他结果 尚未审结 总计 未经复议直接起诉 复议后起诉
结果维持 结果纠正 其他结果 尚未审结 总计 结果维持 结果纠正 其他结果 尚未审结 总计
1 0 0 0 1 0 0 0 0 0 0 0 0 0 0
五、存在的主要问题及改进情况
下一步将加强培训，第3季度开展专项检查。
六、其他需要报告的事项
本年度收取信息处理费380元。
"""


def test_plain_text_breaks_dashes_and_a_missing_cell() -> None:
    """A PDF's text: group labels and first rows on one line, a label wrapped over two lines, `|`
    debris, a row's numbers on the next line, a flat line of 15. Dashes and a row one number short
    are nulls with their reason, never a guess; the rest is read."""
    parsed = parse_report(TEXT_REPORT, "text")
    assert parsed.sections == ["二", "三", "四", "五", "六"] and parsed.generation == "2021"
    assert parsed.cells["t2_normative_in_force"] == 12 and parsed.cells["t2_fees_amount"] == 1.5
    assert parsed.cells["t2_rules_made"] is None and "'—'" in parsed.nulls["t2_rules_made"]
    assert parsed.cells["t3_3_1_business"] == 1 and parsed.cells["t3_3_2_total"] == 0
    assert [parsed.cells[f"t3_3_4_3_{c}"] for c in ("natural", "total")] == [None, None]
    assert parsed.nulls["t3_3_4_3_total"] == "table 3 3.补正后申请内容仍不明确: 6 cells found, 7 expected"
    assert parsed.cells["t4_review_upheld"] == 1 and parsed.cells["t4_review_total"] == 1
    assert parsed.cells["fee_yuan"] == 380
    assert [i.check for i in checks.one_report(parsed, 2023)] == ["section_missing"]


def test_a_page_without_tables_reads_as_nulls_with_reasons() -> None:
    parsed = parse_report("<p>现将年度报告全文发布如下，详见附件。</p>", "html")
    assert parsed.sections == [] and parsed.generation is None and parsed.read == 0
    assert parsed.nulls["t4_review_total"] == "table 4 not found"
    with pytest.raises(ValueError, match="kind must be"):
        parse_report("x", "pdf")


def _truth_from_replica(log: list[dict]) -> dict[tuple[str, int], A.ReportTruth]:
    built = replica_pkg.build(seed=1, docs=DOCS, mutations=log)
    out = {}
    for site, host in SITES.items():
        catalog = built.catalogs[host]
        for doc in catalog.documents:
            if doc.kind == "annual_report":
                year = int(re.search(r"(\d{4})年", doc.title).group(1))  # type: ignore[union-attr]
                out[site, year] = A.truth(catalog.site.agency.name, year, A.revision_of(doc.key))
    return out


def _tables(t: A.ReportTruth) -> dict:
    return {k: v for k, v in t.cells.items() if k.startswith(("t2_", "t3_", "t4_"))}


def test_crawled_reports_give_every_planted_number_and_finding(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/a.sqlite3"
    state = tmp_path / "replica"
    with start_replica(state, docs=DOCS, seed=1) as replica:

        def crawl(*sites: str) -> None:
            out = run_xxgk("crawl", *sites, "--database-url", url, "--replica-url", replica.url, *FAST)
            assert out.returncode == 0, out.stderr[-2000:]

        crawl(*SITES)
        # A report's numbers revised after its deadline (real time: every deadline has passed).
        edit = xxgk("replica", "change", "jinzhong_mzj", "--edit-report", "1", "--state", str(state))
        assert edit.returncode == 0, edit.stderr
        crawl("jinzhong_mzj")
    log = change_log(state)
    truth = _truth_from_replica(log)
    assert {t.form for t in truth.values()} == set(A.FORMS)

    out = xxgk("reports", "--format", "json", "--database-url", url)
    assert out.returncode == 0, out.stderr
    rows = {(r["site"], r["year"]): r for r in json.loads(out.stdout)}
    assert set(rows) == set(truth)
    for key, t in truth.items():
        row = rows[key]
        assert {k: row[k] for k in t.cells} == t.cells, key
        assert (row["generation"], row["sections"]) == (t.generation, "".join(t.sections)), key
        assert (
            row["source"] == ("page" if t.form not in A.ATTACHMENT_FORMS else row["source"]) and row["sha256"]
        )

    expected: Counter = Counter()
    for (site, year), t in truth.items():
        for check, n in _expected_issues(t).items():
            expected[site, year, check] += n
        last = truth.get((site, year - 1))
        if last is not None and _tables(last) == _tables(t):
            expected[site, year, "copied_year"] += 1
    edits = [r for r in log if r.get("what") == "report_numbers"]
    by_host = {host: site for site, host in SITES.items()}
    for record in edits:
        expected[by_host[record["host"]], record["year"], "changed_after_deadline"] += 1
    # Every kind of finding is exercised but a scan's unsettled sum: by default the replica publishes no
    # scanned report (tests/test_ocr_layout.py has it).
    assert {c for _, _, c in expected} == set(checks.CHECKS) - {"scan_sum_unsettled"}

    out = xxgk("audit", "content", "--format", "json", "--database-url", url)
    assert out.returncode == 0, out.stderr
    findings = json.loads(out.stdout)
    assert Counter((f["site"], f["year"], f["check"]) for f in findings) == expected
    for f in findings:
        assert f["capture_sha256"] and f["version"] >= 1 and f["cells"], f
        if f["check"] == "changed_after_deadline":
            record = next(r for r in edits if by_host[r["host"]] == f["site"] and r["year"] == f["year"])
            assert f["cells"]["changed"] == record["cells"] and f["version"] == 2

    every = json.loads(xxgk("reports", "--all-versions", "--format", "json", "--database-url", url).stdout)
    assert len(every) == len(truth) + len(edits)  # the edited reports keep both versions' numbers
    parquet = tmp_path / "reports.parquet"
    done = xxgk(
        "reports", "--format", "parquet", "--out", str(parquet), "--year", "2023", "--database-url", url
    )
    assert done.returncode == 0, done.stderr
    table = pq.read_table(parquet)
    assert str(table.schema.field("t3_1_total").type) == "int64" and table.num_rows == sum(
        1 for _, y in truth if y == 2023
    )

    # The evidence bundle of a report with findings carries its numbers and findings.
    site, year, _ = next(iter(sorted(expected)))
    bundle = tmp_path / "evidence"
    done = xxgk("audit", "evidence", f"{site}:disclosure:{year}", "--out", str(bundle), "--database-url", url)
    assert done.returncode == 0 and "content.json" in done.stdout, done.stderr
    content = json.loads((bundle / "content.json").read_text(encoding="utf-8"))
    assert Counter(f["check"] for f in content["findings"]) == Counter(
        {c: n for (s, y, c), n in expected.items() if (s, y) == (site, year)}
    )
    assert json.loads((bundle / "manifest.json").read_text())["content"]["versions"] == len(
        content["versions"]
    )
    # `xxgk db reindex` forgets the cached readings; the next ask reads the same numbers again.
    assert xxgk("db", "reindex", "--database-url", url).returncode == 0
    again = xxgk("reports", "--format", "json", "--database-url", url)
    assert {(r["site"], r["year"]): r for r in json.loads(again.stdout)} == rows


def test_hand_labelled_real_reports_read_without_a_misread_number() -> None:
    """The corpus's real reports (tests/fixtures/reports_corpus, labelled by hand): every cell of the
    HTML pages and of the text reports as the archive holds them; a PDF-like text of a table with blank
    cells leaves those rows unread (nulls), never misread."""
    from bench.annual_reports import corpus

    rows = corpus(Path(__file__).parent / "fixtures" / "reports_corpus")
    assert {r["id"] for r in rows} == {"101", "102", "103"}
    assert all(r["misread"] == 0 and r["sections_right"] and r["generation_right"] for r in rows)
    exact = [r for r in rows if r["read_as"] != "text (spaces)"]
    assert sum(r["right"] for r in exact) == sum(r["cells"] for r in exact)


def _stored_report(store, year: int, revision: int, at) -> None:  # type: ignore[no-untyped-def]
    from archive.records import FetchedPage
    from crawler.extraction import parse_page
    from crawler.pipelines.extract import page_content
    from tests.pages import page_html

    agency = "安顺市民政局"
    url = f"http://smzj.anshun.gov.cn/zwgk/zfxxgk/xxgkml/jhzj/{year + 1}01/t{year + 1}0110_{year}.html"
    title = f"{agency}{year}年政府信息公开工作年度报告"
    blocks = A.full_blocks(A.truth(agency, year, revision), date(year + 1, 1, 10), form="html_broken")
    html = page_html("XBODYX", 1, title=title).replace(b"<p>XBODYX</p>", _html(blocks).encode())
    page = FetchedPage(site="anshun_mzj", url=url, fetched_at=at, http_status=200, headers={}, body=html,
                       content=page_content(parse_page(html, url)))  # fmt: skip
    store.record(page)


def test_versions_keep_their_numbers_and_the_cache_on_both_databases(database_url: str) -> None:
    """Stored versions (no crawl): an edit after the deadline is a finding naming both versions' cells;
    each version's reading is cached once (the second ask recomputes nothing), and the numbers of every
    version stay; SQLite and PostgreSQL alike."""
    from datetime import UTC, datetime

    from sqlalchemy import func, select

    from archive.db import Archive
    from archive.models import ReportData
    from archive.reports.data import dataset, findings
    from archive.store import VersionStore

    archive = Archive(database_url)
    store = VersionStore(archive)
    _stored_report(store, 2023, 0, datetime(2024, 1, 20, 2, tzinfo=UTC))
    _stored_report(store, 2023, 1, datetime(2024, 3, 2, 2, tzinfo=UTC))  # revised after 31 January
    _stored_report(store, 2024, 0, datetime(2025, 1, 20, 2, tzinfo=UTC))
    with archive.session() as s:  # a reader that must not write (the web) leaves no cache row
        uncached = dataset(s, ["anshun_mzj"], all_versions=True, cache=False)
        assert s.scalar(select(func.count()).select_from(ReportData)) == 0
    with archive.session() as s:
        rows = dataset(s, ["anshun_mzj"], all_versions=True)
        assert rows == uncached
        got = [(f.year, f.check, f.version) for f in findings(s, ["anshun_mzj"])]
        changed = next(f for f in findings(s, ["anshun_mzj"]) if f.check == "changed_after_deadline")
        assert s.scalar(select(func.count()).select_from(ReportData)) == 3
    for row in rows:
        t = A.truth("安顺市民政局", row["year"], row["version"] - 1)
        assert {k: row[k] for k in t.cells} == t.cells
    expected = [(2023, "changed_after_deadline", 2)]
    for year in (2023, 2024):
        expected += [(year, c, 2 if year == 2023 else 1) for c in _expected_issues(A.truth("安顺市民政局", year, 0))
                     for _ in range(_expected_issues(A.truth("安顺市民政局", year, 0))[c])]  # fmt: skip
    assert sorted(got) == sorted(expected)
    before, after = A.truth("安顺市民政局", 2023, 0).cells, A.truth("安顺市民政局", 2023, 1).cells
    assert changed.cells["changed"] == {
        k: [before[k], after[k]] for k in sorted(before) if before[k] != after[k]
    }
    with archive.session() as s:  # from the cache now: the same rows
        assert dataset(s, ["anshun_mzj"], all_versions=True) == rows
    archive.close()


def test_a_season_writes_its_reports_numbers_and_plants_to_the_change_log(tmp_path: Path) -> None:
    from replica.season import plant_season
    from replica.state import open_state

    open_state(tmp_path, 3, 8)
    plant_season(tmp_path, 2026)
    reports = [r for r in change_log(tmp_path) if r.get("kind") == "annual_report"]
    built = replica_pkg.build(seed=3, docs=8, mutations=change_log(tmp_path))
    assert len(reports) == 3
    for record in reports:
        agency = built.catalogs[record["host"]].site.agency.name
        assert record["report"] == A.truth_record(A.truth(agency, 2026))
        assert set(record["report"]["planted"]) <= set(A.PLANTS)


def test_a_report_attached_as_a_word_file_reads_whole_through_libreoffice(tmp_path: Path) -> None:
    """A report published as a .doc/.wps attachment: its text (antiword, for search) loses table 3's
    merged columns, so the reading takes the file's tables from LibreOffice's HTML export
    (archive/reports/word.py) and every number comes back."""
    from datetime import UTC, datetime

    from archive.attachment_text import extract
    from archive.db import Archive
    from archive.records import FetchedAttachment, FetchedPage
    from archive.reports.data import dataset
    from archive.store import VersionStore
    from crawler.extraction import parse_page
    from crawler.pipelines.extract import page_content
    from replica.attachment_forms import render
    from tests.pages import page_html

    archive = Archive(f"sqlite:///{tmp_path / 'archive.sqlite3'}")
    store = VersionStore(archive)
    agency = "安顺市民政局"
    for year, form in ((2023, "doc"), (2024, "wps")):
        t = A.truth(agency, year)
        data = render(form, A.full_blocks(t, form="html_clean"), f"test:{year}:{form}")
        read = extract(data, f"report.{form}")
        assert read.text and read.method and read.method.startswith("antiword")
        url = f"http://smzj.anshun.gov.cn/zwgk/zfxxgk/xxgkml/jhzj/{year + 1}01/t{year + 1}0110_{year}.html"
        html = page_html("XBODYX", 1, title=f"{agency}{year}年政府信息公开工作年度报告").replace(
            b"XBODYX", f"现将{agency}{year}年政府信息公开工作年度报告予以公布，全文详见附件。".encode()
        )
        attachment = FetchedAttachment(
            url=url.replace(".html", f".{form}"), name=f"年度报告.{form}", http_status=200, body=data,
            text=read.text, text_method=read.method,
        )  # fmt: skip
        store.record(
            FetchedPage(
                site="anshun_mzj",
                url=url,
                fetched_at=datetime(year + 1, 1, 20, 2, tzinfo=UTC),
                http_status=200,
                headers={},
                body=html,
                content=page_content(parse_page(html, url)),
                attachments=[attachment],
            )
        )
    with archive.session() as s:
        rows = dataset(s, ["anshun_mzj"])
    assert [r["year"] for r in sorted(rows, key=lambda r: r["year"])] == [2023, 2024]
    for row in rows:
        t = A.truth(agency, row["year"])
        assert {k: row[k] for k in t.cells} == t.cells
    archive.close()


def test_a_scanned_report_gives_its_numbers_back_and_never_a_wrong_one() -> None:
    """A report published as a scan (rendered, turned, speckled: replica/attachment_forms.py) read by
    OCR (archive/ocr_layout.py: ruled rows kept whole, every number cell read twice): nearly every
    number comes back, and a cell the readings cannot settle is null with its reason, never a guess."""
    from archive.attachment_text import extract
    from replica.attachment_forms import render

    t = A.truth("晋中市民政局", 2025)
    data = render("pdf_scan", A.full_blocks(t, form="html_clean"), "bench:晋中市民政局:2025:pdf_scan")
    read = extract(data, "report.pdf")
    assert read.method and read.method.startswith("tesseract")
    parsed = parse_report(read.text or "", "text")
    right = sum(1 for k, v in t.cells.items() if parsed.cells.get(k) == v)
    wrong = {k: (v, parsed.cells[k]) for k, v in t.cells.items() if parsed.cells.get(k) not in (None, v)}
    assert wrong == {} and right / len(t.cells) >= 0.95
    assert all(parsed.nulls[k] for k, v in t.cells.items() if parsed.cells.get(k) is None)


def test_the_replica_publishes_scans_and_office_reports_only_when_asked() -> None:
    """The default replica's reports are pages and text PDFs (the suite's crawls read no OCR);
    XXGK_REPLICA_REPORT_FORMS adds scans and Office files (bench/annual_reports.py --crawl)."""
    assert A._forms("") == (*A.PAGE_FORMS, "pdf_text") == A.FORMS
    assert {"pdf_scan", "doc", "wps", "xls"} <= set(A._forms("all"))
    assert A._forms("html_clean, pdf_scan") == ("html_clean", "pdf_scan")
    with pytest.raises(ValueError, match="unknown form"):
        A._forms("html_clean,scan")
