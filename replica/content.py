"""Civil-affairs (民政) wording for generated documents: titles, 文号, topics and bodies.

Platform-neutral: any 民政局 site in the replica (TRS or not) draws its text from here, with its own
agency and city names. Everything is a pure function of a `random.Random`, so a document is the same
on every run with the same seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from random import Random

# Subjects by column profile; `plan`, `news` and the other cross-cutting profiles draw from all of them.
SUBJECTS: dict[str, tuple[str, ...]] = {
    "shjz": (
        "最低生活保障",
        "特困人员救助供养",
        "临时救助",
        "城乡低保提标",
        "社会救助兜底保障",
        "低收入人口动态监测",
    ),
    "etfl": ("孤儿基本生活保障", "农村留守儿童关爱保护", "困境儿童保障", "未成年人保护", "儿童福利机构管理"),
    "ylfw": (
        "养老服务",
        "居家社区养老服务",
        "养老机构安全管理",
        "高龄津贴发放",
        "特殊困难老年人探访关爱",
        "农村互助养老",
    ),
    "qhdm": ("区划地名", "地名普查成果转化", "行政区域界线联合检查", "地名标志设置", "乡村地名命名"),
    "shzz": (
        "社会组织管理",
        "社会组织年度检查",
        "社会组织等级评估",
        "打击整治非法社会组织",
        "行业协会商会规范管理",
    ),
    "shsw": ("婚姻登记", "殡葬管理", "残疾人两项补贴", "流浪乞讨人员救助管理", "殡葬领域移风易俗"),
    "cssy": ("慈善事业", "慈善募捐管理", "“中华慈善日”宣传", "福利彩票发行销售", "志愿服务"),
    "mzsyfx": ("民政事业发展统计", "民政统计数据", "民政事业发展", "民政服务设施建设"),
}
ALL_SUBJECTS: tuple[str, ...] = tuple(s for group in SUBJECTS.values() for s in group)

LAWS = (
    "社会救助暂行办法",
    "养老机构管理办法",
    "婚姻登记条例",
    "殡葬管理条例",
    "社会团体登记管理条例",
    "中华人民共和国慈善法",
    "地名管理条例",
    "中华人民共和国未成年人保护法",
    "特困人员认定办法",
    "贵州省社会救助实施办法",
    "最低生活保障审核确认办法",
    "中华人民共和国老年人权益保障法",
)

TITLES: dict[str, tuple[str, ...]] = {
    "plan": (
        "{agency}{done}年工作总结",
        "{agency}{done}年{subject}工作总结",
        "{agency}{next}年{subject}工作计划",
        "{agency}{next}年工作要点",
        "{agency}关于印发《{city}{next}年{subject}工作方案》的通知",
        "{agency}{year}年上半年工作总结及下半年工作计划",
    ),
    "service": (
        "{agency}关于做好{year}年{subject}工作的通知",
        "{agency}关于进一步加强{subject}工作的实施意见",
        "{agency}关于印发《{city}{subject}工作方案》的通知",
        "{agency}关于开展{subject}专项检查的通知",
        "{city}{qyear}年第{quarter}季度{subject}情况公示",
        "{agency}关于{year}年{subject}资金分配情况的公示",
    ),
    "news": (
        "市民政局召开{year}年{subject}工作推进会",
        "市民政局开展{subject}专项督导",
        "{county}民政局扎实推进{subject}工作",
        "市民政局到{county}调研{subject}工作",
        "市民政局组织开展{subject}业务培训",
    ),
    "notice": (
        "关于{year}年{subject}工作的通知",
        "关于公布{year}年度{subject}检查结果的公告",
        "{agency}关于征求《{city}{subject}管理办法（征求意见稿）》意见的公告",
        "关于开展{year}年{subject}工作的通知",
    ),
    "download": ("{subject}申请审批表", "{subject}办事指南及表格下载"),
    "faq": ("{subject}常见问题解答", "如何申请{subject}？"),
    "policy": (
        "{agency}关于印发《{city}{subject}实施办法》的通知",
        "{agency}关于进一步规范{subject}工作的通知",
        "{agency}关于印发《{city}{subject}管理细则》的通知",
    ),
    "law": ("《{law}》",),
    "interpret": (
        "《{city}{subject}实施办法》政策解读",
        "图解：{city}{subject}政策",
        "一图读懂{year}年{subject}政策",
    ),
    "finance": (
        "{agency}{last}年部门决算公开",
        "{agency}{next}年部门预算公开",
        "{agency}{last}年“三公”经费决算情况说明",
    ),
    "power": ("{agency}权力清单和责任清单（{next}年版）", "{agency}行政权力运行流程图（{next}年）"),
    "proposal": (
        "关于市{congress}届人大{session}次会议第{n}号建议的答复",
        "关于政协{city}第{congress}届委员会第{session}次会议第{n}号提案的答复",
    ),
    "standard": ("{city}{subject}领域基层政务公开标准目录", "{agency}{next}年政务公开工作要点"),
}

TOPICS = {
    "finance": "财政",
    "standard": "综合政务",
    "power": "综合政务",
    "proposal": "综合政务",
    "shjz": "社会保障",
}


@dataclass(frozen=True)
class Agency:
    """Who publishes: the names that go into titles, signatures and 文号."""

    name: str  # 安顺市民政局
    city: str  # 安顺市
    counties: tuple[str, ...]
    doc_prefixes: tuple[str, ...]  # 文号 prefixes: 安市民发, …


def subject_for(profile: str, rng: Random) -> str:
    return rng.choice(SUBJECTS.get(profile, ALL_SUBJECTS))


def title(profile: str, agency: Agency, rng: Random, published: date) -> tuple[str, str]:
    """A title for a document of this column profile published on `published`; returns (title, subject).

    Summaries published early in a year are of the year before; plans published late are for the next.
    """
    subject = subject_for(profile, rng)
    template = rng.choice(TITLES.get(profile, TITLES["service"]))
    year = published.year
    text = template.format(
        agency=agency.name,
        city=agency.city,
        subject=subject,
        year=year,
        done=year - 1 if published.month <= 3 else year,
        next=year + 1 if published.month >= 11 else year,
        last=year - 1,
        county=rng.choice(agency.counties),
        qyear=year if published.month > 3 else year - 1,  # the quarter just ended
        quarter="四一二三"[(published.month - 1) // 3],
        law=rng.choice(LAWS),
        congress="四五"[year >= 2022],
        session="一二三四五"[rng.randrange(5)],
        n=rng.randrange(1, 120),
    )
    return text, subject


def topic(profile: str) -> str:
    return TOPICS.get(profile, "民政")


def doc_number(agency: Agency, rng: Random, year: int) -> str:
    return f"{rng.choice(agency.doc_prefixes)}〔{year}〕{rng.randrange(1, 160)}号"


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# ---- bodies ----------------------------------------------------------------------------------------

OPENINGS = (
    "为深入贯彻落实党中央、国务院和省委、省政府关于{subject}工作的决策部署，进一步提升{city}{subject}工作水平，"
    "切实保障困难群众基本生活，结合我市实际，制定本方案。",
    "根据省民政厅关于{subject}工作的有关要求，为切实做好{year}年全市{subject}工作，现将有关事项通知如下：",
    "{year}年，在市委、市政府的坚强领导下，在省民政厅的精心指导下，{agency}坚持以人民为中心的发展思想，"
    "紧紧围绕{subject}重点任务，各项工作取得积极成效。现将有关情况报告如下：",
)
SECTION_HEADS = (
    ("一、总体要求", "二、主要任务", "三、工作措施", "四、保障措施"),
    ("一、工作目标", "二、重点工作", "三、工作步骤", "四、有关要求"),
    ("一、主要工作开展情况", "二、存在的问题和不足", "三、下一步工作打算"),
)
SENTENCES = (
    "坚持把{subject}作为保障和改善民生的重要内容，压紧压实各级工作责任，确保各项政策措施落地见效。",
    "各县（区）民政部门要加强统筹协调，明确责任分工，细化工作措施，按时间节点推进各项工作。",
    "全面落实{subject}政策，做到应保尽保、应救尽救，确保符合条件的困难群众及时纳入保障范围。",
    "加强资金监督管理，严格执行专项资金管理规定，确保资金专款专用、及时足额发放到位。",
    "深入开展政策宣传，通过村（居）务公开栏、微信公众号等多种渠道，提高群众政策知晓率。",
    "建立健全工作台账，对{subject}对象实行动态管理，做到有进有出、动态调整。",
    "强化部门协作，加强与乡村振兴、人力资源社会保障、医疗保障等部门的信息共享和工作衔接。",
    "截至年底，全市累计投入资金{money}万元，惠及群众{people}人次，有力保障了困难群众基本生活。",
    "组织开展业务培训{times}期，培训基层民政工作人员{people}人次，基层经办能力进一步提升。",
    "对工作中发现的问题，建立问题清单和整改台账，明确整改时限，逐项抓好整改落实。",
    "加强督促检查，对工作推进不力、问题整改不到位的，予以通报并督促整改。",
    "畅通监督举报渠道，主动接受社会监督，对群众反映的问题及时调查核实、依法依规处理。",
)
NEWS_SENTENCES = (
    "近日，{agency}召开专题会议，研究部署{subject}工作，局党组书记、局长出席会议并讲话。",
    "会议指出，{subject}工作事关群众切身利益，各级民政部门要提高政治站位，以更加务实的作风抓好落实。",
    "调研组一行深入{county}乡镇（街道）和服务机构，实地查看{subject}工作开展情况，听取工作汇报。",
    "会议要求，要聚焦重点任务，强化责任担当，确保{subject}各项工作取得实效。",
    "下一步，{agency}将持续加强对{subject}工作的指导和监督，推动全市民政事业高质量发展。",
)
SALUTATION = "各县（区）民政局，局机关各科室，市民政系统各直属单位："


def body(
    profile: str,
    agency: Agency,
    rng: Random,
    *,
    subject: str,
    year: int,
    signed: date | None,
    county: str | None = None,
) -> list[str]:
    """Paragraphs of a generated document; a signature and date line close every non-news body."""
    fill = {
        "agency": agency.name,
        "city": agency.city,
        "subject": subject,
        "year": year,
        "county": county or rng.choice(agency.counties),
    }

    def say(template: str) -> str:
        return template.format(
            **fill,
            money=rng.randrange(300, 90000),
            people=rng.randrange(200, 60000),
            times=rng.randrange(2, 12),
        )

    if profile == "news":
        return [say(s) for s in rng.sample(NEWS_SENTENCES, rng.randrange(3, len(NEWS_SENTENCES) + 1))]
    paragraphs: list[str] = []
    if profile in {"service", "notice", "policy", "plan"} and rng.random() < 0.5:
        paragraphs.append(SALUTATION)
    paragraphs.append(say(rng.choice(OPENINGS)))
    pool = rng.sample(SENTENCES, len(SENTENCES))  # no sentence twice in one document
    for head in rng.choice(SECTION_HEADS):
        paragraphs.append(head)
        for _ in range(rng.randrange(1, 4)):
            paragraphs.append(say(pool.pop() if pool else rng.choice(SENTENCES)))
    if signed is not None:
        paragraphs.append(agency.name)
        paragraphs.append(chinese_date(signed))
    return paragraphs


def annual_report_body(agency: Agency, year: int, signed: date, key: str) -> list[str | list[list[str]]]:
    """The statutory 政府信息公开工作年度报告 with its tables (`replica.annual_reports`: numbers, form,
    planted errors; `key` is the document's, whose edits revise the numbers)."""
    from replica.annual_reports import report_blocks

    return report_blocks(agency.name, year, signed, key)


def rule_of_law_report_body(agency: Agency, rng: Random, year: int, signed: date) -> list[str]:
    """法治政府建设年度报告: the report due by the end of March of the next year."""
    subject = rng.choice(ALL_SUBJECTS)
    fill = {"agency": agency.name, "city": agency.city, "subject": subject, "year": year, "county": ""}
    return [
        f"{year}年，{agency.name}深入学习贯彻习近平法治思想，认真落实法治政府建设各项任务，现将有关情况报告如下。",
        "一、推进法治政府建设的主要举措和成效",
        SENTENCES[0].format(**fill),
        SENTENCES[10].format(**fill),
        "二、党政主要负责人履行推进法治建设第一责任人职责情况",
        "局主要负责人认真履行推进法治建设第一责任人职责，对法治建设重要工作亲自部署、重大问题亲自过问。",
        "三、存在的不足和原因",
        "运用法治思维和法治方式推进工作的能力还需提升，基层民政执法力量相对薄弱。",
        f"四、{year + 1}年推进法治政府建设的主要安排",
        "持续深化民政领域“放管服”改革，严格规范公正文明执法，全面推进民政政务公开。",
        agency.name,
        chinese_date(signed),
    ]


def blocks_text(blocks: list[str | list[list[str]]]) -> str:
    """A body's blocks as a good extractor recovers them: paragraphs one per line, tables as
    tab-separated rows in reading order."""
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, list):
            lines.extend("\t".join(row) for row in block)
        else:
            lines.append(block)
    return "\n".join(lines)
