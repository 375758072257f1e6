"""The text of an attachment, so a search finds a document by words only in its attached files.

Agencies attach the substance as often as they write it in the page: the application form, the
statistics table, the policy itself as a PDF, often a scan of the signed paper, or a Word 97 file.
What is read, and how (recorded per attachment in `attachments.text_method`):

- **PDF** text layers with PDFium (pypdfium2), the engine of Chromium's PDF viewer: it reads the
  Identity-H/ToUnicode fonts Chinese PDFs use and opens what a browser opens, in C: 0.3 ms a replica
  one-page file against pypdf's 1.3 ms (pure Python, which parses each font's CMap in Python), and a
  long report's pages at the same ratio, CPU the crawl's parse worker otherwise spends
  (docs/benchmarks.md). A text layer is used as it is; a page without one (a scan) is read by OCR from
  the images it is made of (`archive.attachment_readers`: Tesseract, chi_sim), which pypdf lists.
  An encrypted PDF is opened with the empty password (most are: printing rights only), else a reason.
- **Images** (PNG, JPEG, TIFF, GIF, BMP, WebP): OCR, page by page.
- **OOXML** (.docx, .xlsx, .pptx) straight from their XML with the standard library: the text runs
  of a document, the shared and inline strings of a workbook, the runs of the slides.
- **Legacy Office** (.doc/.wps, .xls/.et, .ppt, .rtf): catdoc's tools (`archive.attachment_readers`
  says why catdoc and what it was measured against).
- **ZIP**: its members, by the same rules, with limits on their number, their sizes and the
  compression ratio (a zip bomb gives a reason, not a full disk).
- **HTML served as a file** (a login or error page under a .pdf name): a reason, not its text.

OCR and the Office converters are slow (a scanned page takes a second), so the crawl does not run
them: it reads with `slow=False`, which answers `deferred` for such files; they are stored with
neither text nor reason, and the queue (`archive.attachment_queue`) reads them after the crawl.

Extraction never raises: a damaged file gives a reason instead of text, because a lost attachment text
must not lose the page it came with. Text is capped (`MAX_CHARS`) so one huge table cannot dominate
the index.
"""

from __future__ import annotations

import io
import logging
import re
import threading
import zipfile
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from archive import attachment_readers as readers
from archive.attachment_readers import Deadline, Limits, ReadError

if TYPE_CHECKING:
    from archive.records import FetchedAttachment

MAX_CHARS = 200_000
MAX_PDF_PAGES = 200
_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_OOXML_PARTS = {
    "docx": re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml$"),
    "xlsx": re.compile(r"xl/(sharedStrings|worksheets/sheet\d+)\.xml$"),
    "pptx": re.compile(r"ppt/slides/slide\d+\.xml$"),
}
_TEXT_TAGS = {"t"}  # w:t, a:t, and the spreadsheet's <t> in <si> and inline strings
_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"GIF8", "gif"),
    (b"BM", "bmp"),
)
_HTML = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body|<meta|<script|<title)", re.IGNORECASE)
# ZIP limits: a member is read only below these (ZIP bombs declare small sizes and inflate to
# gigabytes; sizes are checked while inflating, not taken from the directory).
ZIP_MAX_MEMBERS = 100
ZIP_MAX_TOTAL = 200 * 1024 * 1024
ZIP_MAX_RATIO = 200
ZIP_MAX_DEPTH = 2


@dataclass(frozen=True)
class Extracted:
    text: str | None  # None when nothing could be read
    note: str | None  # why there is no text (or what was cut); None when all went well
    method: str | None = (
        None  # how the text was obtained: "pdfium 8149 text layer", "tesseract 5.3.0 chi_sim", …
    )
    deferred: bool = False  # needs a slow reader (OCR, a converter): read off the crawl's path
    # `text` in the search index's form, when the caller asked for it (`extract_searchable`).
    search_form: str | None = None


SLOW_KINDS = {"image", "ole", "rtf", "zip"}


