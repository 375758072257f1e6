"""Attachments as agencies really publish them: scans of printed pages and legacy Office files.

A document's blocks (a str is a paragraph, a list of rows of cells is a table: the shape
`replica.content.annual_report_body` returns) become a file of one `FORMS` form, with
`source_text(blocks)` as the ground truth a perfect reader gets back.

- **Scans** (`pdf_scan`, `png_scan`): the page drawn with a CJK font (WenQuanYi Micro Hei, Debian's
  fonts-wqy-microhei) at 200 dpi, turned by a fraction of a degree and speckled, as a flatbed leaves a
  printed page; a PDF scan is that image in a PDF with no text layer, as scanners write them. Pillow
  draws and writes both (pure pixels, no clock in the output), so the bytes are a function of the key.
  Drawing a page takes a few tenths of a second, so a scan too is drawn once and kept in the cache
  directory below.
- **Legacy Office** (`doc`, `wps`, `xls`, `et`, `rtf`): written by LibreOffice headless from a flat
  ODF document, because no well-kept Python library writes Word 97 binaries, and hand-writing the
  FIB/piece-table format is a project of its own. LibreOffice stamps times into its output, and
  takes a second a file, so each file is converted once and kept in a cache directory
  (`XXGK_FORMS_CACHE`, default ~/.cache/xxgk/replica-forms) under the digest of what it holds: the
  same key and blocks are the same bytes on every later run, and a crawl never waits on a
  conversion it already made. `.wps` and `.et` are what Kingsoft WPS Office writes: the Word 97 and
  BIFF8 binaries (WPS 2005 and later), under their own extensions.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from random import Random
from xml.sax.saxutils import escape

FORMS = ("pdf_scan", "png_scan", "doc", "wps", "xls", "et", "rtf")
EXTENSIONS = {
    "pdf_scan": "pdf",
    "png_scan": "png",
    "doc": "doc",
    "wps": "wps",
    "xls": "xls",
    "et": "et",
    "rtf": "rtf",
}
CONTENT_TYPES = {
    "pdf_scan": "application/pdf",
    "png_scan": "image/png",
    "doc": "application/msword",
    "wps": "application/kswps",
    "xls": "application/vnd.ms-excel",
    "et": "application/kset",
    "rtf": "application/rtf",
}
FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
DPI = 200
PAGE = (1654, 2339)  # A4 at 200 dpi
MARGIN = 150
FONT_PX = 40  # ~14 pt at 200 dpi: what a printed 四号/小四 form scans to
LINE_PX = 72
ROW_PX = 88  # a table row: its rules clear of the text above and below
CELL_PAD = 16  # text inside a cell starts this far from its column's edge
MIN_CELL_PX = 26  # the smallest size a crowded table row is drawn at (~9 pt at 200 dpi)
# LibreOffice's filter per form (the Kingsoft forms are the Word 97 and BIFF8 binaries).
_FILTERS = {
    "doc": ("fodt", "doc:MS Word 97"),
    "wps": ("fodt", "doc:MS Word 97"),
    "rtf": ("fodt", "rtf:Rich Text Format"),
    "xls": ("fods", "xls:MS Excel 97"),
    "et": ("fods", "xls:MS Excel 97"),
}

Blocks = list[str | list[list[str]]]


def source_text(blocks: Blocks) -> str:
    """The text a perfect reader gets back: a paragraph a line, a table a line per row with its cells
    separated by a tab. Readers lay tables out in their own ways (tabs, `|`, CSV), so compare after
    folding whitespace (`fold`)."""
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, str):
            lines.append(block)
        else:
            lines.extend("\t".join(row) for row in block)
    return "\n".join(lines)


def fold(text: str) -> str:
    """Whitespace folded away, the form texts are compared in (a reader's line breaks and table
    layout are not part of the text; Chinese has no spaces between words)."""
    return "".join(text.split())


def render(form: str, blocks: Blocks, key: str) -> bytes:
    """A document's blocks as a file of that form; deterministic per key."""
    if form in ("png_scan", "pdf_scan"):
        return _scan(form, blocks, key)
    if form in _FILTERS:
        return _office(form, blocks, key)
    raise ValueError(f"unknown attachment form {form!r} (one of {', '.join(FORMS)})")


# ---- scans ----------------------------------------------------------------------------------------


