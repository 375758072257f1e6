"""安顺市民政局 (Anshun, Guizhou): TRS WCM. Columns from shared research (anshun.md §2)."""

from typing import ClassVar

from spiders.platforms.trs_wcm import TrsWcmSpider


class AnshunMzjSpider(TrsWcmSpider):
    name = "anshun_mzj"
    agency = "安顺市民政局"
    base_url = "http://smzj.anshun.gov.cn"
    hosts = ("smzj.anshun.gov.cn",)
    columns = (
        "/gzdt/bmdt/",
        "/gzdt/tzgg/",
        "/wsbs/xgxz/",
        "/wsbs/cjwt/",
        "/zwgk/zcfg/bmwj_70770/",
        "/zwgk/zcfg/flfg/",
        "/zwgk/zcfg/zcjd/",
        "/zwgk/zfxxgk/xxgkml/jhzj/",
        "/zwgk/zfxxgk/xxgkml/czxx/bmczjsjsgjf/",
        "/zwgk/zfxxgk/xxgkml/qzqd/qlqd/",
        "/zwgk/zfxxgk/xxgkml/jytabl/dbjydf/",
        *(
            f"/zwgk/zfxxgk/xxgkml/mzsw/{sub}/"
            for sub in ("mzsyfx", "shjz", "etfl", "ylfw", "qhdm", "shzz", "shsw", "cssy")
        ),
        "/zwgk/zfxxgk/xxgkml/zwgkbzgf/",
    )
    column_kinds: ClassVar[dict[str, str]] = {
        "/gzdt/bmdt/": "news",  # 部门动态
        "/gzdt/tzgg/": "notices",  # 通知公告
        "/zwgk/zcfg/bmwj_70770/": "policy",  # 部门文件
        "/zwgk/zcfg/flfg/": "policy",  # 法律法规
        "/zwgk/zcfg/zcjd/": "policy",  # 政策解读
    }
