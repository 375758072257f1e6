"""TRS WCM page templates (Guizhou 集约化 flavour): chrome, column lists, channel pages, details.

Plain f-strings: a page costs microseconds, so a benchmark crawl measures the crawler, not us. The
markup is what the crawler must cope with on the real sites: `div.path` breadcrumbs, list items in
`div.zfxxgk_zdgkc` (date in `<b>`) or `div.NewsList` (date in `<span>`), the inline
`createPageHTML(<pages>, <current>, "index", "html")` pager, `meta[name=ArticleTitle|PubDate|ContentSource]`,
the `div.Article_xx` metadata table and the `div.TRS_UEDITOR.trs_paper_default` body.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING

from replica import chrome

if TYPE_CHECKING:
    from replica.documents import ReplicaDocument
    from replica.platforms.trs_wcm import TrsColumn, TrsWcmSite

# The pager TRS inlines on every list page; `createPageHTML(N, …)` calls come after it.
PAGER_SCRIPT = """<script type="text/javascript">
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
  if(_nPageCount == null || _nPageCount<=1){ return; }
  var html = "";
  if(_nCurrIndex > 0){
    html += "<a href=\\"" + _sPageName + "." + _sPageExt + "\\">首页</a> ";
    html += "<a href=\\"" + (_nCurrIndex == 1 ? _sPageName : _sPageName + "_" + (_nCurrIndex-1)) + "." + _sPageExt + "\\">上一页</a> ";
  }
  html += "<span>" + (_nCurrIndex+1) + "/" + _nPageCount + "</span> ";
  if(_nCurrIndex < _nPageCount-1){
    html += "<a href=\\"" + _sPageName + "_" + (_nCurrIndex+1) + "." + _sPageExt + "\\">下一页</a> ";
    html += "<a href=\\"" + _sPageName + "_" + (_nPageCount-1) + "." + _sPageExt + "\\">尾页</a>";
  }
  document.write(html);
}
</script>"""


ON = ' class="on"'


def head(site: TrsWcmSite, title: str, extra_meta: str = "", column: str = "") -> str:
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="{site.charset}">
<meta http-equiv="X-UA-Compatible" content="IE=edge,chrome=1">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{escape(title)}</title>
<meta name="SiteName" content="{escape(site.site_name)}">
<meta name="SiteDomain" content="{site.host}">
<meta name="SiteIDCode" content="{site.site_code}">
<meta name="ColumnName" content="{escape(column)}">
{extra_meta}<link rel="stylesheet" type="text/css" href="/images/base.css">
<link rel="stylesheet" type="text/css" href="/images/style.css">
<script type="text/javascript" src="/images/jquery-1.12.4.min.js"></script>
<script type="text/javascript" src="/images/common.js"></script>
{chrome.for_site("trs", site).head_extra}</head>
"""


def top(site: TrsWcmSite) -> str:
    """无障碍 toolbar, header and navigation: identical on every page of the site."""
    nav = "".join(f'<li><a href="{path}">{escape(name)}</a></li>' for name, path in site.nav)
    return f"""<body>
<div class="wza_bar" id="barrierfree_container">
  <div class="w1200">
    <span class="welcome">欢迎访问{escape(site.site_name)}！</span>
    <a href="javascript:void(0);" id="cniil_wza" title="无障碍浏览">无障碍</a>
    <a href="javascript:void(0);" class="zh_jt">简体</a>|<a href="javascript:void(0);" class="zh_ft">繁体</a>
    <a href="javascript:void(0);" class="old_mode">长者模式</a>
  </div>
</div>
<div class="header">
  <div class="w1200">
    <div class="logo"><a href="/"><img src="/images/logo.png" alt="{escape(site.site_name)}"></a></div>
    <div class="search">
      <form action="{site.search_action}" method="get" target="_blank">
        <input type="text" name="searchWord" placeholder="请输入关键词"><button type="submit">搜索</button>
      </form>
    </div>
  </div>
</div>
<div class="nav"><ul class="w1200">{nav}</ul></div>
{chrome.for_site("trs", site).menu}"""


def footer(site: TrsWcmSite) -> str:
    parts = chrome.for_site("trs", site)
    return f"""{parts.footer_extra}<div class="footer">
  <div class="w1200">
    <p>主办单位：{escape(site.agency.name)}　地址：{escape(site.address)}　联系电话：{site.phone}</p>
    <p>网站标识码：{site.site_code}　<a href="https://beian.miit.gov.cn/" target="_blank">{escape(site.icp)}</a>
    　<a href="http://www.beian.gov.cn/portal/registerSystemInfo" target="_blank">{escape(site.police_record)}</a></p>
    <p><span id="_ideConac"><img src="/images/dzjg.png" alt="党政机关"></span></p>
  </div>
</div>
<script type="text/javascript" src="/images/wza.js"></script>
{parts.tail}</body>
</html>
"""


