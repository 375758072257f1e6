"""Lists that a page's scripts fetch from an endpoint: find the endpoint, read its answers.

The most trusted reading of a column when there is one: the list's own data, not its rendering.

- **Hanweb jpage**: the page carries `<datastore>` XML in a `<script type="text/xml">`, its first
  records as `<record><![CDATA[<li>…</li>]]></record>`, and names `/module/web/jpage/dataproxy.jsp`
  (in the datastore's `<nextgroup>`, with the column's ids) and the record count (`totalRecord`).
  The records are fetched in groups with `startrecord`/`endrecord`/`perpage`.
- **A JSON endpoint in a script**: a URL built by string concatenation
  (`'/api/list?channelId=' + channelId + '&pageNo=' + pageNo`), its variables set in the page
  (`var channelId = 12`) and one of them the page number. Its answers hold a list of objects with a
  title, a link and a date; a count of pages or of records says how many pages there are.

Pure functions: `find_list_apis` reads the column page, `api_items` and `api_total_pages` read an
endpoint's answer. The spiders fetch.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import scrapy

from crawler.discovery.items import ListItem
from crawler.discovery.pagination import Pager
from crawler.extraction.dates import normalize_date, unix_day
from crawler.extraction.dom import HiddenCache, fold_ws, parse_html
from crawler.extraction.listing import dated_groups

MAX_PAGES = 10_000
_DATASTORE_RE = re.compile(r"<datastore>.*?</datastore>", re.S | re.I)
_DATAPROXY_RE = re.compile(r"""["']?([^"'<>\s]*dataproxy\.jsp[^"'<>\s]*)""", re.I)
_TOTAL_RECORD_RE = re.compile(r"total_?record['\"]?\s*[:=>]\s*['\"]?(\d+)", re.I)
_PER_PAGE_RE = re.compile(r"per_?page['\"]?\s*[:=]\s*['\"]?(\d+)", re.I)
_SCRIPT_RE = re.compile(r"<script\b[^>]*>(.*?)</script>", re.S | re.I)
# A concatenation of string literals and names, at least one literal holding a "?" or a path.
_CONCAT_RE = re.compile(
    r"""(['"])([^'"\n]*\?[^'"\n]*)\1((?:\s*\+\s*(?:[A-Za-z_$][\w$.]*|(['"])[^'"\n]*\4))+)?"""
)
_PART_RE = re.compile(r"""\s*\+\s*(?:([A-Za-z_$][\w$.]*)|(['"])([^'"\n]*)\2)""")
_GKMLPT_SID_RE = re.compile(r"""\bSID\s*:\s*['"]?(\w+)""")
PAGE_NAMES = re.compile(r"^(page(No|Num|Index|Number|_no|_num)?|pn|pageno|curPage|currentPage|p)$", re.I)
TITLE_KEYS = ("title", "articleTitle", "docTitle", "name", "subject", "fTitle", "showTitle")
URL_KEYS = ("url", "link", "href", "path", "articleUrl", "docUrl", "linkUrl", "pageUrl")
DATE_KEYS = (
    "publishTime",
    "pubDate",
    "publishDate",
    "date",
    "releaseTime",
    "createTime",
    "docDate",
    "time",
    "pubTime",
)


@dataclass(frozen=True)
class ListApi:
    """An endpoint the page's scripts read the list from."""

    kind: str  # "hanweb_dataproxy" | "json"
    pages: tuple[str, ...]  # every request of the list known so far (JSON: page 1 and 2 until one answers)
    template: str  # the request URL with `{n}` for the page number (Hanweb: for the start record)
    evidence: str
    step: int = 1  # what `{n}` advances by from one request to the next
    form: str | None = None  # sent as a POST form (urlencoded) when the endpoint wants one


def find_list_apis(html: str, url: str) -> list[ListApi]:
    found = []
    gkmlpt = gkmlpt_api(html, url)
    if gkmlpt:
        found.append(gkmlpt)
    hanweb = hanweb_dataproxy(html, url)
    if hanweb:
        found.append(hanweb)
    found += json_endpoints(html, url)
    return found


def hanweb_dataproxy(html: str, url: str) -> ListApi | None:
    """Hanweb jpage: dataproxy.jsp, the record count, and the records a page shows. The records are
    asked for as the jpage script asks: a POST, the record range in the URL and the column's ids (the
    fields of the datastore's `<nextgroup>` link, with `col=1`) as the form."""
    store = _DATASTORE_RE.search(html)
    proxy = _DATAPROXY_RE.search(html)
    total = _TOTAL_RECORD_RE.search(html)
    if not (store and proxy and total):
        return None
    embedded = store.group(0).lower().count("<record>")
    per_page = int(m.group(1)) if (m := _PER_PAGE_RE.search(html)) else max(embedded, 1)
    group = max(embedded, per_page)
    count = int(total.group(1))
    parts = urlsplit(urljoin(url, proxy.group(1).replace("&amp;", "&")))
    fields = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
              if k not in ("startrecord", "endrecord", "perpage", "page")]  # fmt: skip
    form = urlencode([("col", "1"), *((k, v) for k, v in fields if k != "col")])
    base = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    template = base + "?startrecord={n}&endrecord={end}&perpage=" + str(per_page)
    pages = tuple(
        template.replace("{end}", str(min(start + group - 1, count))).format(n=start)
        for start in range(1, max(count, 1) + 1, group)
    )[:MAX_PAGES]
    evidence = f"dataproxy.jsp (POST), totalRecord {count}, {embedded} records in the page"
    return ListApi("hanweb_dataproxy", pages, template, evidence, group, form)


def gkmlpt_api(html: str, url: str) -> ListApi | None:
    """Guangdong's gkmlpt 信息公开目录: a column is `<prefix>gkmlpt/index#<id>`, listed as JSON by
    `<prefix>gkmlpt/api/all/<id>?page=N&sid=SID`, the SID set in the page's `window._CONFIG`."""
    parts = urlsplit(url)
    sid = _GKMLPT_SID_RE.search(html)
    if "/gkmlpt/" not in parts.path or not sid or not parts.fragment.isdigit():
        return None
    prefix = parts.path[: parts.path.index("/gkmlpt/") + len("/gkmlpt/")]
    template = urlunsplit(
        (
            parts.scheme,
            parts.netloc,
            f"{prefix}api/all/{parts.fragment}",
            f"page={{n}}&sid={sid.group(1)}",
            "",
        )
    )
    return ListApi(
        "json",
        (template.format(n=1), template.format(n=2)),
        template,
        f"gkmlpt SID {sid.group(1)}, column {parts.fragment}",
    )


def json_endpoints(html: str, url: str) -> list[ListApi]:
    """URLs a script builds with the page number in them, their other variables read from the page."""
    scripts = "\n".join(m.group(1) for m in _SCRIPT_RE.finditer(html))
    found: list[ListApi] = []
    for match in _CONCAT_RE.finditer(scripts):
        pieces: list[str] = [match.group(2)]
        page_var = False
        for part in _PART_RE.finditer(match.group(3) or ""):
            name, literal = part.group(1), part.group(3)
            if literal is not None:
                pieces.append(literal)
            elif PAGE_NAMES.match(name.rsplit(".", 1)[-1]):
                pieces.append("{n}")
                page_var = True
            else:
                value = _variable(name, scripts)
                if value is None:
                    break
                pieces.append(value)
        else:
            if not page_var:
                continue
            template = urljoin(
                url, "".join(pieces).replace("{", "{{").replace("}", "}}").replace("{{n}}", "{n}")
            )
            if urlsplit(template).hostname != urlsplit(url).hostname:
                continue
            found.append(
                ListApi("json", (template.format(n=1), template.format(n=2)), template, match.group(0)[:200])
            )
    return found


def _variable(name: str, scripts: str) -> str | None:
    match = re.search(rf"(?:var|let|const)\s+{re.escape(name)}\s*=\s*(['\"]?)([\w.-]+)\1", scripts)
    return match.group(2) if match else None


def api_request(url: str, reading: Pager, **kwargs: Any) -> scrapy.Request:
    """The request for one answer of a list endpoint: a GET, or a POST of its form where the reading
    has one (Hanweb's dataproxy.jsp)."""
    form = reading.extra.get("form") or None
    if form is None:
        return scrapy.Request(url, dont_filter=True, **kwargs)
    return scrapy.Request(
        url, method="POST", body=form, dont_filter=True,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}, **kwargs,
    )  # fmt: skip


def every_page(reading: Pager, first_answer: str, listed: int) -> Pager:
    """A list endpoint's reading with all its pages, once its first answer says how many there are
    (a JSON endpoint's; Hanweb's record count is on the column page, its pages known already)."""
    if reading.extra.get("api") != "json":
        return reading
    total = api_total_pages(first_answer, listed) or 1
    return replace(reading, pages=tuple(reading.template.format(n=n) for n in range(1, total + 1)))  # type: ignore[union-attr]


def api_items(body: str, api_url: str) -> list[ListItem]:
    """The list items in an endpoint's answer: Hanweb records, or the objects of a JSON list."""
    text = body.strip()
    if text.startswith(("{", "[")):
        try:
            data = json.loads(text)
        except ValueError:
            return []
        return _json_items(data, api_url)
    root = parse_html(text)  # Hanweb records: CDATA unwrapped, each a <li>
    if root is None:
        return []
    host = urlsplit(api_url).hostname
    groups = dated_groups(root, api_url, HiddenCache())
    items = max(groups.values(), key=len) if groups else []
    return [ListItem(str(it["title"]), str(it["url"]), it["date"]) for it in items
            if urlsplit(str(it["url"])).hostname == host]  # fmt: skip


def api_total_pages(body: str, listed: int | None = None) -> int | None:
    """How many pages a JSON endpoint says it has: a page count, or its records over the page size
    (stated, else `listed`, the items its first page lists on the site's host: an endpoint may add
    items from elsewhere that its count leaves out)."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    numbers = dict(_numbers(data))
    for key in ("pages", "totalPage", "totalPages", "pageCount", "totalpage", "page_count"):
        if key in numbers and 0 < numbers[key] <= MAX_PAGES:
            return numbers[key]
    total = next(
        (
            numbers[k]
            for k in ("total", "totalCount", "totalRecord", "count", "recordCount", "post_count")
            if k in numbers
        ),
        None,
    )
    size = next((numbers[k] for k in ("pageSize", "size", "perPage", "limit", "rows") if k in numbers), None)
    size = size or listed or len(_json_list(data)) or None
    if total is not None and size:
        return min(max(-(-total // size), 1), MAX_PAGES)
    return None


def _numbers(data: Any) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, int) and not isinstance(value, bool):
                out.append((key, value))
            elif isinstance(value, dict):
                out += _numbers(value)
    return out


def _json_list(data: Any) -> list[dict[str, Any]]:
    """The biggest list of objects that have a title and a link."""
    best: list[dict[str, Any]] = []
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            rows = [row for row in node if isinstance(row, dict)]
            if (
                rows
                and len(rows) > len(best)
                and all(_pick(r, TITLE_KEYS) and _pick(r, URL_KEYS) for r in rows)
            ):
                best = rows
            stack.extend(node)
    return best


def _json_items(data: Any, api_url: str) -> list[ListItem]:
    host = urlsplit(api_url).hostname
    items = []
    for row in _json_list(data):
        link = urljoin(api_url, str(_pick(row, URL_KEYS)))
        if urlsplit(link).hostname != host:
            continue
        date = _pick(row, DATE_KEYS)
        # The day, as lists show it; a number is a Unix time (gkmlpt's `date`).
        day = (
            (unix_day(date) if isinstance(date, int) else (normalize_date(str(date)) or "")[:10])
            if date
            else ""
        )
        items.append(ListItem(fold_ws(str(_pick(row, TITLE_KEYS))), link, day or None))
    return items


def _pick(row: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = row.get(key)
        if isinstance(value, str | int) and str(value).strip():
            return value
    return None
