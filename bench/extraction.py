"""Extraction quality and speed: `parse_page` against plain trafilatura, in one run, on the labelled
corpus and on a sample of replica pages.

    PYTHONPATH=. .venv/bin/python bench/extraction.py [--corpus DIR] [--replica-docs N] [--seed S] [--noise] [--json]

Scoring follows the corpus README (`tests/fixtures/corpus/README.md`, a copy of the shared corpus):
- a labelled field is right when the extracted value equals the label after whitespace folding (dates
  compared as `*_iso`); a `null` label is right only when nothing was extracted. Accuracy is reported
  over all labels and over the labels that have a value (an extractor returning nothing scores well on
  the first and zero on the second);
- the body is right when it starts with `body_first_sentence`, ends with `body_last_sentence` and
  contains none of `chrome_strings` (whitespace ignored); each chrome string found is one leak;
- a page's type is right when `page_type` matches; a list page is right when its item count and first
  item (title, URL, date) match too.
Plain `trafilatura.extract` (`bare_extraction` for its title and date) is scored the same way in the same
run, and timed on the same pages in the same process for the speed ratio.

Replica pages (`replica.core.build`) carry their truth in `documents()`: every field the page shows,
the published body text (first and last line), the column lists (first item on the site's own host =
the column's newest document) and withdrawn documents answering a soft-404 page (type `other`). A replica body may go on
after its last paragraph with the attachment list (`附件：…`), which the page shows as part of the
document; that tail is not counted against it. A site behind the replica's JavaScript challenge is
passed the way a browser passes it (`ReplicaClient`), and its challenge page is scored as `other`. Chrome there is the generic list `REPLICA_CHROME` minus
what the document itself says. A replica document without a metadata table has no issuer or 成文日期 in
its truth although its signature states both (which the corpus labels as the issuer and written date):
those two fields are not scored on such pages. Replica truth is what the page shows: a source the
page never labels is null, and a date printed to the second (`:00`) or only to the day is compared at
that precision.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import trafilatura

from crawler.extraction import parse_page
from crawler.extraction.body import locate_region
from crawler.extraction.chrome import is_chrome_line
from crawler.extraction.dates import normalize_date
from crawler.extraction.dom import HiddenCache, parse_html
from crawler.extraction.encoding import decode_html
from crawler.extraction.layout import walk_blocks

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT / "tests" / "fixtures" / "corpus"
FALLBACK_URL = "http://example.gov.cn/page.html"
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
DATE_FIELDS = frozenset({"written_date", "publish_date", "abolish_date"})
REPLICA_CHROME = (
    "分享到",
    "打印",
    "关闭",
    "字体",
    "浏览次数",
    "用户登录",
    "当前位置",
    "索引号",
    "网站标识码",
    "发布时间",
    "返回列表",
    "ICP备",
    "版权所有",
)
_ATTACHMENT_TAIL_RE = re.compile(
    r"(?:\n\s*(?:附件[:：]?.*|.{0,80}\.(?:pdf|docx?|xlsx?|wps|ofd|zip|rar|et|txt)))+\s*$", re.IGNORECASE
)


# -- scoring ---------------------------------------------------------------------------------------------


def fold(text: str | None) -> str | None:
    return None if text is None else re.sub(r"\s+", " ", text).strip()


def nospace(text: str | None) -> str:
    return re.sub(r"\s+", "", text or "")


def expected_value(name: str, labels: dict[str, Any]) -> str | None:
    """The label a field is compared with: the `*_iso` form for dates (normalised from the written form
    when a manifest gives only that)."""
    if name in DATE_FIELDS:
        iso_key = f"{name}_iso"
        value = labels.get(iso_key) if iso_key in labels else normalize_date(labels.get(name))
    else:
        value = labels.get(name)
    return value or None


def field_ok(name: str, labels: dict[str, Any], value: str | None) -> bool:
    expected = expected_value(name, labels)
    if expected is None:
        return value is None
    return value is not None and fold(value) == fold(expected)


def body_score(first: str, last: str, chrome: list[str], body: str | None) -> dict[str, Any]:
    text = nospace(body)
    leaks = [c for c in chrome if nospace(c) and nospace(c) in text]
    starts, ends = text.startswith(nospace(first)), text.endswith(nospace(last))
    return {"first": starts, "last": ends, "leaks": leaks, "ok": starts and ends and not leaks}


def list_ok(labels: dict[str, Any], items: list[dict[str, Any]], base: str) -> bool:
    """Item count and first item as labelled (a label the manifest leaves out is not checked)."""
    count = labels.get("item_count")
    if not items or (count is not None and len(items) != count):
        return False
    first = items[0]
    url = labels.get("first_item_url")
    title, day = labels.get("first_item_title"), labels.get("first_item_date")
    return (
        (title is None or fold(first.get("title")) == fold(title))
        and (day is None or first.get("date") == normalize_date(day))
        and (url is None or first.get("url") == urljoin(base, url))
    )


@dataclass
class Tally:
    """Counts for one extractor over one set of pages."""

    field_hits: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SCORED_FIELDS, 0))
    valued_hits: int = 0
    valued: int = 0
    details: int = 0
    body_ok: int = 0
    leaks: int = 0
    typed: int = 0
    typed_ok: int = 0
    lists_ok: int = 0
    lists: int = 0

    def add_fields(
        self, labels: dict[str, Any], values: dict[str, str | None], unknown: frozenset[str] = frozenset()
    ) -> list[str]:
        """Score one page's fields; `unknown` ones (no truth for them) count as right and are not
        among the labels with a value."""
        wrong = []
        self.details += 1
        for name in SCORED_FIELDS:
            if name in unknown:
                self.field_hits[name] += 1
                continue
            ok = field_ok(name, labels, values.get(name))
            self.field_hits[name] += ok
            if expected_value(name, labels) is not None:
                self.valued += 1
                self.valued_hits += ok
            if not ok:
                wrong.append(name)
        return wrong

    def summary(self) -> dict[str, Any]:
        n = max(self.details, 1)
        return {
            "detail_pages": self.details,
            "field_accuracy": {k: v / n for k, v in self.field_hits.items()},
            "fields_all_labels": sum(self.field_hits.values()) / (n * len(SCORED_FIELDS)),
            "fields_with_value": self.valued_hits / max(self.valued, 1),
            "body_accuracy": self.body_ok / n,
            "chrome_leaks": self.leaks,
            "page_type_accuracy": self.typed_ok / max(self.typed, 1),
            "lists_right": f"{self.lists_ok}/{self.lists}",
        }


def _ours(parsed: Any) -> dict[str, str | None]:
    return {name: getattr(parsed, name) for name in SCORED_FIELDS}


def trafilatura_on_region(data: bytes) -> str | None:
    """The design's literal recipe, for comparison: trafilatura over the region `parse_page` locates,
    then chrome lines dropped."""
    root = parse_html(decode_html(data)[0])
    if root is None:
        return None
    region = locate_region(root, (), HiddenCache(), walk_blocks(root))
    if region is None:
        return None
    text = trafilatura.extract(copy.deepcopy(region.el), include_tables=True, favor_recall=True)
    return "\n".join(line for line in (text or "").split("\n") if not is_chrome_line(line))


def _baseline(html: str) -> tuple[dict[str, str | None], str | None]:
    """Plain trafilatura: its title and date as fields, its text as the body."""
    doc = trafilatura.bare_extraction(html, include_tables=True, with_metadata=True)
    if doc is None:
        return {}, None
    values = {"title": getattr(doc, "title", None) or None, "publish_date": getattr(doc, "date", None)}
    return values, getattr(doc, "text", None)


# -- the corpus ------------------------------------------------------------------------------------------


SHARED_PAGES = ROOT.parent / "shared" / "corpus" / "pages"


def page_bytes(corpus: Path, entry: dict[str, Any]) -> bytes | None:
    """A manifest entry's page: its file in the corpus folder, else (when the manifest gives the page's
    SHA-256) the file with those bytes in the shared corpus; None when neither has it. Pages taken from
    repository snapshots stay out of this repository's commits (tests/fixtures/corpus_heldout/README.md),
    so a checkout may hold the manifest without the pages."""
    path = corpus / entry["file"]
    if path.is_file():
        return path.read_bytes()
    digest = entry.get("sha256")
    if digest and SHARED_PAGES.is_dir():
        for candidate in sorted(SHARED_PAGES.iterdir()):
            data = candidate.read_bytes()
            if hashlib.sha256(data).hexdigest() == digest:
                return data
    return None


def load_corpus(corpus: Path) -> list[dict[str, Any]]:
    """The manifest's entries with their page bytes; entries whose page is absent are left out (and
    named on stderr), so a partial checkout still scores what it has."""
    entries = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    present = []
    for e in entries:
        data = page_bytes(corpus, e)
        if data is None:
            print(f"page {e['id']} ({e['file']}) is not in this checkout: left out", file=sys.stderr)
            continue
        e["bytes_data"] = data
        present.append(e)
    return present


def _base_url(entry: dict[str, Any]) -> str:
    url = (entry.get("original_url") or "").split(" ")[0]
    return url if url.startswith("http") else FALLBACK_URL


def score_corpus(entries: list[dict[str, Any]]) -> dict[str, Any]:
    ours, base, region = Tally(), Tally(), Tally()
    rows: list[dict[str, Any]] = []
    for e in entries:
        url = _base_url(e)
        parsed = parse_page(e["bytes_data"], url)
        html = decode_html(e["bytes_data"])[0]
        labels = e["labels"]
        row: dict[str, Any] = {"id": e["id"], "type": e["page_type"], "got": parsed.page_type}
        ours.typed += 1
        ours.typed_ok += parsed.page_type == e["page_type"]
        if e["page_type"] == "detail":
            row["wrong"] = ours.add_fields(labels, _ours(parsed))
            chrome = labels.get("chrome_strings") or []
            first, last = labels.get("body_first_sentence") or "", labels.get("body_last_sentence") or ""
            b = body_score(first, last, chrome, parsed.body)
            ours.body_ok += b["ok"]
            ours.leaks += len(b["leaks"])
            values, text = _baseline(html)
            base.add_fields(labels, values)
            bb = body_score(first, last, chrome, text)
            base.body_ok += bb["ok"]
            base.leaks += len(bb["leaks"])
            rb = body_score(first, last, chrome, trafilatura_on_region(e["bytes_data"]))
            region.details += 1
            region.body_ok += rb["ok"]
            region.leaks += len(rb["leaks"])
            row.update(body=b, baseline_body_ok=bb["ok"])
        elif e["page_type"] == "list":
            ours.lists += 1
            good = parsed.page_type == "list" and list_ok(labels, parsed.items, url)
            ours.lists_ok += good
            row.update(items=len(parsed.items), expected_items=labels.get("item_count"), list_ok=good)
        else:
            row["reason"] = parsed.other_reason
        rows.append(row)
    return {"rows": rows, "ours": ours.summary(), "baseline": base.summary(), "region": region.summary()}


# -- the replica -----------------------------------------------------------------------------------------


_SOURCE_LABEL_RE = re.compile(r"来源|來源|ContentSource", re.IGNORECASE)


def _replica_truth(doc: Any, html: str = "") -> dict[str, Any]:
    """The replica document's truth as its page shows it: a source the page never labels is null."""
    publish = doc.publish
    return {
        "title": doc.title,
        "index_no": doc.index_no,
        "issuer": doc.issuer,
        "source": doc.source if not html or _SOURCE_LABEL_RE.search(html) else None,
        "written_date_iso": doc.written_date.isoformat() if doc.written_date else None,
        "publish_date_iso": publish.strftime("%Y-%m-%dT%H:%M" + (":%S" if publish.second else "")),
        "doc_number": doc.doc_number or None,
        "topic": doc.topic,
        "validity": doc.validity,
        "abolish_date_iso": None,
    }