def breadcrumb(trail: Sequence[tuple[str, str]]) -> str:
    links = " &gt; ".join(f'<a href="{path}">{escape(name)}</a>' for name, path in trail)
    return f'<div class="path">当前位置：<a href="/">首页</a> &gt; {links}</div>'


def list_item(column: TrsColumn, doc: ReplicaDocument, href: str) -> str:
    title = escape(doc.title)
    day = doc.publish.strftime("%Y-%m-%d")
    if column.style == "news":
        return f'<li><a href="{href}" title="{title}" target="_blank">{title}</a><span>{day}</span></li>'
    return f'<li><a href="{href}" title="{title}" target="_blank">{title}</a><b>{day}</b></li>'


def foreign_item(column: TrsColumn, url: str, title: str, day: str) -> str:
    tag = "span" if column.style == "news" else "b"
    return f'<li><a href="{escape(url)}" title="{escape(title)}" target="_blank">{escape(title)}</a><{tag}>{day}</{tag}></li>'


def list_page(
    site: TrsWcmSite,
    column: TrsColumn,
    docs: Sequence[ReplicaDocument],
    page: int,
    pages: int,
    siblings: Sequence[TrsColumn],
    trail: Sequence[tuple[str, str]],
    section: str,
    foreign: Sequence[tuple[str, str, str]] = (),
) -> str:
    """One list page; `foreign` entries (url, title, date) link to other hosts, as reposts do."""
    base = column.path
    items = "\n".join(
        [
            *(foreign_item(column, *entry) for entry in foreign),
            *(list_item(column, d, "./" + d.path[len(base) :]) for d in docs),
        ]
    )
    if not docs:
        items = '<li class="no-data">暂无信息</li>'
    box = "NewsList" if column.style == "news" else "zfxxgk_zdgkc"
    side = "".join(
        f'<li{ON if c.path == column.path else ""}><a href="{c.path}">{escape(c.name)}</a></li>'
        for c in siblings
    )
    return (
        head(site, f"{column.name}_{site.site_name}", PAGER_SCRIPT + "\n", column.name)
        + top(site)
        + f"""<div class="main w1200">
  {breadcrumb(trail)}
  <div class="left_nav"><h2>{escape(section)}</h2><ul>{side}</ul></div>
  <div class="right_list">
    <div class="lm_title"><span>{escape(column.name)}</span></div>
    <div class="{box}">
      <ul>
{items}
      </ul>
    </div>
    <div class="page" id="page_div"><script type="text/javascript">createPageHTML({pages}, {page}, "index", "html");</script></div>
  </div>
</div>
"""
        + footer(site)
    )


def channel_page(
    site: TrsWcmSite,
    path: str,
    name: str,
    blocks: Sequence[tuple[str, str, Sequence[ReplicaDocument]]],
    trail: Sequence[tuple[str, str]],
) -> str:
    """A section's landing page: one box per column below it, with its newest items."""
    boxes = []
    for col_name, col_path, docs in blocks:
        items = "".join(
            f'<li><a href="{d.path}" title="{escape(d.title)}" target="_blank">{escape(d.title)}</a>'
            f"<span>{d.publish:%Y-%m-%d}</span></li>"
            for d in docs
        )
        boxes.append(
            f'<div class="lanmu"><div class="lanmu_hd"><h3><a href="{col_path}">{escape(col_name)}</a></h3>'
            f'<a class="more" href="{col_path}">更多&gt;&gt;</a></div><ul>{items}</ul></div>'
        )
    trail = trail if path != "/" else []
    crumbs = breadcrumb(trail) if trail else '<div class="path">当前位置：<a href="/">首页</a></div>'
    return (
        head(site, f"{name}_{site.site_name}" if path != "/" else site.site_name, "", name)
        + top(site)
        + f'<div class="main w1200">\n  {crumbs}\n  <div class="channel">{"".join(boxes)}</div>\n</div>\n'
        + footer(site)
    )


