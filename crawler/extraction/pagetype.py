"""Pages that are not content: JS/WAF challenges, script-only shells, login walls, soft-404s (including a
200 page that only forwards the reader to the home page).

Checked on the page's visible text and located body: a soft-404 or firewall message must stand alone on
a short line of a short page that carries no document labels, so a document that merely mentions
已失效 (even a short notice) stays a document.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml import etree

from crawler.extraction.dom import cjk_count

SOFT_404_RE = re.compile(
    r"页面不存在|您访问的页面不存在|页面未找到|找不到(该|此|您要访问的)?页面|信息已(被)?删除|该信息已被删除|已被删除|"
    r"已撤销|已撤稿|已失效|已下线|已下架|文章不存在|信息不存在|内容不存在|记录不存在|页面已删除|404\s*Not\s*Found|"
    r"\b404\b|Page Not Found|访问的页面.{0,10}(不存在|已删除|已过期)|頁面不存在|該信息已被刪除",
    re.IGNORECASE,
)
_CHALLENGE_RE = re.compile(
    r"document\.cookie|location\.reload|window\.location|location\.href|setTimeout|eval\(|atob\(|"
    r"String\.fromCharCode|_0x[0-9a-f]{4}|\$_ts|challenge|jsl_|__jsl",
    re.IGNORECASE,
)
# The marks of a web application firewall's challenge: a clearance cookie, an answer form, vendor names
# (加速乐 __jsl, 阿里云 acw_sc, 云锁, 磐云, 瑞数 $_ts).
_WAF_RE = re.compile(
    r"document\.cookie|\bwaf[_-]|waf_answer|ChallengeForm|__jsl|acw_sc|yunsuo|panyun|\$_ts", re.IGNORECASE
)
_LOGIN_RE = re.compile(r"用户登录|请登录|请先登录|登录后|账号登录|帐号登录|统一身份认证")
_TEMPLATE_RE = re.compile(r"\{\{[^}]{1,80}\}\}")
# A firewall's refusal and a human check (no document behind them until a person passes).
_BLOCKED_RE = re.compile(
    r"访问被拒绝|拒绝访问|禁止访问|访问受限|已被拦截|被网站管理员设置拦截|请求被阻断|非法请求|网站防火墙|"
    r"安全狗|云防护|创宇盾|Access Denied|403 Forbidden|Request Blocked",
    re.IGNORECASE,
)
_CAPTCHA_RE = re.compile(
    r"人机验证|安全验证|滑动验证|拖动滑块|按住滑块|请输入验证码|请完成验证|captcha", re.IGNORECASE
)
_MESSAGE_LINE = 60
# A page whose only job is to send the reader elsewhere: a meta refresh or a script assigning location.
_META_REFRESH_RE = re.compile(r"^\s*\d*\s*;?\s*url\s*=\s*['\"]?([^'\"]*)", re.IGNORECASE)
_JS_REDIRECT_RE = re.compile(
    r"(?:window\.|top\.|self\.|document\.)?location(?:\.href)?\s*=\s*['\"]([^'\"]*)['\"]|"
    r"location\.(?:replace|assign)\(\s*['\"]([^'\"]*)['\"]"
)
_HOME_RE = re.compile(
    r"^(?:(?:https?:)?//[^/]+)?/?(?:index\.s?html?|index\.jsp|index\.php|default\.aspx?)?$", re.I
)


def redirect_target(root: etree._Element) -> str | None:
    """Where a meta refresh or an inline script sends the reader, if the page does that."""
    for meta in root.iter("meta"):
        if (meta.get("http-equiv") or "").lower() == "refresh":
            match = _META_REFRESH_RE.match(meta.get("content") or "")
            if match:
                return match.group(1).strip()
    for script in root.iter("script"):
        match = _JS_REDIRECT_RE.search(script.text or "")
        if match:
            return (match.group(1) if match.group(1) is not None else match.group(2)).strip()
    return None


def redirects_home(root: etree._Element) -> bool:
    """A short page that forwards to the site's home page: how many CMSs answer a deleted document."""
    target = redirect_target(root)
    return target is not None and bool(_HOME_RE.match(target))


def is_home_url(url: str) -> bool:
    """The site's home page (`/`, `/index.html`, …): where a CMS sends a reader who asked for a deleted
    document, by an HTTP redirect or a meta refresh."""
    parts = urlsplit(url)
    return not parts.query and bool(_HOME_RE.match(parts.path))


def message_line(text: str, pattern: re.Pattern[str]) -> bool:
    """True when a short line of `text` says `pattern`: an error page's message stands alone, while a
    document that mentions 已失效 does so inside its sentences."""
    return any(len(line.strip()) <= _MESSAGE_LINE and pattern.search(line) for line in text.split("\n"))


# Compiled once (`el.xpath(str)` compiles on every call).
_SCRIPTS = etree.XPath("//script")
_PASSWORD_INPUTS = etree.XPath("//input[@type='password']")


def classify_other(
    root: etree._Element | None,
    raw_text: str,
    visible: str,
    body_cjk: int,
    body_text: str = "",
    has_metadata: bool = False,
) -> str | None:
    """The reason a page is not content, or None when it may be a document or a list.

    `body_text` is the located body, `has_metadata` whether the page carries a document's labelled
    metadata (索引号, 文号, 发布时间): a page that does is a document, whatever short line it holds."""
    if root is None or not raw_text.strip():
        return "empty"
    scripts = _SCRIPTS(root)
    script_len = sum(len(s.text or "") for s in scripts)
    vis_cjk = cjk_count(visible)
    # Client-side templates ({{item.name}}) in the markup and no server-rendered text: a SPA shell.
    if body_cjk < 50 and len(_TEMPLATE_RE.findall(raw_text)) >= 3:  # the cheap test first
        return "spa_shell"
    if vis_cjk < 200 and body_cjk < 100 and redirects_home(root):
        return "soft_404"
    short = body_cjk < 150 and not has_metadata
    bare = vis_cjk < 60 and body_cjk < 60  # only then is the (slow, whole-page) challenge search worth it
    if (
        bare
        and scripts
        and (script_len > len(visible) or len(raw_text) < 20000)
        and _CHALLENGE_RE.search(raw_text)
    ):
        # A challenge that sets a cookie or posts an answer for a firewall is a WAF's; any other is a JS one.
        return "waf_challenge" if _WAF_RE.search(raw_text) else "js_challenge"
    if short and (
        message_line(body_text, SOFT_404_RE) or (vis_cjk < 1500 and message_line(visible, SOFT_404_RE))
    ):
        return "soft_404"
    if short and vis_cjk < 600 and message_line(visible, _BLOCKED_RE):
        return "waf_block"
    if short and vis_cjk < 600 and message_line(visible, _CAPTCHA_RE):
        return "captcha"
    if body_cjk < 30 and _LOGIN_RE.search(visible) and _PASSWORD_INPUTS(root):
        return "login_wall"
    if body_cjk < 10 and vis_cjk < 60:
        return "spa_shell" if scripts else "empty"
    return None
