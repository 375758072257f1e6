"""The 政府信息公开工作年度报告 template as data: sections, the tables' rows and columns, their keys.

One place for the template (国办公开办函〔2021〕30号, and the 2019 试行 format of 〔2019〕60号 that
some reports still use): the parser reads with it, the checks sum with it, the exports name their
columns with it, and the replica writes its reports from it. See shared research regulations.md §1d.

Keys are ASCII (`t3_3_3_1_natural`) so the columns travel through CSV, Parquet and SQL unquoted; the
Chinese labels stay beside them for people.
"""

from __future__ import annotations

from dataclasses import dataclass

# Sections 一 to 六: (number, key words of the heading as the template writes it).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("一", "总体情况"),
    ("二", "主动公开政府信息情况"),
    ("三", "收到和处理政府信息公开申请情况"),
    ("四", "政府信息公开行政复议、行政诉讼情况"),
    ("五", "存在的主要问题及改进情况"),
    ("六", "其他需要报告的事项"),
)
# What a heading must contain to count (the shortest wording real reports keep).
SECTION_KEYS: dict[str, tuple[str, ...]] = {
    "一": ("总体情况",),
    "二": ("主动公开政府信息情况", "主动公开政府信息"),
    "三": ("收到和处理政府信息公开申请情况", "收到和处理政府信息公开申请"),
    "四": ("政府信息公开行政复议", "行政复议、行政诉讼情况", "行政复议和行政诉讼情况"),
    "五": ("存在的主要问题及改进情况", "存在的主要问题", "存在问题及改进情况", "存在问题"),
    "六": ("其他需要报告的事项",),
}


@dataclass(frozen=True)
class Table2Row:
    key: str
    label: str
    columns: tuple[tuple[str, str], ...]  # (key, header)


