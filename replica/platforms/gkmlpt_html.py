"""Page templates of the Guangdong platform: NFCMS pages, the gkmlpt shell, JSON articles, details.

The chrome is in traditional characters as on the 连州 pages (您當前所在的位置, 發布時間, 字體大小,
瀏覽次數:-, 無障礙 長者助手 我的收藏 收藏); the documents themselves (titles, bodies, the gkmlpt metadata
table) are simplified. Plain f-strings, so a page costs microseconds.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from html import escape
from typing import TYPE_CHECKING, Any

from replica import chrome

if TYPE_CHECKING:
    from replica.documents import ReplicaDocument
    from replica.platforms.gkmlpt import GkmlptColumn, GkmlptSite, NfcmsColumn, _Post

BEIJING = timezone(timedelta(hours=8))
Blocks = Sequence[str | list[list[str]]]


def _unix(moment: datetime) -> int:
    return int(moment.replace(tzinfo=BEIJING).timestamp())


def head(site: GkmlptSite, title: str, extra: str = "") -> str:
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{escape(title)}</title>
<meta name="SiteName" content="{escape(site.site_name)}">
<meta name="SiteDomain" content="{site.host}">
<meta name="SiteIDCode" content="{site.site_code}">
{extra}<link rel="stylesheet" href="/css/nfcms-common.css">
<script src="/js/jquery.min.js"></script>
{chrome.for_site("nfcms", site).head_extra}</head>
"""


def top(site: GkmlptSite) -> str:
    return f"""<body>
<div class="topbar"><div class="w1200">
  <span class="welcome">歡迎訪問{escape(site.site_name)}</span>
  <a href="javascript:void(0);" class="wza">無障礙</a> <a href="javascript:void(0);" class="zhzs">長者助手</a>
  <a href="javascript:void(0);" class="jft">简体</a>
</div></div>
<div class="header"><div class="w1200"><a class="logo" href="/"><img src="/images/logo.png" alt="{escape(site.site_name)}"></a>
  <form class="search" action="/search/" method="get"><input type="text" name="keywords" placeholder="請輸入關鍵詞"><button type="submit">搜索</button></form>
</div></div>
<div class="nav"><ul class="w1200"><li><a href="/">首頁</a></li><li><a href="/zwgk/">政務公開</a></li><li><a href="/hdjl/">互動交流</a></li><li><a href="/zwfw/">政務服務</a></li><li><a href="{site.prefix}gkmlpt/index">政府信息公開</a></li></ul></div>
{chrome.for_site("nfcms", site).menu}"""


def footer(site: GkmlptSite) -> str:
    parts = chrome.for_site("nfcms", site)
    return f"""{parts.footer_extra}<div class="footer"><div class="w1200">
  <p>主辦單位：連州市人民政府辦公室　承辦：{escape(site.agency.name)}</p>
  <p>網站標識碼：{site.site_code}　<a href="https://beian.miit.gov.cn/" target="_blank">{escape(site.icp)}</a></p>
  <p><span id="_ideConac"><img src="/images/dzjg.png" alt="黨政機關"></span></p>
</div></div>
<!--footer底部-->
{parts.tail}</body>
</html>
"""


def _mirrors_box(site: GkmlptSite, path: str) -> str:
    """Reposts of this page elsewhere: spam mirrors copy gov pages, and a crawler must never follow them."""
    if not site.mirrors:
        return ""
    links = "".join(
        f'<li><a href="http://{m}{path}" target="_blank">{escape(m)}</a></li>' for m in site.mirrors
    )
    return f'<div class="zzlj"><h4>本文轉載</h4><ul>{links}</ul></div>'


def body_html(blocks: Blocks, attachments: Sequence[tuple[str, str]], signature: bool) -> str:
    """Paragraphs, tables, 附件 links (class nfw-cms-attachment) before the two signature lines."""
    cut = len(blocks) - 2 if signature and len(blocks) >= 2 else len(blocks)
    out = []
    for block in blocks[:cut]:
        if isinstance(block, list):
            rows = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in block)
            out.append(f'<table border="1" cellspacing="0" width="100%"><tbody>{rows}</tbody></table>')
        else:
            out.append(f'<p style="text-indent:2em;">{escape(block)}</p>')
    for i, (href, name) in enumerate(attachments):
        label = "附件：" if i == 0 else ""
        out.append(f'<p>{label}<a class="nfw-cms-attachment" href="{href}">{escape(name)}</a></p>')
    out.extend(f'<p style="text-align:right;">{escape(str(line))}</p>' for line in blocks[cut:])
    return "\n".join(out)


