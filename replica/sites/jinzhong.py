"""晋中市民政局 (mzj.sxjz.gov.cn), the sxjz site group: seed 000 in the 计划总结 column (research/jinzhong.md).

SEEN: the column `/xxgk/fdzdgknr/jhzj1/`, `content_<id>` details, the label block and its empty cells,
索引号 `jz-mzj-YYYY-NNNNN`, the seed's 索引号 and date. Placeholders: the other columns, the seed's content
id (below the sibling 178425 published a year later), the 年报 column, footer codes. The site declares
`gb2312` in a meta tag only and serves GB18030 bytes (names with 镕, 堃, 喆 are outside GB2312): the
encoding case DESIGN §3 asks for, placed here because nothing about this site's encoding is known.
"""

from __future__ import annotations

from datetime import date, datetime

from replica.content import Agency
from replica.declarations import Column, KnownReport, ReportColumn
from replica.platforms.sxjz import SxjzSite
from replica.seeds import SeedDocument

FD = "/xxgk/fdzdgknr/"

SITE = SxjzSite(
    host="mzj.sxjz.gov.cn",
    agency=Agency(
        name="晋中市民政局",
        city="晋中市",
        counties=(
            "榆次区",
            "太谷区",
            "介休市",
            "平遥县",
            "灵石县",
            "祁县",
            "寿阳县",
            "昔阳县",
            "和顺县",
            "左权县",
            "榆社县",
        ),
        doc_prefixes=("市民政发", "市民政函"),
    ),
    site_name="晋中市民政局",
    site_code="1407000016",
    icp="晋ICP备05003721号",
    police_record="晋公网安备 14070202000117号",
    address="晋中市榆次区迎宾西街",
    phone="0354-2021234",
    nav=(("首页", "/"), ("民政动态", "/mzdt/"), ("政府信息公开", "/xxgk/")),
    sections=(("/mzdt/", "民政动态"), ("/xxgk/", "政府信息公开"), (FD, "法定主动公开内容")),
    columns=(
        Column("/mzdt/gzdt/", "工作动态", "news", 16, metadata_table=False),
        Column("/mzdt/tzgg/", "通知公告", "notice", 4, metadata_table=False),
        Column(FD + "zcwj/", "政策文件", "policy", 4),
        Column(FD + "jhzj1/", "计划总结", "plan", 6),
        Column(FD + "shjz/", "社会救助", "shjz", 5),
        Column(FD + "ylfw/", "养老服务", "ylfw", 5),
        Column(FD + "shzz/", "社会组织", "shzz", 4),
        Column(FD + "czzj/", "财政资金", "finance", 2),
        Column("/xxgk/zfxxgknb/", "政府信息公开年报", "plan", 0),
    ),
    report_columns=(
        ReportColumn("annual_report", "/xxgk/zfxxgknb/", "政府信息公开年报"),
        ReportColumn("rule_of_law_report", FD + "jhzj1/", "计划总结"),  # SEEN: both 法治 reports are here
    ),
    index_format="jz-mzj-{year}-{seq:05d}",
    seeds=(
        SeedDocument(
            file="000_55f8869aa2a36b96.txt",
            url="http://mzj.sxjz.gov.cn/xxgk/fdzdgknr/jhzj1/content_160318",
            publish=datetime(2022, 3, 7, 9, 30),  # the page shows the date only
            index_no="jz-mzj-2022-00068",
            written_date=date(2022, 1, 10),  # the signature under the body
            topic="计划总结",
            body_after="来源:",
            trailing_chrome=("【打印正文】 【字体:", "×", "用户登录"),
            report=("rule_of_law_report", 2021),
        ),
    ),
    known_reports=(  # SEEN: the sibling page, a year later, same column and chrome
        KnownReport(
            "rule_of_law_report",
            2022,
            "http://mzj.sxjz.gov.cn/xxgk/fdzdgknr/jhzj1/content_178425",
            178425,
            index_no="jz-mzj-2023-00053",
            title="晋中市民政局2022年法治政府建设情况报告",
            publish=datetime(2023, 3, 1, 10, 0),
        ),
    ),
    charset="gb2312",
    charset_in_header=False,
    contacts=("王镕", "郝堃", "李喆", "张晓燕"),
    foreign_links=(
        ("晋中市人民政府", "http://www.sxjz.gov.cn/"),
        ("晋中民政工作动态（转载）", "http://lahohwa.com/jzmz/gzdt/content_152233"),
        ("相关文件.doc", "http://lahohwa.com/UploadFiles/2022/mzj_fj.doc"),
    ),
    id_base=150_000,
    page_size=15,  # GUESS: the mzj list was not observed
)
