"""List styles of platforms no spider and no discovery rule was written against (issue 20's proof).

Built after discovery's rules were frozen (commit e2478d7), from what the public record shows of each
family, to measure `xxgk discover` and `xxgk crawl --column` on lists it has never seen:

- `aspnet`: an ASP.NET list, `list.aspx?cid=N&page=K`, a pager of 首页/上一页/下一页/尾页 links and
  `共N页 当前第K页`, GBK bytes with the charset only in a `<meta>`.
- `hanweb`: 大汉 Hanweb jpage, `/col/col<N>/index.html`: the first records sit in a
  `<script type="text/xml"><datastore>` block, one `<record><![CDATA[<li>…</li>]]></record>` each, and
  the rest come from a POST to `/module/web/jpage/dataproxy.jsp?startrecord=…&endrecord=…&perpage=…`
  whose form names the column (`col=1&appid=1&webid=…&columnid=N&unitid=…`, the fields of the
  datastore's `<nextgroup>` link), as public crawlers of Hanweb sites send it; a GET is refused.
- `jsonlist`: a list built in the browser from a JSON endpoint (`/api/articles?channelId=N&pageNo=K`,
  named in the page's script); the HTML has no items at all.
- `spa`: a column page that is an empty shell; a script file (`/static/js/list.js`, not in the page)
  reads the column id from the shell's `data-channel` and fetches `/api/v2/list?cat=N&p=K&size=10`.
  Only a browser that runs the script sees the endpoint.
- `ucap`: static `.shtml` lists (开普云-style `/<col>/index.shtml`, page k at `index_<k-1>.shtml`)
  whose pager is drawn by a script from variables (`var pageCount = 7, currentPage = 0;`): no page
  URL is written anywhere in the page.

Every style shows: titles cut with … where the full title is the link's `title`, a sidebar of dated
links shaped like the list (热点信息, the same on every page), a last page of 1–4 items, and details at
`/art/<yyyy>/<m>/<d>/art_<col>_<id>.html` with a metadata table.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qs

from markupsafe import escape

from replica.declarations import Column, SiteDeclaration
from replica.documents import ReplicaDocument
from replica.generation import ColumnCatalog
from replica.seeds import SeedDocument
from replica.web import Response, SiteRequest

CUT = 18  # characters of a title shown before …
STYLES = ("aspnet", "hanweb", "jsonlist", "ucap", "spa")


@dataclass(frozen=True, kw_only=True)
class UnseenSite(SiteDeclaration):
    style: str  # one of STYLES
    column_ids: tuple[int, ...] = ()  # one per column, in order: the N of the column's URL

    def column_id(self, path: str) -> int:
        return self.column_ids[[c.path for c in self.columns].index(path)]


def column_path(style: str, column_id: int) -> str:
    if style == "aspnet":
        return f"/list.aspx?cid={column_id}"
    if style == "ucap":
        return f"/xxgk/c{column_id}/index.shtml"
    if style == "spa":
        return f"/news/{column_id}/"
    return f"/col/col{column_id}/index.html"


class UnseenCatalog(ColumnCatalog):
    site: UnseenSite

    def locate(self, column: Column, doc_id: int, url_day: date) -> str:
        cid = self.site.column_id(column.path)
        return f"/art/{url_day.year}/{url_day.month}/{url_day.day}/art_{cid}_{doc_id}.html"

    def seed_location(self, seed: SeedDocument, path: str) -> tuple[str, int, date | None]:
        raise NotImplementedError("no seeds on these sites")

    def route(self, request: SiteRequest) -> Response | None:
        path, query = request.path, parse_qs(getattr(request, "query", "") or "")
        style = self.site.style
        if style == "aspnet" and path == "/list.aspx":
            cid = _int(query.get("cid"))
            column = next((c for c in self.columns if c.path == f"/list.aspx?cid={cid}"), None)
            if column is None:
                return None
            number = _int(query.get("page")) or 1
            chunk, pages = self.list_chunk(column.path, number - 1)
            if number > pages:
                return self.html(200, self._page(column.name, "<p>没有更多信息</p>", ""))
            return self.html(200, self._aspnet_list(column, chunk, number, pages))
        if style in ("hanweb", "jsonlist") and path.startswith("/col/col") and path.endswith("/index.html"):
            column = next((c for c in self.columns if c.path == path), None)
            if column is None:
                return None
            if style == "hanweb":
                return self.html(200, self._hanweb_column(column))
            return self.html(200, self._json_shell(column))
        if style == "ucap" and path.startswith("/xxgk/c") and "/index" in path:
            directory, _, page = path.rpartition("/")
            match = re.fullmatch(r"index(?:_(\d+))?\.shtml", page)
            column = next((c for c in self.columns if c.path == f"{directory}/index.shtml"), None)
            if column is None or match is None:
                return None
            number = int(match.group(1)) + 1 if match.group(1) else 1
            chunk, pages = self.list_chunk(column.path, number - 1)
            if number > pages or (match.group(1) == "0"):
                return None
            return self.html(200, self._ucap_list(column, chunk, number, pages))
        if style == "spa":
            column = next((c for c in self.columns if c.path == path), None)
            if column is not None:
                return self.html(200, self._spa_shell(column))
            if path == "/static/js/list.js":
                return Response(
                    200, {"Content-Type": "application/javascript; charset=utf-8"}, SPA_SCRIPT.encode()
                )
            if path == "/api/v2/list":
                return self._spa_rows(query)
        if style == "jsonlist" and path == "/api/articles":
            return self._articles(query)
        if path in ("/", "/index.html"):
            links = "".join(f'<li><a href="{escape(c.path)}">{escape(c.name)}</a></li>' for c in self.columns)
            return self.html(200, self._page(self.site.site_name, f"<ul class='nav'>{links}</ul>", ""))
        return None

    # ---- the three list styles ----------------------------------------------------------------------

    def _aspnet_list(self, column: Column, docs: list[ReplicaDocument], number: int, pages: int) -> str:
        rows = "".join(
            f'<tr><td class="t"><a href="{escape(d.path)}" title="{escape(d.title)}" target="_blank">'
            f"{escape(_cut(d.title))}</a></td><td class='d'>{d.publish:%Y-%m-%d}</td></tr>"
            for d in docs
        )

        def href(n: int) -> str:
            return f"list.aspx?cid={self.site.column_id(column.path)}&amp;page={n}"

        pager = [f'<a href="{href(1)}">首页</a>']
        if number > 1:
            pager.append(f'<a href="{href(number - 1)}">上一页</a>')
        if number < pages:
            pager.append(f'<a href="{href(number + 1)}">下一页</a>')
        pager.append(f'<a href="{href(pages)}">尾页</a>')
        pager.append(f"<span>共{pages}页 当前第{number}页</span>")
        main = (
            f'<table class="gvList" id="ctl00_ContentPlaceHolder1_gvList">{rows}</table>'
            f'<div class="aspNetPager">{" ".join(pager)}</div>'
        )
        return self._page(column.name, main, self._sidebar())

    def _ucap_list(self, column: Column, docs: list[ReplicaDocument], number: int, pages: int) -> str:
        rows = "".join(
            f'<div class="news-item"><a href="{escape(d.path)}" title="{escape(d.title)}">{escape(_cut(d.title))}'
            f'</a><em class="time">{d.publish:%Y-%m-%d}</em></div>'
            for d in docs
        )
        pager = (
            f'<div class="pagination" id="pagination"></div><script>var pageCount = {pages}, currentPage = {number - 1};'
            "\nucapPager('pagination', pageCount, currentPage, 'index', 'shtml');</script>"
        )
        return self._page(column.name, f'<div class="news-list">{rows}</div>{pager}', self._sidebar())

    def _hanweb_column(self, column: Column) -> str:
        cid = self.site.column_id(column.path)
        docs = self.by_column[column.path]
        first = docs[: self.site.page_size * 3]  # jpage embeds three screens, pages the rest by proxy
        records = "".join(f"<record><![CDATA[\n{self._hanweb_record(d)}\n]]></record>" for d in first)
        main = (
            f'<div id="{cid}"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="'
            f"/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=1&path=/&columnid={cid}&unitid=4{cid}"
            f'&webname=&permissiontype=0"></a>]]></nextgroup><recordset>{records}</recordset></datastore>'
            f"</script></div>"
            f"<script>var jpage = {{totalRecord: {len(docs)}, perPage: {self.site.page_size}, "
            f"proxyUrl: '/module/web/jpage/dataproxy.jsp', columnid: {cid}, unitid: 4{cid}}};"
            f"/* jpage: pages records client-side, POSTs for more to proxyUrl?startrecord=&endrecord=&perpage= */"
            f"</script>"
        )
        return self._page(column.name, main, self._sidebar())

    def _hanweb_record(self, d: ReplicaDocument) -> str:
        return (
            f'<li><a href="{escape(d.path)}" title="{escape(d.title)}" target="_blank">{escape(_cut(d.title))}'
            f"</a><span class='bt-data-time'>{d.publish:%Y-%m-%d}</span></li>"
        )

    def post(self, request: SiteRequest) -> Response | None:
        """Hanweb's dataproxy.jsp: the records of a column, the range in the URL, the column in the form."""
        if self.site.style != "hanweb" or request.path != "/module/web/jpage/dataproxy.jsp":
            return None
        form = parse_qs(request.body.decode("utf-8", errors="replace"))
        return self._dataproxy({**parse_qs(request.query), "columnid": form.get("columnid", [])})

    def _dataproxy(self, query: dict[str, list[str]]) -> Response | None:
        cid = _int(query.get("columnid"))
        column = next((c for c in self.columns if self.site.column_id(c.path) == cid), None)
        if column is None:
            return None
        docs = self.by_column[column.path]
        start, end = max(_int(query.get("startrecord")) or 1, 1), _int(query.get("endrecord")) or len(docs)
        chosen = docs[start - 1 : end]
        records = "".join(f"<record><![CDATA[\n{self._hanweb_record(d)}\n]]></record>" for d in chosen)
        body = (
            f'<?xml version="1.0" encoding="utf-8"?><datastore><totalrecord>{len(docs)}</totalrecord>'
            f"<totalpage>{-(-len(docs) // self.site.page_size)}</totalpage><recordset>{records}</recordset></datastore>"
        )
        return Response(200, {"Content-Type": "text/xml; charset=utf-8"}, body.encode("utf-8"))

    def _json_shell(self, column: Column) -> str:
        cid = self.site.column_id(column.path)
        main = (
            '<div class="list-box"><ul id="articleList"></ul><div id="pager"></div></div>'
            "<script>\nvar channelId = " + str(cid) + ";\nfunction load(pageNo) {\n"
            "  fetch('/api/articles?channelId=' + channelId + '&pageNo=' + pageNo + '&pageSize="
            + str(self.site.page_size)
            + "').then(function (r) { return r.json(); }).then(render);\n}\nload(1);\n</script>"
        )
        return self._page(column.name, main, self._sidebar())

    def _spa_shell(self, column: Column) -> str:
        cid = self.site.column_id(column.path)
        main = f'<div id="app" data-channel="{cid}"><p class="loading">加载中…</p></div><script src="/static/js/list.js"></script>'
        return self._page(column.name, main, self._sidebar())

    def _spa_rows(self, query: dict[str, list[str]]) -> Response | None:
        cid = _int(query.get("cat"))
        column = next((c for c in self.columns if self.site.column_id(c.path) == cid), None)
        if column is None:
            return None
        number = _int(query.get("p")) or 1
        chunk, pages = self.list_chunk(column.path, number - 1)
        rows = [
            {
                "docTitle": d.title,
                "linkUrl": f"http://{self.site.host}{d.path}",
                "pubDate": f"{d.publish:%Y-%m-%d}",
            }
            for d in (chunk if number <= pages else [])
        ]
        body = json.dumps(
            {"success": True, "result": {"rows": rows, "totalPages": pages}}, ensure_ascii=False
        )
        return Response(200, {"Content-Type": "application/json; charset=utf-8"}, body.encode())

    def _articles(self, query: dict[str, list[str]]) -> Response | None:
        cid = _int(query.get("channelId"))
        column = next((c for c in self.columns if self.site.column_id(c.path) == cid), None)
        if column is None:
            return None
        number = _int(query.get("pageNo")) or 1
        chunk, pages = self.list_chunk(column.path, number - 1)
        data = {
            "code": 200,
            "data": {
                "total": len(self.by_column[column.path]),
                "pageNo": number,
                "pages": pages,
                "list": [
                    {
                        "id": d.doc_id,
                        "title": d.title,
                        "url": d.path,
                        "publishTime": f"{d.publish:%Y-%m-%d %H:%M:%S}",
                    }
                    for d in (chunk if number <= pages else [])
                ],
            },
        }
        return Response(
            200,
            {"Content-Type": "application/json; charset=utf-8"},
            json.dumps(data, ensure_ascii=False).encode(),
        )

    # ---- pages --------------------------------------------------------------------------------------

    def _sidebar(self) -> str:
        """热点信息: the newest documents of the whole site, dated, on every page (a list look-alike)."""
        hot = self.documents[:8]
        rows = "".join(
            f'<li><a href="{escape(d.path)}" title="{escape(d.title)}">{escape(_cut(d.title))}</a>'
            f"<span>{d.publish:%Y-%m-%d}</span></li>"
            for d in hot
        )
        return f'<div class="side-hot"><h3>热点信息</h3><ul>{rows}</ul></div>'

    def _page(self, title: str, main: str, side: str) -> str:
        charset = self.site.charset
        nav = "".join(f'<a href="{escape(c.path)}">{escape(c.name)}</a>' for c in self.columns)
        return (
            f'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
            f"<title>{escape(title)}_{escape(self.site.site_name)}</title></head><body>"
            f'<div class="header"><div class="nav">{nav}</div></div>'
            f'<div class="main"><div class="left">{side}</div><div class="right"><h2>{escape(title)}</h2>{main}'
            f'</div></div><div class="footer">主办：{escape(self.site.site_name)}</div></body></html>'
        )

    def detail_parts(self, doc: ReplicaDocument, column: Column, body_html: str) -> tuple[str, str]:
        table = ""
        if doc.index_no is not None:
            cells = [
                ("索引号", doc.index_no), ("发布机构", doc.issuer or ""), ("主题分类", doc.topic or ""),
                ("成文日期", f"{doc.written_date:%Y-%m-%d}" if doc.written_date else ""),
                ("文号", doc.doc_number or ""), ("发布日期", f"{doc.publish:%Y-%m-%d}"),
                ("有效性", doc.validity or ""),
            ]  # fmt: skip
            table = "<table class='xxgk-meta'>" + "".join(
                f"<tr><th>{k}：</th><td>{escape(v)}</td></tr>" for k, v in cells
            ) + "</table>"  # fmt: skip
        head = (
            f"{table}<h1 class='art-title'>{escape(doc.title)}</h1><div class='art-info'>"
            f"发布时间：{doc.publish:%Y-%m-%d %H:%M} 来源：{escape(doc.source)} 浏览次数："
        )
        page = self._page(
            doc.title,
            head + "@@COUNTER@@</div>" + f"<div class='art-body'>{body_html}</div>",
            self._sidebar(),
        )
        before, _, after = page.partition("@@COUNTER@@")
        return before, after

    def body_html(
        self, blocks: list[str | list[list[str]]], links: list[tuple[str, str]], signature_lines: int
    ) -> str:
        parts = []
        for block in blocks:
            if isinstance(block, list):
                rows = "".join(
                    "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in block
                )
                parts.append(f"<table>{rows}</table>")
            else:
                parts.append(f"<p>{escape(block)}</p>")
        parts += [f'<p><a href="{escape(href)}">{escape(text)}</a></p>' for href, text in links]
        return "".join(parts)

    def not_found_html(self) -> str:
        return self._page("页面不存在", "<p>您访问的页面不存在</p>", "")


# The list script of the `spa` style: the endpoint is put together at run time, in a file of its own.
SPA_SCRIPT = """(function () {
  var app = document.getElementById('app');
  var parts = ['api', 'v2', 'list'];
  function load(p) {
    var xhr = new XMLHttpRequest();
    xhr.open('GET', '/' + parts.join('/') + '?cat=' + app.dataset.channel + '&p=' + p + '&size=10');
    xhr.onload = function () {
      var data = JSON.parse(xhr.responseText).result;
      app.innerHTML = '<ul class="rows">' + data.rows.map(function (r) {
        return '<li><a href="' + r.linkUrl + '">' + r.docTitle + '</a><span>' + r.pubDate + '</span></li>';
      }).join('') + '</ul>';
    };
    xhr.send();
  }
  load(1);
})();
"""


def _cut(title: str) -> str:
    return title if len(title) <= CUT else title[:CUT] + "…"


def _int(values: list[str] | None) -> int | None:
    try:
        return int(values[0]) if values else None
    except ValueError:
        return None


UnseenSite.catalog_class = UnseenCatalog
