"""晋中市民政局 (Jinzhong, Shanxi): the sxjz.gov.cn site group (research/jinzhong.md)."""

from typing import ClassVar

from spiders.platforms.sxjz import SxjzSpider

FD = "/xxgk/fdzdgknr/"


class JinzhongMzjSpider(SxjzSpider):
    name = "jinzhong_mzj"
    agency = "晋中市民政局"
    base_url = "http://mzj.sxjz.gov.cn"
    hosts = ("mzj.sxjz.gov.cn",)
    columns = (
        "/mzdt/gzdt/",
        "/mzdt/tzgg/",
        *(FD + c + "/" for c in ("zcwj", "jhzj1", "shjz", "ylfw", "shzz", "czzj")),
        "/xxgk/zfxxgknb/",
    )
    column_kinds: ClassVar[dict[str, str]] = {
        "/mzdt/gzdt/": "news",
        "/mzdt/tzgg/": "notices",
        FD + "zcwj/": "policy",
    }
