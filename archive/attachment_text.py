"""The text of an attachment, so a search finds a document by words only in its attached files.

Agencies attach the substance as often as they write it in the page: the application form, the
statistics table, the policy itself as a PDF. What is read:

- **PDF** with pypdf: pure Python with no dependencies, reads the Identity-H/ToUnicode fonts Chinese
  PDFs use. pdfminer.six reads the same text but took 5.7 ms a one-page file against pypdf's 3.2 ms
  here, and brings two more dependencies. A scanned PDF has no text layer: recorded, not an error.
- **OOXML** (.docx, .xlsx, .pptx) straight from their XML with the standard library: the text runs
  of a document, the shared and inline strings of a workbook, the runs of the slides.
- **Legacy OLE2** (.doc, .xls, .ppt): skipped with the reason recorded. No well-kept pure-Python
  library reads Word 97 text (olefile opens the container, not the text; antiword/catdoc are C
  programs), and xlrd, which reads .xls, is in maintenance only. A later pass can fill these in:
  `xxgk db reindex` extracts every attachment that has neither text nor a reason yet.

Extraction never raises: a damaged file gives a reason instead of text, because a lost attachment text
must not lose the page it came with. Text is capped (`MAX_CHARS`) so one huge table cannot dominate
the index.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING
from xml.etree import ElementTree

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


@dataclass(frozen=True)
class Extracted:
    text: str | None  # None when nothing could be read
    note: str | None  # why there is no text (or what was cut); None when all went well


def kind(data: bytes, name: str | None = None, content_type: str | None = None) -> str | None:
    """What the bytes are, by their magic number first (servers mislabel files), then by name."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(_OLE_MAGIC):
        return "ole"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return None
        for k, pattern in _OOXML_PARTS.items():
            if any(pattern.match(n) for n in names):
                return k
        return "zip"
    ext = (name or "").rsplit(".", 1)[-1].lower() if name and "." in name else ""
    if ext == "txt" or (content_type or "").startswith("text/plain"):
        return "txt"
    return None


def extract(data: bytes | None, name: str | None = None, content_type: str | None = None) -> Extracted:
    """The text of one attachment's bytes, or the reason there is none."""
    if not data:
        return Extracted(None, "no bytes")
    what = kind(data, name, content_type)
    try:
        if what == "pdf":
            text, note = _pdf(data)
        elif what in _OOXML_PARTS:
            text, note = _ooxml(data, what), None
        elif what == "txt":
            text, note = data.decode("utf-8", errors="replace"), None
        elif what == "ole":
            return Extracted(
                None, "legacy OLE2 file (.doc/.xls/.ppt): not read, no well-kept pure-Python reader"
            )
        else:
            return Extracted(None, f"format not read ({what or 'unknown'})")
    except Exception as exc:  # a damaged file must not lose its page
        return Extracted(None, f"unreadable {what}: {type(exc).__name__}: {exc}"[:300])
    text = (text or "").strip()
    if not text:
        return Extracted(None, note or f"{what}: no text (a scan?)")
    if len(text) > MAX_CHARS:
        return Extracted(text[:MAX_CHARS], f"text cut at {MAX_CHARS} characters")
    return Extracted(text, note)


def read(fetched: FetchedAttachment) -> FetchedAttachment:
    """Fill in `fetched.text`/`text_note` from its bytes, for a caller that hands the store fetches
    itself (an import script, a test); the crawl does the same in its parse worker."""
    if fetched.body is not None and fetched.error is None:
        found = extract(fetched.body, fetched.name, fetched.content_type)
        fetched.text, fetched.text_note = found.text, found.note
    return fetched


def _pdf(data: bytes) -> tuple[str, str | None]:
    from pypdf import PdfReader

    # pypdf logs every odd font or object it tolerates; those are not our errors.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = PdfReader(io.BytesIO(data))
    pages = reader.pages
    texts = [page.extract_text() or "" for page in list(pages)[:MAX_PDF_PAGES]]
    note = f"first {MAX_PDF_PAGES} of {len(pages)} pages read" if len(pages) > MAX_PDF_PAGES else None
    return "\n".join(texts), note


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
