"""The peers' way through a column, run in their own virtual environment (their pins clash with ours):
autopager (the pagination links of a page, a CRF model) walks the list pages breadth first, and
GerapyAutoExtractor's `extract_list` reads each page's items (title and URL; it gives no dates).

    <peers venv>/bin/python bench/discover_peers.py PROXY_URL < columns.json > results.json

stdin: a JSON list of column URLs; stdout: per column {"items": [{"title", "url"}], "pages", "requests"}.
Fetches go through the replica as a proxy, as the crawler's do. Not imported by the project.
"""

from __future__ import annotations

import json
import sys
import urllib.request
import warnings
from urllib.parse import urljoin, urlsplit

MAX_PAGES = 200


def main() -> None:
    warnings.simplefilter("ignore")
    import autopager
    from gerapy_auto_extractor import extract_list

    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({"http": sys.argv[1], "https": sys.argv[1]})
    )
    results = []
    for column in json.load(sys.stdin):
        host = urlsplit(column).hostname
        seen, queue, items, requests = set(), [column], {}, 0
        while queue and len(seen) < MAX_PAGES:
            url = queue.pop(0)
            if url in seen:
                continue
            seen.add(url)
            requests += 1
            try:
                raw = opener.open(url.replace("https://", "http://"), timeout=30).read()
            except OSError:
                continue
            html = (
                raw.decode("utf-8", errors="replace")
                if b"charset=gbk" not in raw[:2000].lower()
                else raw.decode("gb18030")
            )
            try:
                found = extract_list(html) or []
            except Exception:  # a peer's failure on a page is its result
                found = []
            for it in found:
                link = urljoin(url, it.get("url") or "")
                items.setdefault(link, {"title": it.get("title"), "url": link})
            try:
                following = autopager.urls(html, baseurl=url)
            except Exception:  # likewise
                following = []
            queue += [u for u in following if urlsplit(u).hostname == host and u not in seen]
        results.append({"items": list(items.values()), "pages": len(seen), "requests": requests})
    json.dump(results, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
