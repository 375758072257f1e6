"""枣庄市市中区民政局 on the district portal www.zzszq.gov.cn (TRS WCM t-date pages), seed 003.

SEEN (research/shizhongqu.md): the portal's TRS t-date URLs, the 年报 column per year
`/zw/gknb/<year>nbxknb/<year>bmzjxxgknb/`, the bureau's address and phone. The district itself is not
confirmed (济南 and 枣庄 both have a 市中区). Placeholders in the real formats: the department columns
under `/zw/bmxxgk/qmzj/`, the seed's URL and date (the seed page was never found), footer codes and
the 索引号 organisation code. The whole site is this declaration: the TRS platform does the rest.
"""

from __future__ import annotations

from datetime import date, datetime

from replica.content import Agency
from replica.declarations import ReportColumn
from replica.platforms.trs_wcm import TrsColumn, TrsWcmSite
from replica.seeds import SeedDocument

DEPT = "/zw/bmxxgk/qmzj/"
ORG_CODE = "11370402004517230X"

SITE = TrsWcmSite(
    host="www.zzszq.gov.cn",
    agency=Agency(
        name="枣庄市市中区民政局",
        city="市中区",
        counties=(
            "中心街街道",
            "龙山路街道",
            "文化路街道",
            "矿区街道",
            "光明路街道",
            "齐村镇",
            "税郭镇",
            "孟庄镇",
        ),
        doc_prefixes=("市中民发", "市中民字"),
    ),
    site_name="枣庄市市中区人民政府",
    site_code="3704020001",
    icp="鲁ICP备05009485号",
    police_record="鲁公网安备 37040202000101号",
    address="枣庄市市中区胜利中路16号",
    phone="0632-3319059",
    org_code=ORG_CODE,
    # Attachments as a district bureau publishes them: scans of signed paper and WPS/Office 97 files.
    attachment_forms=(
        ("pdf", 3),
        ("pdf_scan", 3),
        ("png_scan", 1),
        ("doc", 1),
        ("wps", 1),
        ("xls", 1),
        ("et", 1),
        ("rtf", 1),
    ),
    sections=(
        ("/zw/", "政务公开"),
        ("/zw/gknb/", "政府信息公开年报"),
        ("/zw/bmxxgk/", "部门信息公开"),
        (DEPT, "区民政局"),
    ),
    nav=(("首页", "/"), ("政务公开", "/zw/"), ("政府信息公开年报", "/zw/gknb/"), ("区民政局", DEPT)),
    columns=(
        TrsColumn(DEPT + "gzdt/", "工作动态", "news", 16, style="news", metadata_table=False, banner=None),
        TrsColumn(DEPT + "tzgg/", "通知公告", "notice", 4, style="news", metadata_table=False, banner=None),
        TrsColumn(DEPT + "zcwj/", "政策文件", "policy", 4),
        TrsColumn(DEPT + "jhzj/", "计划总结", "plan", 6),
        TrsColumn(DEPT + "fzzfjs/", "法治政府建设", "plan", 1),
        TrsColumn(DEPT + "shjz/", "社会救助", "shjz", 5),
        TrsColumn(DEPT + "ylfw/", "养老服务", "ylfw", 5),
        TrsColumn(DEPT + "czyjs/", "财政预决算", "finance", 2),
    ),
    report_columns=(
        ReportColumn(
            "annual_report",
            "/zw/gknb/{year}nbxknb/{year}bmzjxxgknb/",
            "区民政局{year}年政府信息公开工作年度报告",
            sections=(("/zw/gknb/{year}nbxknb/", "{year}年政府信息公开工作年度报告"),),
        ),
        ReportColumn("rule_of_law_report", DEPT + "fzzfjs/", "法治政府建设"),
    ),
    seeds=(
        SeedDocument(
            file="003_1bdcbb1ad0537d04.txt",
            url="http://www.zzszq.gov.cn/zw/bmxxgk/qmzj/fzzfjs/202203/t20220318_1693410.html",
            publish=datetime(2022, 3, 18, 10, 12),  # placeholder: the seed carries no date
            written_date=date(2022, 3, 16),
            index_no=f"{ORG_CODE}/2022-00031",
            topic="民政",
            title="市中区民政局2021年度法治政府建设情况报告",
            body_after="2021年度法治政府建设情况报告",
            trailing_chrome=(),
            report=("rule_of_law_report", 2021),
        ),
    ),
    foreign_links=(
        (
            "枣庄市民政局关于做好2023年全市民政工作的通知",
            "http://mzj.zaozhuang.gov.cn/zwgk/tzgg/202302/t20230210_1523456.html",
        ),
        (
            "市中区民政局工作动态（转载）",
            "http://www.f88tv.com/zw/bmxxgk/qmzj/gzdt/202301/t20230105_1701234.html",
        ),
        ("相关政策文件.pdf", "https://njyfgp.com/www/UploadFiles/202203/P020220318551203.pdf"),
    ),
    id_base=1_600_000,
)