# ---- NFCMS --------------------------------------------------------------------------------------------


def _location(site: GkmlptSite, column: NfcmsColumn) -> str:
    trail = "".join(f" &gt; <span>{escape(name)}</span>" for name in column.trail)
    return (
        f'<div class="location">您當前所在的位置: <a href="/">首頁</a>{trail} &gt; '
        f'<a href="{column.path}">{escape(column.name)}</a></div>'
    )


def nfcms_list_page(
    site: GkmlptSite, column: NfcmsColumn, docs: Sequence[ReplicaDocument], page: int, pages: int
) -> str:
    items = (
        "\n".join(
            f'<li><a href="{d.path}" target="_blank" title="{escape(d.title)}">{escape(d.title)}</a>'
            f'<span class="time">{d.publish:%Y-%m-%d}</span></li>'
            for d in docs
        )
        or '<li class="nodata">暫無數據</li>'
    )

    def href(n: int) -> str:
        return "index.html" if n == 1 else f"index_{n}.html"

    links = []
    if page > 1:
        links += [f'<a href="{href(1)}">首頁</a>', f'<a class="prev" href="{href(page - 1)}">上一頁</a>']
    links += [
        f'<span class="current">{n}</span>' if n == page else f'<a href="{href(n)}">{n}</a>'
        for n in range(1, pages + 1)
    ]
    if page < pages:
        links += [
            f'<a class="next" href="{href(page + 1)}">下一頁</a>',
            f'<a class="last" href="{href(pages)}">尾頁</a>',
        ]
    return (
        head(
            site,
            f"{column.name}-{site.site_name}",
            f'<meta name="ColumnName" content="{escape(column.name)}">\n',
        )
        + top(site)
        + f"""<div class="main w1200">
  {_location(site, column)}
  <div class="list-right"><div class="list-title"><span>{escape(column.name)}</span></div>
    <ul class="news_list">
{items}
    </ul>
    <div class="pagination">{" ".join(links)}</div>
  </div>
  {_mirrors_box(site, column.path)}
</div>
"""
        + footer(site)
    )


def nfcms_detail_parts(
    site: GkmlptSite, doc: ReplicaDocument, column: NfcmsColumn, blocks: Blocks
) -> tuple[str, str]:
    """An NFCMS post page, split where the hit counter script takes its number."""
    links = [(a.path, a.title) for a in doc.attachments]
    meta = (
        f'<meta name="ArticleTitle" content="{escape(doc.title)}">\n'
        f'<meta name="PubDate" content="{doc.publish:%Y-%m-%d %H:%M}">\n'
        f'<meta name="ContentSource" content="{escape(doc.source)}">\n'
        f'<meta name="ArticleId" content="{doc.doc_id}">\n'
        f'<script>var NFCMS_SITE_ID = "{site.sid}"; var NFCMS_POST_ID = "{doc.doc_id}"; var NFCMS_HITS = "'
    )
    before = head(site, f"{doc.title}-{site.site_name}", meta)
    after = (
        '";</script>\n'
        + top(site)
        + f"""<div class="main w1200">
  {_location(site, column)}
  <div class="news_cont_d">
    <h1 class="title">{escape(doc.title)}</h1>
    <div class="info"><span>來源:{escape(doc.source)}</span> <span>發布時間:{doc.publish:%Y-%m-%d %H:%M:%S}</span> <span class="zh">字體大小:<a href="javascript:;">大</a> <a href="javascript:;">中</a> <a href="javascript:;">小</a></span> <span>瀏覽次數:-</span></div>
    <div class="news_cont_d_wrap">
{body_html(blocks, links, doc.kind != "generated" or _signed(blocks))}
    </div>
    <div class="share">分享到: <a class="wx" href="javascript:;">微信</a> <a class="wb" href="javascript:;">微博</a></div>
    <div class="print">【<a href="javascript:window.print();">打印本頁</a>】 【<a href="javascript:window.close();">關閉窗口</a>】</div>
  </div>
  {_mirrors_box(site, doc.path)}
</div>
"""
        + footer(site)
    )
    return before, after


