"""Sites on list styles no spider or discovery rule was written against (replica/platforms/unseen.py).

Not among the replica's default sites: loaded with `XXGK_REPLICA_SITES=replica.sites.unseen.aspnet,…`
by the discovery tests and bench/discover.py. Agencies, hosts and column ids are made up.
"""

from __future__ import annotations

from replica.content import Agency
from replica.declarations import Column
from replica.platforms.unseen import UnseenSite, column_path

MODULES = (
    "replica.sites.unseen.aspnet",
    "replica.sites.unseen.hanweb",
    "replica.sites.unseen.jsonlist",
    "replica.sites.unseen.ucap",
    "replica.sites.unseen.spa",
)
NAMES = (
    ("工作动态", "news", 10),
    ("通知公告", "notice", 4),
    ("政策文件", "policy", 3),
    ("财政资金", "finance", 1),
)


def unseen_site(
    style: str, host: str, agency: str, city: str, ids: tuple[int, ...], **kwargs: object
) -> UnseenSite:
    columns = tuple(
        Column(column_path(style, cid), name, profile, weight, metadata_table=profile != "news")
        for cid, (name, profile, weight) in zip(ids, NAMES, strict=True)
    )
    return UnseenSite(
        host=host,
        agency=Agency(name=agency, city=city, counties=(f"{city}城关镇",), doc_prefixes=(f"{city[:2]}民发",)),
        site_name=agency,
        columns=columns,
        column_ids=ids,
        style=style,
        **kwargs,  # type: ignore[arg-type]
    )
