"""The search page's parameters: declared once, for the page, the API, the export and OpenAPI.

FastAPI validates the types and bounds (a page of -1 or 10^12, a malformed date, a 10,000-character
query all fail here, as 400s through `web.errors`); what needs the archive (is the site one it holds?)
is checked when the search runs. The filters are the archive's own `Filters`, as `xxgk search` builds
them, so the page and the command line choose the same documents.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import Query

from archive.search.filters import Filters
from web.errors import BadRequest

PER_PAGE = 20
MAX_PAGE = 500  # deeper than any reader pages; the export gives the whole result set
MAX_QUERY = 200  # characters: a query is words, not a pasted document
MAX_TEXT = 200  # characters of a metadata filter


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    site: str | None = None
    issuer: str | None = None
    topic: str | None = None
    validity: str | None = None
    kind: str | None = None
    since: date | None = None
    until: date | None = None
    doc_number: str | None = None
    index_no: str | None = None
    withdrawn: bool = False
    sort: str = "relevance"
    page: int = 1

    def filters(self) -> Filters:
        try:
            return Filters(
                site=self.site,
                issuer=self.issuer,
                topic=self.topic,
                validity=self.validity,
                kind=self.kind,
                published_from=self.since,
                published_to=self.until,
                doc_number=self.doc_number,
                index_no=self.index_no,
                withdrawn=self.withdrawn,
            )
        except ValueError as e:  # an empty date range, an empty 文号 after folding, an unknown kind
            raise BadRequest(f"筛选条件无效：{e}", f"invalid filter: {e}") from None

    def query_string(self, **changes: object) -> str:
        """This search's URL parameters with `changes` applied (None removes one); page 1 unless given."""
        values = {**asdict(self), "page": 1, **changes}
        out = {}
        for name, value in values.items():
            if value is None or value == "" or value is False:
                continue
            if (name, value) in (("sort", "relevance"), ("page", 1)):
                continue
            out[name] = "1" if value is True else str(value)
        return urlencode(out)

    def narrowed(self) -> list[tuple[str, str, str]]:
        """The filters in force, each with the query string that removes it: (label, value, link)."""
        labels = {"site": "站点", "issuer": "发布机构", "topic": "主题", "validity": "有效性",
                  "kind": "体裁", "since": "发布不早于", "until": "发布不晚于", "doc_number": "文号", "index_no": "索引号",
                  "withdrawn": "已撤下"}  # fmt: skip
        out = []
        for name, label in labels.items():
            value = getattr(self, name)
            if value not in (None, "", False):
                out.append((label, "是" if value is True else str(value), self.query_string(**{name: None})))
        return out


def search_params(
    q: Annotated[
        str, Query(max_length=MAX_QUERY, description='检索式：词、"短语"、-排除（同 `xxgk search`）')
    ] = "",
    site: Annotated[str | None, Query(max_length=64, description="站点（如 anshun_mzj）")] = None,
    issuer: Annotated[str | None, Query(max_length=MAX_TEXT, description="发布机构（包含）")] = None,
    topic: Annotated[str | None, Query(max_length=MAX_TEXT, description="主题（包含）")] = None,
    validity: Annotated[str | None, Query(max_length=MAX_TEXT, description="有效性（精确）")] = None,
    kind: Annotated[
        str | None,
        Query(max_length=32, description="体裁（公文种类）：通知、公告、意见、办法、年度报告、政策解读 …"),
    ] = None,
    since: Annotated[str | None, Query(max_length=10, description="发布日期不早于（YYYY-MM-DD）")] = None,
    until: Annotated[str | None, Query(max_length=10, description="发布日期不晚于（YYYY-MM-DD）")] = None,
    doc_number: Annotated[str | None, Query(max_length=MAX_TEXT, description="文号；以 * 结尾为前缀")] = None,
    index_no: Annotated[str | None, Query(max_length=MAX_TEXT, description="索引号；以 * 结尾为前缀")] = None,
    withdrawn: Annotated[bool, Query(description="只看已撤下的文件")] = False,
    sort: Annotated[
        Literal["relevance", "date"], Query(description="relevance 相关度 | date 日期")
    ] = "relevance",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="页码（每页 20 条）")] = 1,
) -> SearchParams:
    """The dependency both the page and the API declare: one list of parameters, one validation."""
    blank = {name: (value.strip() or None) if isinstance(value, str) else value
             for name, value in dict(site=site, issuer=issuer, topic=topic, validity=validity,
                                     kind=kind, doc_number=doc_number, index_no=index_no).items()}  # fmt: skip
    return replace(SearchParams(q=q.strip(), withdrawn=withdrawn, sort=sort, page=page,
                                since=_day("since", since), until=_day("until", until)), **blank)  # fmt: skip


def _day(name: str, value: str | None) -> date | None:
    """A date parameter; empty is absent (the search form sends its empty date fields)."""
    if not value or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadRequest(f"参数 {name} 应为日期（如 2024-01-31），而不是 {value!r}",
                         f"parameter {name}: {value!r} is not a date like 2024-01-31") from None  # fmt: skip
