"""Page templates of the 晋中 sxjz.gov.cn site group (research/jinzhong.md, PLATFORMS.md §4).

SEEN on `mzj.sxjz.gov.cn/xxgk/fdzdgknr/jhzj1/content_178425` and in seed 000, in this order: the header
`晋中市民政局 / 政府信息公开 / 全文检索`, the two-column label block 索引号 | 发布机构 / 生效日期 | 废止日期 /
`文 号` (a space inside) | 所属主题, the title, `来源: 发布时间:YYYY-MM-DD 浏览次数: 【字体:`, the body,
`【打印正文】 【字体:`, and a login dialog (`×` `用户登录`). The markup around those strings was not
observed: the `li`/`span` label block, `div.conTxt` body (SEEN on www.sxjz.gov.cn) and the list/pager
markup (`div.pager` with `/共N页`, SEEN on the group's search pages) are the group's, placed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING

from replica import chrome

if TYPE_CHECKING:
    from replica.catalog import Column
    from replica.documents import ReplicaDocument
    from replica.platforms.sxjz import SxjzSite


def head(site: SxjzSite, title: str, extra_meta: str = "") -> str:
    charset = (
        f'<meta http-equiv="Content-Type" content="text/html; charset={site.charset}">'
        if not site.charset_in_header
        else f'<meta charset="{site.charset}">'
    )
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
{charset}
<title>{escape(title)}</title>
{extra_meta}<link href="/template/default/css/style.css" rel="stylesheet" type="text/css" />
<script type="text/javascript" src="/template/default/js/jquery.min.js"></script>
{chrome.for_site("sxjz", site).head_extra}</head>
"""


def top(site: SxjzSite) -> str:
    nav = "".join(f'<li><a href="{path}">{escape(name)}</a></li>' for name, path in site.nav)
    return f"""<body>
<div class="top">
  <div class="wrap">
    <div class="logo"><a href="/"><img src="/template/default/images/logo.png" alt="{escape(site.site_name)}" />{escape(site.site_name)}</a></div>
    <div class="banner-title">{escape(site.banner)}</div>
    <div class="search"><form action="/s" method="get"><input type="hidden" name="sid" value="{site.search_sid}" /><input type="text" name="wd" /><input type="submit" value="全文检索" class="btn" /></form></div>
  </div>
</div>
<div class="nav"><ul class="wrap">{nav}</ul></div>
{chrome.for_site("sxjz", site).menu}"""


def footer(site: SxjzSite, foreign: Sequence[tuple[str, str]] = ()) -> str:
    links = "".join(f'<option value="{escape(url)}">{escape(title)}</option>' for title, url in foreign)
    parts = chrome.for_site("sxjz", site)
    return f"""{parts.footer_extra}<div class="footer">
  <div class="wrap">
    <div class="links"><select onchange="window.open(this.value)"><option>—— 相关链接 ——</option>{links}</select></div>
    <p>主办：{escape(site.agency.name)}　地址：{escape(site.address)}　电话：{site.phone}</p>
    <p>网站标识码：{site.site_code}　{escape(site.icp)}　{escape(site.police_record)}</p>
  </div>
</div>
<div class="login-mask" id="loginBox" style="display:none">
  <div class="login-box"><a href="javascript:void(0);" class="close" onclick="closeLogin()">×</a>
    <h3>用户登录</h3>
    <form action="/member/login" method="post"><p><label>用户名：</label><input type="text" name="username" /></p>
    <p><label>密　码：</label><input type="password" name="password" /></p><p><input type="submit" value="登录" /></p></form>
  </div>
</div>
{parts.tail}</body>
</html>
"""


def location(trail: Sequence[tuple[str, str]]) -> str:
    links = " &gt; ".join(f'<a href="{path}">{escape(name)}</a>' for name, path in trail)
    return f'<div class="location">当前位置：<a href="/">首页</a> &gt; {links}</div>'


def pager(site: SxjzSite, column: Column, page: int, pages: int) -> str:
    """`首页 上一页 下一页 尾页 1/共N页` with the group's `<column>_<n>` list URLs (page 1 is the column)."""

    def href(n: int) -> str:
        return site.list_page_path(column.path, n)

    parts = [f'<a href="{href(1)}">首页</a>']
    if page > 1:
        parts.append(f'<a href="{href(page - 1)}">上一页</a>')
    if page < pages:
        parts.append(f'<a href="{href(page + 1)}">下一页</a>')
    parts.append(f'<a href="{href(pages)}">尾页</a>')
    parts.append(f"<span>{page}/共{pages}页</span>")
    return f'<div class="pager">{" ".join(parts)}</div>'


