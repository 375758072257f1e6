"""Annual reports as data: cell accuracy of `archive.reports.parse` on hand-labelled real reports, and on
every form the replica publishes.

    PYTHONPATH=. .venv/bin/python bench/annual_reports.py [--corpus DIR] [--rasterise] [--flatbed] [--json]

Scoring follows the shared corpus README (`annual_report` pages): a cell is right when the parsed value
equals the label, `null` only when nothing was read. Each HTML page is also read as plain text the way
the archive holds it (the page parser's body: table cells tab-separated, `crawler.extraction`), and as
text with its cells space-separated (what a PDF's text layer gives; blank cells vanish there, so a row
with a blank cell cannot be placed and reads as nulls: the price of never guessing). The replica part
renders every agency × year × form (HTML clean/broken/flat, the text-layer PDF read back with pypdf) and
scores it against `replica.annual_reports.truth`.

A corpus's PDF reports are read the way the archive reads an attachment (the text layer; OCR where a
page has none), then parsed as text; `--rasterise` also reads each as a scan (its pages rendered to
images first), `--flatbed` as a scan with a flatbed's faults too (turned, specks, dust). A corpus whose files are not committed (tests/fixtures/reports_heldout) skips the ones
this checkout lacks.

    PYTHONPATH=. .venv/bin/python bench/annual_reports.py --crawl [--sites anshun_mzj,jinzhong_mzj]

`--crawl` is the whole path: the replica publishes its reports in every form, scans and Office files
included (XXGK_REPLICA_REPORT_FORMS=all), `xxgk crawl` fetches them and reads their attachments when
the crawl ends (OCR, LibreOffice), and `xxgk reports` is scored against the truth, form by form.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if "--crawl" in sys.argv:  # the replica (a child process) and this process's truth: the same forms
    os.environ.setdefault("XXGK_REPLICA_REPORT_FORMS", "all")

from archive.reports.parse import ParsedReport, parse_report, read_by_ocr  # noqa: E402

DEFAULT_CORPUS = ROOT / "tests" / "fixtures" / "reports_corpus"


def score(parsed: ParsedReport, labels: dict[str, Any]) -> dict[str, Any]:
    cells = labels["cells"]
    right = sum(1 for k, v in cells.items() if parsed.cells.get(k) == v)
    wrong = {k: [v, parsed.cells.get(k)] for k, v in cells.items() if parsed.cells.get(k) != v}
    return {
        "cells": len(cells),
        "right": right,
        "accuracy": right / len(cells),
        "stated": sum(1 for v in cells.values() if v is not None),
        "stated_right": sum(1 for k, v in cells.items() if v is not None and parsed.cells.get(k) == v),
        # a number read that the page does not state there: the one error a never-guess reader must not make
        "misread": sum(
            1 for k, v in cells.items() if parsed.cells.get(k) is not None and parsed.cells.get(k) != v
        ),
        "sections_right": parsed.sections == labels["sections"],
        "generation_right": parsed.generation == labels["generation"],
        "wrong": dict(list(wrong.items())[:8]),
    }


def _text_of(html: bytes, url: str, spaced: bool) -> str:
    """The page as plain text: the page parser's body (tabs between cells), or with spaces (a PDF's)."""
    from crawler.extraction import parse_page

    body = parse_page(html, url).body
    return body.replace("\t", " ") if spaced else body


def page_bytes(directory: Path, entry: dict[str, Any]) -> bytes | None:
    """A report's file, or None when this checkout does not have it (a held-out corpus keeps its pages
    out of git: tests/fixtures/reports_heldout/README.md) or its bytes are not the manifest's."""
    path = directory / entry["file"]
    if not path.is_file():
        return None
    data = path.read_bytes()
    if entry.get("sha256") and hashlib.sha256(data).hexdigest() != entry["sha256"]:
        return None
    return data


def pdf_text(data: bytes, name: str) -> tuple[str, bool]:
    """A report published as a PDF, read the way the archive reads an attachment (its text layer, OCR
    where a page has none: `archive.attachment_text.extract`), and whether OCR read it (the parser then
    refuses sums it breaks, as `archive.reports.data` has it do)."""
    from archive.attachment_text import extract

    found = extract(data, name)
    return found.text or "", read_by_ocr(found.method)


