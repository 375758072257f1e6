"""The slow readers of attachments: OCR of scanned pages and images, and legacy Office binaries.

Both run programs outside Python, each call with a time limit, so a stuck or slow file costs its own
limit and nothing else:

- **OCR: Tesseract 5 with `chi_sim`** (Debian's tesseract-ocr, tesseract-ocr-chi-sim: 4.5 MB
  installed), the engine the issue names, whose model comes with the distribution; an engine from a
  Python registry (PaddleOCR, EasyOCR) brings a deep-learning framework of several hundred MB and was
  not tried. It read the replica's scans (200 dpi, turned 0.2-0.6°, speckled) with 99.2% of the
  characters right, 98.9% on the worst page (bench/attachments.py, docs/benchmarks.md). It runs
  single-threaded (`OMP_THREAD_LIMIT=1`): pages are read side by side by the queue's workers
  instead; on the two shared cores here OpenMP inside one page made a page slower, not faster
  (1.1 s a page with one thread, 2.8 s with two).
- **Legacy Office**, chosen by reading the replica's files (written by LibreOffice) with each
  candidate and comparing with their source text (bench/attachments.py): **antiword** (Debian, 0.5 MB)
  for Word 97/.wps, exact on every file; catdoc garbled the first paragraph of a long document (a
  piece that crosses a sector). **xlrd** (pure Python, reads only .xls, maintained for it) for BIFF
  .xls/.et, exact; catdoc's xls2csv garbled strings continued across BIFF CONTINUE records.
  **catdoc** for RTF, exact. LibreOffice headless read all of them right too, but took ~1.2 s a file
  against a few milliseconds, and is a 250 MB install. `catppt` (catdoc) for PowerPoint 97.

Every function here is pure (bytes in, text and how it was read out) and raises `ReadError` with the
reason when a file gives nothing; `archive.attachment_text` turns that into the recorded reason.
"""

from __future__ import annotations

import functools
import io
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass

from archive import ocr_layout

OCR_LANG = "chi_sim"
# One column of text of varying sizes (psm 4): the automatic layout analysis (psm 3) split lines at a
# full-width 。 into columns and misread their right halves; one uniform block (psm 6) lost a ruled
# table row now and then. On 12 of the replica's scans, characters right: psm 3 98.3% (worst page
# 91.7%), psm 6 99.4% (worst 97.0%), psm 4 99.2% (worst 98.9%). Disclosure documents are set in one
# column, with headings larger than the text.
OCR_PSM = "4"
# A table's number cells are read again on their own with only digits allowed (archive/ocr_layout.py):
# Tesseract's English model, which Debian's tesseract-ocr always installs, reads digits as well as
# chi_sim and loads in a fraction of its time.
DIGITS_LANG = "eng"
# Whitespace Tesseract puts between two CJK characters (it segments them as words): not in the text.
_CJK = r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]"
_CJK_GAP = re.compile(rf"(?<={_CJK})[ \t]+(?={_CJK})")


class ReadError(Exception):
    """Why a file gave no text (the message is recorded as the attachment's reason)."""


@dataclass(frozen=True)
class Limits:
    """What one file may cost: its size, its OCR'd pages and its wall time (a 300-page scan must not
    hold the queue for five minutes; what was read before the limit is kept, with a note)."""

    max_bytes: int = 50 * 1024 * 1024
    max_ocr_pages: int = 60
    seconds: float = 180.0
    max_pixels: int = 60_000_000  # a decompression bomb disguised as a scan


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return self.end - time.monotonic()


def _run(args: list[str], data: bytes, deadline: Deadline, env: dict[str, str] | None = None) -> bytes:
    """A program fed `data` on stdin (or, where `args` has "{file}", in a temporary file), within
    the deadline; its stdout, or ReadError with its last line of stderr."""
    if "{file}" in args:
        with tempfile.NamedTemporaryFile(prefix="xxgk-attachment-") as tmp:
            tmp.write(data)
            tmp.flush()
            return _run([tmp.name if a == "{file}" else a for a in args], b"", deadline, env)
    left = deadline.left()
    if left <= 0:
        raise ReadError("time limit reached")
    try:
        done = subprocess.run(
            args, input=data, capture_output=True, timeout=left, env={**os.environ, **(env or {})}
        )
    except subprocess.TimeoutExpired:
        raise ReadError(f"time limit reached ({args[0]} stopped)") from None
    except FileNotFoundError:
        raise ReadError(f"{args[0]} is not installed") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ReadError(f"{args[0]} failed: {(message or ['exit ' + str(done.returncode)])[-1][:200]}")
    return done.stdout


@functools.cache
def tesseract_version() -> str:
    try:
        out = subprocess.run(["tesseract", "--version"], capture_output=True, timeout=30)
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return "tesseract (missing)"
    first = (out.stdout or out.stderr).decode().splitlines()[0]
    return f"{first.strip()} {OCR_LANG}"  # "tesseract 5.3.0 chi_sim"