_NONCE_RE = re.compile(r'var n = "([0-9a-f]+)", r = (\d+)')
_COOKIE_RE = re.compile(r'document\.cookie = "([^"=]+)="')


class ReplicaClient:
    """GETs replica pages as a browser would: a site behind the replica's JavaScript challenge (HTTP 412,
    `replica.challenge`) is passed once by computing what its script computes, and the challenge page
    itself is kept to be scored as an `other` page."""

    def __init__(self, replica: Any) -> None:
        self.replica = replica
        self.cookies: dict[str, str] = {}
        self.challenges: list[tuple[str, bytes]] = []

    def get(self, url: str) -> Any:
        host = url.split("/")[2]
        headers = {"Cookie": self.cookies[host]} if host in self.cookies else {}
        resp = self.replica.handle("GET", url, headers)
        if resp.status == 412 and host not in self.cookies:
            cookie = self._solve(resp.body)
            if cookie:
                self.challenges.append((url, resp.body))
                self.cookies[host] = cookie
                resp = self.replica.handle("GET", url, {"Cookie": cookie})
        return resp

    @staticmethod
    def _solve(page: bytes) -> str | None:
        try:
            from replica.challenge import solve  # only replicas that have a challenge ship it
        except ImportError:
            return None
        text = page.decode("utf-8", "replace")
        nonce, name = _NONCE_RE.search(text), _COOKIE_RE.search(text)
        if not nonce or not name:
            return None
        return f"{name.group(1)}={nonce.group(1)}.{solve(nonce.group(1), int(nonce.group(2)))}"


