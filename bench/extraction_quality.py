"""Extraction quality and speed on the labelled corpus: `parse_page` against plain trafilatura.

    PYTHONPATH=. .venv/bin/python bench/extraction_quality.py [CORPUS_DIR]

Scoring follows the corpus README: a labelled field is right when the extracted value equals the label
after whitespace folding (dates compared as `*_iso`; a null label is right only when nothing was
extracted); the body is right when it starts with `body_first_sentence`, ends with
`body_last_sentence` and contains none of `chrome_strings`.  Two baselines are scored the same way on
the body, in the same run: plain `trafilatura.extract` on the whole page, and trafilatura on the
content region `parse_page` located, followed by the same chrome-line removal (the design's literal
recipe, which `parse_page` uses only for regions found by text density).
"""

from __future__ import annotations

import copy
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

import trafilatura

from crawler.extraction import parse_page
from crawler.extraction.body import locate_region
from crawler.extraction.chrome import is_chrome_line
from crawler.extraction.dom import HiddenCache, parse_html
from crawler.extraction.encoding import decode_html
from crawler.extraction.layout import walk_blocks

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT / "tests" / "fixtures" / "corpus"
SCORED_FIELDS = (
    "title",
    "index_no",
    "issuer",
    "source",
    "written_date",
    "publish_date",
    "doc_number",
    "topic",
    "validity",
    "abolish_date",
)
_DATE_FIELDS = {"written_date", "publish_date", "abolish_date"}


def fold(text: str | None) -> str | None:
    return None if text is None else re.sub(r"\s+", " ", text).strip()


def _nospace(text: str) -> str:
    return re.sub(r"\s+", "", text)


def field_ok(name: str, labels: dict[str, Any], value: str | None) -> bool:
    expected = labels.get(f"{name}_iso") if name in _DATE_FIELDS else labels.get(name)
    if expected is None:
        return value is None
    return value is not None and fold(value) == fold(expected)


def body_score(labels: dict[str, Any], body: str | None) -> dict[str, bool]:
    text = _nospace(body or "")
    first = _nospace(labels.get("body_first_sentence") or "")
    last = _nospace(labels.get("body_last_sentence") or "")
    chrome = [c for c in labels.get("chrome_strings") or [] if _nospace(c) in text]
    return {
        "first": text.startswith(first),
        "last": text.endswith(last),
        "no_chrome": not chrome,
        "ok": text.startswith(first) and text.endswith(last) and not chrome,
        "leaks": chrome,
    }


def trafilatura_on_region(data: bytes) -> str | None:
    """trafilatura over the region parse_page would locate, then chrome lines dropped."""
    root = parse_html(decode_html(data)[0])
    if root is None:
        return None
    region = locate_region(root, (), HiddenCache(), walk_blocks(root))
    if region is None:
        return None
    text = trafilatura.extract(copy.deepcopy(region.el), include_tables=True, favor_recall=True)
    return "\n".join(line for line in (text or "").split("\n") if not is_chrome_line(line))


def load(corpus: Path) -> list[dict[str, Any]]:
    entries = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    for e in entries:
        e["bytes_data"] = (corpus / e["file"]).read_bytes()
    return entries