def kind(data: bytes, name: str | None = None, content_type: str | None = None) -> str | None:
    """What the bytes are, by their magic number first (servers mislabel files), then by name."""
    if data.startswith(b"%PDF-") or data[:1024].lstrip().startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(_OLE_MAGIC):
        return "ole"
    if data.startswith(b"{\\rtf"):
        return "rtf"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return None
        for k, pattern in _OOXML_PARTS.items():
            if any(pattern.match(n) for n in names):
                return k
        return "zip"
    if any(data.startswith(magic) for magic, _ in _IMAGE_MAGIC) or (
        data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    ):
        return "image"
    if _HTML.match(data[:1024].lstrip(b"\xef\xbb\xbf")):
        return "html"
    ext = (name or "").rsplit(".", 1)[-1].lower() if name and "." in name else ""
    if ext == "txt" or (content_type or "").startswith("text/plain"):
        return "txt"
    return None


def extract(
    data: bytes | None,
    name: str | None = None,
    content_type: str | None = None,
    *,
    slow: bool = True,
    limits: Limits | None = None,
) -> Extracted:
    """The text of one attachment's bytes and how it was read, or the reason there is none.

    `slow=False` (the crawl): a file that needs OCR or a converter is not read but answered
    `deferred`; everything else is read as with `slow=True`."""
    limits = limits or Limits()
    if not data:
        return Extracted(None, "no bytes")
    if len(data) > limits.max_bytes:
        return Extracted(None, f"{len(data):,} bytes, over the {limits.max_bytes:,}-byte reading limit")
    return _finish(_read(data, name, content_type, slow, limits, Deadline(limits.seconds), 0))


def extract_searchable(
    data: bytes | None, name: str | None = None, content_type: str | None = None, *, slow: bool = True
) -> Extracted:
    """`extract`, and the text's search form (`archive.search.tokens.normalize`) made in the same call.

    Why here: the crawl reads attachments in its parse worker, and folding a long text (ftfy, NFKC,
    OpenCC: ~20 ms for 33,600 characters here) in the worker keeps that work off the crawl's reactor
    process, where the store would otherwise do it inside its transaction, holding the GIL the
    reactor needs."""
    from archive.search.tokens import normalize

    found = extract(data, name, content_type, slow=slow)
    return replace(found, search_form=normalize(found.text)) if found.text else found


def _finish(found: Extracted) -> Extracted:
    if found.deferred:
        return found
    text = (found.text or "").strip()
    if not text:
        return Extracted(None, found.note or "no text", found.method)
    if len(text) > MAX_CHARS:
        return Extracted(text[:MAX_CHARS], f"text cut at {MAX_CHARS} characters", found.method)
    return replace(found, text=text)


def _read(
    data: bytes,
    name: str | None,
    content_type: str | None,
    slow: bool,
    limits: Limits,
    deadline: Deadline,
    depth: int,
) -> Extracted:
    what = kind(data, name, content_type)
    if what == "ole" and readers.ole_kind(data) == "unknown":  # known at once: no reader to wait for
        return Extracted(None, "OLE2 file without a Word, Excel or PowerPoint stream: not read")
    if not slow and what in SLOW_KINDS:
        return Extracted(None, None, deferred=True)
    try:
        if what == "pdf":
            return _pdf(data, slow, limits, deadline)
        if what in _OOXML_PARTS:
            return Extracted(_ooxml(data, what), None, "OOXML (standard library)")
        if what == "txt":
            return Extracted(data.decode("utf-8", errors="replace"), None, "plain text")
        if what == "image":
            pages = readers.image_pages(data, limits)
            return _ocr_pages(pages, len(pages), limits, deadline, "image")
        if what == "rtf":
            text, method = readers.read_rtf(data, deadline)
            return Extracted(text, None, method)
        if what == "ole":
            return _ole(data, deadline)
        if what == "zip":
            return _zip(data, limits, deadline, depth)
        if what == "html":
            return Extracted(None, "an HTML page served as the file (an error or login page?), not read")
        return Extracted(None, f"format not read ({what or 'unknown'})")
    except ReadError as exc:
        return Extracted(None, f"{what}: {exc}"[:300])
    except Exception as exc:  # a damaged file must not lose its page
        return Extracted(None, f"unreadable {what}: {type(exc).__name__}: {exc}"[:300])