def rasterised(data: bytes, dpi: int = 200, faults: bool = False) -> bytes:
    """A text-layer PDF as a scan would be: every page an image only (`pdftoppm`, greyscale), no text
    layer, so the archive's reader must OCR it. A stand-in for a real scan (the report's own fonts and
    rules): no real scanned report was found to label. With `faults`, each page also gets the replica's
    flatbed faults (`replica.attachment_forms.flatbed`: turned by 0.2-0.6 degrees, specks, dust)."""
    from random import Random

    from PIL import Image

    from replica.attachment_forms import flatbed

    with tempfile.TemporaryDirectory(prefix="xxgk-raster-") as tmp:
        (Path(tmp) / "in.pdf").write_bytes(data)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-gray", "-png", str(Path(tmp) / "in.pdf"), str(Path(tmp) / "p")],
            check=True, capture_output=True,
        )  # fmt: skip
        pages = [Image.open(f).convert("L") for f in sorted(Path(tmp).glob("p-*.png"))]
        if faults:
            pages = [flatbed(page, Random(f"flatbed:{n}")) for n, page in enumerate(pages)]
        out = io.BytesIO()
        pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=dpi)
    return out.getvalue()


def corpus(directory: Path, rasterise: bool = False, faults: bool = False) -> list[dict[str, Any]]:
    entries = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    rows = []
    for e in entries:
        if e["page_type"] != "annual_report":
            continue
        data = page_bytes(directory, e)
        if data is None:
            print(f"skipped {e['id']}: {e['file']} is not in this checkout", file=sys.stderr)
            continue
        labels = e["labels"]
        if labels["format"] == "pdf":
            variants = [("pdf", *pdf_text(data, Path(e["file"]).name), "text")]
            if rasterise:
                variants.append(("pdf as a scan", *pdf_text(rasterised(data), "scan.pdf"), "text"))
            if faults:
                scan = pdf_text(rasterised(data, faults=True), "scan.pdf")
                variants.append(("pdf as a flatbed scan", *scan, "text"))
        else:
            variants = [(labels["format"], data.decode("utf-8"), False, labels["format"])]
        if labels["format"] == "html":
            url = f"http://example.gov.cn/{e['id']}.html"
            variants += [("text (tabs)", _text_of(data, url, False), False, "text"),
                         ("text (spaces)", _text_of(data, url, True), False, "text")]  # fmt: skip
        for name, content, ocr, kind in variants:
            started = time.perf_counter()
            parsed = parse_report(content, kind, ocr=ocr)
            took = time.perf_counter() - started
            rows.append(
                {"id": e["id"], "read_as": name, **score(parsed, labels), "ms": round(took * 1000, 2)}
            )
    return rows


def replica_forms() -> dict[str, Any]:
    import pypdf

    from replica import annual_reports as A

    agencies = ("安顺市民政局", "晋中市民政局", "安康市民政局", "市中区民政局", "连州市民政局")
    by_form: dict[str, list[int]] = {}
    for agency in agencies:
        for year in range(2018, 2026):
            t = A.truth(agency, year)
            for form in A.FORMS:
                if form in A.ATTACHMENT_FORMS:
                    pdf = pypdf.PdfReader(io.BytesIO(A.pdf_bytes(A.attachment_key(agency, year))))
                    parsed = parse_report("\n".join(p.extract_text() for p in pdf.pages), "text")
                else:
                    html = "".join(
                        f"<p>{b}</p>" if isinstance(b, str)
                        else "<table>" + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in b) + "</table>"
                        for b in A.full_blocks(t, form=form)
                    )  # fmt: skip
                    parsed = parse_report(html, "html")
                right = sum(1 for k, v in t.cells.items() if parsed.cells.get(k) == v)
                tally = by_form.setdefault(form, [0, 0])
                tally[0] += right
                tally[1] += len(t.cells)
    return {form: {"right": r, "cells": n, "accuracy": r / n} for form, (r, n) in by_form.items()}


