"""The archived pages as fetched, on an origin of their own (another port).

ArchiveBox's long-open XSS is the lesson: an archived page is hostile content. It is served here, never
on the app's origin, with `Content-Security-Policy: sandbox` (no `allow-scripts`, no
`allow-same-origin`): the browser runs none of its script and gives it an opaque origin even when it
is opened outside the app's `<iframe sandbox>`. Attachments are served here too, as downloads.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from archive.db import Archive
from web import reads
from web.errors import BadRequest

SANDBOX_HEADERS = {
    "Content-Security-Policy": "sandbox",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "private, max-age=3600",
}
MAX_ID = 2**31 - 1


def _id(request: Request, name: str) -> int:
    text = request.path_params[name]
    if not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        raise BadRequest(f"编号 {text!r} 无效", f"invalid id {text!r}")
    return int(text)


def create_capture_app(archive: Archive) -> Starlette:
    def capture(request: Request) -> Response:
        with archive.session() as s:
            content_type, body = reads.capture_body(s, _id(request, "capture_id"))
        return Response(body, headers={**SANDBOX_HEADERS, "Content-Type": content_type})

    def attachment(request: Request) -> Response:
        with archive.session() as s:
            name, content_type, data = reads.attachment_file(s, _id(request, "attachment_id"))
        disposition = f"attachment; filename*=UTF-8''{quote(name or 'attachment', safe='')}"
        headers = {**SANDBOX_HEADERS, "Content-Type": content_type, "Content-Disposition": disposition}
        return Response(data, headers=headers)

    async def bad(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, BadRequest)
        return PlainTextResponse(f"{exc.zh}\n{exc.en}\n", status_code=exc.status, headers=SANDBOX_HEADERS)

    return Starlette(
        routes=[
            Route("/capture/{capture_id}", capture),
            Route("/file/{attachment_id}", attachment),
        ],
        exception_handlers={BadRequest: bad},
    )
