"""Generic rules added for the held-out real pages of issue 20, each on a minimal page of its own.

A column whose rows exist only as data for a script (no row in the markup, a template and an inline
array of records), a byline laid out one item per element with its date unlabelled, and an attachment
line under a signature, which the body keeps and the signature reader looks past.
"""

from __future__ import annotations

import json

from crawler.extraction import parse_page
from crawler.extraction.dom import parse_html
from crawler.extraction.listing import scripted_items

PARA = "<p>" + "根据有关规定，现将本年度民政工作安排通知如下，请认真贯彻落实。" * 3 + "</p>"


def _page(html: str, url: str = "http://example.gov.cn/col/col12/index.html"):
    return parse_page(html.encode("utf-8"), url)


def _records(n: int) -> list[dict[str, object]]:
    return [
        {
            "title": f"某某县民政局关于第{m}批救助资金发放情况的公示",
            "showTitle": f"<p>某某县民政局关于第{m}批救助资金发放情况的公示</p>",
            "pubDate": f"2024-{m:02d}-05 09:30",
            "relationUrl": f"/col12/relation/{m}-RelationArticle.json",
            "urls": json.dumps({"pc": f"/col/col12/content/content_{m}.html"}),
        }
        for m in range(12, 12 - n, -1)
    ]


def _script_list_page(records: list[dict[str, object]], extra: str = "") -> str:
    return f"""<html><head><title>通知公告_某某县民政局</title>
    <script>var listData = {{ articleList: {json.dumps(records, ensure_ascii=False)} }};</script></head>
    <body><h2>通知公告</h2>{extra}<div id="380055"></div>
    <script id="tpl" type="text/x-handlebars-template"><ul>{{{{#each data}}}}<li><a href="{{{{pcUrl}}}}"
    title="{{{{title}}}}">{{{{title}}}}</a><span>{{{{formatDate pubDate}}}}</span></li>{{{{/each}}}}</ul></script>
    <script>loadPageData({{current: 1, perPage: '15'}}, '380055');</script></body></html>"""


def test_a_column_rendered_from_script_data_is_a_list():
    """No row in the markup, only a template: the records the script renders are the list's items
    (title without markup, the page address out of a JSON-in-JSON value, the day of the date)."""
    page = _page(_script_list_page(_records(8)))
    assert page.page_type == "list" and len(page.items) == 8
    assert page.items[0] == {
        "title": "某某县民政局关于第12批救助资金发放情况的公示",
        "url": "http://example.gov.cn/col/col12/content/content_12.html",
        "date": "2024-12-05",
    }


def test_script_records_need_a_title_an_address_and_a_date():
    """Arrays of other things (menus without dates, JS object literals that are not JSON, fewer than
    three records) are not a list; an epoch-millisecond date is read as the China day."""
    menu = [{"title": f"栏目{m}", "url": f"/col/col{m}/index.html"} for m in range(5)]
    undated = _page(
        f"<html><body><script>var menu = {json.dumps(menu, ensure_ascii=False)};</script></body></html>"
    )
    assert undated.page_type == "other" and undated.items == []
    literal = "<script>var rows = [{title: '关于做好民政工作的通知', url: '/a/1.html', date: '2024-01-02'}];</script>"
    assert (
        scripted_items(parse_html(f"<html><body>{literal}</body></html>"), "http://example.gov.cn/")[1] == []
    )
    two = _page(_script_list_page(_records(2)))
    assert two.page_type == "other"
    stamped = [
        {
            "title": "某某县民政局关于救助资金发放情况的公示",
            "link": f"/a/{i}.shtml",
            "publishTime": 1704157200000,
        }
        for i in range(3)
    ]
    html = (
        f"<html><body><script>window.rows = {json.dumps(stamped, ensure_ascii=False)}</script></body></html>"
    )
    items = scripted_items(parse_html(html), "http://example.gov.cn/")[1]
    assert [it["date"] for it in items] == ["2024-01-02"] * 3


def test_script_records_leave_a_labelled_document_a_document():
    """A detail page whose script carries related items stays the document it labels."""
    doc = f"""<table><tr><td>索引号：</td><td>A01/2024-00001</td></tr></table><h1>关于做好民政工作的通知</h1>
    <div class="TRS_Editor">{PARA}</div>"""
    page = _page(_script_list_page(_records(6), extra=doc))
    assert page.page_type == "detail" and page.index_no == "A01/2024-00001"


def test_script_records_beside_a_short_unlabelled_document_leave_it_a_document():
    """A news item (a CMS content container with sentences, no 索引号 or 文号) whose script carries
    related items: the container holds a document of its own, so the records are not the page."""
    news = """<h1>某某县召开民政工作会议</h1><div class="TRS_Editor"><p>3月5日，某某县召开全县民政工作会议。
    会议总结了去年工作，部署了今年任务。</p><p>会议要求各乡镇认真落实各项民政政策，切实做好困难群众基本生活保障工作。</p></div>"""
    page = _page(_script_list_page(_records(8), extra=news))
    assert page.page_type == "detail" and page.body.startswith("3月5日")


def test_unlabelled_date_beside_a_source_line_is_the_publish_date():
    """`<li>来源：…</li><li>作者：</li><li>2023-12-01 14:43</li>`: the bare date of the byline."""
    byline = "<ul class='info'><li>来源：新华社</li><li>作者：</li><li>2023-12-01 14:43</li></ul>"
    html = f"""<html><body><h1>关于做好民政工作的通知</h1>{byline}
    <div class="TRS_Editor">{PARA}</div></body></html>"""
    page = _page(html, "http://example.gov.cn/a/b.html")
    assert page.source == "新华社" and page.publish_date == "2023-12-01T14:43"
    labelled = byline.replace("<li>作者：</li>", "<li>发布时间：2023-11-30</li>")
    page = _page(html.replace(byline, labelled), "http://example.gov.cn/a/b.html")
    assert page.publish_date == "2023-11-30"  # a labelled date wins over the bare one


def test_attachment_line_under_the_signature_stays_and_the_signature_is_still_read():
    """A region found by text density: trafilatura drops the file link under the date, which is the
    document's attachment (kept); the QR caption after it is not. The signature reader looks past it."""
    body = "".join(
        f"<p>第{n}条 根据有关规定，现将本年度民政工作安排通知如下，请各地认真贯彻落实，确保各项任务按期完成。</p>"
        for n in "一二三四五六"
    )
    html = f"""<html><body><div class="head"><a href="/">首页</a> &gt; <a href="/tzgg/">通知公告</a></div>
    <h1>某某市民政局关于做好民政工作的通知</h1><div class="detailBox">{body}
    <p style="text-align:right">某某市民政局</p><p style="text-align:right">2025年2月25日</p>
    <p><a href="files/a1.pdf">《某某市民政工作实施细则》</a></p>
    <div id="qr_container">扫一扫在手机打开当前页</div></div>
    <div class="foot">版权所有：某某市民政局 网站标识码：1234000001</div></body></html>"""
    page = _page(html, "http://example.gov.cn/tzgg/202502/t20250225_1.html")
    assert page.body.endswith("《某某市民政工作实施细则》"), page.body[-120:]
    assert "扫一扫" not in page.body
    assert page.written_date == "2025-02-25" and page.issuer == "某某市民政局"