def _is_html(resp: Any) -> bool:
    return "html" in (resp.headers.get("Content-Type") or "") and resp.status == 200


def _at_page_precision(truth: str | None, got: str | None) -> str | None:
    """`got` in the truth's form when both name the same moment and the page showed it at its own
    precision (`2024-03-07T12:24:00` for 12:24, or only the day): the replica's truth carries the
    CMS's full timestamp, a page may print it to the second or to the day."""
    if truth is None or got is None:
        return got
    if (got.endswith(":00") and got[:-3] == truth) or (len(got) == 10 and truth.startswith(got)):
        return truth
    return got


def _sample(items: list[Any], n: int) -> list[Any]:
    if len(items) <= n:
        return items
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]


def score_replica(
    seed: int, docs: int, per_host: int, soft404: int = 3, noise: bool = False
) -> dict[str, Any]:
    """Detail pages, column lists and soft-404 pages of every replica site, scored against its truth;
    `noise` turns on the replica's noise mode (volatile page parts varied on every fetch) where it has one."""
    from replica.core import build

    layers = [{"op": "noise", "on": True, "host": "*"}] if noise else []
    replica = build(seed=seed, docs=docs, mutations=layers)
    client = ReplicaClient(replica)
    ours = Tally()
    failures: list[str] = []
    gone: list[dict[str, Any]] = []
    for host in replica.hosts:
        documents = replica.documents(host)
        for doc in _sample(documents, per_host):
            resp = client.get(doc.url)
            parsed = parse_page(resp.body, doc.url, header_charset="utf-8")
            ours.typed += 1
            ours.typed_ok += parsed.page_type == "detail"
            # Without a metadata table the replica's truth has no issuer or 成文日期, while the page's
            # signature states both (the corpus labels them so): no truth to score those two against.
            unknown = frozenset() if doc.has_metadata_table else frozenset({"issuer", "written_date"})
            truth = _replica_truth(doc, resp.body.decode("utf-8", "replace"))
            values = {k: _at_page_precision(truth.get(f"{k}_iso"), v) if k in DATE_FIELDS else v
                      for k, v in _ours(parsed).items()}  # fmt: skip
            wrong = ours.add_fields(truth, values, unknown)
            lines = [ln for ln in replica.body_text(doc).split("\n") if ln.strip()]
            chrome = [c for c in REPLICA_CHROME if nospace(c) not in nospace(replica.body_text(doc))]
            body = _ATTACHMENT_TAIL_RE.sub("", parsed.body or "")
            b = body_score(lines[0] if lines else "", lines[-1] if lines else "", chrome, body)
            ours.body_ok += b["ok"]
            ours.leaks += len(b["leaks"])
            if wrong or not b["ok"]:
                failures.append(f"{doc.url} wrong={','.join(wrong) or '-'} body={b}")
        columns: dict[str, list[Any]] = {}
        for doc in documents:
            columns.setdefault(doc.column, []).append(doc)
        for column, docs_in in sorted(columns.items()):
            scheme = docs_in[0].url.split(":", 1)[0]  # the site's own scheme (some serve https)
            url = f"{scheme}://{host}{column}"
            resp = client.get(url)
            if not _is_html(resp):
                continue  # a column listed by a JSON API (gkmlpt), not an HTML list page
            parsed = parse_page(resp.body, url, header_charset="utf-8")
            newest = max(docs_in, key=lambda d: d.publish)
            ours.typed += 1
            ours.typed_ok += parsed.page_type == "list"
            ours.lists += 1
            # Lists may carry entries on other hosts (a portal link, a repost): the site's own first.
            own = [it for it in parsed.items if (it.get("url") or "").split("/")[2:3] == [host]]
            first = own[0] if own else {}
            good = (
                parsed.page_type == "list"
                and first.get("title") == newest.title
                and first.get("url") == newest.url
                and first.get("date") == newest.publish.date().isoformat()
            )
            ours.lists_ok += good
            if not good:
                failures.append(f"{url} list: got {parsed.page_type} first={first} want {newest.title}")
        for doc in _sample(documents, soft404):
            gone.append(
                {"op": "soft404", "host": host, "path": doc.path, "url": doc.url, "at": "2030-01-01T00:00:00"}
            )
    withdrawn = ReplicaClient(build(seed=seed, docs=docs, mutations=[*layers, *gone]))
    for change in gone:
        parsed = parse_page(withdrawn.get(change["url"]).body, change["url"], header_charset="utf-8")
        ours.typed += 1
        ours.typed_ok += parsed.page_type == "other"
        if parsed.page_type != "other":
            failures.append(f"{change['url']} soft-404 typed {parsed.page_type}")
    for url, page in client.challenges:
        parsed = parse_page(page, url, header_charset="utf-8")
        ours.typed += 1
        ours.typed_ok += parsed.page_type == "other"
        if parsed.page_type != "other":
            failures.append(f"{url} challenge page typed {parsed.page_type}")
    return {"ours": ours.summary(), "failures": failures, "hosts": replica.hosts}


