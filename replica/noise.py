"""Noise mode: every fetch of a page varies in the ways real CMS pages vary and content never does.

Real government pages change on every request without their document changing: a visitor counter,
a "今天是…" banner with the server's clock, session tokens and CSRF fields in the login and search
forms, related links and ads rotated by the portal, attribute order and whitespace from templating,
HTML comments stamped with the render time. The archive must never take any of that for a new version.

`disturb` is a layer over any catalog's HTML answer (`Replica.handle` applies it when the site's noise
is on), so it works for every platform without knowing its markup: chrome goes at the top and bottom
of `<body>`, forms get hidden fields, and a few attributes and whitespace runs of the page itself are
shuffled. It only ever changes whitespace *length* where whitespace already was, never adds any
between two words, since that would be a real change of the text. Deterministic for a given random
generator (the replica seeds it from its seed, the URL and the fetch number).

Switch it on with `xxgk replica serve --noise` (all sites) or `xxgk replica change SITE --noise on|off`;
both are change-log records (`{"op": "noise", "on": true, "host": "*" | HOST}`).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from random import Random
from typing import Any

from archive.text import CHINA
from replica.templating import render
from replica.web import Response

WEEKDAYS = "一二三四五六日"
RELATED = (
    ("中国政府网", "http://www.gov.cn/"),
    ("贵州省人民政府", "http://www.guizhou.gov.cn/"),
    ("民政部", "http://www.mca.gov.cn/"),
    ("国务院客户端", "http://www.gov.cn/xinwen/app.htm"),
    ("国家政务服务平台", "http://gjzwfw.www.gov.cn/"),
    ("中国政府网政策库", "http://www.gov.cn/zhengce/xxgk/"),
    ("人民网", "http://www.people.com.cn/"),
    ("新华网", "http://www.xinhuanet.com/"),
    ("贵州政务服务网", "http://zwfw.guizhou.gov.cn/"),
    ("国家统计局", "http://www.stats.gov.cn/"),
    ("信用中国", "http://www.creditchina.gov.cn/"),
    ("12345政务服务便民热线", "http://www.guizhou.gov.cn/hdjl/"),
)
ADS = (
    "学习贯彻党的二十届四中全会精神",
    "优化营商环境 贵州在行动",
    "扫黑除恶 人人有责",
    "全国文明城市创建 从我做起",
    "防范电信网络诈骗",
    "民法典 美好生活 法典相伴",
)
_BODY_OPEN = re.compile(r"<body[^>]*>", re.IGNORECASE)
_FORM_OPEN = re.compile(r"<form\b[^>]*>", re.IGNORECASE)
_TAG_ATTRS = re.compile(
    r"<([a-zA-Z][a-zA-Z0-9]*)((?:\s+[^\s=<>/]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'<>]+))?){2,})\s*(/?)>"
)
_ATTR = re.compile(r"[^\s=<>/]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'<>]+))?")
_GAP = re.compile(r">(\s+)<")
GAPS = ("\n", "\n  ", "\r\n", "\n\t\t", "  \n", "\n\n", " ")
SHUFFLED_TAGS = 6
VARIED_GAPS = 8


def token(rng: Random, n: int = 32) -> str:
    return "".join(rng.choice("0123456789ABCDEF") for _ in range(n))


def disturb_response(response: Response, rng: Random, moment: datetime | None = None) -> Response:
    """The same answer with this fetch's noise; anything but a 200 HTML page passes unchanged."""
    content_type = response.header("content-type") or ""
    if response.status != 200 or not content_type.startswith("text/html") or not response.body:
        return response
    charset = page_charset(content_type, response.body)
    try:
        page = response.body.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return response
    noisy = disturb(page, rng, moment).encode(charset, errors="xmlcharrefreplace")
    headers = {**response.headers, "Set-Cookie": f"JSESSIONID={token(rng)}; Path=/; HttpOnly"}
    return Response(response.status, headers, noisy)


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.IGNORECASE)


