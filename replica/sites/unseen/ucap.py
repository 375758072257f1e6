"""开普云-style static .shtml lists whose pager is drawn by a script from variables."""

from replica.sites.unseen import unseen_site

SITE = unseen_site(
    "ucap", "mzj.lanling.gov.cn", "兰陵县民政局", "兰陵县", (3101, 3102, 3103, 3104),
    charset="gbk", page_size=14, id_base=6_600_000, index_format="LL-{year}-{seq:05d}",
)  # fmt: skip
