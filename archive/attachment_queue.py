"""The attachment queue: files stored unread (scans, legacy Office) read after the crawl, off its path.

A scanned page takes a second of OCR and a .doc a converter run, so the crawl does not wait for
them: its attachments pipeline reads with `slow=False` and stores such a file with neither text nor
reason. That state *is* the queue (no second table to keep in step): every attachment row with bytes
(`sha256`), no text and no reason. `drain` reads them with a pool of worker threads, each file under
its own limits (`attachment_readers.Limits`: size, OCR'd pages, seconds; the programs it runs are
killed at the deadline), and writes each file's text, reason and method in a transaction of its
own, re-indexing its versions (`search.index.refresh_version`), so a search finds the words from
the moment they are read, and a crash loses at most the files being read.

Threads, not processes: the work is in the programs run (tesseract, antiword, catdoc), which the threads only
wait on; the database is written by the calling thread alone. One file's bytes are read once for
all the rows (versions) that hold it.

`xxgk crawl` and `xxgk demo` drain it after their crawls, `xxgk import` after its import, `xxgk db
reindex` before it rebuilds (all show progress on stderr). Two crawl processes that end together may
read the same file twice; the second write finds no row waiting and changes nothing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from archive import attachment_text, blobs
from archive.attachment_readers import Limits
from archive.models import Attachment
from archive.search import index

_T = Attachment.__table__
PENDING = (_T.c.sha256.is_not(None), _T.c.text.is_(None), _T.c.text_note.is_(None))


@dataclass
class Progress:
    """Where a drain is: files (distinct contents) done of those queued when it started."""

    total: int
    done: int = 0
    with_text: int = 0
    ocr: int = 0
    converted: int = 0
    reasons: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started

    def line(self) -> str:
        return (
            f"attachments read: {self.done}/{self.total} files ({self.ocr} by OCR, {self.converted} "
            f"converted, {self.reasons} with a reason) in {self.seconds:.1f}s"
        )


def pending(engine: Engine) -> int:
    """Attachment rows waiting to be read."""
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(_T).where(*PENDING)) or 0


def _pending_files(engine: Engine, batch: int = 200) -> Iterator[tuple[str, str | None, str | None]]:
    """(sha256, a name, a content type) per distinct file waiting, oldest first, in batches."""
    last = 0
    stmt = (
        select(func.min(_T.c.id), _T.c.sha256, func.min(_T.c.name), func.min(_T.c.content_type))
        .where(*PENDING)
        .group_by(_T.c.sha256)
        .order_by(func.min(_T.c.id))
    )
    seen: set[str] = set()
    while True:
        with engine.connect() as conn:
            rows = conn.execute(stmt.having(func.min(_T.c.id) > last).limit(batch)).all()
        if not rows:
            return
        for first_id, digest, name, content_type in rows:
            if digest not in seen:
                seen.add(digest)
                yield digest, name, content_type
            last = max(last, first_id)


def _load(engine: Engine, digest: str) -> bytes | str:
    """The file's bytes, or why they cannot be had."""
    try:
        with Session(engine) as s:
            return blobs.get(s, digest)
    except Exception as exc:  # a lost or damaged blob is a reason, not a failed drain
        return f"blob unreadable: {type(exc).__name__}: {exc}"[:300]


def _read(
    data: bytes | str, name: str | None, content_type: str | None, limits: Limits
) -> attachment_text.Extracted:
    if isinstance(data, str):
        return attachment_text.Extracted(None, data)
    return attachment_text.extract(data, name, content_type, slow=True, limits=limits)


def _write(engine: Engine, digest: str, found: attachment_text.Extracted) -> None:
    """One file's text (or reason) into every row still waiting with its bytes, each version
    re-indexed with it, in one transaction."""
    values = {"text": found.text, "text_note": found.note or (None if found.text else "no text"),
              "text_method": found.method}  # fmt: skip
    with engine.begin() as conn:
        rows = conn.execute(select(_T.c.id, _T.c.version_id).where(_T.c.sha256 == digest, *PENDING)).all()
        by_version: dict[int, list[int]] = {}
        for att_id, version_id in rows:
            by_version.setdefault(version_id, []).append(att_id)
        for version_id, ids in by_version.items():
            index.refresh_version(
                conn,
                version_id,
                lambda ids=ids: conn.execute(update(_T).where(_T.c.id.in_(ids)).values(**values)),
            )


def drain(
    engine: Engine,
    *,
    workers: int | None = None,
    limits: Limits | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> Progress:
    """Read every attachment waiting, `workers` files at a time (default: the machine's cores); the
    text of each is searchable as soon as it is written. Returns the final progress."""
    limits = limits or Limits()
    workers = workers or max(1, os.cpu_count() or 1)
    state = Progress(total=_distinct_pending(engine))
    files = _pending_files(engine)
    running: dict[Future[attachment_text.Extracted], str] = {}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="xxgk-read") as pool:

        def submit() -> bool:
            try:
                digest, name, content_type = next(files)
            except StopIteration:
                return False
            running[pool.submit(_read, _load(engine, digest), name, content_type, limits)] = digest
            return True

        while len(running) < workers and submit():
            pass
        while running:
            done = next(_first_done(running))
            digest = running.pop(done)
            found = done.result()
            _write(engine, digest, found)
            _count(state, found)
            if progress:
                progress(state)
            submit()
    return state


def _first_done(
    running: dict[Future[attachment_text.Extracted], str],
) -> Iterator[Future[attachment_text.Extracted]]:
    from concurrent.futures import FIRST_COMPLETED, wait

    finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
    yield from finished


def _distinct_pending(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count(func.distinct(_T.c.sha256))).where(*PENDING)) or 0


def _count(state: Progress, found: attachment_text.Extracted) -> None:
    state.done += 1
    method = found.method or ""
    if found.text:
        state.with_text += 1
        if "tesseract" in method:
            state.ocr += 1
        elif any(tool in method for tool in ("antiword", "catdoc", "xlrd", "catppt")):
            state.converted += 1
    else:
        state.reasons += 1


def reread_all(engine: Engine) -> int:
    """Forget every attachment's text, reason and method, so the next drain reads them all again (a
    better reader arrived: `xxgk db reindex --reread-attachments`). Returns the rows queued."""
    with engine.begin() as conn:
        return conn.execute(
            update(_T).where(_T.c.sha256.is_not(None)).values(text=None, text_note=None, text_method=None)
        ).rowcount


def progress_printer(echo: Callable[[str], None], every: float = 2.0) -> Callable[[Progress], None]:
    """A progress callback that prints a line at most every `every` seconds, and the last one."""
    last = [0.0]

    def show(state: Progress) -> None:
        now = time.monotonic()
        if now - last[0] >= every or state.done == state.total:
            last[0] = now
            echo(state.line())

    return show
