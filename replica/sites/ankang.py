"""安康市民政局 (mzj.ankang.gov.cn), the 安康 Node-/Content- site group: seed 001 (research/ankang.md).

SEEN: the seed's URL `Content-2229277.html` (2020 法治 report) and its sibling 2020 年报 at
`Content-2220509.html`, the group's URL scheme, list and table markup, the 公开日期 / 成文日期 formats,
the 索引号 shape (`/2022-00006` on xzsp: no organisation code before the slash), the bureau's address
and phone (安康市行政中心10楼, 0915-3256503, from its 2020 年报). Placeholders: the Node ids and most
column names (the seed names 法定主动公开内容 and 政府信息公开年报), the seed's 公开日期 and 成文日期.
"""

from __future__ import annotations

from datetime import date, datetime

from replica.content import Agency
from replica.declarations import Column, KnownReport, ReportColumn
from replica.platforms.ankang import AnkangSite
from replica.seeds import SeedDocument

SITE = AnkangSite(
    host="mzj.ankang.gov.cn",
    scheme="https",
    agency=Agency(
        name="安康市民政局",
        city="安康市",
        counties=(
            "汉滨区",
            "汉阴县",
            "石泉县",
            "宁陕县",
            "紫阳县",
            "岚皋县",
            "平利县",
            "镇坪县",
            "旬阳市",
            "白河县",
        ),
        doc_prefixes=("安民发", "安民函"),
    ),
    site_name="安康市民政局",
    site_code="6109000010",
    icp="陕ICP备05004461号",
    police_record="陕公网安备 61090202000123号",
    address="安康市行政中心10楼",
    phone="0915-3256503",
    nav=(("首页", "/"), ("工作动态", "/Node-5901.html"), ("信息公开", "/Node-5921.html")),
    crumbs=(("信息公开", "/Node-5920.html"), ("法定主动公开内容", "/Node-5920.html")),
    columns=(
        Column("/Node-5901.html", "工作动态", "news", 16, metadata_table=False),
        Column("/Node-5911.html", "通知公告", "notice", 4),
        Column("/Node-5921.html", "部门文件", "policy", 4),
        Column("/Node-5931.html", "计划总结", "plan", 5),
        Column("/Node-5941.html", "社会救助", "shjz", 5),
        Column("/Node-5942.html", "养老服务", "ylfw", 5),
        Column("/Node-5943.html", "社会事务", "shsw", 4),
        Column("/Node-5951.html", "财政资金", "finance", 2),
        Column("/Node-5961.html", "政府信息公开年报", "plan", 0),
        Column("/Node-5962.html", "法治政府建设", "plan", 0),
    ),
    report_columns=(
        ReportColumn("annual_report", "/Node-5961.html", "政府信息公开年报"),
        ReportColumn("rule_of_law_report", "/Node-5962.html", "法治政府建设"),
    ),
    index_format="/{year}-{seq:05d}",
    known_reports=(  # SEEN: the 2020 年报 page (its date was not in the corpus copy)
        KnownReport(
            "annual_report",
            2020,
            "https://mzj.ankang.gov.cn/Content-2220509.html",
            2220509,
            title="安康市民政局2020年政府信息公开工作年度报告",
        ),
    ),
    seeds=(
        SeedDocument(
            file="001_52916b2a96fddd46.txt",
            url="https://mzj.ankang.gov.cn/Content-2229277.html",
            column="/Node-5962.html",
            publish=datetime(2021, 3, 19, 16, 40),  # placeholder: the 公开日期 was not in the corpus copy
            written_date=date(2021, 3, 18),
            index_no="/2021-00023",
            topic=None,
            title="安康市民政局2020年度法治政府建设工作情况报告",
            body_after=None,
            trailing_chrome=(),
            report=("rule_of_law_report", 2020),
        ),
    ),
    foreign_links=(
        ("安康市人民政府", "https://www.ankang.gov.cn/Node-1.html"),
        ("安康市民政局2022年工作报告（转载）", "https://njyfgp.com/www/Content-2513488"),  # SEEN mirror
        ("安康市民政局2022年度政府信息公开工作年度报告", "https://njyfgp.com/Content-2513489.html"),
        ("附件.pdf", "https://www.by8723.com/UploadFiles/2021/2219072.pdf"),
    ),
    id_base=2_200_000,
    page_size=15,  # GUESS: the group's list length was not observed
)