def read(fetched: FetchedAttachment, *, slow: bool = True) -> FetchedAttachment:
    """Fill in `fetched.text`/`text_note`/`text_method` from its bytes, for a caller that hands the
    store fetches itself (an import, a test); the crawl does the same in its parse worker. With
    `slow=False` a scan or a legacy Office file is left unread, for the attachment queue."""
    if fetched.body is not None and fetched.error is None:
        found = extract(fetched.body, fetched.name, fetched.content_type, slow=slow)
        fetched.text, fetched.text_note, fetched.text_method = found.text, found.note, found.method
    return fetched


# PDFium is not thread-safe, not even across documents: one call at a time in a process (the
# attachment queue reads in threads; the crawl's parse worker has one).
_PDFIUM = threading.Lock()


class _NotOpened(Exception):
    """An encrypted PDF the empty password does not open: why, as the attachment's note."""


def _pdfium_version() -> str:
    from pypdfium2.version import PDFIUM_INFO

    return f"pdfium {PDFIUM_INFO.build}"


def pdf_text_layer(data: bytes) -> tuple[int, list[str]]:
    """The number of pages and the text layer of each of the first `MAX_PDF_PAGES` ("" for a page
    without one), opened with the empty password where it is encrypted."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    with _PDFIUM:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            code = getattr(exc, "err_code", None)
            if code == pdfium_c.FPDF_ERR_PASSWORD:
                raise _NotOpened("encrypted PDF: a password is needed to read it") from exc
            if code == pdfium_c.FPDF_ERR_SECURITY:
                raise _NotOpened(f"encrypted PDF, not opened: {exc}"[:300]) from exc
            raise
        try:
            total = len(document)
            texts = []
            for n in range(min(total, MAX_PDF_PAGES)):
                page = document[n]
                textpage = page.get_textpage()
                # PDFium ends lines with CRLF, as Windows text does.
                texts.append(textpage.get_text_range().replace("\r\n", "\n").strip())
                textpage.close()
                page.close()
            return total, texts
        finally:
            document.close()


def _pypdf_pages(data: bytes) -> list:  # type: ignore[type-arg]
    """pypdf's pages, for the images a page without a text layer is made of."""
    from pypdf import PdfReader

    # pypdf logs every odd font or object it tolerates; those are not our errors.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        reader.decrypt("")
    return list(reader.pages)


def _pdf(data: bytes, slow: bool, limits: Limits, deadline: Deadline) -> Extracted:
    """Each page's text layer as it is; a page without one read by OCR from its images (slow only:
    the crawl defers such a file whole, so its text arrives in one piece)."""
    try:
        total, texts = pdf_text_layer(data)
    except _NotOpened as exc:
        return Extracted(None, str(exc))
    notes = [f"first {MAX_PDF_PAGES} of {total} pages read"] if total > MAX_PDF_PAGES else []
    layer = f"{_pdfium_version()} text layer"
    blank = [n for n, t in enumerate(texts) if not t]
    if not blank:
        return Extracted("\n".join(texts), "; ".join(notes) or None, layer)
    shown = _pypdf_pages(data)[:MAX_PDF_PAGES]
    scans = [n for n in blank if shown[n].images]
    if not scans:
        return Extracted(
            "\n".join(t for t in texts if t), "; ".join(notes) or "no text layer and no images", layer
        )
    if not slow:
        return Extracted(None, None, deferred=True)
    ocr = _ocr_pages(
        [lambda n=n: readers.pdf_page_images(shown[n], limits) for n in scans],
        total,
        limits,
        deadline,
        "page",
    )
    read_pages = ocr.text.split("\f") if ocr.text else []
    for n, text in zip(scans, read_pages, strict=False):
        texts[n] = text
    with_layer = len(shown) - len(blank)
    method = (
        ocr.method if not with_layer else f"{layer} ({with_layer} pages) + {ocr.method} ({len(scans)} pages)"
    )
    notes += [ocr.note] if ocr.note else []
    return Extracted("\n".join(t for t in texts if t), "; ".join(notes) or None, method)