@functools.cache
def catdoc_version() -> str:
    try:
        out = subprocess.run(["catdoc", "-V"], capture_output=True, timeout=30)
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return "catdoc (missing)"
    words = (out.stdout or out.stderr).decode().split()
    return f"catdoc {words[-1]}" if words else "catdoc"


def ocr_available() -> bool:
    return shutil.which("tesseract") is not None


def ocr_image(data: bytes, deadline: Deadline) -> str:
    """The text of one page image (PNG, JPEG, TIFF, …: whatever Pillow opens), in reading order, with
    ruled table rows kept whole and their numbers read twice (archive/ocr_layout.py says why)."""
    page = ocr_layout.straighten(_open_image(data))
    words = ocr_layout.words_from_tsv(_tesseract(page, deadline, OCR_LANG, OCR_PSM))
    items = ocr_layout.arrange(page, words, ocr_layout.rule_positions(page))
    rows = [(n, item) for n, item in enumerate(items) if isinstance(item, ocr_layout.TableRow)]
    cells = [(n, i, cell) for n, item in rows for i, cell in enumerate(item.cells) if not cell.blank]
    settled: dict[tuple[int, int], str | None] = {
        (n, i): ocr_layout.BLANK for n, item in rows for i, cell in enumerate(item.cells) if cell.blank
    }
    if cells:
        digits_only = ("-c", "tessedit_char_whitelist=0123456789.")
        sheet, spans = ocr_layout.digit_sheet(page, [cell.box for _, _, cell in cells])
        second = ocr_layout.words_in_spans(
            ocr_layout.words_from_tsv(_tesseract(sheet, deadline, DIGITS_LANG, "6", *digits_only)), spans
        )
        readings = {
            (n, i): [text for text, _ in found] for (n, i, _), found in zip(cells, second, strict=True)
        }
        for (n, i, cell), found in zip(cells, second, strict=True):
            settled[n, i] = ocr_layout.settle(cell, found)
        unsettled = [k for k, (n, i, _) in enumerate(cells) if settled[n, i] in (ocr_layout.UNREADABLE, None)]
        if unsettled:
            # A third reading by the Chinese model, digits only, of the same sheet: the cells in their
            # company (a sheet of one lone digit is read worse than a column of them).
            third = ocr_layout.words_in_spans(
                ocr_layout.words_from_tsv(_tesseract(sheet, deadline, OCR_LANG, "6", *digits_only)), spans
            )
            for k in unsettled:
                n, i, cell = cells[k]
                settled[n, i] = ocr_layout.third_opinion(cell, second[k], third[k], settled[n, i])
                readings[n, i] += [text for text, _ in third[k]]
        ocr_layout.read_ones(page, items, settled, readings)
    ocr_layout.keep_unread_digits(items, settled)
    _relabel([item for _, item in rows], page, deadline)
    return tidy_ocr(ocr_layout.text(items, settled))


def _relabel(rows: list[ocr_layout.TableRow], page, deadline: Deadline) -> None:  # type: ignore[no-untyped-def]
    """Label cells the page's reading left mostly unread, read again on their own (one sheet, one
    Tesseract call): a parser anchored on labels loses a row whose label is lost."""
    unread = [row for row in rows if row.unread is not None]
    if not unread:
        return
    sheet, spans = ocr_layout.digit_sheet(page, [row.unread for row in unread])  # type: ignore[misc]
    found = ocr_layout.words_in_spans(
        ocr_layout.words_from_tsv(_tesseract(sheet, deadline, OCR_LANG, "6")), spans
    )
    for row, words in zip(unread, found, strict=True):
        if words:
            ocr_layout.relabel(row, words)


def _open_image(data: bytes):  # type: ignore[no-untyped-def]
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ReadError(f"not an image Pillow can open: {exc}") from None
    return image


def _tesseract(page, deadline: Deadline, lang: str, psm: str, *options: str) -> str:  # type: ignore[no-untyped-def]
    """Tesseract's TSV (words with their boxes and confidence) of a Pillow image, one thread."""
    png = io.BytesIO()
    page.save(png, "PNG")
    args = ["tesseract", "stdin", "stdout", "-l", lang, "--psm", psm, *options, "tsv"]
    return _run(args, png.getvalue(), deadline, {"OMP_THREAD_LIMIT": "1"}).decode("utf-8", "replace")


