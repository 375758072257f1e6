"""The one table of metadata label variants → canonical field names.

Labels are compared after removing every whitespace character (including U+3000 and the en/em spaces
that CMS templates pad labels with), a trailing colon and surrounding brackets, and after converting
traditional characters to simplified (OpenCC), so `文 号`, `索 引 号：`, `【发布时间】`, `發佈時間` and
`發布機構` all match the one simplified table below.

Some labels are *weak*: they are ordinary words (名称, 分类, 主题, 日期, 来源) that also head data-table
columns or open body sentences.  The metadata reader accepts a weak label only with a colon or inside a
block that holds another recognised label (see `metadata.py`).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from archive.text import to_simplified

FIELDS: tuple[str, ...] = (
    "title",
    "index_no",
    "issuer",
    "source",
    "written_date",
    "publish_date",
    "effective_date",
    "abolish_date",
    "doc_number",
    "topic",
    "validity",
    "keywords",
)
DATE_FIELDS: frozenset[str] = frozenset({"written_date", "publish_date", "effective_date", "abolish_date"})

_STRONG: dict[str, tuple[str, ...]] = {
    "index_no": ("索引号", "信息索引号", "索引"),
    "issuer": (
        "发布机构",
        "发文机关",
        "发文机构",
        "发文单位",
        "发布单位",
        "公开责任部门",
        "办文部门",
        "制发机关",
        "作出处罚决定的机关名称",
    ),
    "source": ("信息来源", "文章来源", "稿件来源"),
    "written_date": (
        "成文日期",
        "生成日期",
        "发文日期",
        "产生日期",
        "签发日期",
        "成文时间",
        "印发日期",
        "作出处罚决定的日期",
    ),
    "publish_date": (
        "发布日期",
        "发布时间",
        "公开日期",
        "公开时间",
        "发表时间",
        "发布于",
        "上传时间",
    ),
    "effective_date": ("生效日期", "施行日期", "生效时间", "实施日期"),
    "abolish_date": ("废止日期", "失效日期", "失效时间", "废止时间"),
    "doc_number": (
        "文号",
        "发文字号",
        "发布文号",
        "文件编号",
        "发文号",
        "行政处罚决定书文号",
    ),
    "topic": ("所属主题", "主题分类", "公开目录", "信息分类", "目录分类", "主题导航"),
    "validity": ("有效性", "是否有效", "时效性", "效力状态", "时效", "有效期"),
    "keywords": ("关键词", "主题词", "关键字"),
    "title": ("信息名称", "文件名称", "公文名称", "标题", "名称"),
}
# Ordinary words: accepted only with a colon or beside another recognised label.
_WEAK: dict[str, tuple[str, ...]] = {
    "source": ("来源", "出处"),
    "publish_date": ("日期", "时间", "更新时间", "发文时间", "更新日期"),
    "topic": ("分类", "主题"),
}
WEAK_LABELS: frozenset[str] = frozenset(v for vs in _WEAK.values() for v in vs) | frozenset({"名称", "标题"})
# Fields whose later, lower-priority label must not override an earlier one (更新时间 vs 发布时间).
LOW_PRIORITY: frozenset[str] = frozenset({"更新时间", "更新日期", "时间", "日期"})

LABELS: dict[str, str] = {}
for _field, _variants in (*_STRONG.items(), *_WEAK.items()):
    for _v in _variants:
        LABELS[_v] = _field

# Labels that end a "label：value" run but are not document metadata (bylines, counters, widgets).
STOP_LABELS: tuple[str, ...] = (
    "浏览次数",
    "访问次数",
    "阅读次数",
    "点击数",
    "点击率",
    "访问量",
    "阅读量",
    "浏览量",
    "字体",
    "字号",
    "字体大小",
    "作者",
    "编辑",
    "责任编辑",
    "信息发布人",
    "发布人",
    "审核",
    "分享到",
    "打印",
    "扫一扫",
    "录入",
    "摄影",
    "供稿",
    "文字",
    "撰稿",
    "体裁分类",
    "服务对象",
    "公开方式",
    "公开范围",
    "公开形式",
    "内容概述",
    "摘要",
    "组配分类",
    "公开属性",
    "公开时限",
    "栏目",
)

_SPACE_RE = re.compile(r"[\s\u3000\u00a0\u2000-\u200b\ufeff]+")
_EDGE_RE = re.compile(r"^[【\[〔（(<《]+|[】\]〕）)>》:：]+$")


def squash(text: str) -> str:
    """Remove all whitespace (incl. U+3000 and the typographic spaces)."""
    return _SPACE_RE.sub("", text)


def clean_label(text: str) -> str:
    """The comparable form of a label: no whitespace, no trailing colon, no enclosing brackets."""
    return _EDGE_RE.sub("", _EDGE_RE.sub("", squash(text)))


@lru_cache(maxsize=8192)
def canonical_label(label_text: str) -> str:
    """`clean_label`, in simplified characters: the key into the tables of this module."""
    cleaned = clean_label(label_text)
    return cleaned if cleaned.isascii() else to_simplified(cleaned)


@lru_cache(maxsize=8192)
def field_for(label_text: str) -> str | None:
    """The canonical field of a label, or None when it is not a metadata label."""
    return LABELS.get(canonical_label(label_text))


@lru_cache(maxsize=8192)
def is_weak(label_text: str) -> bool:
    return canonical_label(label_text) in WEAK_LABELS


@lru_cache(maxsize=8192)
def is_stop_label(label_text: str) -> bool:
    return canonical_label(label_text) in STOP_LABELS


def _spaced(label: str) -> str:
    # 文 号 / 索　引　号: any whitespace may sit between the characters of a label.
    return r"[\s\u3000\u00a0]*".join(re.escape(ch) for ch in label)


def _traditional_forms(label: str, converters: list) -> set[str]:
    """The label as traditional-character pages write it (`发布` → `發佈`, and the common `發布`)."""
    forms = {label}
    for converter in converters:
        converted = converter.convert(label)
        forms |= {converted, converted.replace("佈", "布")}
    return forms


@cache
def run_label_re() -> re.Pattern[str]:
    """ "label：value" runs: a label, a colon, then the value up to the next label or a wide gap. Built
    on first use (three OpenCC dictionaries and a regex of a thousand spellings, ~0.25 s): a crawl
    process whose pages are parsed in its workers imports this module and never parses."""
    import opencc

    converters = [opencc.OpenCC(config) for config in ("s2t", "s2tw", "s2hk")]
    spellings = sorted(
        {form for label in (*LABELS, *STOP_LABELS) for form in _traditional_forms(label, converters)},
        key=len,
        reverse=True,
    )
    alternatives = "|".join(_spaced(lbl) for lbl in spellings)
    return re.compile(
        r"(?:^|(?<=[\s\u3000\u00a0|｜】\]）)•·]))(?:【("
        + alternatives
        + r")】[\s\u3000\u00a0]*[:：]?|\[?("
        + alternatives
        + r")\]?[\s\u3000\u00a0]*[:：])"
    )


@lru_cache(maxsize=8192)
def run_labels(line: str) -> tuple[re.Match[str], ...]:
    """Every `run_label_re()` match in `line`, in order. Memoised: the regex tries a thousand label
    spellings at each place a label may start, and a page's lines come back (a hinted metadata block is
    read again with the whole page, a byline again as a body line) as do a template's lines from page
    to page (a quarter of a crawl's lines are new). Match objects are read-only."""
    return tuple(run_label_re().finditer(line))
