"""连州市民政局 (Lianzhou, Qingyuan, Guangdong): gkmlpt catalogue + NFCMS 民政信息, behind a 412 challenge.

research/lianzhou.md: the NFCMS column is SEEN (on a mirror of the seed's page); the gkmlpt prefix
`/qylzmzj/` is a GUESS from the 清远 naming scheme, hence a declaration here, not platform code.
"""

from typing import ClassVar

from spiders.platforms.nfcms import NfcmsGkmlptSpider


class LianzhouMzjSpider(NfcmsGkmlptSpider):
    name = "lianzhou_mzj"
    agency = "连州市民政局"
    base_url = "http://www.lianzhou.gov.cn"  # old-style gkmlpt hosts work over http
    hosts = ("www.lianzhou.gov.cn",)
    browser = True  # the whole host answers 412 with a JavaScript challenge
    gkmlpt_prefixes = ("/qylzmzj/",)
    nfcms_columns = ("/lzszdlyxxgkzl/mzxx/",)
    column_kinds: ClassVar[dict[str, str]] = {"/lzszdlyxxgkzl/mzxx/": "news"}