def _scan(form: str, blocks: Blocks, key: str) -> bytes:
    """A scan, drawn once per machine and then read from the cache directory (`cache_dir`).

    Turning an A4 page at 200 dpi takes Pillow 0.2-0.4 s of CPU, and every replica process that
    serves the same document draws the same bytes: the test suite's replicas drew the same scans
    again in each. The digest covers what the scan holds and what draws it (this module's code, the
    font file, Pillow's version), so a change to any of them draws it afresh."""
    digest = hashlib.sha256(f"{form}\0{_drawing_identity()}\0{key}\0{blocks!r}".encode()).hexdigest()
    cached = cache_dir() / f"{digest}.{EXTENSIONS[form]}"
    with contextlib.suppress(OSError):
        return cached.read_bytes()
    pages = _pages(blocks, key)
    data = _png(pages[0]) if form == "png_scan" else _pdf(pages)
    with contextlib.suppress(OSError):  # an unwritable cache costs the next request a drawing, no more
        _write_atomically(cached, data)
    return data


@functools.cache
def _drawing_identity() -> str:
    import PIL

    font = Path(FONT).stat()
    code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    return f"{code} {PIL.__version__} {font.st_size} {font.st_mtime_ns}"


def _write_atomically(path: Path, data: bytes) -> None:
    """Written under a temporary name and renamed: parallel replicas agree on the first file written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


@dataclass(frozen=True)
class _Row:
    """A table row as drawn: its columns' widths, each cell's lines, the table's font size and the
    row's height. A table whose cells fit equal columns at the normal size is drawn so; a crowded one
    (the annual reports' have 15 columns and 34-character labels) gets columns as wide as their
    contents need and, when those do not fit the page, a smaller size (down to MIN_CELL_PX) and
    labels wrapped within their column."""

    widths: list[int]
    cells: list[list[str]]
    font_px: int
    height: int


Line = str | _Row | None  # a paragraph's line, a table row, a half-line gap around a table


@functools.cache
def _font(size: int):  # type: ignore[no-untyped-def]
    from PIL import ImageFont

    return ImageFont.truetype(FONT, size)


def _wrap(text: str, font, width: float) -> list[str]:  # type: ignore[no-untyped-def]
    lines, line = [], ""
    for ch in text:
        if line and font.getlength(line + ch) > width:
            lines.append(line)
            line = ""
        line += ch
    return [*lines, line]


def _table(rows: list[list[str]], width: int) -> list[_Row]:
    columns = max((len(r) for r in rows), default=1)
    need = [
        max((_font(FONT_PX).getlength(r[i]) for r in rows if i < len(r)), default=0) + 2 * CELL_PAD
        for i in range(columns)
    ]
    size, widths = FONT_PX, [width // columns] * columns
    if any(n > w for n, w in zip(need, widths, strict=True)):
        size = max(MIN_CELL_PX, min(FONT_PX, int(FONT_PX * width / sum(need))))
        scaled = [int((n - 2 * CELL_PAD) * size / FONT_PX) + 2 * CELL_PAD for n in need]
        spare = width - sum(scaled)
        if spare >= 0:
            widths = [w + spare // columns for w in scaled]
        else:  # still too wide: the widest column gives way and wraps
            widest = scaled.index(max(scaled))
            scaled[widest] = max(scaled[widest] + spare, 4 * size)
            # table 4's fifteen columns overflow even so: equal columns, headings wrapped in them
            widths = scaled if sum(scaled) <= width else [width // columns] * columns
    pad = (ROW_PX - FONT_PX) // 2 - 4
    out = []
    for row in rows:
        cells = [_wrap(c, _font(size), widths[i] - 2 * CELL_PAD) for i, c in enumerate(row)]
        lines = max((len(c) for c in cells), default=1)
        height = max(ROW_PX, pad + (lines - 1) * int(size * 1.5) + size + pad + 8)
        out.append(_Row(widths, cells, size, height))
    return out


def _lines(blocks: Blocks, width: int) -> list[Line]:
    """Paragraphs wrapped to the page width; table rows kept whole, with a half-line gap (None) above
    and below each table, as printed forms leave room around a ruled table."""
    out: list[Line] = []
    for block in blocks:
        if isinstance(block, str):
            out += _wrap(block, _font(FONT_PX), width)
        else:
            out += [None, *_table([list(row) for row in block], width), None]
    return out


def _height(item: Line) -> int:
    return LINE_PX if isinstance(item, str) else item.height if item is not None else LINE_PX // 2


def _layout(lines: list[Line]) -> list[list[tuple[Line, int]]]:
    """The lines placed on pages: (line, y of its top) per page."""
    pages: list[list[tuple[Line, int]]] = [[]]
    y = MARGIN
    for item in lines:
        if y + _height(item) > PAGE[1] - MARGIN and pages[-1]:
            pages.append([])
            y = MARGIN
        pages[-1].append((item, y))
        y += _height(item)
    return pages


def _pages(blocks: Blocks, key: str) -> list:  # type: ignore[type-arg]
    """The blocks drawn on as many A4 pages as they need, each turned and speckled by the key."""
    from PIL import Image, ImageDraw

    width = PAGE[0] - 2 * MARGIN
    rng = Random(hashlib.sha256(key.encode()).digest())
    pages = []
    for placed in _layout(_lines(blocks, width)):
        page = Image.new("L", PAGE, 255)
        draw = ImageDraw.Draw(page)
        for line, y in placed:
            if isinstance(line, str):
                draw.text((MARGIN, y), line, font=_font(FONT_PX), fill=20)
            elif line is not None:  # a table row, ruled as printed tables are
                top, left = y + (ROW_PX - FONT_PX) // 2 - 4, MARGIN
                for wrapped, column in zip(line.cells, line.widths, strict=False):
                    for n, text in enumerate(wrapped):
                        at = (left + CELL_PAD, top + n * int(line.font_px * 1.5))
                        draw.text(at, text, font=_font(line.font_px), fill=20)
                    left += column
                draw.line((MARGIN, y, MARGIN + width, y), fill=60, width=2)
                draw.line((MARGIN, y + line.height, MARGIN + width, y + line.height), fill=60, width=2)
        pages.append(flatbed(page, rng))
    return pages


def flatbed(page, rng: Random):  # type: ignore[no-untyped-def]
    """A flatbed's faults: turned by 0.2-0.6 degrees either way, grey specks and a few dark ones (also
    put on real reports' rendered pages by bench/annual_reports.py --flatbed)."""
    from PIL import Image

    angle = rng.uniform(0.2, 0.6) * rng.choice((-1, 1))
    page = page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    pixels = page.load()
    w, h = page.size
    for _ in range(w * h // 400):  # 0.25% of the pixels
        x, y = rng.randrange(w), rng.randrange(h)
        pixels[x, y] = rng.choice((90, 150, 200, 230))  # type: ignore[index]
    for _ in range(40):  # dust: small dark blots
        x, y = rng.randrange(w - 4), rng.randrange(h - 4)
        r = rng.randrange(1, 3)
        for dx in range(r):
            for dy in range(r):
                pixels[x + dx, y + dy] = 40  # type: ignore[index]
    return page


def _png(page) -> bytes:  # type: ignore[no-untyped-def]
    out = BytesIO()
    page.save(out, "PNG", dpi=(DPI, DPI), optimize=False)
    return out.getvalue()


def _pdf(pages: list) -> bytes:  # type: ignore[type-arg]
    """An image-only PDF, a page per scanned image (JPEG-compressed, as scanners write them), with
    fixed dates so the bytes do not depend on the clock."""
    import time

    out = BytesIO()
    when = time.gmtime(1704067200)  # 2024-01-01
    pages[0].save(
        out,
        "PDF",
        resolution=float(DPI),
        save_all=True,
        append_images=pages[1:],
        creationDate=when,
        modDate=when,
        quality=85,
    )
    return out.getvalue()


# ---- legacy Office --------------------------------------------------------------------------------

_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
)


def _flat_odf(kind: str, blocks: Blocks) -> str:
    """A flat ODF text (fodt) or spreadsheet (fods) holding the blocks: in a spreadsheet a paragraph
    is a row of one cell, as statistics tables put their title and notes."""
    if kind == "fodt":
        parts = []
        for n, block in enumerate(blocks):
            if isinstance(block, str):
                parts.append(f"<text:p>{escape(block)}</text:p>")
            else:
                cols = max(len(r) for r in block)
                rows = "".join(
                    "<table:table-row>"
                    + "".join(f"<table:table-cell><text:p>{escape(c)}</text:p></table:table-cell>" for c in r)
                    + "</table:table-row>"
                    for r in block
                )
                parts.append(
                    f'<table:table table:name="T{n}"><table:table-column table:number-columns-repeated="{cols}"/>'
                    f"{rows}</table:table>"
                )
        body = f"<office:text>{''.join(parts)}</office:text>"
        mime = "text"
    else:
        rows_of: list[list[str]] = []
        for block in blocks:
            rows_of.extend([[block]] if isinstance(block, str) else [list(r) for r in block])
        rows = "".join(
            "<table:table-row>"
            + "".join(
                f'<table:table-cell office:value-type="string"><text:p>{escape(c)}</text:p></table:table-cell>'
                for c in r
            )
            + "</table:table-row>"
            for r in rows_of
        )
        body = (
            f'<office:spreadsheet><table:table table:name="Sheet1">{rows}</table:table></office:spreadsheet>'
        )
        mime = "spreadsheet"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<office:document {_NS} office:version="1.3" '
        f'office:mimetype="application/vnd.oasis.opendocument.{mime}"><office:body>{body}</office:body>'
        "</office:document>"
    )