# -- speed -----------------------------------------------------------------------------------------------


def speed(entries: list[dict[str, Any]], repeat: int) -> dict[str, float]:
    """Pages per second, both extractors on the same pages in this process, alternating rounds."""
    pages = [(e["bytes_data"], _base_url(e)) for e in entries]
    texts = [decode_html(data)[0] for data, _ in pages]
    ours_s = theirs_s = 0.0
    for _ in range(repeat):
        t0 = time.perf_counter()
        for data, url in pages:
            parse_page(data, url)
        ours_s += time.perf_counter() - t0
        t0 = time.perf_counter()
        for text in texts:
            trafilatura.extract(text, include_tables=True)
        theirs_s += time.perf_counter() - t0
    n = len(pages) * repeat
    return {"pages_per_s": n / ours_s, "baseline_pages_per_s": n / theirs_s, "ratio": theirs_s / ours_s}


def evaluate(
    corpus: Path = DEFAULT_CORPUS, repeat: int = 3, replica_docs: int = 40, seed: int = 1, noise: bool = False
) -> dict[str, Any]:
    entries = load_corpus(corpus)
    out = {"corpus": score_corpus(entries), "speed": speed(entries, repeat)}
    if replica_docs:
        out["replica"] = score_replica(seed, docs=max(60, replica_docs), per_host=replica_docs, noise=noise)
    return out


