"""安康市民政局 (Ankang, Shaanxi): the 安康 Node-/Content- site group (research/ankang.md)."""

from typing import ClassVar

from spiders.platforms.ankang import AnkangSpider


class AnkangMzjSpider(AnkangSpider):
    name = "ankang_mzj"
    agency = "安康市民政局"
    base_url = "https://mzj.ankang.gov.cn"
    hosts = ("mzj.ankang.gov.cn",)
    columns = tuple(f"/Node-{n}.html" for n in (5901, 5911, 5921, 5931, 5941, 5942, 5943, 5951, 5961, 5962))
    column_kinds: ClassVar[dict[str, str]] = {
        "/Node-5901.html": "news",
        "/Node-5911.html": "notices",
        "/Node-5921.html": "policy",
    }
