"""枣庄市市中区民政局 on www.zzszq.gov.cn: TRS WCM (research/shizhongqu.md). A declaration only."""

from typing import ClassVar

from spiders.platforms.trs_wcm import TrsWcmSpider

DEPT = "/zw/bmxxgk/qmzj/"


class ShizhongMzjSpider(TrsWcmSpider):
    name = "shizhong_mzj"
    agency = "枣庄市市中区民政局"
    base_url = "http://www.zzszq.gov.cn"
    hosts = ("www.zzszq.gov.cn",)
    columns = tuple(
        DEPT + c + "/" for c in ("gzdt", "tzgg", "zcwj", "jhzj", "fzzfjs", "shjz", "ylfw", "czyjs")
    )
    # The 年报 column is opened anew each year under /zw/gknb/ (SEEN for 2025): found on that page.
    column_sources = (("/zw/gknb/", r"/zw/gknb/\d{4}nbxknb/\d{4}bmzjxxgknb/"),)
    column_kinds: ClassVar[dict[str, str]] = {
        DEPT + "gzdt/": "news",
        DEPT + "tzgg/": "notices",
        DEPT + "zcwj/": "policy",
    }
