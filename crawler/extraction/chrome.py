"""Page chrome that survives region selection: print/close buttons, font-size widgets, share bars,
counters, login prompts, editor and copyright lines.

A line is dropped only when it is short and made of chrome, so a long paragraph that merely mentions
打印 or 分享 is never touched.
"""

from __future__ import annotations

import re
from functools import lru_cache

_TOKEN_SPLIT_RE = re.compile(r"[\s\u3000【】\[\]()（）|｜/·•>»]+")
CHROME_TOKENS = frozenset(
    {
        "打印",
        "打印本页",
        "打印正文",
        "打印此页",
        "打印文章",
        "打印页面",
        "打印整页",
        "打印内容",
        "关闭",
        "关闭窗口",
        "关闭本页",
        "关闭页面",
        "返回",
        "返回顶部",
        "返回首页",
        "收藏",
        "加入收藏",
        "我要收藏",
        "下载文字版",
        "下载图片版",
        "大",
        "中",
        "小",
        "默认",
        "超大",
        "放大",
        "缩小",
        "正常",
        "字体",
        "字号",
        "字體",
        "字號",
        "分享",
        "分享到",
        "微信",
        "微博",
        "新浪微博",
        "腾讯微博",
        "QQ空间",
        "QQ",
        "豆瓣网",
        "人人网",
        "复制链接",
        "纠错",
        "我要纠错",
        "顶部",
        "底部",
        "TOP",
        "top",
        "简体",
        "繁体",
        "繁體",
        "简",
        "繁",
        "无障碍",
        "无障碍阅读",
        "无障碍浏览",
        "长者模式",
        "关怀版",
        "English",
        "打印本文",
        "【打印】",
        "字大",
        "字小",
        "A",
        "A+",
        "A-",
        "+",
        "-",
        "大字版",
        "本页",
        "保存",
        "打印预览",
        "分享至",
        "朋友圈",
        "打印本稿",
        "返回列表",
        "我要打印",
        "打印此文",
        "打印该页",
        "打印网页",
        "关闭此页",
        "关闭本窗口",
        "保存网页",
        "保存本页",
        "收藏本页",
        "收藏本站",
        "设为首页",
        "视力保护色",
        "护眼模式",
        "背景色",
        "上一篇",
        "下一篇",
        "二维码",
        "手机版",
        "微信扫一扫",
        # Download buttons for the page itself ("pdf下载 word下载" under an article).
        "pdf下载",
        "PDF下载",
        "word下载",
        "Word下载",
        "WORD下载",
        "下载PDF",
        "下载Word",
        "下载WORD",
        "下载文档",
        "文档下载",
        "下载本文",
        "下载全文",
    }
)
# An article's own pager ("上一页 1 2 3 下一页", "共3页"): chrome when the whole line is pager words and
# page numbers, never a number alone.
PAGER_TOKENS = frozenset({"上一页", "下一页", "首页", "尾页", "末页", "上页", "下页"})
_PAGE_COUNT_RE = re.compile(r"^(共\d+页|第\d+页|\d+/\d+)$")
_CHROME_LINE_RES = [
    re.compile(p)
    for p in (
        r"^(分享到|分享至|分享)[:：]?",
        r"^[【\[]?(字体|字號|字号|字體|字体大小|字體大小)[:：]",
        r"(浏览次数|瀏覽次數|访问次数|阅读次数|点击数|访问量|阅读量|浏览量)[:：]",
        r"^(扫一扫|手机扫一扫|用手机扫|扫描二维码|微信扫一扫)",
        r"(在手机(上)?打开|分享给您的好友|用微信扫)",
        r"^(用户登录|登录|注册|请登录|忘记密码)",
        r"^[（(\[【]?(责任编辑|責任編輯|编辑|编 辑|审核|校对|信息发布人|发布人|录入|文字|摄影|供稿|撰稿)[:：]",
        r"^(上一篇|下一篇|上一条|下一条|相关链接|相关文章|相关稿件|相关新闻|相关阅读)",
        r"(网站标识码|网站识别码|政府网站标识码|ICP备|公网安备|版权所有|主办单位|承办单位|技术支持)",
        r"^(您当前所在的位置|您的位置|当前位置|您現在的位置|您当前位置|所在位置|您当前的位置)[:：]?",
        r"^今天是",
        r"^(视力保护色|背景色|护眼模式|阅读模式)[:：]",
    )
]
MAX_CHROME_LINE = 80


def is_chrome_line(line: str, extra: tuple[str, ...] = ()) -> bool:
    """True for a short line that is page chrome (or one of the site's own chrome strings)."""
    # A pure function of its strings, and a template's short lines (dates, buttons, bylines) come back
    # page after page: two thirds of a crawl's calls repeat one. Long lines skip the memo (kept small).
    if len(line) <= _MEMO_LINE_LEN:
        return _is_chrome_short_line(line, extra if type(extra) is tuple else tuple(extra))
    return _is_chrome_line(line, extra)


_MEMO_LINE_LEN = 200


def _is_chrome_line(line: str, extra: tuple[str, ...]) -> bool:
    text = line.strip()
    if not text:
        return True
    if len(text) > MAX_CHROME_LINE:
        return False
    tokens = [t for t in _TOKEN_SPLIT_RE.split(text) if t]
    if tokens and all(t.strip(":：") in CHROME_TOKENS for t in tokens):
        return True
    if any(t in PAGER_TOKENS for t in tokens) and all(
        t in PAGER_TOKENS or t.isdigit() or _PAGE_COUNT_RE.match(t) for t in tokens
    ):
        return True
    if any(r.search(text) for r in _CHROME_LINE_RES):
        return True
    return any(s and text.startswith(s) for s in extra)


_is_chrome_short_line = lru_cache(maxsize=8192)(_is_chrome_line)


def strip_chrome_strings(text: str, extra: tuple[str, ...]) -> str:
    """Remove the site's literal chrome strings wherever they occur in a line."""
    for s in extra:
        if s and s in text:
            text = text.replace(s, "")
    return text.strip()
