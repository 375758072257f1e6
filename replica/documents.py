"""What the replica publishes: plain records the server renders and tests compare a crawl against."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class ReplicaAttachment:
    """A file linked from a document's body, served from the document's own directory."""

    url: str  # canonical: http://<host>/<column>/<YYYYMM>/P0<YYYYMMDD><12 digits>.<ext>
    path: str
    title: str  # the link text shown in the body
    content_type: str
    key: str  # seeds the deterministic bytes
    form: str | None = None  # a form of replica/attachment_forms.py (a scan, a legacy Office file), or None

    @property
    def filename(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class ReplicaDocument:
    """One published item of one site, as its page shows it (the truth a crawl should recover)."""

    host: str
    url: str  # canonical http:// URL on the real host
    path: str
    column: str  # column path, e.g. /zwgk/zfxxgk/xxgkml/jhzj/
    column_name: str
    doc_id: int
    title: str
    publish: datetime  # 发布时间 shown on the page and in <meta name="PubDate"> (Beijing time)
    url_date: date | None  # TRS t<YYYYMMDD> in the URL (often, not always, the publish date); None elsewhere
    source: str  # 来源
    issuer: str | None  # 发布机构 (None where the page has no metadata table)
    index_no: str | None  # 索引号
    written_date: date | None  # 成文日期
    doc_number: str | None  # 文号 ("" is shown as an empty cell)
    topic: str | None  # 所属主题
    validity: str | None  # 有效性
    attachments: tuple[ReplicaAttachment, ...] = ()
    kind: str = "generated"  # "generated" | "seed" | "annual_report" | "rule_of_law_report"
    key: str = ""  # seeds the lazily generated body
    views: int = 0  # base of the view counter

    @property
    def has_metadata_table(self) -> bool:
        return self.index_no is not None


def page_order(doc: ReplicaDocument) -> tuple[datetime, int, str]:
    """How a site lists its pages (reversed: newest first): by publish time, then id, then path (a post
    published at two URLs, as on the gkmlpt platform, has one time and one id)."""
    return (doc.publish, doc.doc_id, doc.path)
