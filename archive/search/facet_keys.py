"""One integer per combination of a version's facet values, so SQLite counts facets in one cheap pass.

The facet counts of a search are the number of matches per site, topic, issuer, year, validity and
page kind. On SQLite a GROUP BY sorts, and sorting 100,000 matches on six text columns cost ~190 ms
(the query 民 at 100,000 documents: the web page's whole p95 budget is 150 ms), where sorting them on
one integer costs ~25 ms (docs/benchmarks.md, "Facet counts"). So each search row carries `facet_key`,
a 63-bit BLAKE2b digest of its six values: the matches are grouped by it, each group's six values read
from any of its rows (all equal), and each facet's counts summed from the groups in Python.

Exact unless two different combinations of the archive share a key: with N combinations the chance
is about N²/2⁶⁴ (5·10⁻¹⁰ at 100,000), and `xxgk db check` looks for it (`search.check`).
"""

from __future__ import annotations

import hashlib
import json


def year_of(publish_date: str | None) -> str | None:
    """The year facet's value: what `substr(publish_date, 1, 4)` gives in SQL."""
    return None if publish_date is None else publish_date[:4]


def facet_key(
    site: str | None,
    topic: str | None,
    issuer: str | None,
    publish_date: str | None,
    validity: str | None,
    kind: str | None,
) -> int:
    """The key of one combination of facet values (JSON keeps None apart from "", and every value
    apart from its neighbours); in 0 … 2⁶³−1, a signed 64-bit integer on both databases."""
    values = [site, topic, issuer, year_of(publish_date), validity, kind]
    digest = hashlib.blake2b(json.dumps(values, ensure_ascii=False).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1
