"""`xxgk import`: other tools' WARC and WACZ files become captures, documents and versions, as a crawl
would have made them.

Each HTTP response (and each revisit, resolved to its original) becomes a `FetchedPage` handed to the
same `VersionStore` a crawl uses, parsed first by the same parser with the site's hints
(`crawler/pipelines/extract.py::page_content` is the one mapping), in one transaction with its ledger
row (`archive/imports.py`). The rules, in the order they are applied to a record:

- **Already imported** (its WARC-Record-ID with its target URI and date is in the ledger; a record
  without an ID gets one made of type, URI, date and digest): skipped. Importing a file twice adds
  nothing, and neither does a WARC that repeats records of one imported before (a WACZ of it).
- `warcinfo`, `request`, `metadata`, `resource`, `conversion`, `continuation`: no capture, counted
  by type. The archive keeps what servers answered; a request is what the other tool sent (an
  export writes its own), a resource or metadata record is no HTTP response (wget's log, a
  screenshot, a crawler's notes), a conversion is a derived copy. A warcinfo's `software` is reported.
  Two uses all the same: a `resource` of an http(s) URI is a file an imported page may link (this
  project's export writes attachments so), and a `metadata` record holding an HTTP response head
  (`application/http; msgtype=response`) whose WARC-Refers-To names a revisit being imported gives
  that revisit its head (this project's export keeps a 304's head so).
- A `response` or `revisit` of a non-HTTP URI (`dns:`, `ftp:`) or without an HTTP head: skipped.
- A `response`: a capture at its URL and WARC-Date with its status line and header lines as
  recorded and its payload decoded (as the crawler keeps bodies). On a declared site's host
  (`sites.py`) an HTML payload is parsed and may become a document and a version; on any other host,
  or not HTML, it is a capture that is no document.
- A `revisit`, `identical-payload-digest` profile (or any profile but the next): its own status line
  and headers (the original's when it has none) with the original's payload, found by
  `archive.imports.find_original` (record id, payload digest across URLs, target URI and date, the
  URL's latest capture before it: in this file, this import, an earlier import or the crawls).
- A `revisit`, `server-not-modified` profile (Heritrix's 304): a 304 capture, as a crawl records the
  answer to a conditional request (it confirms the document's latest version); resolved when its
  original is found the same ways.
- A revisit whose original is nowhere is kept as an `error` capture with its head and no payload and
  a note saying so, in the ledger as `unresolved`, and listed in the summary: never dropped silently.

A damaged file (truncated, malformed header): what precedes the damage is imported (records are
stored up to eight a transaction, as a crawl stores its documents, each with its ledger row; a group
with a failing record is written again a record a transaction, so a bad record costs only itself),
the file's error names it and the byte offset, the import goes on with the next file, and the run
ends `failed`. Importing the repaired file again adds only what was missing; an import killed
part-way loses at most its open transaction, which the next import of the file stores.

Time: records are stored in file order, each at its WARC-Date (the capture's `fetched_at`); a
document's version numbers follow the order records are imported in.

The run: an import is a `crawl_runs` row of mode `import` (site `import`), so `xxgk runs` lists it
with its counts; it takes no site lock (it fetches nothing) and is not judged by crawl health.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from archive import attachment_text, imports, runs
from archive.db import Archive
from archive.records import AttachmentLink, FetchedAttachment, FetchedPage, PageContent
from archive.store import Also, Outcome, VersionStore
from crawler.extraction import parse_page
from crawler.extraction.hints import ExtractionHints
from crawler.pipelines.extract import _header_charset, page_content
from crawler.warc_import.reader import DamagedFile, FileIndex, WarcEntry, read_entries
from crawler.warc_import.sites import NO_SITE, SiteMap
from crawler.warc_import.summary import Summary
from crawler.warm_up import warm_up

RUN_SITE = "import"
RUN_MODE = "import"
SKIPPED_TYPES = {
    "warcinfo": "warcinfo (about the file, not a capture)",
    "request": "request (the archive keeps responses)",
    "metadata": "metadata (no HTTP response)",
    "resource": "resource (no HTTP response)",
    "conversion": "conversion (a derived copy)",
    "continuation": "continuation (segmented records are not supported)",
}
HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


# Told of the summary so far, the file being read, and whether that file is done.
Progress = Callable[[Summary, str, bool], None]


class Importer:
    """Imports files into one archive as one run (see the module's rules).

    Parsing is the import's heaviest work, as it is a crawl's: past the first `INLINE` pages, pages
    are parsed in worker processes (`processes`, the crawl's `XXGK_PARSE_PROCESSES`; 0 parses
    inline) while this thread reads on and stores the pages parsed before, in file order, up to
    `GROUP` a transaction. A revisit waits until every record before it is stored, since its
    original may be one of them."""

    WINDOW = 32  # records read ahead of the store
    GROUP = (
        8  # records a transaction at most, a quarter of the window read ahead (a SIGKILL loses the open one)
    )
    # Pages parsed inline before the workers start: a worker costs seconds to start (it imports the
    # parser), more than a small file's parsing.
    INLINE = 100

    def __init__(
        self,
        archive: Archive,
        site: str | None = None,
        progress: Progress | None = None,
        processes: int = 1,
    ) -> None:
        self.archive = archive
        self.sites = SiteMap(only=site)
        self.store = VersionStore(archive)
        self.progress = progress
        self.processes = processes
        self.summary = Summary()
        self.path: Path | None = None  # the file being imported
        self.files: FileIndex | None = None  # its attachments, indexed when a page first needs them
        self.pool: Executor | None = None
        self.pending: deque[_Pending] = deque()
        self.pending_keys: set[str] = set()
        self.parsed = 0  # pages sent to the parser

    def run(self, paths: Iterable[Path]) -> Summary:
        paths = list(paths)
        for path in paths:
            if not path.is_file():
                raise FileNotFoundError(f"no such file: {path}")
        started = time.monotonic()
        summary = self.summary
        summary.run_id = runs.start(self.archive, RUN_SITE, RUN_MODE, exclusive=False)
        status = "interrupted"
        try:
            for path in paths:
                summary.files.append(str(path))
                self.path, self.files = path, None
                try:
                    for entry in read_entries(path):
                        self._take(entry, summary.run_id)
                except DamagedFile as damage:
                    summary.damaged.append(
                        {"file": damage.file, "offset": damage.offset, "reason": damage.reason}
                    )
                self._drain()  # what precedes the damage too
                self._report(str(path), done=True)
            status = "failed" if summary.damaged else "finished"
        finally:
            if self.pool is not None:
                self.pool.shutdown(wait=True, cancel_futures=True)
            summary.seconds = time.monotonic() - started
            runs.finish(self.archive, summary.run_id, status, summary.run_stats(), judge=False)
        return summary

    def _report(self, source: str, done: bool = False) -> None:
        if self.progress is not None:
            self.progress(self.summary, source, done)

    # -- one record ---------------------------------------------------------------------------------
    def _take(self, entry: WarcEntry, run_id: int) -> None:
        summary = self.summary
        summary.records_read += 1
        summary.bytes_read += entry.size
        if summary.records_read % 200 == 0:
            self._report(entry.source)
        if entry.rec_type == "warcinfo" and entry.warcinfo:
            software = _software(entry.warcinfo)
            if software and software not in summary.software:
                summary.software.append(software)
        if entry.rec_type == "metadata" and entry.status_line is not None and self._head_for_revisit(entry):
            summary.skipped["metadata (the HTTP head of a revisit: stored with it)"] += 1
            return
        if entry.rec_type in SKIPPED_TYPES:
            summary.skipped[SKIPPED_TYPES[entry.rec_type]] += 1
            return
        if entry.rec_type not in ("response", "revisit"):
            summary.skipped[f"{entry.rec_type} (unknown record type)"] += 1
            return
        if not (entry.url or "").lower().startswith(("http://", "https://")):
            summary.skipped["not an HTTP(S) URI"] += 1
            return
        if entry.rec_type == "response" and entry.status is None:
            summary.skipped["response without an HTTP head"] += 1
            return
        key = imports.record_key(entry.record_id, entry.url or "", entry.date)
        if key in self.pending_keys:
            summary.already_imported += 1
            return
        with self.archive.engine.connect() as conn:
            if imports.known(conn, entry.record_id, entry.url or "", entry.date):
                summary.already_imported += 1
                return
        if entry.rec_type == "revisit":
            self._drain()  # its original may be among the records read ahead
            page, resolved = self._revisit(entry)
        else:
            page, resolved = self._page(entry, entry.status_line, entry.header_lines, entry.body), True
        page.run_id = run_id
        self.pending.append(_Pending(entry, page, resolved, key, self._start_parse(page)))
        self.pending_keys.add(key)
        if len(self.pending) > self.WINDOW:
            self._store_group()

    def _drain(self) -> None:
        while self.pending:
            self._store_group()

    def _store_group(self) -> None:
        """Store the oldest pending records, up to GROUP of them in one transaction (as a crawl's store
        groups its documents: a commit per record was most of what storing a capture cost), each with
        its ledger row; a group with a failing record is written again one record per transaction by
        the store, so a bad record costs only itself."""
        group = [self.pending.popleft() for _ in range(min(self.GROUP, len(self.pending)))]
        for pending in group:
            self._prepare(pending)
        outcomes = self.store.record_many(
            [pending.page for pending in group], also=[self._ledger(pending) for pending in group]
        )
        unexpected: Exception | None = None
        for pending, outcome in zip(group, outcomes, strict=True):
            if isinstance(outcome, IntegrityError):
                # Another import took the same record in since it was looked up (the ledger's key is
                # unique): its transaction, capture and all, was rolled back. Any other conflict is a bug.
                with self.archive.engine.connect() as conn:
                    if imports.known(
                        conn, pending.entry.record_id, pending.entry.url or "", pending.entry.date
                    ):
                        self.pending_keys.discard(pending.key)
                        self.summary.already_imported += 1
                        continue
            if isinstance(outcome, Exception):
                unexpected = unexpected or outcome
                continue
            self._count(pending, outcome)
        if unexpected is not None:
            raise unexpected

    def _prepare(self, pending: _Pending) -> None:
        """The page as the store takes it: its parse's result and the attachments the file holds."""
        page = pending.page
        if pending.parsing is not None:
            try:
                page.content = pending.parsing.result()
            except Exception as exc:  # as a crawl: the page is archived raw, as an error
                page.error = f"parse failed: {type(exc).__name__}: {exc}"[:500]
        if page.content is not None and page.content.page_type == "detail":
            site = self.sites.site_of(page.url)
            page.attachments = [
                self._attachment(link.url, link.name, page.fetched_at)
                for link in _unique(page.content)
                if site is None or site.owns(link.url)  # as a crawl: files on other hosts are not taken
            ]

    def _ledger(self, pending: _Pending) -> Also:
        """The record's ledger row, written in its capture's transaction."""
        entry, page = pending.entry, pending.page

        def ledger(conn: Connection, outcome: Outcome) -> None:
            imports.add(
                conn,
                record_id=entry.record_id,
                run_id=page.run_id,
                capture_id=outcome.capture_id,
                url=page.url,
                warc_date=entry.date,
                payload_digest=entry.payload_digest,
                state="stored" if pending.resolved else "unresolved",
            )

        return ledger

    def _count(self, pending: _Pending, outcome: Outcome) -> None:
        summary = self.summary
        self.pending_keys.discard(pending.key)
        summary.captures_new += 1
        summary.outcomes[outcome.kind] += 1
        if outcome.kind == "new_version":
            summary.versions_new += 1
            if outcome.version_number == 1:
                summary.documents_new += 1

    def _page(
        self,
        entry: WarcEntry,
        status_line: str | None,
        header_lines: list[tuple[str, str]] | None,
        body: bytes,
    ) -> FetchedPage:
        assert entry.url is not None
        lines = header_lines or []
        headers = _folded(lines)
        status = int(status_line.split(" ", 2)[1]) if status_line else 0
        site = self.sites.site_of(entry.url)
        return FetchedPage(
            site=site.name if site else NO_SITE,
            url=entry.url,
            http_status=status,
            headers=headers,
            body=body,
            fetched_at=entry.date,
            status_line=status_line,
            header_lines=list(lines),
            error=entry.note,
        )

    def _revisit(self, entry: WarcEntry) -> tuple[FetchedPage, bool]:
        """The revisit as the capture it stands for, and whether its original was found."""
        assert entry.url is not None
        with self.archive.engine.connect() as conn:
            original = imports.find_original(
                conn,
                refers_to=entry.refers_to,
                digest=entry.payload_digest,
                url=entry.refers_to_url or entry.url,
                date=entry.refers_to_date,
                before=entry.date,
            )
        not_modified = "server-not-modified" in (entry.profile or "") or entry.status == 304
        if original is not None:
            self.summary.revisits_resolved += 1
            if not_modified:  # a 304 keeps its own head and empty payload; it confirms the latest version
                # Without a head of its own (or one in a metadata record naming it, which then
                # replaces this), the 304's status line alone.
                status_line = entry.status_line or "HTTP/1.1 304 Not Modified"
                return self._page(entry, status_line, entry.header_lines or [], b""), True
            if entry.status_line is None:  # a revisit without an HTTP head stands for the original whole
                return self._page(entry, original.status_line, original.header_lines, original.body), True
            return self._page(entry, entry.status_line, entry.header_lines, original.body), True
        self.summary.revisits_unresolved.append(
            {
                "file": entry.source,
                "offset": str(entry.offset),
                "url": entry.url,
                "date": entry.date.isoformat(),
                "refers_to": entry.refers_to_url or entry.refers_to or entry.payload_digest or "",
            }
        )
        status_line = entry.status_line or ("HTTP/1.1 304 Not Modified" if not_modified else None)
        page = self._page(entry, status_line, entry.header_lines, b"")
        page.error = (
            f"unresolved revisit ({entry.profile or 'no profile'}): original "
            f"{entry.refers_to_url or entry.url} {entry.payload_digest or ''} not in the archive".strip()
        )[:500]
        return page, False

    def _start_parse(self, page: FetchedPage) -> Future[PageContent] | None:
        """Start parsing the page when it can be a document: a declared site's HTML (as the crawl's
        extraction pipeline would); None when it is not to be parsed (another host, a PDF, a 304)."""
        if page.error or page.site == NO_SITE or not page.body or page.http_status == 304:
            return None
        content_type = _header_value(page, "content-type") or ""
        if content_type and not content_type.lower().startswith(HTML_TYPES):
            return None  # a PDF, an image, a stylesheet: a capture, not a document page
        site = self.sites.site_of(page.url)
        assert site is not None
        job = (page.body, page.url, site.hints, _header_charset(content_type))
        self.parsed += 1
        if self.pool is None and self.processes > 0 and self.parsed > self.INLINE:
            # spawn, not fork: as the crawl's workers (crawler/workers.py), importing the parser once.
            context = multiprocessing.get_context("spawn")
            self.pool = ProcessPoolExecutor(self.processes, mp_context=context, initializer=warm_up)
        if self.pool is not None:
            return self.pool.submit(content_of, *job)
        done: Future[PageContent] = Future()
        try:
            done.set_result(content_of(*job))
        except Exception as exc:
            done.set_exception(exc)
        return done

    def _head_for_revisit(self, entry: WarcEntry) -> bool:
        """A metadata record holding the HTTP head of a revisit read ahead of the store (this
        project's export keeps a 304's head so, beside its server-not-modified revisit): the head
        becomes the revisit's capture's. False when it names no such revisit."""
        for pending in self.pending:
            if (
                pending.entry.rec_type == "revisit"
                and pending.entry.record_id == (entry.refers_to or "").strip()
            ):
                page = pending.page
                page.status_line, page.header_lines = entry.status_line, list(entry.header_lines or [])
                page.http_status = entry.status or page.http_status
                page.headers = _folded(page.header_lines)
                return True
        return False

    def _attachment(self, url: str, name: str | None, at: datetime | None) -> FetchedAttachment:
        """The linked file as recorded in the same WARC file (a response, or a resource record: what
        this project's export writes), the one recorded with the page or the latest before it, its
        text read as a crawl reads it; a file the WARC does not hold is a file the version could not
        fetch (a gap, which the next crawl fills without making a new version)."""
        if self.files is None and self.path is not None:
            self.files = FileIndex(self.path)
        entry = self.files.read(url, at) if self.files is not None else None
        if entry is None or entry.note or (entry.status is None and entry.rec_type != "resource"):
            return FetchedAttachment(url=url, name=name, error="not in the imported file")
        fetched = FetchedAttachment(
            url=url,
            name=name,
            http_status=entry.status,
            content_type=entry.header("Content-Type") or entry.content_type,
            body=entry.body,
        )
        self.summary.attachments += 1
        return attachment_text.read(fetched, slow=False)  # scans, .doc: the queue reads them after


@dataclass
class _Pending:
    """A record read ahead of the store: its page, and the parse under way in a worker."""

    entry: WarcEntry
    page: FetchedPage
    resolved: bool
    key: str
    parsing: Future[PageContent] | None


def content_of(body: bytes, url: str, hints: ExtractionHints, charset: str | None) -> PageContent:
    """The parser's result as the archive's record (run in a worker process: a pure function)."""
    return page_content(parse_page(body, url, hints, header_charset=charset))


def _unique(content: PageContent) -> list[AttachmentLink]:
    seen: dict[str, AttachmentLink] = {}
    for link in content.attachment_links:
        seen.setdefault(link.url, link)
    return list(seen.values())


def _folded(lines: list[tuple[str, str]]) -> dict[str, str]:
    """Header lines as the crawler's dict: a repeated name's values joined with ", "."""
    headers: dict[str, str] = {}
    for name, value in lines:
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def _header_value(page: FetchedPage, name: str) -> str | None:
    return next((v for n, v in page.headers.items() if n.lower() == name), None)


def _software(warcinfo: str) -> str | None:
    for line in warcinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "software" and value.strip():
            return value.strip()
    return None