# Table 2, the four small tables of section 二, in both generations.
TABLE2: dict[str, tuple[Table2Row, ...]] = {
    "2021": (
        Table2Row(
            "rules",
            "规章",
            (("made", "本年制发件数"), ("repealed", "本年废止件数"), ("in_force", "现行有效件数")),
        ),
        Table2Row(
            "normative",
            "行政规范性文件",
            (("made", "本年制发件数"), ("repealed", "本年废止件数"), ("in_force", "现行有效件数")),
        ),
        Table2Row("licensing", "行政许可", (("decisions", "本年处理决定数量"),)),
        Table2Row("penalty", "行政处罚", (("decisions", "本年处理决定数量"),)),
        Table2Row("coercion", "行政强制", (("decisions", "本年处理决定数量"),)),
        Table2Row("fees", "行政事业性收费", (("amount", "本年收费金额（单位：万元）"),)),
    ),
    "2019": (
        Table2Row(
            "rules",
            "规章",
            (
                ("new_made", "本年新制作数量"),
                ("new_published", "本年新公开数量"),
                ("published_total", "对外公开总数量"),
            ),
        ),
        Table2Row(
            "normative",
            "规范性文件",
            (
                ("new_made", "本年新制作数量"),
                ("new_published", "本年新公开数量"),
                ("published_total", "对外公开总数量"),
            ),
        ),
        Table2Row(
            "licensing",
            "行政许可",
            (("prev_items", "上一年项目数量"), ("change", "本年增/减"), ("decisions", "处理决定数量")),
        ),
        Table2Row(
            "other_services",
            "其他对外管理服务事项",
            (("prev_items", "上一年项目数量"), ("change", "本年增/减"), ("decisions", "处理决定数量")),
        ),
        Table2Row(
            "penalty",
            "行政处罚",
            (("prev_items", "上一年项目数量"), ("change", "本年增/减"), ("decisions", "处理决定数量")),
        ),
        Table2Row(
            "coercion",
            "行政强制",
            (("prev_items", "上一年项目数量"), ("change", "本年增/减"), ("decisions", "处理决定数量")),
        ),
        Table2Row("fees", "行政事业性收费", (("prev_items", "上一年项目数量"), ("change", "本年增/减"))),
    ),
}
# Headers that tell the generations apart (a 2019-format report has these, a 2021 one the others).
GENERATION_HEADERS = {
    "2021": ("本年制发件数", "本年废止件数", "现行有效件数", "本年处理决定数量", "本年收费金额"),
    "2019": ("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "处理决定数量"),
}

# Table 3's columns: 申请人情况 → 自然人 | 法人或其他组织 (five kinds) | 总计.
T3_COLUMNS: tuple[tuple[str, str], ...] = (
    ("natural", "自然人"),
    ("business", "商业企业"),
    ("research", "科研机构"),
    ("social", "社会公益组织"),
    ("legal", "法律服务机构"),
    ("other", "其他"),
    ("total", "总计"),
)
T3_PARTS = tuple(k for k, _ in T3_COLUMNS[:-1])


@dataclass(frozen=True)
class Table3Row:
    key: str  # "1", "3_3_2", …
    label: str  # as the template writes it
    find: str  # the words a parser anchors on (unique within the table, in order)
    group: bool = False  # a heading row with no numbers of its own (unless a report gives it some)


TABLE3: tuple[Table3Row, ...] = (
    Table3Row("1", "一、本年新收政府信息公开申请数量", "本年新收政府信息公开申请数量"),
    Table3Row("2", "二、上年结转政府信息公开申请数量", "上年结转政府信息公开申请数量"),
    Table3Row("3", "三、本年度办理结果", "本年度办理结果", group=True),
    Table3Row("3_1", "（一）予以公开", "予以公开"),
    Table3Row("3_2", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "部分公开"),
    Table3Row("3_3", "（三）不予公开", "不予公开", group=True),
    Table3Row("3_3_1", "1.属于国家秘密", "属于国家秘密"),
    Table3Row("3_3_2", "2.其他法律行政法规禁止公开", "其他法律行政法规禁止公开"),
    Table3Row("3_3_3", "3.危及“三安全一稳定”", "危及"),
    Table3Row("3_3_4", "4.保护第三方合法权益", "保护第三方合法权益"),
    Table3Row("3_3_5", "5.属于三类内部事务信息", "属于三类内部事务信息"),
    Table3Row("3_3_6", "6.属于四类过程性信息", "属于四类过程性信息"),
    Table3Row("3_3_7", "7.属于行政执法案卷", "属于行政执法案卷"),
    Table3Row("3_3_8", "8.属于行政查询事项", "属于行政查询事项"),
    Table3Row("3_4", "（四）无法提供", "无法提供", group=True),
    Table3Row("3_4_1", "1.本机关不掌握相关政府信息", "本机关不掌握相关政府信息"),
    Table3Row("3_4_2", "2.没有现成信息需要另行制作", "没有现成信息需要另行制作"),
    Table3Row("3_4_3", "3.补正后申请内容仍不明确", "补正后申请内容仍不明确"),
    Table3Row("3_5", "（五）不予处理", "不予处理", group=True),
    Table3Row("3_5_1", "1.信访举报投诉类申请", "信访举报投诉类申请"),
    Table3Row("3_5_2", "2.重复申请", "重复申请"),
    Table3Row("3_5_3", "3.要求提供公开出版物", "要求提供公开出版物"),
    Table3Row("3_5_4", "4.无正当理由大量反复申请", "无正当理由大量反复申请"),
    Table3Row("3_5_5", "5.要求行政机关确认或重新出具已获取信息", "要求行政机关确认或重新出具已获取信息"),
    # The 2019 format has 其他处理 as one row of numbers; 2021 splits it into three.
    Table3Row("3_6", "（六）其他处理", "其他处理", group=True),
    Table3Row(
        "3_6_1",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "申请人无正当理由逾期不补正",
    ),
    Table3Row(
        "3_6_2",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "申请人逾期未按收费通知要求缴纳费用",
    ),
    Table3Row("3_6_3", "3.其他", "3.其他"),  # the numbering keeps it apart from the header 其他
    Table3Row("3_7", "（七）总计", "总计"),
    Table3Row("4", "四、结转下年度继续办理", "结转下年度继续办理"),
)
T3_ROW = {r.key: r for r in TABLE3}
# The rows whose sum is 三(七) 总计: every leaf of 三 (a group that has numbers counts as a leaf).
T3_RESULT_GROUPS = ("3_1", "3_2", "3_3", "3_4", "3_5", "3_6")

# Table 4: three groups of five.
T4_GROUPS: tuple[tuple[str, str], ...] = (
    ("review", "行政复议"),
    ("suit_direct", "行政诉讼：未经复议直接起诉"),
    ("suit_after_review", "行政诉讼：复议后起诉"),
)
T4_COLUMNS: tuple[tuple[str, str], ...] = (
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
    ("total", "总计"),
)
T4_KEYS = tuple(f"{g}_{c}" for g, _ in T4_GROUPS for c, _ in T4_COLUMNS)


def t2_keys() -> list[str]:
    """Every table-2 cell key of both generations, 2021's first (the export's typed columns)."""
    keys: list[str] = []
    for generation in ("2021", "2019"):
        for row in TABLE2[generation]:
            for column, _ in row.columns:
                key = f"t2_{row.key}_{column}"
                if key not in keys:
                    keys.append(key)
    return keys


def t3_keys() -> list[str]:
    return [f"t3_{r.key}_{c}" for r in TABLE3 for c, _ in T3_COLUMNS]


def t4_keys() -> list[str]:
    return [f"t4_{k}" for k in T4_KEYS]


def cell_keys() -> list[str]:
    """Every number a report can carry, in template order: the export's columns."""
    return [*t2_keys(), *t3_keys(), *t4_keys(), "fee_yuan"]
