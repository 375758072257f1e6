"""Page templates of the 安康 site group (`Node-<id>.html` / `Content-<id>.html`; PLATFORMS.md §3).

SEEN: list items `ul.newlist li > a[title][href]` + a date span, the pager `div.page` whose last link is
`Node-<id>_<n>.html`, `meta[name=ArticleTitle|PubDate|ContentSource]`, the breadcrumb `div.location`,
the body `div.xqCent` (hbj; `#fontzoom` on www: a declaration setting), and the 信息公开 table labels
in order 文件名称 / 索引号 / 公开目录 / 公开责任部门 / 公开形式 / 文号 / 成文日期 (`2022年01月07日`) / 有效性 /
公开日期 (`2022-01-11 15:02`). The table's markup and the rest of the chrome are the group's style,
not observed on mzj.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING

from replica import chrome

if TYPE_CHECKING:
    from replica.catalog import Column
    from replica.documents import ReplicaDocument
    from replica.platforms.ankang import AnkangSite


ON = ' class="on"'


def head(site: AnkangSite, title: str, extra_meta: str = "") -> str:
    return f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset={site.charset}" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>{escape(title)}</title>
{extra_meta}<link rel="stylesheet" href="/Content/css/style.css" />
<script src="/Scripts/jquery.min.js"></script>
{chrome.for_site("ankang", site).head_extra}</head>
"""


def top(site: AnkangSite) -> str:
    nav = "".join(f'<li><a href="{path}">{escape(name)}</a></li>' for name, path in site.nav)
    return f"""<body>
<div class="topbar"><div class="w1200"><span>今天是：<script>document.write(new Date().toLocaleDateString())</script></span>
<a href="javascript:void(0);" id="wza">无障碍浏览</a> <a href="javascript:void(0);" id="zhf">长者模式</a></div></div>
<div class="header"><div class="w1200"><a class="logo" href="/"><img src="/Content/images/logo.png" alt="{escape(site.site_name)}" /></a>
<form class="search" action="https://so.ankang.gov.cn/s" method="get" target="_blank"><input type="hidden" name="sid" value="{site.search_sid}" /><input name="q" type="text" placeholder="请输入关键字" /><button type="submit">搜索</button></form></div></div>
<div class="nav"><ul class="w1200">{nav}</ul></div>
{chrome.for_site("ankang", site).menu}"""


def footer(site: AnkangSite) -> str:
    parts = chrome.for_site("ankang", site)
    return f"""{parts.footer_extra}<div class="footer"><div class="w1200">
<p>主办单位：{escape(site.agency.name)}　地址：{escape(site.address)}　电话：{site.phone}</p>
<p>网站标识码：{site.site_code}　<a href="https://beian.miit.gov.cn" target="_blank">{escape(site.icp)}</a>　{escape(site.police_record)}</p>
</div></div>
{parts.tail}</body>
</html>
"""


def location(trail: Sequence[tuple[str, str]]) -> str:
    links = " &gt; ".join(f'<a href="{path}">{escape(name)}</a>' for name, path in trail)
    return f'<div class="location">您当前的位置：<a href="/">首页</a> &gt; {links}</div>'


def pager(site: AnkangSite, column: Column, page: int, pages: int) -> str:
    def href(n: int) -> str:
        return site.list_page_path(column.path, n)

    parts = [f'<a href="{href(1)}">首页</a>']
    if page > 1:
        parts.append(f'<a href="{href(page - 1)}">上一页</a>')
    for n in range(max(1, page - 2), min(pages, page + 2) + 1):
        parts.append(f'<span class="current">{n}</span>' if n == page else f'<a href="{href(n)}">{n}</a>')
    if page < pages:
        parts.append(f'<a href="{href(page + 1)}">下一页</a>')
    parts.append(f'<a href="{href(pages)}">尾页</a>')
    return f'<div class="page">{" ".join(parts)}</div>'


def list_page(
    site: AnkangSite,
    column: Column,
    docs: Sequence[ReplicaDocument],
    page: int,
    pages: int,
    siblings: Sequence[Column],
    trail: Sequence[tuple[str, str]],
    foreign: Sequence[tuple[str, str, str]],
) -> str:
    rows = [
        f'<li><a href="{escape(url)}" title="{escape(title)}" target="_blank">{escape(title)}</a><span class="date">{day}</span></li>'
        for url, title, day in foreign
    ]
    rows += [
        f'<li><a href="{d.path}" title="{escape(d.title)}" target="_blank">{escape(d.title)}</a>'
        f'<span class="date">{d.publish:%Y-%m-%d}</span></li>'
        for d in docs
    ]
    side = "".join(
        f'<li{ON if c.path == column.path else ""}><a href="{c.path}">{escape(c.name)}</a></li>'
        for c in siblings
    )
    return (
        head(site, f"{column.name}-{site.site_name}")
        + top(site)
        + f"""<div class="w1200 main">
{location(trail)}
<div class="leftside"><h3>{escape(trail[0][0] if trail else site.site_name)}</h3><ul>{side}</ul></div>
<div class="rightside">
<div class="lmtit"><span>{escape(column.name)}</span></div>
<ul class="newlist">
{chr(10).join(rows) if rows else '<li class="empty">暂无信息</li>'}
</ul>
{pager(site, column, page, pages) if pages > 1 else ""}
</div>
</div>
"""
        + footer(site)
    )


