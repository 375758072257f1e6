"""Bad requests in both languages: a 400 (or 404) that says what was wrong, never a 500.

Every user mistake is one `BadRequest(zh, en)`: the page shows both sentences; the API answers
`{"error": {"zh": …, "en": …}}`. FastAPI's own validation errors (a page of -1, a malformed date, a
query over its length) are turned into the same shape instead of its default 422.
"""

from __future__ import annotations

from typing import Any


class BadRequest(Exception):
    """A request the archive cannot answer as asked, with the reason in Chinese and English."""

    status = 400

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en

    def body(self) -> dict[str, Any]:
        return {"error": {"zh": self.zh, "en": self.en, "status": self.status}}


class NotFound(BadRequest):
    status = 404


# What FastAPI's validators say, per constraint, in Chinese (its English message is kept beside it).
_ZH_REASONS = {
    "int_parsing": "应为整数",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "date_from_datetime_parsing": "应为日期（如 2024-01-31）",
    "date_parsing": "应为日期（如 2024-01-31）",
    "string_too_long": "过长",
    "literal_error": "取值无效",
    "missing": "缺少此参数",
    "bool_parsing": "应为 0 或 1",
}


def from_validation(errors: list[dict[str, Any]]) -> BadRequest:
    """One BadRequest naming each bad parameter (FastAPI's `RequestValidationError.errors()`)."""
    zh, en = [], []
    for error in errors:
        name = str(error.get("loc", ("", "?"))[-1])
        zh.append(f"参数 {name} {_ZH_REASONS.get(error.get('type', ''), '无效')}")
        en.append(f"parameter {name}: {error.get('msg', 'invalid')}")
    return BadRequest("；".join(zh) or "请求无效", "; ".join(en) or "invalid request")
