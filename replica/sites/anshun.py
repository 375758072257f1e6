"""安顺市民政局 (smzj.anshun.gov.cn), TRS WCM: columns from research/anshun.md §2, seed 002.

Footer facts (网站标识码, ICP, phone, address) and the 索引号 organisation code are placeholders in the
real formats; the column paths, list/detail markup and the seed page are as observed.
"""

from __future__ import annotations

from datetime import date, datetime

from replica.content import Agency
from replica.declarations import ReportColumn
from replica.platforms.trs_wcm import TrsColumn, TrsWcmSite
from replica.seeds import SeedDocument

XXGK = "/zwgk/zfxxgk/xxgkml/"
ORG_CODE = "009460193"

MZSW = (
    ("mzsyfx", "民政事业发展", "mzsyfx"),
    ("shjz", "社会救助", "shjz"),
    ("etfl", "儿童福利", "etfl"),
    ("ylfw", "养老服务", "ylfw"),
    ("qhdm", "区划地名", "qhdm"),
    ("shzz", "社会组织", "shzz"),
    ("shsw", "社会事务", "shsw"),
    ("cssy", "慈善事业", "cssy"),
)

SITE = TrsWcmSite(
    host="smzj.anshun.gov.cn",
    agency=Agency(
        name="安顺市民政局",
        city="安顺市",
        counties=(
            "西秀区",
            "平坝区",
            "普定县",
            "镇宁自治县",
            "关岭自治县",
            "紫云自治县",
            "经开区",
            "黄果树旅游区",
        ),
        doc_prefixes=("安市民发", "安市民通", "安市民函"),
    ),
    site_name="安顺市民政局",
    site_code="5204000038",
    icp="黔ICP备05003461号",
    police_record="黔公网安备 52040202000102号",
    address="贵州省安顺市西秀区市府路",
    phone="0851-33222179",
    org_code=ORG_CODE,
    sections=(
        ("/gzdt/", "工作动态"),
        ("/wsbs/", "网上办事"),
        ("/zwgk/", "政务公开"),
        ("/zwgk/zcfg/", "政策法规"),
        ("/zwgk/zfxxgk/", "政府信息公开"),
        (XXGK, "信息公开目录"),
        (XXGK + "czxx/", "财政信息"),
        (XXGK + "qzqd/", "权责清单"),
        (XXGK + "jytabl/", "建议提案办理"),
        (XXGK + "mzsw/", "民政事务"),
    ),
    nav=(
        ("首页", "/"),
        ("工作动态", "/gzdt/"),
        ("政务公开", "/zwgk/"),
        ("政府信息公开", "/zwgk/zfxxgk/"),
        ("网上办事", "/wsbs/"),
    ),
    columns=(
        TrsColumn("/gzdt/bmdt/", "部门动态", "news", 7, style="news", metadata_table=False, banner=None),
        TrsColumn("/gzdt/tzgg/", "通知公告", "notice", 5, style="news", metadata_table=False, banner=None),
        TrsColumn("/wsbs/xgxz/", "相关下载", "download", 2, style="news", metadata_table=False, banner=None),
        TrsColumn("/wsbs/cjwt/", "常见问题", "faq", 2, style="news", metadata_table=False, banner=None),
        TrsColumn("/zwgk/zcfg/bmwj_70770/", "部门文件", "policy", 4, banner="政务公开"),
        TrsColumn("/zwgk/zcfg/flfg/", "法律法规", "law", 2, banner="政务公开"),
        TrsColumn("/zwgk/zcfg/zcjd/", "政策解读", "interpret", 3, banner="政务公开"),
        TrsColumn(XXGK + "jhzj/", "计划总结", "plan", 12),
        TrsColumn(XXGK + "czxx/bmczjsjsgjf/", "部门财政决算及三公经费", "finance", 2),
        TrsColumn(XXGK + "qzqd/qlqd/", "权力清单", "power", 1),
        TrsColumn(XXGK + "jytabl/dbjydf/", "代表建议答复", "proposal", 2),
        *(TrsColumn(f"{XXGK}mzsw/{slug}/", name, profile, 6) for slug, name, profile in MZSW),
        TrsColumn(XXGK + "zwgkbzgf/", "政务公开标准规范", "standard", 1),
    ),
    seeds=(
        SeedDocument(
            file="002_80a183942ca3093f.txt",
            url="http://smzj.anshun.gov.cn/zwgk/zfxxgk/xxgkml/jhzj/202201/t20220109_72272508.html",
            publish=datetime(2021, 12, 28, 18, 55),  # the page's 发布时间; the URL says 2022-01-09
            written_date=date(2021, 12, 27),
            index_no=f"{ORG_CODE}/2021-00123",
            doc_number="",
            topic="民政",
            validity="有效",
            views=1263,
        ),
    ),
    report_columns=(
        ReportColumn("annual_report", XXGK + "jhzj/", "计划总结"),
        ReportColumn("rule_of_law_report", XXGK + "jhzj/", "计划总结"),
    ),
    search_action="https://www.anshun.gov.cn/irs/front/search",
    foreign_links=(  # the city portal, and a mirror that copies the bureau's pages (PLATFORMS.md §6)
        ("安顺市人民政府", "https://www.anshun.gov.cn/"),
        ("安顺市民政局工作动态（转载）", "http://www.1cjaei.cn/gzdt/bmdt/202301/t20230110_77281234.html"),
        ("相关文件.pdf", "http://www.1cjaei.cn/zwgk/202301/P020230110551203.pdf"),
    ),
)