# -- report ----------------------------------------------------------------------------------------------


def _pct(x: float) -> str:
    return f"{x:.1%}"


def report(result: dict[str, Any]) -> str:
    c, s = result["corpus"], result["speed"]
    lines = []
    for row in c["rows"]:
        if row["type"] == "detail":
            b = row["body"]
            body = "ok" if b["ok"] else f"first={b['first']} last={b['last']} leaks={b['leaks']}"
            lines.append(f"{row['id']} detail wrong={','.join(row['wrong']) or '-'} body={body}")
        elif row["type"] == "list":
            lines.append(f"{row['id']} list   got={row['got']} items={row['items']}/{row['expected_items']}"
                         f" first item {'ok' if row['list_ok'] else 'WRONG'}")  # fmt: skip
        else:
            lines.append(f"{row['id']} {row['type']:6s} got={row['got']} ({row['reason']})")
    o, b = c["ours"], c["baseline"]
    lines += ["", f"corpus: {o['detail_pages']} detail pages, {len(c['rows'])} pages in all", ""]
    lines.append("| measure | parse_page | plain trafilatura |\n|---|---:|---:|")
    for name in SCORED_FIELDS:
        lines.append(f"| {name} | {_pct(o['field_accuracy'][name])} | {_pct(b['field_accuracy'][name])} |")
    lines += [
        f"| fields, all labels | {_pct(o['fields_all_labels'])} | {_pct(b['fields_all_labels'])} |",
        f"| fields, labels with a value | {_pct(o['fields_with_value'])} | {_pct(b['fields_with_value'])} |",
        f"| body right | {_pct(o['body_accuracy'])} | {_pct(b['body_accuracy'])} |",
        f"| chrome leaks | {o['chrome_leaks']} | {b['chrome_leaks']} |",
        f"| page types right | {_pct(o['page_type_accuracy'])} | – |",
        f"| list pages right (count, first item) | {o['lists_right']} | – |",
        f"| pages/s (one process) | {s['pages_per_s']:.1f} | {s['baseline_pages_per_s']:.1f} |",
        "",
        f"speed ratio parse_page / trafilatura.extract: {s['ratio']:.2f}",
        f"trafilatura on the region parse_page locates, chrome lines dropped: body right"
        f" {_pct(c['region']['body_accuracy'])}, chrome leaks {c['region']['chrome_leaks']}",
    ]
    if "replica" in result:
        r = result["replica"]["ours"]
        lines += [
            "",
            f"replica ({', '.join(result['replica']['hosts'])}): {r['detail_pages']} detail pages",
            f"| fields, all labels | {_pct(r['fields_all_labels'])} |",
            f"| fields, labels with a value | {_pct(r['fields_with_value'])} |",
            f"| body right | {_pct(r['body_accuracy'])} |",
            f"| chrome leaks | {r['chrome_leaks']} |",
            f"| page types right (details, lists, soft-404s) | {_pct(r['page_type_accuracy'])} |",
            f"| list pages right (first item) | {r['lists_right']} |",
        ]
        lines += [f"  miss: {f}" for f in result["replica"]["failures"][:20]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="a corpus directory (manifest.json)")
    ap.add_argument("--replica-docs", type=int, default=40, help="replica detail pages per site (0: none)")
    ap.add_argument("--repeat", type=int, default=3, help="timing rounds over the corpus")
    ap.add_argument("--seed", type=int, default=1, help="replica seed")
    ap.add_argument("--noise", action="store_true", help="replica noise mode on (where the replica has it)")
    ap.add_argument("--json", action="store_true", help="print the raw result as JSON")
    args = ap.parse_args(argv)
    result = evaluate(args.corpus, args.repeat, args.replica_docs, args.seed, args.noise)
    print(json.dumps(result, ensure_ascii=False, indent=2, default=str) if args.json else report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
