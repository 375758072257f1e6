"""Pages that are not content: JS/WAF challenges, script-only shells, login walls, soft-404s.

Checked on the page's visible text, so a long document that merely mentions 已失效 stays a document:
a soft-404 message must be the main text of a short page.
"""

from __future__ import annotations

import re

from lxml import etree

from crawler.extraction.dom import cjk_count

SOFT_404_RE = re.compile(
    r"页面不存在|您访问的页面不存在|页面未找到|找不到(该|此|您要访问的)?页面|信息已(被)?删除|该信息已被删除|已被删除|"
    r"已撤销|已撤稿|已失效|文章不存在|信息不存在|内容不存在|记录不存在|页面已删除|404\s*Not\s*Found|"
    r"\b404\b|Page Not Found|访问的页面.{0,10}(不存在|已删除|已过期)|頁面不存在|該信息已被刪除",
    re.IGNORECASE,
)
_CHALLENGE_RE = re.compile(
    r"document\.cookie|location\.reload|window\.location|location\.href|setTimeout|eval\(|atob\(|"
    r"String\.fromCharCode|_0x[0-9a-f]{4}|\$_ts|challenge|jsl_|__jsl",
    re.IGNORECASE,
)
_LOGIN_RE = re.compile(r"用户登录|请登录|请先登录|登录后|账号登录|帐号登录|统一身份认证")
_TEMPLATE_RE = re.compile(r"\{\{[^}]{1,80}\}\}")


def classify_other(root: etree._Element | None, raw_text: str, visible: str, body_cjk: int) -> str | None:
    """The reason a page is not content, or None when it may be a document or a list."""
    if root is None or not raw_text.strip():
        return "empty"
    scripts = root.xpath("//script")
    script_len = sum(len(s.text or "") for s in scripts)
    vis_cjk = cjk_count(visible)
    templates = _TEMPLATE_RE.findall(visible)
    if len(templates) >= 3 and body_cjk < 200:
        return "spa_shell"
    if vis_cjk < 60 and body_cjk < 60:
        if scripts and (
            _CHALLENGE_RE.search(raw_text) and (script_len > len(visible) or len(raw_text) < 20000)
        ):
            return "js_challenge"
        if SOFT_404_RE.search(visible):
            return "soft_404"
        if _LOGIN_RE.search(visible) and root.xpath("//input[@type='password']"):
            return "login_wall"
        if scripts:
            return "spa_shell"
        return "empty"
    if body_cjk < 150 and vis_cjk < 1500 and SOFT_404_RE.search(visible):
        return "soft_404"
    if body_cjk < 30 and _LOGIN_RE.search(visible) and root.xpath("//input[@type='password']"):
        return "login_wall"
    return None
