"""The page kind (体裁 / 公文种类) of a version: from its 体裁分类, a kind named in its 主题分类, else its
title's ending. Pure rules (archive/search/kinds.py), no database."""

from __future__ import annotations

import pytest

from archive.search.filters import Filters
from archive.search.kinds import KINDS, canonical, kind_of, of_title, of_topic
from archive.search.tokens import normalize


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("安顺市民政局关于做好2024年低保工作的通知", "通知"),
        ("安顺市民政局关于印发《安顺市低保工作方案》的通知", "通知"),  # the page is the 通知 that carries it
        ("關於做好2024年低保工作的通知", "通知"),  # traditional characters
        ("关于公布2024年度检查结果的公告", "公告"),
        ("安顺市民政局关于征求《低保管理办法（征求意见稿）》意见的公告", "公告"),
        ("安顺市民政局关于进一步加强低保工作的实施意见", "意见"),
        ("安顺市低保管理办法（试行）", "办法"),  # the bracketed note after the kind word
        ("安顺市低保管理办法(2024年修订)", "办法"),
        ("晋中市殡葬管理条例实施细则", "细则"),
        ("安顺市民政局2023年政府信息公开工作年度报告", "年度报告"),
        ("安顺市民政局2023年法治政府建设情况报告", "报告"),
        ("《安顺市低保实施办法》政策解读", "政策解读"),
        ("图解：安顺市低保政策", "政策解读"),
        ("一图读懂2024年低保政策", "政策解读"),
        ("安顺市民政局2023年部门决算公开", "预决算"),
        ("安顺市民政局2023年“三公”经费决算情况说明", "预决算"),
        ("《中华人民共和国社会救助法》", "法律"),
        ("《社会救助暂行办法》", "办法"),
        ("安顺市人民政府令第5号", "命令"),
        ("关于同意设立安顺市养老服务中心的批复", "批复"),
        ("关于市五届人大一次会议第12号建议的答复", "建议提案答复"),
        ("市2024年第一季度低保情况公示", "公示"),
        ("安顺市民政局权力清单和责任清单（2025年版）", "清单"),
        ("安顺市民政局2025年工作要点", "计划"),
        ("关于商请协助核查低保对象的函", "函"),
        ("市民政局召开2024年低保工作推进会", None),  # news: no kind
        ("低保申请审批表", None),
        ("如何申请低保？", None),
        ("", None),
        (None, None),
    ],
)
def test_title_endings(title: str | None, kind: str | None) -> None:
    assert of_title(title) == kind
    assert of_title(normalize(title), folded=True) == kind  # the index's normal form, as row_for has it
    assert kind is None or kind in KINDS


def test_page_metadata_comes_before_the_title() -> None:
    # gkmlpt shows 分类 as 主题\\体裁: the finer level names the kind.
    assert of_topic("政策文件\\解读") == "政策解读"
    assert of_topic("民政业务\\公告") == "公告"
    assert of_topic("民政业务\\其他") is None
    assert of_topic("综合政务\\政务公开") is None
    assert kind_of("关于做好低保工作的通知", "民政业务\\公告") == "公告"
    assert kind_of("关于做好低保工作的通知", "民政业务\\其他") == "通知"  # 其他 names none: the title
    assert kind_of("关于做好低保工作的通知", "民政", "规范性文件") == "规范性文件"  # 体裁分类 first
    assert kind_of("无名", None, "其他") is None


def test_filter_values_are_canonical_or_refused() -> None:
    assert canonical(" 解读 ") == "政策解读"
    assert canonical("實施辦法") == "办法"
    assert Filters(kind="解读").kind == "政策解读"
    with pytest.raises(ValueError, match="unknown page kind"):
        Filters(kind="新闻")