def list_page(
    site: SxjzSite,
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
    if not docs:
        rows.append('<li class="nodata">暂无数据</li>')
    side = "".join(
        f'<li{" class=cur" if c.path == column.path else ""}><a href="{c.path}">{escape(c.name)}</a></li>'
        for c in siblings
    )
    return (
        head(site, f"{column.name}-{site.site_name}")
        + top(site)
        + f"""<div class="wrap main">
  {location(trail)}
  <div class="side"><ul>{side}</ul></div>
  <div class="list-right">
    <div class="list-title"><h2>{escape(column.name)}</h2></div>
    <ul class="list">
{chr(10).join(rows)}
    </ul>
    {pager(site, column, page, pages)}
  </div>
</div>
"""
        + footer(site)
    )


def channel_page(
    site: SxjzSite,
    name: str,
    blocks: Sequence[tuple[str, str, Sequence[ReplicaDocument]]],
    trail: Sequence[tuple[str, str]],
) -> str:
    boxes = []
    for col_name, col_path, docs in blocks:
        items = "".join(
            f'<li><a href="{d.path}" title="{escape(d.title)}">{escape(d.title)}</a><span>{d.publish:%Y-%m-%d}</span></li>'
            for d in docs
        )
        boxes.append(
            f'<div class="box"><div class="box-hd"><a href="{col_path}">{escape(col_name)}</a>'
            f'<a class="more" href="{col_path}">更多</a></div><ul>{items}</ul></div>'
        )
    crumbs = location(trail) if trail else '<div class="location">当前位置：<a href="/">首页</a></div>'
    return (
        head(site, f"{name}-{site.site_name}")
        + top(site)
        + f'<div class="wrap main">\n  {crumbs}\n  <div class="channel">{"".join(boxes)}</div>\n</div>\n'
        + footer(site, site.foreign_links)
    )


def info_block(doc: ReplicaDocument) -> str:
    """The two-column label block, labels exactly as SEEN (`文 号` with its space)."""

    def cell(value: str | None) -> str:
        return escape(value or "")

    effective = f"{doc.publish:%Y-%m-%d}"
    pairs = (
        ("索引号:", cell(doc.index_no), "发布机构:", cell(doc.issuer)),
        ("生效日期:", effective, "废止日期:", ""),
        ("文 号:", cell(doc.doc_number), "所属主题:", cell(doc.topic)),
    )
    rows = "".join(
        f'<li><span class="lab">{a}</span><span class="val">{b}</span></li>'
        f'<li><span class="lab">{c}</span><span class="val">{d}</span></li>'
        for a, b, c, d in pairs
    )
    return f'<div class="xxgk-info"><ul class="clearfix">{rows}</ul></div>'


def detail_page_parts(
    site: SxjzSite, doc: ReplicaDocument, column: Column, body_html: str, trail: Sequence[tuple[str, str]]
) -> tuple[str, str]:
    meta = (
        f'<meta name="ArticleTitle" content="{escape(doc.title)}" />\n'
        f'<meta name="PubDate" content="{doc.publish:%Y-%m-%d}" />\n'
        f'<meta name="ColumnName" content="{escape(column.name)}" />\n'
    )
    info = info_block(doc) if doc.has_metadata_table else ""
    before = (
        head(site, f"{doc.title}-{site.site_name}", meta)
        + top(site)
        + f"""<div class="wrap main">
  {location(trail)}
  <div class="article">
    {info}
    <div class="article-title"><h1>{escape(doc.title)}</h1></div>
    <div class="article-attr">来源:<span class="source">{escape(doc.source)}</span> 发布时间:<span class="time">{doc.publish:%Y-%m-%d}</span> 浏览次数:<span class="hits" id="hits">"""
    )
    after = f"""</span> 【字体:<a href="javascript:setFont(18)">大</a> <a href="javascript:setFont(16)">中</a> <a href="javascript:setFont(14)">小</a>】</div>
    <div class="conTxt" id="zoom">
{body_html}
    </div>
    <div class="article-tools">【<a href="javascript:window.print();">打印正文</a>】 【字体:<a href="javascript:setFont(18)">大</a> <a href="javascript:setFont(16)">中</a> <a href="javascript:setFont(14)">小</a>】</div>
  </div>
</div>
""" + footer(site)
    return before, after


def body_html(
    blocks: Sequence[str | list[list[str]]], links: Sequence[tuple[str, str]], signature_lines: int
) -> str:
    out: list[str] = []
    cut = len(blocks) - signature_lines
    for i, block in enumerate(blocks):
        if isinstance(block, list):
            rows = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in block)
            out.append(f'<table border="1" cellspacing="0" width="100%">{rows}</table>')
        elif signature_lines and i >= cut:
            out.append(f'<p style="text-align:right">{escape(block)}</p>')
        else:
            out.append(f'<p style="text-indent:2em">{escape(block)}</p>')
        if i == cut - 1 and links:
            out.extend(
                f'<p>{"附件：" if n == 0 else ""}<a href="{escape(href)}">{escape(name)}</a></p>'
                for n, (href, name) in enumerate(links)
            )
    if links and not signature_lines:
        out.extend(
            f'<p>{"附件：" if n == 0 else ""}<a href="{escape(href)}">{escape(name)}</a></p>'
            for n, (href, name) in enumerate(links)
        )
    return "\n".join(out)


def not_found_page(site: SxjzSite) -> str:
    return (
        head(site, f"页面不存在-{site.site_name}")
        + top(site)
        + '<div class="wrap main"><div class="error"><h2>对不起，您访问的页面不存在或已删除！</h2>'
        + '<p><a href="/">返回首页</a></p></div></div>\n'
        + footer(site)
    )