def run(directory: Path, rasterise: bool = False, faults: bool = False) -> dict[str, Any]:
    rows = corpus(directory, rasterise, faults)
    totals: dict[str, dict[str, float]] = {}
    for row in rows:
        group = (
            row["read_as"]
            if row["read_as"] in ("html", "pdf", "pdf as a scan", "pdf as a flatbed scan")
            else "text"
        )
        t = totals.setdefault(group, {"cells": 0, "right": 0, "stated": 0, "stated_right": 0, "misread": 0})
        for key in t:
            t[key] += row[key]
    for t in totals.values():
        t["accuracy"] = t["right"] / t["cells"]
        t["stated_accuracy"] = t["stated_right"] / t["stated"]
    started = time.perf_counter()
    forms = replica_forms()
    return {
        "corpus": rows,
        "totals": totals,
        "replica": forms,
        "replica_seconds": time.perf_counter() - started,
    }


def report(result: dict[str, Any]) -> str:
    lines = ["corpus (hand-labelled cells):", "",
             f"{'page':>5}  {'read as':<14}{'cells':>6}{'right':>7}{'accuracy':>10}{'stated':>8}{'stated ok':>10}{'misread':>8}"
             f"  sections  generation  ms"]  # fmt: skip
    for r in result["corpus"]:
        lines.append(
            f"{r['id']:>5}  {r['read_as']:<14}{r['cells']:>6}{r['right']:>7}{r['accuracy']:>10.3f}{r['stated']:>8}"
            f"{r['stated_right']:>10}{r['misread']:>8}  {'yes' if r['sections_right'] else 'NO':<8}  "
            f"{'yes' if r['generation_right'] else 'NO':<10}  {r['ms']}"
        )
    lines.append("")
    for group, t in result["totals"].items():
        lines.append(f"{group}: {t['right']}/{t['cells']} cells = {t['accuracy']:.4f} "
                     f"(stated numbers {t['stated_right']}/{t['stated']} = {t['stated_accuracy']:.4f}; misread {t['misread']})")  # fmt: skip
    lines += ["", "replica forms (5 agencies x 8 years, both generations, planted errors):"]
    for form, f in result["replica"].items():
        lines.append(f"  {form:<12} {f['right']}/{f['cells']} = {f['accuracy']:.4f}")
    return "\n".join(lines)


def attachment_forms(samples: int) -> str:
    """Reports published as scans and legacy Office files (replica/attachment_forms.py), read back by
    the archive's own readers (OCR, antiword, xlrd: `archive.attachment_text.extract`) and parsed as
    text: cells right, and numbers misread (a value where the truth has another)."""
    from archive.attachment_text import extract
    from replica import annual_reports as A
    from replica.attachment_forms import EXTENSIONS, render

    agencies = ("安顺市民政局", "晋中市民政局", "安康市民政局", "市中区民政局", "连州市民政局")
    cases = [(a, y) for y in range(2025, 2017, -1) for a in agencies][:samples]
    lines = [f"reports as attachment forms ({len(cases)} agency-years each, read by the archive's readers):"]
    from archive.reports.word import word_html

    for form in ("xls", "et", "doc", "wps", "doc as HTML", "wps as HTML", "rtf", "pdf_scan"):
        kind, _, as_html = form.partition(" as ")
        right = cells = misread = 0
        started = time.perf_counter()
        for agency, year in cases:
            t = A.truth(agency, year)
            data = render(kind, A.full_blocks(t, form="html_clean"), f"bench:{agency}:{year}:{kind}")
            if as_html:  # archive/reports/word.py: LibreOffice's HTML export, the tables whole
                cells_read = parse_report(word_html(data) or "", "html").cells
            else:
                found = extract(data, f"report.{EXTENSIONS[kind]}")
                cells_read = parse_report(found.text or "", "text", ocr=read_by_ocr(found.method)).cells
            right += sum(1 for k, v in t.cells.items() if cells_read.get(k) == v)
            misread += sum(
                1 for k, v in t.cells.items() if cells_read.get(k) is not None and cells_read.get(k) != v
            )
            cells += len(t.cells)
        seconds = time.perf_counter() - started
        lines.append(
            f"  {form:<12} {right}/{cells} = {right / cells:.4f}, misread {misread}, {seconds:.1f} s"
        )
    return "\n".join(lines)