def evaluate(corpus: Path = DEFAULT_CORPUS, repeat: int = 3) -> dict[str, Any]:
    entries = load(corpus)
    url = "http://example.gov.cn/page.html"
    rows: list[dict[str, Any]] = []
    field_hits = dict.fromkeys(SCORED_FIELDS, 0)
    detail = [e for e in entries if e["page_type"] == "detail"]
    body_ok = base_ok = region_ok = 0
    leaks = base_leaks = region_leaks = 0
    type_ok = 0
    for e in entries:
        parsed = parse_page(e["bytes_data"], e.get("original_url") or url)
        type_ok += parsed.page_type == e["page_type"]
        row: dict[str, Any] = {"id": e["id"], "type": e["page_type"], "got_type": parsed.page_type}
        if e["page_type"] == "detail":
            labels = e["labels"]
            wrong = []
            for name in SCORED_FIELDS:
                if field_ok(name, labels, getattr(parsed, name)):
                    field_hits[name] += 1
                else:
                    wrong.append(name)
            b = body_score(labels, parsed.body)
            body_ok += b["ok"]
            leaks += len(b["leaks"])
            base = trafilatura.extract(
                e["bytes_data"].decode(parsed.encoding, "replace"), include_tables=True
            )
            bb = body_score(labels, base)
            base_ok += bb["ok"]
            base_leaks += len(bb["leaks"])
            rb = body_score(labels, trafilatura_on_region(e["bytes_data"]))
            region_ok += rb["ok"]
            region_leaks += len(rb["leaks"])
            row.update(wrong=wrong, body=b, base_body=bb, region_body=rb)
        elif e["page_type"] == "list":
            row["items"] = len(parsed.items)
            row["expected_items"] = e["labels"].get("item_count")
        rows.append(row)
    # Speed: same pages, parse_page vs trafilatura.extract on the whole page.
    pages = [(e["bytes_data"], e.get("original_url") or url) for e in entries]
    t0 = time.perf_counter()
    for _ in range(repeat):
        for data, u in pages:
            parse_page(data, u)
    ours = len(pages) * repeat / (time.perf_counter() - t0)
    texts = [data.decode("utf-8", "replace") for data, _ in pages]
    t0 = time.perf_counter()
    for _ in range(repeat):
        for t in texts:
            trafilatura.extract(t, include_tables=True)
    theirs = len(pages) * repeat / (time.perf_counter() - t0)
    n = len(detail)
    field_acc = {k: v / n for k, v in field_hits.items()}
    return {
        "rows": rows,
        "detail_pages": n,
        "field_accuracy": field_acc,
        "fields_overall": sum(field_hits.values()) / (n * len(SCORED_FIELDS)),
        "body_accuracy": body_ok / n,
        "baseline_body_accuracy": base_ok / n,
        "chrome_leaks": leaks,
        "baseline_chrome_leaks": base_leaks,
        "region_body_accuracy": region_ok / n,
        "region_chrome_leaks": region_leaks,
        "page_type_accuracy": type_ok / len(entries),
        "pages_per_s": ours,
        "baseline_pages_per_s": theirs,
    }


def main(argv: list[str]) -> int:
    corpus = Path(argv[1]) if len(argv) > 1 else DEFAULT_CORPUS
    r = evaluate(corpus)
    for row in r["rows"]:
        if row["type"] == "detail":
            b, bb = row["body"], row["base_body"]
            print(
                f"{row['id']} detail  wrong={','.join(row['wrong']) or '-'}  body={'ok' if b['ok'] else b}"
                f"  trafilatura={'ok' if bb['ok'] else 'fail'}"
                f"  region+trafilatura={'ok' if row['region_body']['ok'] else 'fail'}"
            )
        else:
            print(
                f"{row['id']} {row['type']:6s} got={row['got_type']} items={row.get('items')}"
                f"/{row.get('expected_items')}"
            )
    print()
    print(f"{'field':14s} parse_page")
    for k, v in r["field_accuracy"].items():
        print(f"{k:14s} {v:6.0%}")
    print(f"{'ALL FIELDS':14s} {r['fields_overall']:6.1%}")
    print(
        f"{'body':14s} {r['body_accuracy']:6.0%}   plain trafilatura: {r['baseline_body_accuracy']:.0%}"
        f"   trafilatura on the region: {r['region_body_accuracy']:.0%}"
    )
    print(
        f"chrome leaks   {r['chrome_leaks']}   plain trafilatura: {r['baseline_chrome_leaks']}"
        f"   trafilatura on the region: {r['region_chrome_leaks']}"
    )
    print(f"page types     {r['page_type_accuracy']:.0%}")
    print(
        f"speed          {r['pages_per_s']:.1f} pages/s   trafilatura.extract: {r['baseline_pages_per_s']:.1f}"
        f" pages/s  (ratio {r['pages_per_s'] / r['baseline_pages_per_s']:.2f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
