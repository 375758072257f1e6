"""A document's page kind (体裁 / 公文种类): what a researcher means by "a 通知", "an 办法", "the annual
report", as one facet value per version.

The vocabulary is the 15 kinds of 《党政机关公文处理工作条例》 Art. 8 (决议 决定 命令 公报 公告 通告 意见
通知 通报 报告 请示 批复 议案 函 纪要) and the genres disclosure sites add beside them (办法, 规定, 方案,
规划, 计划, 总结, 公示, 政策解读, 年度报告, 规范性文件, 预决算, 办事指南 …); see the research notes,
regulations.md §2e.

Where it comes from, first found wins:
1. the page's own 体裁分类 (`genre`) when the page shows one;
2. a level of its 主题分类 that is itself a kind: the gkmlpt platform shows 分类 as `主题\\体裁`
   (`民政业务\\公告`, `政策文件\\解读`), the finer level last;
3. the title's ending, the way a 公文's title names its kind (`关于…的通知`, `…实施办法`, `…年度报告`),
   after the decorations that follow it (`（试行）`, `（征求意见稿）`, `（2025年版）`).
None when nothing names one (news items, forms, FAQs): such a version has no page kind.

Pure functions over strings, no database: the search index computes the kind when it writes a
version's row (`index.row_for`), and migration 0014 fills it in for versions stored before.
"""

from __future__ import annotations

import re
from functools import lru_cache

from archive.text import fold

# Canonical kinds, in the order the facet documentation lists them.
KINDS: tuple[str, ...] = (
    "通知", "公告", "通告", "意见", "决定", "决议", "命令", "公报", "通报", "报告", "年度报告", "请示",
    "批复", "议案", "函", "纪要", "办法", "规定", "细则", "规则", "条例", "法律", "规范性文件", "方案",
    "规划", "计划", "总结", "公示", "政策解读", "预决算", "办事指南", "清单", "建议提案答复",
)  # fmt: skip

# A label (体裁分类 value, or one level of 主题分类) that names a kind, exactly.
_LABELS: dict[str, str] = {k: k for k in KINDS} | {
    "解读": "政策解读",
    "令": "命令",
    "工作报告": "报告",
    "年报": "年度报告",
    "复函": "函",
    "会议纪要": "纪要",
    "实施办法": "办法",
    "管理办法": "办法",
    "实施细则": "细则",
    "实施方案": "方案",
    "工作计划": "计划",
    "工作要点": "计划",
    "工作总结": "总结",
    "规章": "规定",
    "政府规章": "规定",
    "部门规章": "规定",
    "其他规范性文件": "规范性文件",
    "行政规范性文件": "规范性文件",
    "财政预决算": "预决算",
    "部门预决算": "预决算",
    "预算": "预决算",
    "决算": "预决算",
    "服务指南": "办事指南",
    "建议提案办理": "建议提案答复",
    "建议提案": "建议提案答复",
}

# Title endings, longest first (`年度报告` before `报告`, `决定书` before `书`).
_ENDINGS: tuple[tuple[str, str], ...] = tuple(
    sorted(
        {
            "年度报告": "年度报告", "年报": "年度报告", "解读": "政策解读", "答记者问": "政策解读",
            "决定书": "决定", "决定": "决定", "决议": "决议", "命令": "命令", "公报": "公报", "公告": "公告",
            "通告": "通告", "意见": "意见", "通知": "通知", "通报": "通报", "报告": "报告", "请示": "请示",
            "批复": "批复", "议案": "议案", "复函": "函", "的函": "函", "纪要": "纪要", "办法": "办法",
            "规定": "规定", "细则": "细则", "规则": "规则", "条例": "条例", "方案": "方案", "规划": "规划",
            "计划": "计划", "要点": "计划", "总结": "总结", "公示": "公示", "指南": "办事指南",
            "清单": "清单", "答复": "建议提案答复",
        }.items(),
        key=lambda kv: -len(kv[0]),
    )
)  # fmt: skip

# What may follow the kind word in a title: a bracketed note (（试行）, （征求意见稿）, 【2025年版】),
# closing quotes, end punctuation.
_TRAILER = re.compile(r"(?:\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕|[\s。.!！;；:：\"'”’」』])+$")
_PICTURE = re.compile(r"^(?:图解|图说|一图读懂|一图看懂|一图了解)")
_BUDGET = re.compile(r"(?:预算|决算)(?:公开|情况说明|说明|报告|公开说明|表)?$")
_DECREE = re.compile(r"(?:政府|省长|市长|县长|主席)令(?:第[0-9〇零一二三四五六七八九十百千]+号)?$")
_LEVELS = re.compile(r"[\\/＼>|｜]+")


def _folded(text: str) -> str:
    # NFKC (full-width brackets → ASCII), traditional → simplified; no whitespace inside a title.
    return re.sub(r"\s+", "", fold(text))


@lru_cache(maxsize=4096)
def canonical(value: str | None) -> str | None:
    """A kind as a user or a page writes it (解读, 實施辦法, ` 通知 `) as the canonical kind it names;
    None when it names none (其他, empty)."""
    if not value:
        return None
    return _LABELS.get(_folded(value))


def of_title(title: str | None, folded: bool = False) -> str | None:
    """The kind a title names by its ending, or None. `folded`: the title is already in the search
    index's normal form (`tokens.normalize`: folded, lower case, no whitespace), as `index.row_for`
    has it, which saves folding it twice (OpenCC is most of the cost)."""
    if not title:
        return None
    text = _TRAILER.sub("", title if folded else _folded(title))
    wrapped = text.startswith("《") and text.endswith("》")
    if wrapped:  # 《中华人民共和国社会救助法》: a law or rule published under its own name
        text = text[1:-1]
    if _PICTURE.match(text):
        return "政策解读"
    if _BUDGET.search(text):
        return "预决算"
    if _DECREE.search(text):
        return "命令"
    for ending, kind in _ENDINGS:
        if text.endswith(ending):
            return kind
    if wrapped and text.endswith("法"):
        return "法律"
    return None


def of_topic(topic: str | None) -> str | None:
    """The kind a 主题分类 names in one of its levels (the finer level first), or None."""
    if not topic:
        return None
    for level in reversed(_LEVELS.split(topic)):
        found = canonical(level)
        if found:
            return found
    return None


def kind_of(
    title: str | None, topic: str | None = None, genre: str | None = None, *, folded: bool = False
) -> str | None:
    """The page kind of a version: its 体裁分类, else a kind in its 主题分类, else its title's ending
    (`folded`: see `of_title`). Labels are few and cached (`canonical`); titles are folded once."""
    return canonical(genre) or of_topic(topic) or of_title(title, folded)