def _signed(blocks: Blocks) -> bool:
    """A generated body ends with the agency and date lines unless it is a news item."""
    return len(blocks) >= 2 and isinstance(blocks[-1], str) and blocks[-1].endswith("日")


def home_page(site: GkmlptSite, columns: Sequence[tuple[NfcmsColumn, Sequence[ReplicaDocument]]]) -> str:
    boxes = "".join(
        f'<div class="box"><h3><a href="{c.path}">{escape(c.name)}</a></h3><ul>'
        + "".join(
            f'<li><a href="{d.path}">{escape(d.title)}</a><span>{d.publish:%m-%d}</span></li>' for d in docs
        )
        + "</ul></div>"
        for c, docs in columns
    )
    gk = f'<div class="box"><h3><a href="{site.prefix}gkmlpt/index">{escape(site.agency.name)}政府信息公開目錄</a></h3></div>'
    return (
        head(site, site.site_name) + top(site) + f'<div class="main w1200">{gk}{boxes}</div>\n' + footer(site)
    )


def not_found_page(site: GkmlptSite) -> str:
    return (
        head(site, "404-頁面不存在")
        + top(site)
        + '<div class="main w1200"><div class="error"><h2>404</h2><p>抱歉，您訪問的頁面不存在或已被刪除！</p>'
        + '<p><a href="/">返回首頁</a></p></div></div>\n'
        + footer(site)
    )


# ---- gkmlpt -------------------------------------------------------------------------------------------


def _config(site: GkmlptSite, extra: str = "") -> str:
    """`window._CONFIG` is a JavaScript object literal (unquoted keys, single-quoted SID), not JSON."""
    return (
        f"window._CONFIG = {{SID:'{site.sid}', SITE_ID:'{site.sid}', SERVICE_AREA_ID:'441882', "
        f"DEPARTMENT:'{site.agency.name}', PREFIX:'{site.prefix}', IS_MOBILE:false{extra}}};"
    )


def _gkmlpt_top(site: GkmlptSite) -> str:
    return f"""<div class="gkml-top"><div class="w1200">
  <a href="javascript:;">無障礙</a> <a href="javascript:;">長者助手</a> <a href="javascript:;">我的收藏</a> <a href="javascript:;">收藏</a>
  <span class="gkml-links"><a href="{site.prefix}gkmlpt/index">政府信息公開</a> <a href="/gzk/">規章庫</a></span>
</div></div>
{chrome.for_site("nfcms", site).menu}"""


def index_page(site: GkmlptSite, tree: list[dict[str, Any]]) -> str:
    """The Vue shell: the catalogue is drawn by script from `_CONFIG.TREE` and the list API."""
    tree_js = json.dumps(tree, ensure_ascii=False, separators=(",", ":"))
    return (
        head(
            site,
            f"{site.agency.name}政府信息公開目錄",
            f"<script>{_config(site, ', TREE:' + tree_js)}</script>\n",
        )
        + "<body>\n"
        + _gkmlpt_top(site)
        + """<div id="app" v-cloak>
  <div class="gkml-tree"><ul><li v-for="item in tree"><a :href="item.jump_url || '#'">{{ item.name }}</a> ({{ item.post_count }})</li></ul></div>
  <div class="gkml-list"><table><tr v-for="a in articles"><td><a :href="a.url">{{ a.title }}</a></td><td>{{ a.display_publish_time }}</td></tr></table></div>
  <div class="gkml-page">{{ page }} / {{ pages }}</div>
</div>
<script src="/gkmlpt/static/js/chunk-vendors.js"></script>
<script src="/gkmlpt/static/js/app.js"></script>
</body>
</html>
"""
    )


def guide_page(site: GkmlptSite) -> str:
    return (
        head(site, f"{site.agency.name}政府信息公開指南")
        + "<body>\n"
        + _gkmlpt_top(site)
        + f'<div class="main w1200"><h1>{escape(site.agency.name)}政府信息公开指南</h1>'
        + "<p>为了更好地提供政府信息公开服务，根据《中华人民共和国政府信息公开条例》，编制本指南。</p></div>\n"
        + footer(site)
    )