def tidy_ocr(text: str) -> str:
    """Tesseract's text with the spaces it puts between Chinese characters removed and blank runs
    folded (the page layout is not the text)."""
    lines = [_CJK_GAP.sub("", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def image_pages(data: bytes, limits: Limits) -> list[bytes]:
    """A picture file's pages as images Tesseract reads: a multi-page TIFF is split (Tesseract would
    read every page of it, past the page limit), anything else is passed as it is. Its pixels are
    counted first, so a bomb of a PNG is refused before anything decodes it."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            w, h = image.size
            if w * h > limits.max_pixels:
                raise ReadError(f"image of {w}×{h} pixels, over the {limits.max_pixels:,} limit")
            frames = getattr(image, "n_frames", 1)
            if frames <= 1:
                return [data]
            pages = []
            for n in range(frames):
                image.seek(n)
                out = io.BytesIO()
                image.save(out, "PNG")
                pages.append(out.getvalue())
            return pages
    except UnidentifiedImageError:
        raise ReadError("not an image Pillow recognises") from None
    except Image.DecompressionBombError as exc:
        raise ReadError(f"image too large: {exc}") from None


def pdf_page_images(page, limits: Limits) -> list[bytes]:  # type: ignore[no-untyped-def]
    """The images a PDF page is made of (a scan: usually one), as files Tesseract reads: JPEG and
    JPEG 2000 data as stored, anything else re-encoded as PNG by Pillow (through pypdf)."""
    out = _jpeg_streams(page)  # a scanner's page: JPEG streams handed over as stored, nothing decoded
    if out is None:
        out = []
        for image in page.images:
            name = (image.name or "").lower()
            if name.endswith((".jpg", ".jpeg", ".jp2", ".png", ".tif", ".tiff")):
                out.append(image.data)
            else:
                buf = io.BytesIO()
                image.image.save(buf, "PNG")
                out.append(buf.getvalue())
    for data in out:
        image_pages(data, limits)  # the pixel limit, before Tesseract decodes it
    return out


def _jpeg_streams(page) -> list[bytes] | None:  # type: ignore[no-untyped-def]
    """The page's images when every one is a plain JPEG (DCTDecode, no other filter): their stored
    bytes are JPEG files as they are. pypdf's `page.images` decodes and re-encodes them (~45 ms a
    page); None when any image needs that."""
    try:
        xobjects = page["/Resources"]["/XObject"].get_object()
    except (KeyError, TypeError):
        return None
    out = []
    for ref in xobjects.values():
        obj = ref.get_object()
        if obj.get("/Subtype") != "/Image":
            continue
        if obj.get("/Filter") not in ("/DCTDecode", ["/DCTDecode"]):
            return None
        out.append(obj._data)
    return out or None


# ---- legacy Office (catdoc) ----------------------------------------------------------------------


def ole_kind(data: bytes) -> str:
    """Which Office binary an OLE2 compound file holds, by the stream names in its directory (stored
    as UTF-16LE): a name or a content type says less than the file itself."""
    if "WordDocument".encode("utf-16-le") in data:
        return "word"
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return "excel"
    if "PowerPoint Document".encode("utf-16-le") in data:
        return "powerpoint"
    return "unknown"


def read_word(data: bytes, deadline: Deadline) -> tuple[str, str]:
    """A Word 97 (or WPS) document: antiword, UTF-8, no line wrapping; the rows of its tables (which
    antiword draws as `|cell |cell |`) become lines of tab-separated cells."""
    out = _run(["antiword", "-m", "UTF-8.txt", "-w", "0", "{file}"], data, deadline).decode(
        "utf-8", "replace"
    )
    lines = []
    for line in out.splitlines():
        if line.startswith("|") and line.rstrip().endswith("|"):
            line = "\t".join(cell.strip() for cell in line.strip()[1:-1].split("|"))
        lines.append(line)
    return "\n".join(lines), antiword_version()


def read_rtf(data: bytes, deadline: Deadline) -> tuple[str, str]:
    """An RTF file: catdoc, UTF-8 out, no line wrapping."""
    out = _run(["catdoc", "-w", "-d", "utf-8", "{file}"], data, deadline).decode("utf-8", "replace")
    return out, catdoc_version()


def read_excel(data: bytes, deadline: Deadline) -> tuple[str, str]:
    """A BIFF .xls/.et workbook: xlrd, each row a line of its non-empty cells separated by tabs, sheet
    after sheet. In-process (xlrd is pure Python and reads a workbook in milliseconds), so the
    deadline is checked between sheets rather than enforced by a kill."""
    import xlrd

    book = xlrd.open_workbook(file_contents=data, on_demand=True)
    lines = []
    for n in range(book.nsheets):
        if deadline.left() <= 0:
            raise ReadError(f"time limit reached after {n} of {book.nsheets} sheets")
        sheet = book.sheet_by_index(n)
        for r in range(sheet.nrows):
            cells = [_cell(v) for v in sheet.row_values(r)]
            cells = [c for c in cells if c.strip()]
            if cells:
                lines.append("\t".join(cells))
        book.unload_sheet(n)
    return "\n".join(lines), f"xlrd {xlrd.__version__}"


def _cell(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_powerpoint(data: bytes, deadline: Deadline) -> tuple[str, str]:
    out = _run(["catppt", "-d", "utf-8", "{file}"], data, deadline).decode("utf-8", "replace")
    return out, f"catppt ({catdoc_version()})"


@functools.cache
def antiword_version() -> str:
    try:
        out = subprocess.run(["antiword"], capture_output=True, timeout=30)
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return "antiword (missing)"
    found = re.search(rb"Version: *([\w.]+)", out.stdout + out.stderr)
    return f"antiword {found.group(1).decode()}" if found else "antiword"