def metadata_table(doc: ReplicaDocument) -> str:
    """`div.Article_xx table`: label cell then value cell, two pairs a row (tr1 td2 = 索引号, …)."""

    def cell(value: str | None) -> str:
        return escape(value or "")

    written = doc.written_date.isoformat() if doc.written_date else ""
    return f"""<div class="Article_xx">
      <table width="100%" border="0" cellspacing="0" cellpadding="0">
        <tr><td class="xx_name">索引号：</td><td class="xx_value">{cell(doc.index_no)}</td><td class="xx_name">有效性：</td><td class="xx_value">{cell(doc.validity)}</td></tr>
        <tr><td class="xx_name">发布机构：</td><td class="xx_value">{cell(doc.issuer)}</td><td class="xx_name">所属主题：</td><td class="xx_value">{cell(doc.topic)}</td></tr>
        <tr><td class="xx_name">公开方式：</td><td class="xx_value">主动公开</td><td class="xx_name">成文日期：</td><td class="xx_value">{written}</td></tr>
        <tr><td class="xx_name">文号：</td><td class="xx_value">{cell(doc.doc_number)}</td><td class="xx_name">发布日期：</td><td class="xx_value">{doc.publish:%Y-%m-%d}</td></tr>
        <tr><td class="xx_name">信息名称：</td><td class="xx_value" colspan="3">{cell(doc.title)}</td></tr>
      </table>
    </div>
    """


def detail_page_parts(
    site: TrsWcmSite,
    doc: ReplicaDocument,
    column: TrsColumn,
    body_html: str,
    banner: str | None,
    trail: Sequence[tuple[str, str]],
) -> tuple[str, str]:
    """The page split around its view counter, so the rest is rendered once and cached."""
    pub = f"{doc.publish:%Y-%m-%d %H:%M}"
    meta = (
        f'<meta name="ArticleTitle" content="{escape(doc.title)}">\n'
        f'<meta name="PubDate" content="{pub}">\n'
        f'<meta name="ContentSource" content="{escape(doc.source)}">\n'
        f'<meta name="Url" content="{doc.url}">\n'
    )
    banner_html = f'<div class="xxgk_banner">{escape(banner)}</div>\n    ' if banner else ""
    table = metadata_table(doc) if doc.has_metadata_table else ""
    before = (
        head(site, f"{doc.title}_{site.site_name}", meta, column.name)
        + top(site)
        + f"""<div class="main w1200">
  {breadcrumb(trail)}
  <div class="Article">
    {banner_html}{table}<div class="Article_bt"><h1>{escape(doc.title)}</h1></div>
    <div class="Article_ly"><span>发布时间: {pub}</span> <span>来源: {escape(doc.source)}</span> <span>浏览次数: <em id="fwl">"""
    )
    after = f"""</em></span> <span class="zh">字体:[<a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a> <a href="javascript:doZoom(14)">小</a>]</span></div>
    <div class="Article_zw" id="Zoom">
      <div class="view TRS_UEDITOR trs_paper_default trs_web">
{body_html}
      </div>
    </div>
    <div class="Article_fx"><span>分享到:</span><a class="share_wx" href="javascript:void(0);" title="微信">微信</a><a class="share_wb" href="javascript:void(0);" title="微博">微博</a><a class="share_qq" href="javascript:void(0);" title="QQ空间">QQ空间</a></div>
    <div class="Article_dy">【<a href="javascript:window.print()">打印</a>】 【<a href="javascript:window.close()">关闭</a>】</div>
  </div>
</div>
""" + footer(site)
    return before, after


def body_html(
    blocks: Sequence[str | list[list[str]]], attachments: Sequence[tuple[str, str]], signature_lines: int
) -> str:
    """Paragraphs (`<p>` each), tables, and the 附件 links placed before the signature, as in a 公文."""
    out: list[str] = []
    main = list(blocks[: len(blocks) - signature_lines]) if signature_lines else list(blocks)
    tail = list(blocks[len(blocks) - signature_lines :]) if signature_lines else []
    for block in main:
        if isinstance(block, list):
            rows = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in block)
            out.append(
                f'<table border="1" cellspacing="0" cellpadding="0" width="100%"><tbody>{rows}</tbody></table>'
            )
        else:
            out.append(f'<p style="text-indent: 2em; text-align: justify;">{escape(block)}</p>')
    for i, (href, name) in enumerate(attachments):
        label = "附件：" if i == 0 else ""
        out.append(
            f'<p style="text-indent: 2em;">{label}<a href="{href}" title="{escape(name)}">{escape(name)}</a></p>'
        )
    for line in tail:
        out.append(f'<p style="text-align: right;">{escape(str(line))}</p>')
    return "\n".join(out)


def not_found_page(site: TrsWcmSite) -> str:
    return (
        head(site, f"404-页面不存在_{site.site_name}")
        + top(site)
        + """<div class="main w1200">
  <div class="error404">
    <h2>404</h2>
    <p>抱歉，您访问的页面不存在或已被删除！</p>
    <p><a href="/">返回首页</a></p>
  </div>
</div>
"""
        + footer(site)
    )
