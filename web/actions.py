"""State changes from the web: pause or resume a scheduled job, start a crawl of a site. Only with a
configured token, only by POST.

The server is read-only unless `xxgk serve` was given a token (`--token-file PATH`, or the
XXGK_SERVE_TOKEN environment variable); without one every route here answers 403 saying so. With one:
- the API takes it as `Authorization: Bearer <token>` on each request;
- the HTML pages take it once, in a form (POST /login), and keep a signed session cookie instead
  (HttpOnly, SameSite=Strict, twelve hours). Each state-changing form then carries a CSRF token
  derived from that session (the synchronizer-token pattern), and a request whose Origin header names
  another origin is refused: a page elsewhere can neither read the CSRF token nor send the cookie.
Both are HMAC-SHA256 under a key derived from the token (stdlib `hmac`, compared in constant time):
no session is stored, and changing the token ends every session. GET never changes anything: these
routes are POST only, so a GET is the framework's 405.

What is changed is not this room's business: the app is handed a `web.control.Control`
(schedules/control.py, built by `xxgk serve`), as it is handed the spiders' column kinds; the web
imports neither the schedule nor the crawler. Forms are url-encoded and parsed with the standard library (three fields;
no multipart parser needed).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from fastapi import Request

from web.control import Refused
from web.errors import BadRequest, NotFound

COOKIE = "xxgk_session"
SESSION_SECONDS = 12 * 3600
MAX_FORM = 4096  # bytes of a form body: a token, a CSRF token, a mode
TOKEN_ENV = "XXGK_SERVE_TOKEN"
MIN_TOKEN = 16  # characters: a guessable token would make the switch pointless


class Forbidden(BadRequest):
    status = 403


class Conflict(BadRequest):
    status = 409


def read_only() -> Forbidden:
    return Forbidden(
        "此服务器为只读：未配置令牌，不能暂停、恢复计划任务或启动抓取（启动时使用 xxgk serve --token-file 文件"
        f" 或环境变量 {TOKEN_ENV}）",
        "this server is read-only: no token is configured, so schedules cannot be paused or resumed and "
        f"crawls cannot be started (start it with `xxgk serve --token-file PATH` or {TOKEN_ENV})",
    )


def bad_token() -> Forbidden:
    return Forbidden("令牌缺失或不正确", "the token is missing or wrong")


def check_token(token: str) -> str:
    """A configured token, or ValueError saying what is wrong with it."""
    token = token.strip()
    if len(token) < MIN_TOKEN or any(c.isspace() for c in token):
        raise ValueError(f"the token must be at least {MIN_TOKEN} characters without whitespace")
    return token


class Guard:
    """The token, and what is derived from it: the session cookie's signature and the CSRF tokens."""

    def __init__(self, token: str | None) -> None:
        self.token = token
        self.key = hmac.new(token.encode(), b"xxgk-serve session", hashlib.sha256).digest() if token else b""

    def _sign(self, text: str) -> str:
        return hmac.new(self.key, text.encode(), hashlib.sha256).hexdigest()

    def require_token(self) -> None:
        if self.token is None:
            raise read_only()

    def bearer(self, request: Request) -> None:
        """The API: `Authorization: Bearer <token>`, or 403."""
        self.require_token()
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), self.token.encode()):  # type: ignore[union-attr]
            raise bad_token()

    # -- the HTML pages' session ----------------------------------------------------------------------
    def login(self, given: str) -> str:
        """The cookie value of a new session, for the right token; else 403."""
        self.require_token()
        if not hmac.compare_digest(given.strip().encode(), self.token.encode()):  # type: ignore[union-attr]
            raise bad_token()
        body = f"{int(time.time())}.{secrets.token_hex(16)}"
        return f"{body}.{self._sign(body)}"

    def session(self, request: Request) -> str | None:
        """The session nonce of a valid, unexpired session cookie, else None."""
        if self.token is None:
            return None
        issued, _, rest = request.cookies.get(COOKIE, "").partition(".")
        nonce, _, signature = rest.partition(".")
        if not (issued.isdigit() and nonce and signature):
            return None
        if not hmac.compare_digest(signature, self._sign(f"{issued}.{nonce}")):
            return None
        if not 0 <= time.time() - int(issued) < SESSION_SECONDS:
            return None
        return nonce

    def csrf(self, request: Request) -> str | None:
        """The CSRF token the session's forms carry (None: no session, so no forms)."""
        nonce = self.session(request)
        return self._sign(f"csrf.{nonce}") if nonce else None

    def form_allowed(self, request: Request, form: dict[str, str]) -> None:
        """A state-changing form: a token configured, same origin, a session, and its CSRF token."""
        self.require_token()
        same_origin(request)
        expected = self.csrf(request)
        if expected is None:
            raise Forbidden(
                "请先输入令牌登录（站点与抓取页）", "log in with the token first (the sites page)"
            )
        if not hmac.compare_digest(form.get("csrf", "").encode(), expected.encode()):
            raise Forbidden(
                "表单已失效（CSRF 校验失败），请重新打开页面",
                "stale form (CSRF check failed): reload the page",
            )


def same_origin(request: Request) -> None:
    """Refuse a request whose Origin header (sent by browsers with every POST) is another origin."""
    origin = request.headers.get("origin")
    if origin is None:
        return
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    if origin != own:
        raise Forbidden("拒绝来自其他来源的请求", f"refused: a request from another origin ({origin[:100]})")


async def form(request: Request) -> dict[str, str]:
    """A url-encoded form body (the first value of each field)."""
    body = await request.body()
    if len(body) > MAX_FORM:
        raise BadRequest("表单过大", "form too large")
    try:
        fields = parse_qs(body.decode("utf-8"), max_num_fields=10)
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("表单无效", "invalid form") from None
    return {name: values[0] for name, values in fields.items()}


def run(action: Callable[[], dict[str, Any]], what: str) -> dict[str, Any]:
    """Call the control, turning its refusals into clear 4xx answers."""
    try:
        return action()
    except LookupError as e:
        raise NotFound(f"{what} {e} 不存在", f"no such {what}: {e}") from None
    except ValueError as e:
        raise BadRequest(f"参数无效：{e}", f"invalid parameter: {e}") from None
    except Refused as e:
        raise Conflict(f"无法执行：{e}", f"refused: {e}") from None
