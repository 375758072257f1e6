"""What the crawler hands to the archive: one fetch of a document page, its content, its attachments.

Plain dataclasses so the archive does not depend on Scrapy, and a test or an import script can feed
the store directly. The archive owns these types; the crawler's extraction pipeline is the one place
that maps the parser's result onto `PageContent` (`crawler/pipelines/extract.py`), and the parser
itself knows nothing of them.

`DocumentFields` is the one list of a document's metadata fields: the store's fingerprint, the version
columns, the diff, the exports and the CLI listings all derive theirs from `FIELD_NAMES`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

PageType = Literal["detail", "list", "other"]


@dataclass(frozen=True, slots=True)
class DocumentFields:
    """A document's metadata (DESIGN §5), in the order a reader checks them; None where the page
    does not show a field. Dates are ISO 8601 text as the page gave them."""

    title: str | None = None
    index_no: str | None = None  # 索引号
    issuer: str | None = None  # 发布机构
    source: str | None = None  # 来源
    doc_number: str | None = None  # 文号
    topic: str | None = None  # 所属主题
    validity: str | None = None  # 有效性
    written_date: str | None = None  # 成文日期
    publish_date: str | None = None  # 发布日期
    effective_date: str | None = None
    abolish_date: str | None = None
    keywords: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in FIELD_NAMES}

    @classmethod
    def from_mapping(cls, values: Any) -> DocumentFields:
        """From a dict or any object with the fields as attributes; other keys are ignored."""
        get = values.get if isinstance(values, dict) else lambda name: getattr(values, name, None)
        return cls(**{name: get(name) for name in FIELD_NAMES})


FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(DocumentFields))
# The fields that have a column of their own on `versions` (and so on search rows and filters).
VERSION_COLUMNS: tuple[str, ...] = (
    "title",
    "index_no",
    "issuer",
    "source",
    "doc_number",
    "topic",
    "publish_date",
    "written_date",
)
DATE_FIELDS: tuple[str, ...] = tuple(name for name in FIELD_NAMES if name.endswith("_date"))


@dataclass(frozen=True, slots=True)
class AttachmentLink:
    """A file the page links to as an attachment: absolute URL and the name the page shows."""

    url: str
    name: str | None = None


@dataclass
class PageContent:
    """What the archive keeps of one parsed page: its type, the document's fields, its text.

    `other_reason` says why a page is no document (`soft_404`, `waf_challenge`, `empty`, …); only a
    `detail` page carries fields, body and attachments."""

    page_type: PageType = "other"
    other_reason: str | None = None
    fields: DocumentFields = field(default_factory=DocumentFields)
    body: str = ""
    search_text: str | None = None  # the body in the search normaliser's form (archive.text)
    url_date: str | None = None  # a date the URL itself carries (…/t20240105_…)
    charset: str | None = None  # what the page was decoded with
    tables: list[list[list[str]]] = field(default_factory=list)
    attachment_links: list[AttachmentLink] = field(default_factory=list)

    @property
    def is_soft_404(self) -> bool:
        return self.page_type == "other" and self.other_reason == "soft_404"


@dataclass
class FetchedAttachment:
    """One attached file as fetched. `text`/`text_note` are what `archive.attachment_text.extract`
    read from `body` (the crawl reads them in its parse worker; `attachment_text.read` does it for a
    caller feeding the store directly). The store only writes them: left unread (both None: a scan
    or a legacy Office file the crawl defers), the row waits for the attachment queue
    (`archive.attachment_queue`, drained after the crawl and by `xxgk db reindex`).

    `text_stored`: the crawl knew this file's SHA-256 from the archive and did not read it again;
    the store takes the text stored with the same bytes (the previous version's row, else any row
    with that hash)."""

    url: str
    name: str | None
    http_status: int | None = None
    content_type: str | None = None
    body: bytes | None = None
    error: str | None = None
    text: str | None = None
    text_note: str | None = None
    text_method: str | None = None  # how the text was obtained (reader and version)
    text_stored: bool = False
    # `text` in the search index's form (`archive.search.tokens.normalize`), made where the text was
    # read (the crawl's parse worker), so that the store, on the crawl's reactor process, does not fold a
    # long text again while it holds the write lock; None: the store folds it itself.
    text_search_form: str | None = None


@dataclass
class FetchedPage:
    """A detail page as fetched (raw) and, once the extraction pipeline has run, its content."""

    site: str
    url: str
    http_status: int
    headers: dict[str, str]
    body: bytes
    # When the response arrived; stamped by the crawler's pipeline (the spider reads no clock). A
    # caller feeding the store directly may leave it to the store, which stamps its own `now()`.
    fetched_at: datetime | None = None
    content: PageContent | None = None
    attachments: list[FetchedAttachment] = field(default_factory=list)
    run_id: int | None = None
    error: str | None = None  # why the fetch failed (timeout, DNS, HTTP 5xx after retries)
    # The one fact of a redirect to the site's home page, which is how many CMSs answer a deleted
    # document: `url` is the document's URL (the one asked for), `redirected_to` where the server sent
    # us. The store reads it as a withdrawal (a soft-404) and says so in the event.
    redirected_to: str | None = None
    # The URL the spider asked for when the response came from another (a redirect the crawler
    # followed); the extraction pipeline decides from it whether the fetch ended on the home page.
    requested_url: str | None = None
    # An import of another tool's WARC keeps the response head exactly as that tool recorded it: the
    # status line (`HTTP/1.0 200 Okay`) and every header line in order, repeats included; `headers`
    # is then their dict view. None for a crawl: the record is built from `http_status` and `headers`.
    status_line: str | None = None
    header_lines: list[tuple[str, str]] | None = None
