"""A site declaration written from what discovery found (`xxgk site add`): TOML a person reviews.

The file is data for `crawler.sites` (platform `discovered`): the site's name, agency, hosts and
column URLs, each column preceded by a comment with the evidence (its pagination reading, pages,
items, where the list is), so a reviewer sees why it is there and can edit any field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from crawler.discovery.spider import Discovery

# Title segments that name an agency: …局, …委员会, …厅, …办公室, …人民政府, …中心.
_AGENCY_RE = re.compile(r"[\u4e00-\u9fff（）()]{2,30}?(?:局|委员会|委|厅|办公室|人民政府|政府|中心|院)$")
_SEPARATORS = re.compile(r"\s*[-_|—–·:：]+\s*")


def agency_from_title(title: str | None) -> str | None:
    """The agency a column page's title names ("通知公告-安康市民政局" → 安康市民政局), if one does."""
    if not title:
        return None
    for part in reversed(_SEPARATORS.split(title)):
        if _AGENCY_RE.fullmatch(part.strip()):
            return part.strip()
    return None


def declaration_toml(name: str, agency: str | None, found: Sequence[Discovery]) -> str:
    """The TOML text of a discovered site's declaration."""
    urls = [f.url for f in found]
    hosts = list(dict.fromkeys(urlsplit(u).hostname or "" for u in urls))
    agency = agency or next((a for f in found if (a := agency_from_title(f.page_title))), None) or name
    first = urlsplit(urls[0])
    lines = [
        f"# {agency}: written by `xxgk site add` from {len(urls)} column URL(s); review and edit any field.",
        "# The columns are walked by discovery's rules (spiders/platforms/discovered.py); see",
        "# `xxgk discover URL` for what they find on each.",
        f"name = {_s(name)}",
        f"agency = {_s(agency)}",
        'platform = "discovered"',
        f"base_url = {_s(f'{first.scheme}://{first.hostname}')}",
        f"hosts = [{', '.join(_s(h) for h in hosts)}]",
        "column_urls = [",
    ]
    for f in found:
        pager = f.pager
        items = f.items()
        lines.append(
            f"    # {pager.kind if pager else 'no pagination'}, {len(pager.pages) if pager else 0} page(s); "
            f"{len(items)} items on the pages read; list at {f.choice.region if f.choice else '?'}"
        )
        if items:
            lines.append(f"    # first item: {items[0].date} {items[0].title[:40]}")
        lines.append(f"    {_s(f.url)},")
    lines.append("]")
    return "\n".join(lines) + "\n"


def _s(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value, ensure_ascii=False)
