"""连州市民政局 (www.lianzhou.gov.cn), Guangdong NFCMS + gkmlpt behind a 412 JavaScript challenge.

From research/lianzhou.md: the seed's NFCMS URL path is SEEN (on a mirror); the gkmlpt prefix
`/qylzmzj/` is a GUESS (清城区民政局 uses `qyqcmzj`, 连州卫健局 `qylzwsj`); SID, column ids, the
unified social credit code and footer facts are placeholders in the real formats.
"""

from __future__ import annotations

from datetime import date, datetime

from replica.challenge import JsChallenge
from replica.content import Agency
from replica.platforms.gkmlpt import GkmlptColumn, GkmlptSeed, GkmlptSite, NfcmsColumn
from replica.seeds import MirroredSeed

PREFIX = "/qylzmzj/"
MZXX = "/lzszdlyxxgkzl/mzxx/"  # 重点领域信息公开专栏 › 民政信息

# The mirror garbled these stretches (GBK mojibake over the traditional rewrite); the official wording.
SEED_REPAIRS = (
    ("工作?,F(xiàn)將", "工作。現將"),
    ("發(fā)展?!奔訌?qiáng)", "發展。”加強"),
    ("套?;蚺灿秘澱几黝惿鐣?huì)", "套保或挪用貪占各類社會"),
    ("機(jī)制?!狈ㄖ卫砟睢?/p>", "機制。”法治理念。"),
    ("德才兼?zhèn)涞母咚刭|(zhì)", "德才兼備的高素質"),
    ("當(dāng)?shù)厣⒕庸聝夯旧铕B(yǎng)育", "當地散居孤兒基本生活養育"),
    ("申請(qǐng)?zhí)顖?bào)", "申請填報"),
)

SITE = GkmlptSite(
    host="www.lianzhou.gov.cn",
    agency=Agency(
        name="连州市民政局",
        city="连州市",
        counties=(
            "连州镇",
            "西岸镇",
            "东陂镇",
            "保安镇",
            "星子镇",
            "大路边镇",
            "龙坪镇",
            "九陂镇",
            "西江镇",
            "丰阳镇",
        ),
        doc_prefixes=("连民", "连民函", "连民字"),
    ),
    site_name="連州市人民政府門戶網站",
    prefix=PREFIX,
    sid="759025",
    org_code="11441882MB2C4F6L1X",
    site_code="4418820001",
    icp="粵ICP備05008390號",
    columns=(
        GkmlptColumn(2641, "机构职能", "standard", 1, "机构信息", "其他"),
        GkmlptColumn(2644, "本部门文件", "policy", 4, "政策文件", "通知", nfcms=MZXX),
        GkmlptColumn(2645, "政策解读", "interpret", 2, "政策文件", "解读"),
        GkmlptColumn(2648, "计划规划", "plan", 3, "计划总结", "计划"),
        GkmlptColumn(
            2649,
            "法治政府建设年度报告",
            "plan",
            0,
            "计划总结",
            "报告",
            nfcms=MZXX,
            reports="rule_of_law_report",
        ),
        GkmlptColumn(2652, "社会救助", "shjz", 4, "民政业务", "公告", nfcms=MZXX),
        GkmlptColumn(2653, "养老服务", "ylfw", 3, "民政业务", "通知", nfcms=MZXX),
        GkmlptColumn(2654, "社会组织", "shzz", 2, "民政业务", "公告"),
        GkmlptColumn(2655, "社会事务", "shsw", 2, "民政业务", "其他"),
        GkmlptColumn(2658, "部门预决算", "finance", 1, "财政信息", "其他"),
        GkmlptColumn(
            2661, "政府信息公开年报", "plan", 0, "政府信息公开年报", "报告", reports="annual_report"
        ),
    ),
    nfcms_columns=(NfcmsColumn(MZXX, "民政信息", ("政務公開", "重點領域信息公開專欄")),),
    jumps=(
        (2670, "政府信息公开指南", f"http://www.lianzhou.gov.cn{PREFIX}gkmlpt/guide"),
        (2671, "依申请公开", "http://www.lianzhou.gov.cn/zwgk/ysqgk/"),
    ),
    seeds=(
        GkmlptSeed(
            text=MirroredSeed(
                "004_1e6c5f2a9071a957.txt", "连州市民政局2024年度法治政府建设情况报告", SEED_REPAIRS
            ),
            post_id=1971208,
            column=2649,
            publish=datetime(2025, 1, 8, 9, 41, 15),  # not seen: the id dates it to early January 2025
            written_date=date(2025, 1, 7),  # the signature: 中共连州市民政局党组(代章) 2025年1月7日
            index_serial=3,
            report=("rule_of_law_report", 2024),
        ),
    ),
    challenge=JsChallenge(),
    external=(
        (
            2652,
            "清远市民政局关于印发《清远市最低生活保障实施办法》的通知",
            "http://www.qingyuan.gov.cn/qyzfmzj/gkmlpt/content/1/1820/post_1820417.html",
        ),
        # A spam mirror's copy of a post (PLATFORMS.md §6), listed to prove a crawl never follows one.
        (
            2653,
            "连州市民政局关于做好养老服务工作的通知",
            "http://f88tv.com/qylzmzj/gkmlpt/content/1/1902/post_1902233.html",
        ),
    ),
    # Spam mirrors that copy this site; every NFCMS page links its copies there.
    mirrors=("f88tv.com", "www.misuertetoday.com", "southcoastcommunityfoundation.com"),
    page_size=10,
    past_last="404",
)
