"""PDF text layers: PDFium (pypdfium2, what `archive.attachment_text` reads with) against pypdf (what
it read with before session 34, still installed for a scanned page's images), on the same files.

    PYTHONPATH=. .venv/bin/python bench/pdf_text.py [--files 300] [--rounds 3]

Two sets: the replica's one-page attachment PDFs (the crawl's case: a Type0 font with a ToUnicode
CMap, which pypdf parses in Python for every file) and the annual reports' text-layer PDFs (three
agencies × eight years: tables, longer text). For each set it prints the CPU ms a file of each
reader (best of `--rounds`, alternated), their ratio, and how many files both read to the same text
(whitespace folded: PDFium ends lines with CRLF, and the two place spaces between runs differently).
"""

from __future__ import annotations

import argparse
import io
import logging
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.attachment_text import pdf_text_layer  # noqa: E402


def read_pypdf(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join((page.extract_text() or "").strip() for page in PdfReader(io.BytesIO(data)).pages)


def read_pdfium(data: bytes) -> str:
    return "\n".join(pdf_text_layer(data)[1])


def folded(text: str) -> str:
    return re.sub(r"\s+", "", text)


def sets(files: int) -> dict[str, list[bytes]]:
    from replica import annual_reports as reports
    from replica.files import attachment_bytes

    agencies = ("安顺市民政局", "晋中市民政局", "市中区民政局")
    return {
        f"replica attachment PDFs ({files})": [
            attachment_bytes(f"bench:{n}", "pdf", f"关于印发第{n}号通知的附件") for n in range(files)
        ],
        "annual reports, text layer (24)": [
            reports.pdf_bytes(reports.attachment_key(agency, year))
            for agency in agencies
            for year in range(2018, 2026)
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    readers: dict[str, Callable[[bytes], str]] = {"pypdf": read_pypdf, "pdfium": read_pdfium}
    for name, datas in sets(args.files).items():
        best = dict.fromkeys(readers, float("inf"))
        for _ in range(args.rounds):
            for reader, read in readers.items():  # alternated, so both see the same machine
                started = time.process_time()
                for data in datas:
                    read(data)
                best[reader] = min(best[reader], time.process_time() - started)
        same = sum(folded(read_pypdf(d)) == folded(read_pdfium(d)) for d in datas)
        ms = {reader: 1000 * seconds / len(datas) for reader, seconds in best.items()}
        print(
            f"{name}: pypdf {ms['pypdf']:.2f} ms a file, pdfium {ms['pdfium']:.2f} ms "
            f"({ms['pypdf'] / ms['pdfium']:.1f}x); the same text in {same} of {len(datas)}"
        )


if __name__ == "__main__":
    main()