def crawl(sites: list[str]) -> str:
    """Crawl the replica's reports in every form and score `xxgk reports` form by form."""
    import re

    import replica as replica_pkg
    from crawler.runner import spider_loader
    from replica import annual_reports as A
    from replica.process import LOOPBACK_CRAWL_ARGS, start_replica

    lines = [f"the replica's reports in every form ({', '.join(A.FORMS)}), crawled and read:"]
    with tempfile.TemporaryDirectory(prefix="xxgk-reports-") as tmp:
        url = f"sqlite:///{tmp}/archive.sqlite3"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        with start_replica(Path(tmp) / "replica", docs=40, seed=1) as replica:
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "cli.main", "crawl", *sites, "--database-url", url,
                 "--replica-url", replica.url, *LOOPBACK_CRAWL_ARGS],
                env=env, capture_output=True, text=True,
            )  # fmt: skip
            if done.returncode != 0:
                raise SystemExit(f"crawl failed:\n{done.stderr[-3000:]}")
            lines.append(
                f"  crawl of {', '.join(sites)} with its attachments read: {time.perf_counter() - started:.1f} s"
            )
        out = subprocess.run(
            [sys.executable, "-m", "cli.main", "reports", "--format", "json", "--database-url", url],
            env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        rows = {(r["site"], r["year"]): r for r in json.loads(out.stdout)}
        built = replica_pkg.build(seed=1, docs=40)
        loader = spider_loader()
        by_form: dict[str, list[int]] = {}
        for site in sites:
            catalog = built.catalogs[loader.load(site).allowed_domains[0]]
            for doc in catalog.documents:
                if doc.kind != "annual_report":
                    continue
                year = int(re.search(r"(\d{4})年", doc.title).group(1))  # type: ignore[union-attr]
                t = A.truth(catalog.site.agency.name, year, A.revision_of(doc.key))
                row = rows.get((site, year), {})
                tally = by_form.setdefault(t.form, [0, 0, 0, 0])  # reports, cells, right, misread
                tally[0] += 1
                tally[1] += len(t.cells)
                tally[2] += sum(1 for k, v in t.cells.items() if row.get(k) == v)
                tally[3] += sum(1 for k, v in t.cells.items() if row.get(k) not in (None, v))
    for form in A.FORMS:
        reports, cells, right, misread = by_form.get(form, [0, 0, 0, 0])
        share = f"{right / cells:.4f}" if cells else "-"
        lines.append(f"  {form:<12} {reports} reports, {right}/{cells} cells = {share}, misread {misread}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="a corpus directory (manifest.json)")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    ap.add_argument(
        "--attachment-forms", type=int, metavar="N", default=0,
        help="also render N agency-years as scans and legacy Office files and read them back (slow: OCR)",
    )  # fmt: skip
    ap.add_argument(
        "--rasterise", action="store_true",
        help="also read each PDF report of the corpus as a scan: its pages rendered to images, then OCR (slow)",
    )  # fmt: skip
    ap.add_argument(
        "--flatbed", action="store_true",
        help="also read each PDF report as a scan with a flatbed's faults (skew, specks, dust; slow)",
    )  # fmt: skip
    ap.add_argument("--crawl", action="store_true", help="crawl the replica's reports in every form (slow)")
    ap.add_argument("--sites", default="anshun_mzj,jinzhong_mzj", help="the sites --crawl crawls")
    args = ap.parse_args(argv)
    if args.crawl:
        print(crawl([s.strip() for s in args.sites.split(",") if s.strip()]))
        return 0
    if args.attachment_forms:
        print(attachment_forms(args.attachment_forms))
    result = run(args.corpus, args.rasterise, args.flatbed)
    print(json.dumps(result, ensure_ascii=False, indent=2) if args.json else report(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
