"""The HTML side: one Jinja2 environment with autoescaping on for every template, and the few filters
the pages need. Why Jinja2: the project's templates (the replica's) already use it, and it escapes by
default; a filter that returns markup (`highlight`) escapes the stored text itself first."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader
from markupsafe import Markup, escape

from archive.records import FIELD_NAMES
from archive.search.snippets import MARK
from archive.text import CHINA


def china_time(value: str | None) -> str:
    """An ISO moment (stored in UTC) as China time, the agencies' own clock: `2027-01-20 02:00`."""
    if not value:
        return ""
    try:
        return datetime.fromisoformat(value).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return value


def highlight(snippet: str | None) -> Markup:
    """A search snippet with its hits («…») as <mark>: the text escaped first, then the marks added."""
    if not snippet:
        return Markup("")
    text = str(escape(snippet))
    return Markup(text.replace(MARK[0], "<mark>").replace(MARK[1], "</mark>"))


def safe_href(url: str | None) -> str | None:
    """Only http(s) URLs become links: a stored `javascript:` URL is shown as text, never followed."""
    if not url:
        return None
    return url if urlsplit(url.strip()).scheme.lower() in ("http", "https") else None


# The metadata fields' names as the agencies' pages write them, in the archive's field order.
FIELD_LABELS = {"title": "标题", "index_no": "索引号", "issuer": "发布机构", "source": "来源", "doc_number": "文号",
                "topic": "主题分类", "validity": "有效性", "written_date": "成文日期", "publish_date": "发布日期",
                "effective_date": "生效日期", "abolish_date": "废止日期", "keywords": "关键词"}  # fmt: skip


def environment() -> Environment:
    env = Environment(loader=PackageLoader("web", "templates"), autoescape=True, trim_blocks=True,
                      lstrip_blocks=True)  # fmt: skip
    env.filters.update(china_time=china_time, highlight=highlight, safe_href=safe_href)
    env.globals["field_labels"] = {name: FIELD_LABELS.get(name, name) for name in FIELD_NAMES}
    return env


def render(env: Environment, name: str, **context: Any) -> str:
    return env.get_template(name).render(**context)