def article_json(site: GkmlptSite, doc: ReplicaDocument, post: _Post) -> dict[str, Any]:
    """One entry of the list API, with the field names the platform uses."""
    column = site.column(post.column)
    return {
        "id": doc.doc_id,
        "title": doc.title,
        "date": _unix(doc.publish),
        "created_at": _unix(doc.publish) - 3600,
        "display_publish_time": _unix(doc.publish),
        "publisher": doc.issuer,
        "identifier": doc.index_no,
        "document_number": doc.doc_number or "",
        "keywords": "",
        "abstract": "",
        "url": doc.url,
        "post_url": doc.url,
        "classify_main_name": column.group if column else "",
        "classify_genre_name": column.genre if column else "",
        "classify_theme_name": "民政、扶贫、救灾",
        "is_expired": 0,
        "is_abolished": 0,
        "attachment": [{"name": a.title, "url": a.url} for a in doc.attachments],
        "relation": [],
    }


def external_article(title: str, url: str, index: int) -> dict[str, Any]:
    """A repost listed in the catalogue whose page lives on another host (e.g. the city's portal)."""
    return {
        "id": 0 - index - 1,
        "title": title,
        "date": 1_700_000_000,
        "display_publish_time": 1_700_000_000,
        "publisher": "",
        "identifier": "",
        "url": url,
        "post_url": url,
        "classify_main_name": "",
        "attachment": [],
        "relation": [],
    }


def _metadata_table(doc: ReplicaDocument, column: GkmlptColumn) -> str:
    def cell(value: str | None) -> str:
        return escape(value or "")

    written = doc.written_date.isoformat() if doc.written_date else ""
    return f"""<div class="introduce"><table class="gk-table">
  <tr><th>索引号：</th><td>{cell(doc.index_no)}</td><th>分类：</th><td>{cell(doc.topic)}</td></tr>
  <tr><th>发布机构：</th><td>{cell(doc.issuer)}</td><th>成文日期：</th><td>{written}</td></tr>
  <tr><th>名称：</th><td colspan="3">{cell(doc.title)}</td></tr>
  <tr><th>文号：</th><td>{cell(doc.doc_number)}</td><th>发布日期：</th><td>{doc.publish:%Y-%m-%d}</td></tr>
  <tr><th>主题词：</th><td colspan="3"></td></tr>
</table></div>
"""


def gkmlpt_detail_parts(
    site: GkmlptSite, doc: ReplicaDocument, column: GkmlptColumn, blocks: Blocks
) -> tuple[str, str]:
    """A gkmlpt detail: `_CONFIG.DETAIL` (JSON; `</` escaped) + the 8-label table + the body, split at
    the view counter."""
    links = [(a.path, a.title) for a in doc.attachments]
    body = body_html(blocks, links, doc.kind != "generated" or _signed(blocks))
    detail = {
        "id": doc.doc_id,
        "title": doc.title,
        "abstract": "",
        "content": body,
        "identifier": doc.index_no,
        "publisher": doc.issuer,
        "date": _unix(doc.publish),
        "attachment": [{"name": a.title, "url": a.url} for a in doc.attachments],
    }
    detail_js = json.dumps(detail, ensure_ascii=False).replace("</", "<\\/")
    script = f"<script>{_config(site)}\nwindow._CONFIG.DETAIL = {detail_js};</script>\n"
    before = (
        head(site, f"{doc.title}", script)
        + "<body>\n"
        + _gkmlpt_top(site)
        + f"""<div class="main w1200 detail-wrap">
  <div class="location">您當前所在的位置: <a href="/">首頁</a> &gt; <a href="{site.prefix}gkmlpt/index">政府信息公開目錄</a> &gt; <span>{escape(column.name)}</span></div>
  {_metadata_table(doc, column)}
  <div class="article">
    <h1 class="title">{escape(doc.title)}</h1>
    <div class="article-info"><span>來源：{escape(doc.source)}</span> <span>發布時間：{doc.publish:%Y-%m-%d %H:%M:%S}</span> <span class="count">瀏覽次數："""
    )
    after = f"""</span> <a class="collect" href="javascript:;">收藏</a> <span class="share">分享到</span></div>
    <div class="article-content">
{body}
    </div>
  </div>
</div>
""" + footer(site)
    return before, after
