"""Reading attachments (issue 25 part 1): OCR speed and accuracy, legacy Office readers, crawl time.

1. OCR: the replica's scans (PNG and scanned PDF pages of annual reports) read by our reader
   (`archive.attachment_text.extract`) and by the plain `tesseract IMAGE stdout -l chi_sim` over the
   same page images, in the same run, one page at a time: pages/s of each and their ratio; characters
   right = 1 − edit distance / length, whitespace folded away.
2. Legacy Office: the replica's .doc/.wps/.xls/.et/.rtf read by antiword, catdoc (xls2csv for
   workbooks), xlrd and LibreOffice headless: files whose text equals the source, and ms a file.
3. Crawl: shizhong_mzj with ~100 scanned attachments (XXGK_REPLICA_ATTACHMENT_FORMS), crawled with
   the slow readers off (`later`) and on (`after`: read when the crawl ends), alternately, after a
   warm-up crawl; the crawl's own seconds, and the reading after it; then once with OCR `inline`.

    PYTHONPATH=. .venv/bin/python bench/attachments.py [--pages 12] [--files 3] [--docs 300] [--rounds 4]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from random import Random

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.attachment_text import extract  # noqa: E402
from replica import attachment_forms as forms  # noqa: E402
from tests.test_attachment_read import char_accuracy, sample_blocks  # noqa: E402


def ocr(pages: int) -> None:
    from pypdf import PdfReader

    from archive.attachment_readers import OCR_PSM, Limits, pdf_page_images

    items = []
    for n in range(pages):
        blocks = sample_blocks(Random(n), 2020 + n % 5)
        form = "png_scan" if n % 2 else "pdf_scan"
        items.append((form, forms.render(form, blocks, f"bench:{n}"), forms.source_text(blocks)))
    with tempfile.TemporaryDirectory() as tmp:
        images = []
        for n, (form, data, _) in enumerate(items):
            if form == "pdf_scan":  # the page image the PDF holds (as stored), the plain command's input
                data = pdf_page_images(PdfReader(io.BytesIO(data)).pages[0], Limits())[0]
            path = Path(tmp) / f"p{n}.{'png' if form == 'png_scan' else 'jpg'}"
            path.write_bytes(data)
            images.append(path)
        plain = same = ours = 0.0
        accuracy = []
        single = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        for n, (form, data, truth) in enumerate(items):  # alternate, so all see the same machine load
            started = time.perf_counter()
            subprocess.run(
                ["tesseract", str(images[n]), "stdout", "-l", "chi_sim"], capture_output=True, check=True
            )
            plain += time.perf_counter() - started
            started = time.perf_counter()
            subprocess.run(["tesseract", str(images[n]), "stdout", "-l", "chi_sim", "--psm", OCR_PSM],
                           capture_output=True, check=True, env=single)  # fmt: skip
            same += time.perf_counter() - started
            started = time.perf_counter()
            found = extract(data, f"x.{forms.EXTENSIONS[form]}")
            ours += time.perf_counter() - started
            accuracy.append(char_accuracy(found.text or "", truth))
    print(f"OCR, {pages} pages ({found.method}):")
    print(f"  plain `tesseract IMAGE stdout -l chi_sim`: {pages / plain:.2f} pages/s; our reader: "
          f"{pages / ours:.2f} pages/s; ratio {plain / ours:.2f}×")  # fmt: skip
    print(
        f"  the same settings by hand (--psm {OCR_PSM}, OMP_THREAD_LIMIT=1): {pages / same:.2f} pages/s; "
        f"ours {same / ours:.2f}× of it (the reader's own cost: PDF parsing, the image handed over)"
    )
    print(f"  characters right: mean {sum(accuracy) / len(accuracy):.4f}, min {min(accuracy):.4f}")


def _readers(form: str) -> dict[str, list[str]]:
    if form in ("xls", "et"):
        return {"xls2csv (catdoc)": ["xls2csv", "-d", "utf-8"], "xlrd": [], "LibreOffice": ["soffice"]}
    out = {"catdoc": ["catdoc", "-w", "-d", "utf-8"], "LibreOffice": ["soffice"]}
    if form != "rtf":
        out["antiword"] = ["antiword", "-m", "UTF-8.txt", "-w", "0"]
    return out


def _read_with(name: str, args: list[str], path: Path) -> str:
    if name == "xlrd":
        from archive.attachment_readers import Deadline, read_excel

        return read_excel(path.read_bytes(), Deadline(60))[0]
    if name == "LibreOffice":
        out = path.with_suffix(".txt")
        subprocess.run([forms.soffice(), f"-env:UserInstallation=file://{path.parent}/profile", "--headless",
                        "--convert-to", "txt:Text (encoded):UTF8" if path.suffix not in (".xls", ".et") else "csv:Text - txt - csv (StarCalc):44,34,76",
                        "--outdir", str(path.parent), str(path)], capture_output=True, check=True)  # fmt: skip
        found = out if out.exists() else path.with_suffix(".csv")
        text = found.read_text(encoding="utf-8", errors="replace").lstrip("\ufeff")
        return text.replace(",", " ").replace('"', " ") if found.suffix == ".csv" else text
    text = subprocess.run([*args, str(path)], capture_output=True).stdout.decode("utf-8", "replace")
    return text.replace("|", " ").replace('"', " ").replace(",", " ")


def legacy(files: int) -> None:
    print("Legacy Office readers (files equal to the source after whitespace folding; ms a file):")
    with tempfile.TemporaryDirectory() as tmp:
        for form in ("doc", "wps", "xls", "et", "rtf"):
            cases = []
            for n in range(files):
                blocks = sample_blocks(Random(n), 2021 + n)
                path = Path(tmp) / f"{form}{n}.{forms.EXTENSIONS[form]}"
                path.write_bytes(forms.render(form, blocks, f"bench:{n}"))
                cases.append((path, forms.fold(forms.source_text(blocks))))
            row = []
            for name, args in _readers(form).items():
                equal, started = 0, time.perf_counter()
                for path, truth in cases:
                    equal += forms.fold(_read_with(name, args, path)) == truth
                took = (time.perf_counter() - started) / len(cases) * 1000
                row.append(f"{name} {equal}/{len(cases)} {took:.0f} ms")
            ours = [extract(p.read_bytes(), p.name) for p, _ in cases]
            equal = sum(forms.fold(f.text or "") == t for f, (_, t) in zip(ours, cases, strict=True))
            print(
                f"  .{forms.EXTENSIONS[form]}: "
                + "; ".join(row)
                + f" | chosen ({ours[0].method}): {equal}/{len(cases)}"
            )


def crawl(docs: int, rounds: int) -> None:
    from replica.process import LOOPBACK_CRAWL_ARGS, start_replica

    os.environ["XXGK_REPLICA_ATTACHMENT_FORMS"] = "pdf:1,pdf_scan:4,png_scan:1"
    import replica

    listed = replica.build(seed=1, docs=docs).documents("www.zzszq.gov.cn")
    scans = sum(a.form in ("pdf_scan", "png_scan") for d in listed for a in d.attachments)
    work = Path(tempfile.mkdtemp(prefix="xxgk-bench-attach-"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def run(mode: str, n: int, url: str) -> tuple[float, float]:
        db = f"sqlite:///{work / f'{mode}{n}.sqlite3'}"
        started = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "cli.main", "crawl", "shizhong_mzj", "--database-url", db,
                              "--replica-url", url, "--format", "json", *LOOPBACK_CRAWL_ARGS,
                              "-s", f"XXGK_SLOW_ATTACHMENTS={mode}"], capture_output=True, text=True, env=env)  # fmt: skip
        total = time.perf_counter() - started
        assert out.returncode == 0, out.stderr[-2000:]
        return json.loads(out.stdout)[0]["seconds"], total

    try:
        with start_replica(work / "replica", docs=docs, seed=1) as running:
            run("later", 0, running.url)  # warm-up: the replica draws each scan once and keeps it
            timings: dict[str, list[tuple[float, float]]] = {"later": [], "after": []}
            for n in range(rounds):
                for mode in ("later", "after") if n % 2 == 0 else ("after", "later"):
                    timings[mode].append(run(mode, n + 1, running.url))
            inline = run("inline", 0, running.url)  # for context: OCR in the crawl's parse worker
    finally:
        shutil.rmtree(work, ignore_errors=True)
    off = min(t[0] for t in timings["later"])
    on = min(t[0] for t in timings["after"])
    whole = min(t[1] for t in timings["after"])
    print(f"Crawl of shizhong_mzj, {len(listed)} documents, {scans} scanned attachments (best of {rounds}):")
    for mode, label in (("later", "off"), ("after", "on")):
        print(
            f"  OCR {label}, each round: "
            + ", ".join(f"{c:.1f}s (command {t:.1f}s)" for c, t in timings[mode])
        )
    print(
        f"  crawl with OCR off: {off:.1f}s; with OCR on (after the crawl): {on:.1f}s; ratio {on / off:.2f}×"
    )
    print(f"  the OCR after it: the command took {whole:.1f}s in all ({whole - on:.1f}s after the crawl, "
          "start-up included)")  # fmt: skip
    print(
        f"  for context, OCR inline (in the crawl's parse worker): the crawl took {inline[0]:.1f}s "
        f"({inline[0] / off:.2f}× the crawl without OCR)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=12)
    parser.add_argument("--files", type=int, default=3)
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--only", choices=("ocr", "legacy", "crawl"))
    args = parser.parse_args()
    if args.only in (None, "ocr"):
        ocr(args.pages)
    if args.only in (None, "legacy"):
        legacy(args.files)
    if args.only in (None, "crawl"):
        crawl(args.docs, args.rounds)


if __name__ == "__main__":
    main()