def home_page(site: AnkangSite, blocks: Sequence[tuple[str, str, Sequence[ReplicaDocument]]]) -> str:
    boxes = []
    for name, path, docs in blocks:
        items = "".join(
            f'<li><a href="{d.path}" title="{escape(d.title)}">{escape(d.title)}</a><span>{d.publish:%m-%d}</span></li>'
            for d in docs
        )
        boxes.append(f'<div class="box"><h3><a href="{path}">{escape(name)}</a></h3><ul>{items}</ul></div>')
    return (
        head(site, site.site_name)
        + top(site)
        + f'<div class="w1200 main">{"".join(boxes)}</div>\n'
        + footer(site)
    )


def info_table(doc: ReplicaDocument) -> str:
    """The 信息公开 table, labels in the SEEN order, dates in the SEEN formats."""

    def cell(value: str | None) -> str:
        return escape(value or "")

    written = f"{doc.written_date:%Y年%m月%d日}" if doc.written_date else ""
    return f"""<table class="xxgk_table" width="100%" border="1" cellspacing="0" cellpadding="0">
<tr><th>文件名称</th><td colspan="3">{cell(doc.title)}</td></tr>
<tr><th>索引号</th><td>{cell(doc.index_no)}</td><th>公开目录</th><td>{cell(doc.column_name)}</td></tr>
<tr><th>公开责任部门</th><td>{cell(doc.issuer)}</td><th>公开形式</th><td>主动公开</td></tr>
<tr><th>文号</th><td>{cell(doc.doc_number)}</td><th>成文日期</th><td>{written}</td></tr>
<tr><th>有效性</th><td>{cell(doc.validity)}</td><th>公开日期</th><td>{doc.publish:%Y-%m-%d %H:%M}</td></tr>
</table>
"""


def detail_page_parts(
    site: AnkangSite, doc: ReplicaDocument, column: Column, body_html: str, trail: Sequence[tuple[str, str]]
) -> tuple[str, str]:
    meta = (
        f'<meta name="ArticleTitle" content="{escape(doc.title)}" />\n'
        f'<meta name="PubDate" content="{doc.publish:%Y-%m-%d %H:%M}" />\n'
        f'<meta name="ContentSource" content="{escape(doc.source)}" />\n'
    )
    table = info_table(doc) if doc.has_metadata_table else ""
    before = (
        head(site, f"{doc.title}-{site.site_name}", meta)
        + top(site)
        + f"""<div class="w1200 main">
{location(trail)}
<div class="content">
{table}<h1 class="title">{escape(doc.title)}</h1>
<div class="info"><span>发布时间：{doc.publish:%Y-%m-%d %H:%M}</span><span>来源：{escape(doc.source)}</span><span>浏览次数：<b id="hits">"""
    )
    after = f"""</b></span><span class="fontsize">字号：<a href="javascript:fontZoom(18)">大</a> <a href="javascript:fontZoom(16)">中</a> <a href="javascript:fontZoom(14)">小</a></span></div>
<div class="{site.body_class}" id="fontzoom">
{body_html}
</div>
<div class="share">分享到：<a href="javascript:void(0);" class="wx">微信</a><a href="javascript:void(0);" class="wb">微博</a></div>
<div class="print">【<a href="javascript:window.print();">打印本页</a>】【<a href="javascript:window.close();">关闭窗口</a>】</div>
</div>
</div>
""" + footer(site)
    return before, after


def body_html(
    blocks: Sequence[str | list[list[str]]], links: Sequence[tuple[str, str]], signature_lines: int
) -> str:
    out: list[str] = []
    main = blocks[: len(blocks) - signature_lines] if signature_lines else blocks
    for block in main:
        if isinstance(block, list):
            rows = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in block)
            out.append(f'<table border="1" cellspacing="0" style="width:100%">{rows}</table>')
        else:
            out.append(f'<p style="text-indent:2em;">{escape(block)}</p>')
    for n, (href, name) in enumerate(links):
        out.append(
            f'<p>{"附件：" if n == 0 else ""}<a href="{escape(href)}" target="_blank">{escape(name)}</a></p>'
        )
    if signature_lines:
        out.extend(
            f'<p style="text-align:right;">{escape(str(b))}</p>'
            for b in blocks[len(blocks) - signature_lines :]
        )
    return "\n".join(out)


def not_found_page(site: AnkangSite) -> str:
    return (
        head(site, f"提示信息-{site.site_name}")
        + top(site)
        + '<div class="w1200 main"><div class="nodata"><p>您访问的页面不存在或已被删除！</p><a href="/">返回首页</a></div></div>\n'
        + footer(site)
    )
