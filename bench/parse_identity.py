"""The page parser's output, byte for byte, before and after a change to it: record, then check.

    # with the parser as it was (e.g. `git archive BASE | tar -x -C /tmp/base`):
    PYTHONPATH=/tmp/base python bench/parse_identity.py --record /tmp/parse-golden.pickle
    # with the changed parser:
    PYTHONPATH=. python bench/parse_identity.py --check /tmp/parse-golden.pickle

A speed change to the parser must not change what the archive keeps, and the labelled benchmarks
(`bench/extraction.py`) only score the fields they have truth for. So this runs `parse_page` over every
page we have: every replica site's detail pages and column lists (all five platforms, including the
GB18030 site and the challenge site's pages as its browser receives them), the same with the replica's
noise layer on, and every labelled real page (the shared corpus, the test fixtures and the held-out
pages where this checkout has them), each once with no hints and once with every platform's hints, and
compares the whole `ParsedPage` (every field, the body, tables, attachments, list items) with what the
old parser returned. `--time` also prints the parser's CPU per page over the replica's detail pages
(the crawl's case), the figure a speed change is judged by.
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CORPUS_DIRS = (
    ROOT.parent / "shared" / "corpus" / "pages",
    ROOT / "tests" / "fixtures" / "corpus" / "pages",
    # Held-out real pages (issue 20): present when this checkout has them (their README says why not).
    ROOT / "tests" / "fixtures" / "corpus_heldout" / "pages",
    ROOT / "tests" / "fixtures" / "extraction",
)
FALLBACK_URL = "http://www.example.gov.cn/art/2024/1/1/art_1_1.html"


def _hint_sets() -> dict[str, Any]:
    from crawler.extraction import platforms
    from crawler.extraction.hints import ExtractionHints

    return {
        "none": ExtractionHints(),
        "trs_wcm": platforms.TRS_WCM_HINTS,
        "gkmlpt": platforms.GKMLPT_HINTS,
        "sxjz": platforms.SXJZ_HINTS,
        "ankang": platforms.ANKANG_HINTS,
    }


def _platform_of_host() -> dict[str, str]:
    import tomllib

    out = {}
    for path in (ROOT / "spiders" / "sites").glob("*.toml"):
        decl = tomllib.loads(path.read_text(encoding="utf-8"))
        for host in decl.get("hosts", []):
            out[host] = decl["platform"]
    return out


def pages(docs: int, noise_docs: int) -> list[tuple[str, bytes, str, str | None, str]]:
    """(kind, body, url, header charset, hints name) for every page the check parses."""
    from bench.extraction import ReplicaClient
    from crawler.pipelines.extract import _header_charset  # the crawl's reading of Content-Type
    from replica.core import build

    platform = _platform_of_host()
    out: list[tuple[str, bytes, str, str | None, str]] = []
    for noise, n in ((False, docs), (True, noise_docs)):
        layers = [{"op": "noise", "on": True, "host": "*"}] if noise else []
        replica = build(seed=11, docs=n, mutations=layers)
        client = ReplicaClient(replica)
        for host in replica.hosts:
            hints = platform.get(host, "none")
            documents = replica.documents(host)
            urls = [d.url for d in documents]
            scheme = urls[0].split(":", 1)[0] if urls else "http"
            urls += sorted({f"{scheme}://{host}{d.column}" for d in documents})
            for url in urls:
                resp = client.get(url)
                if resp.status != 200 or "html" not in (resp.headers.get("Content-Type") or ""):
                    continue
                charset = _header_charset(resp.headers.get("Content-Type") or "")
                kind = "replica-noise" if noise else "replica"
                out.append((kind, resp.body, url, charset, hints))
                out.append((kind, resp.body, url, charset, "none"))
        for url, body in client.challenges:
            out.append(("challenge", body, url, "utf-8", "none"))
    for folder in CORPUS_DIRS:
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() not in (".html", ".htm"):
                continue
            body = path.read_bytes()
            for hints in _hint_sets():
                out.append(("corpus", body, FALLBACK_URL, None, hints))
    return out


def _key(kind: str, body: bytes, url: str, charset: str | None, hints: str) -> str:
    if kind == "challenge":  # its nonce differs from build to build: the page, not its bytes
        return f"{kind} {url} {hints} {charset}"
    return f"{kind} {url} {hints} {charset} {hashlib.sha256(body).hexdigest()[:16]}"


def parse_all(inputs: list[tuple[str, bytes, str, str | None, str]]) -> dict[str, Any]:
    from crawler.extraction import parse_page

    hint_sets = _hint_sets()
    results: dict[str, Any] = {}
    for kind, body, url, charset, hints in inputs:
        try:
            value: Any = parse_page(body, url, hint_sets[hints], header_charset=charset).to_dict()
        except Exception as exc:  # the same failure is an identical result too
            value = f"{type(exc).__name__}: {exc}"
        results[_key(kind, body, url, charset, hints)] = value
    return results


def cpu_per_page(inputs: list[tuple[str, bytes, str, str | None, str]], rounds: int) -> float:
    """Best-of-rounds process CPU ms per page over the replica's pages with their site's hints."""
    from crawler.extraction import parse_page

    hint_sets = _hint_sets()
    crawl_case = [(b, u, c, hint_sets[h]) for k, b, u, c, h in inputs if k == "replica" and h != "none"]
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for body, url, charset, hints in crawl_case:
            parse_page(body, url, hints, header_charset=charset)
        best = min(best, (time.process_time() - start) * 1000 / len(crawl_case))
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--record", type=Path, help="write the parser's results to this file")
    mode.add_argument("--check", type=Path, help="compare the parser's results with this file")
    mode.add_argument("--time", action="store_true", help="only the parser's CPU ms per replica page")
    ap.add_argument("--docs", type=int, default=120, help="replica documents per site")
    ap.add_argument("--noise-docs", type=int, default=30, help="the same, with the noise layer on")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--inputs", type=Path, help="keep the pages in this file (built once, then reused)")
    args = ap.parse_args(argv)
    if args.inputs and args.inputs.is_file():
        inputs = pickle.loads(args.inputs.read_bytes())
    else:
        inputs = pages(args.docs, args.noise_docs)
        if args.inputs:
            args.inputs.write_bytes(pickle.dumps(inputs))
    if args.time:
        ms = cpu_per_page(inputs, args.rounds)
        print(f"parse_page: {ms:.2f} ms CPU a page (best of {args.rounds}, replica pages, site hints)")
        return 0
    results = parse_all(inputs)
    if args.record:
        args.record.write_bytes(pickle.dumps(results))
        print(f"recorded {len(results)} parses of {len(inputs)} inputs to {args.record}")
        return 0
    golden = pickle.loads(args.check.read_bytes())
    missing = sorted(set(golden) ^ set(results))
    differ = sorted(k for k in set(golden) & set(results) if golden[k] != results[k])
    for key in missing[:10]:
        print(f"only on one side: {key}")
    for key in differ[:10]:
        old, new = golden[key], results[key]
        fields = (
            [f for f in old if old.get(f) != new.get(f)]
            if isinstance(old, dict) and isinstance(new, dict)
            else []
        )
        print(f"differs: {key}: {fields or (old, new)}")
        for f in fields[:3]:
            print(f"    {f}: {str(old[f])[:300]!r}\n    {' ' * len(f)}  {str(new[f])[:300]!r}")
    print(f"{len(results)} parses: {len(differ)} differ, {len(missing)} unmatched")
    return 1 if differ or missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