def _ocr_pages(pages, total: int, limits: Limits, deadline: Deadline, unit: str) -> Extracted:  # type: ignore[no-untyped-def]
    """OCR of pages in order (each an image's bytes, or a callable giving a PDF page's images), up to
    the page and time limits; the pages' texts joined by form feeds, and a note of what was left."""
    if not readers.ocr_available():
        raise ReadError("needs OCR, and tesseract is not installed")
    out: list[str] = []
    note = None
    for n, page in enumerate(pages):
        if n >= limits.max_ocr_pages:
            note = f"OCR of the first {limits.max_ocr_pages} of {total} {unit}s (page limit)"
            break
        try:
            images = page() if callable(page) else [page]
            out.append("\n".join(readers.ocr_image(image, deadline) for image in images))
        except ReadError as exc:
            if not out:
                raise
            note = f"OCR stopped after {len(out)} of {total} {unit}s: {exc}"
            break
    return Extracted("\f".join(out), note, readers.tesseract_version())


def _ole(data: bytes, deadline: Deadline) -> Extracted:
    what = readers.ole_kind(data)
    if what == "word":
        text, method = readers.read_word(data, deadline)
    elif what == "excel":
        text, method = readers.read_excel(data, deadline)
    elif what == "powerpoint":
        text, method = readers.read_powerpoint(data, deadline)
    else:
        return Extracted(None, "OLE2 file without a Word, Excel or PowerPoint stream: not read")
    return Extracted(text, None, method)


def _zip(data: bytes, limits: Limits, deadline: Deadline, depth: int) -> Extracted:
    """Each member read by the same rules (nested ZIPs to ZIP_MAX_DEPTH), its text headed by its name;
    members too large, too compressed or past the limits are named in the note, not read."""
    if depth >= ZIP_MAX_DEPTH:
        return Extracted(None, "ZIP nested too deep, not opened")
    texts, methods, notes = [], [], []
    total = 0
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        members = [m for m in z.infolist() if not m.is_dir()]
        if len(members) > ZIP_MAX_MEMBERS:
            notes.append(f"first {ZIP_MAX_MEMBERS} of {len(members)} members read")
        for member in members[:ZIP_MAX_MEMBERS]:
            name = _member_name(member)
            cap = min(limits.max_bytes, ZIP_MAX_TOTAL - total, max(member.compress_size, 1) * ZIP_MAX_RATIO)
            try:
                with z.open(member) as f:
                    body = f.read(cap + 1)
            except (
                RuntimeError,
                zipfile.BadZipFile,
                NotImplementedError,
                OSError,
            ) as exc:  # encrypted, damaged
                notes.append(f"{name}: not read: {exc}"[:200])
                continue
            if len(body) > cap:
                notes.append(f"{name}: inflates past {cap:,} bytes (a ZIP bomb?), not read")
                continue
            total += len(body)
            found = _finish(_read(body, name, None, True, limits, deadline, depth + 1))
            if found.text:
                texts.append(f"[{name}]\n{found.text}")
                if found.method and found.method not in methods:
                    methods.append(found.method)
            if found.note:
                notes.append(f"{name}: {found.note}")
    return Extracted("\n".join(texts), "; ".join(notes)[:1000] or None, "ZIP: " + ", ".join(methods or ["-"]))


def _member_name(member: zipfile.ZipInfo) -> str:
    """A member's name; Chinese archivers write GBK names without the UTF-8 flag."""
    if member.flag_bits & 0x800:
        return member.filename
    try:
        return member.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return member.filename


def _ooxml(data: bytes, what: str) -> str:
    pattern = _OOXML_PARTS[what]
    out: list[str] = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for part in sorted(n for n in z.namelist() if pattern.match(n)):
            root = ElementTree.fromstring(z.read(part))
            for element in root.iter():
                if element.tag.rsplit("}", 1)[-1] in _TEXT_TAGS and element.text:
                    out.append(element.text)
                elif element.tag.rsplit("}", 1)[-1] in ("p", "row", "si") and out and out[-1] != "\n":
                    out.append("\n")
    return "".join(out)