def page_charset(content_type: str, body: bytes) -> str:
    """The header's charset, else the page's <meta>, else UTF-8; the GB family read as GB18030 (a GBK
    site of another platform keeps its bytes: unchanged parts re-encode to the same bytes)."""
    declared = content_type.partition("charset=")[2].strip().strip("\"'")
    if not declared:
        match = _META_CHARSET.search(body[:4096])
        declared = match.group(1).decode("ascii") if match else "utf-8"
    return "gb18030" if declared.lower().startswith("gb") else declared


def disturb(page: str, rng: Random, moment: datetime | None = None) -> str:
    now = (moment or datetime.now(CHINA)).astimezone(CHINA)
    shown = now.replace(hour=rng.randrange(24), minute=rng.randrange(60), second=rng.randrange(60))
    session = token(rng)
    top = render(
        "noise/top.html",
        shown=shown,
        millis=rng.randrange(1000),
        took=rng.randrange(5, 90),
        weekday=WEEKDAYS[shown.weekday()],
        visits=rng.randrange(10**6, 10**7),
        session=session,
    )
    links = rng.sample(RELATED, 5)
    ad = rng.randrange(len(ADS))
    bottom = render(
        "noise/bottom.html",
        links=links,
        ad=ad,
        version=rng.randrange(10**6),
        ad_text=ADS[ad],
        comments=rng.randrange(0, 40),
        user=rng.randrange(100, 999),
        commented=shown - timedelta(minutes=rng.randrange(1, 600)),
        session=session,
        stamp=int(shown.timestamp()),
        shown=shown,
        node=rng.randrange(1, 9),
    )
    page = _shuffle_attributes(page, rng)
    page = _vary_whitespace(page, rng)
    page = _FORM_OPEN.sub(
        lambda m: m.group(0) + f'<input type="hidden" name="csrf_token" value="{token(rng)}">', page
    )
    opened = _BODY_OPEN.search(page)
    page = page[: opened.end()] + top + page[opened.end() :] if opened else top + page
    cut = page.rfind("</body>")
    return page + bottom if cut < 0 else page[:cut] + bottom + page[cut:]


def _shuffle_attributes(page: str, rng: Random) -> str:
    """Reorder the attributes of a few tags (templating engines do not promise an order)."""
    tags = list(_TAG_ATTRS.finditer(page))
    if not tags:
        return page
    chosen = sorted(rng.sample(range(len(tags)), min(SHUFFLED_TAGS, len(tags))))
    out, last = [], 0
    for i in chosen:
        m = tags[i]
        attrs = _ATTR.findall(m.group(2))
        rng.shuffle(attrs)
        out.append(page[last : m.start()] + f"<{m.group(1)} {' '.join(attrs)}{m.group(3)}>")
        last = m.end()
    return "".join(out) + page[last:]


def _vary_whitespace(page: str, rng: Random) -> str:
    """Change the length of a few whitespace runs between tags (never create or remove one)."""
    gaps = list(_GAP.finditer(page))
    if not gaps:
        return page
    chosen = sorted(rng.sample(range(len(gaps)), min(VARIED_GAPS, len(gaps))))
    out, last = [], 0
    for i in chosen:
        m = gaps[i]
        out.append(page[last : m.start(1)] + rng.choice(GAPS))
        last = m.end(1)
    return "".join(out) + page[last:]


def noise_on(mutations: list[dict[str, Any]], host: str) -> bool:
    """Whether the change log leaves noise on for `host` (`"*"`: the all-sites switch)."""
    on = False
    for record in mutations:
        if record.get("op") == "noise" and record.get("host") in (host, "*"):
            on = bool(record.get("on", True))
    return on


def plan_noise(directory: Path, host: str, on: bool, at: datetime | None = None) -> dict[str, Any]:
    """Record noise on or off for one site (`host`) or every site (`"*"`)."""
    from replica.state import append_mutation

    moment = (at or datetime.now(CHINA)).astimezone(CHINA).replace(tzinfo=None, microsecond=0)
    record = {"op": "noise", "on": on, "host": host, "at": moment.isoformat()}
    append_mutation(directory, record)
    return record