def cache_dir() -> Path:
    configured = os.environ.get("XXGK_FORMS_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "xxgk" / "replica-forms"


def _cached(form: str, blocks: Blocks, key: str) -> tuple[Path, str]:
    """Where the file is cached, and the flat ODF it is converted from. The key is printed nowhere
    but is part of the digest: two documents with the same text are two files (their bytes differ in
    the document properties LibreOffice writes)."""
    kind, target = _FILTERS[form]
    source = _flat_odf(kind, blocks)
    digest = hashlib.sha256(f"{form}\0{target}\0{key}\0{source}".encode()).hexdigest()
    return cache_dir() / f"{digest}.{EXTENSIONS[form]}", source


def _office(form: str, blocks: Blocks, key: str) -> bytes:
    cached, _ = _cached(form, blocks, key)
    if not cached.exists():
        prerender([(form, blocks, key)])
    return cached.read_bytes()


def prerender(items: list[tuple[str, Blocks, str]], timeout: float = 600) -> int:
    """Convert the legacy Office files not cached yet, one LibreOffice run per output filter (its
    start costs a second; each further file ~0.1 s), so a replica about to serve fifty .doc files
    makes them before the crawl asks (`xxgk demo`). Returns how many were converted."""
    todo: dict[tuple[str, str], dict[Path, str]] = {}
    for form, blocks, key in items:
        if form not in _FILTERS:
            continue
        cached, source = _cached(form, blocks, key)
        if not cached.exists():
            todo.setdefault(_FILTERS[form], {})[cached] = source
    for (kind, target), files in todo.items():
        converted = convert_with_libreoffice({c.stem: s for c, s in files.items()}, kind, target, timeout)
        for cached in files:
            _write_atomically(cached, converted[cached.stem])
    return sum(len(files) for files in todo.values())


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        raise RuntimeError(
            "LibreOffice is needed to write the replica's .doc/.xls/.rtf attachments: "
            "apt-get install libreoffice-writer-nogui libreoffice-calc-nogui (make sysdeps does)"
        )
    return found


def convert_with_libreoffice(
    sources: dict[str, str], kind: str, target: str, timeout: float = 120
) -> dict[str, bytes]:
    """Flat ODF documents (name → XML) converted by one LibreOffice headless run, in a profile of its
    own (a user's running LibreOffice, or another conversion, must not share it); name → bytes."""
    with tempfile.TemporaryDirectory(prefix="xxgk-forms-") as tmp:
        paths = []
        for name, source in sources.items():
            src = Path(tmp) / f"{name}.{kind}"
            src.write_text(source, encoding="utf-8")
            paths.append(str(src))
        result = subprocess.run(
            [
                soffice(),
                f"-env:UserInstallation=file://{tmp}/profile",
                "--headless",
                "--norestore",
                "--convert-to",
                target,
                "--outdir",
                str(Path(tmp) / "out"),
                *paths,
            ],
            capture_output=True,
            timeout=timeout,
        )
        out = {p.stem: p.read_bytes() for p in (Path(tmp) / "out").glob("*")}
        if result.returncode != 0 or set(out) != set(sources):
            raise RuntimeError(f"LibreOffice could not write {target}: {result.stderr.decode()[-500:]}")
        return out


def page_count(blocks: Blocks) -> int:
    """How many scanned pages the blocks fill (a bench sizes its work by it)."""
    return len(_layout(_lines(blocks, PAGE[0] - 2 * MARGIN)))
