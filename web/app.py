"""The application: server-rendered pages and the same data as JSON under /api, with OpenAPI.

Why FastAPI (on Starlette): the API's parameters are declared once as typed function arguments, and
that one declaration validates them (bounds, dates, lengths), documents them in the OpenAPI
description and feeds the HTML pages too (`web.params.search_params`). Plain Starlette would need the
validation and the OpenAPI schema written by hand. Its interactive docs pages are switched off: they
load script from a CDN (the machine is offline) and would need inline script, which the pages' CSP
forbids. No htmx either: every interaction is a link or a GET form, so pages need no script of
their own but the timeline's keyboard steps (a static file).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import Field
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException as StarletteHTTPException

from archive import export as exporter
from archive.db import Archive
from archive.interchange import export as interchange
from archive.interchange.selection import Selection
from web import actions, reads
from web.actions import Guard
from web.control import Control
from web.errors import BadRequest, NotFound, from_validation
from web.params import SearchParams, search_params
from web.render import environment, render

STATIC = Path(__file__).parent / "static"
ID = Annotated[int, PathParam(ge=1, le=2**31 - 1)]
VERSION = Annotated[int | None, Query(ge=1, le=100_000)]
YEAR = Annotated[int, PathParam(ge=2000, le=2100)]
# Whatever `xxgk export` writes (archive.export.FORMATS and the web-archive formats of
# archive.interchange), so a format added there appears here too.
ExportFormat = Annotated[
    Literal[(*exporter.FORMATS, *interchange.FORMATS)], Query(description="文件格式 file format")
]  # type: ignore[valid-type]
EXPORT_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson",
                "parquet": "application/vnd.apache.parquet", "warc": "application/warc",
                "wacz": "application/wacz"}  # fmt: skip
# Report years of the audit matrix (repeatable `year=`): bounds on each value, at most ten columns.
YEARS = Annotated[list[Annotated[int, Field(ge=2000, le=2100)]] | None, Query(max_length=10)]


def page_csp(capture_origin: str) -> str:
    """The app's own pages: nothing inline, nothing from elsewhere; frames only from the captures'
    origin. `frame-ancestors 'none'`: no other site may frame the app."""
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"frame-src {capture_origin}; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )


class BundleCache:
    """Evidence bundles by their SHA-256: the page shows the hash of the very bytes the download then
    serves (a WARC record carries a fresh id each time it is written, so a bundle built again would
    differ). Bounded; a hash no longer held is a 404 telling the reader to open the page again."""

    def __init__(self, limit: int = 32) -> None:
        self.limit, self.items, self.lock = limit, OrderedDict[str, tuple[str, bytes]](), threading.Lock()

    def put(self, name: str, data: bytes) -> str:
        digest = reads.sha256(data)
        with self.lock:
            self.items[digest] = (name, data)
            self.items.move_to_end(digest)
            while len(self.items) > self.limit:
                self.items.popitem(last=False)
        return digest

    def get(self, digest: str) -> tuple[str, bytes]:
        with self.lock:
            found = self.items.get(digest)
        if found is None:
            raise NotFound("证据包已过期，请重新打开审计页面", "bundle expired: open the audit page again")
        return found


def create_app(
    archive: Archive,
    capture_port: int,
    column_kinds: dict[str, dict[str, str]] | None = None,
    token: str | None = None,
    control: Control | None = None,
) -> FastAPI:
    """The app over `archive`; `column_kinds` (site → column → kind, from the spiders, given by the
    CLI) lets the audit page judge column freshness. With a `token` and a `control` (both from `xxgk
    serve --token-file`), schedules can be paused and resumed and crawls started (web/actions.py);
    without, the app is read-only."""
    app = FastAPI(
        title="xxgk-archive",
        description="政府信息公开存档：检索、文件、版本比较、审计（只读）。Read-only API over the archive.",
        version="1",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.archive, app.state.capture_port = archive, capture_port
    app.state.column_kinds = column_kinds or {}
    app.state.guard, app.state.control = Guard(token if control is not None else None), control
    app.state.env, app.state.bundles = environment(), BundleCache()
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        response = await call_next(request)
        # The server's own time for the request (W3C Server-Timing): what bench/web.py reports.
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
        response.headers["Content-Security-Policy"] = page_csp(capture_origin(request))
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        return response

    @app.exception_handler(BadRequest)
    async def bad_request(request: Request, exc: BadRequest) -> Response:
        return error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, from_validation(list(exc.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            error = NotFound("页面不存在", "no such page")
        elif exc.status_code == 405:
            error = BadRequest(f"此地址不接受 {request.method} 请求：改变状态的操作只能用 POST",
                               f"{request.method} is not allowed here: state changes are POST only")  # fmt: skip
        else:
            error = BadRequest(f"请求无效（{exc.status_code}）", f"bad request ({exc.detail})")
        error.status = exc.status_code
        response = error_response(request, error)
        response.headers.update(exc.headers or {})  # a 405's Allow
        return response

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        """A fault of ours: still one clear sentence, no traceback on the page (uvicorn logs it)."""
        error = BadRequest("服务器内部错误，请报告此问题", "internal error: please report it")
        error.status = 500
        return error_response(request, error)

    for router in (pages(), api(), action_pages(), action_api()):
        app.include_router(router)
    return app


def capture_origin(request: Request) -> str:
    """The captures' origin: the host this page was asked for, on the captures' port (another origin,
    so an archived page's script could never touch the app, even if it ran)."""
    host = request.url.hostname or "127.0.0.1"
    return (
        f"{request.url.scheme}://{host if ':' not in host else f'[{host}]'}:{request.app.state.capture_port}"
    )


def error_response(request: Request, error: BadRequest) -> Response:
    if request.url.path.startswith("/api"):
        return JSONResponse(error.body(), status_code=error.status)
    html = render(request.app.state.env, "error.html", error=error, title="出错了", request=request)
    return HTMLResponse(html, status_code=error.status)


def session(request: Request) -> Iterator[Session]:
    with request.app.state.archive.session() as s:
        yield s


SessionDep = Annotated[Session, Depends(session)]
SearchDep = Annotated[SearchParams, Depends(search_params)]


def page(request: Request, template: str, **context: Any) -> HTMLResponse:
    html = render(request.app.state.env, template, request=request, capture_origin=capture_origin(request),
                  **context)  # fmt: skip
    return HTMLResponse(html)


def atom(request: Request, feed: dict[str, Any]) -> Response:
    """An Atom feed (RFC 4287), written by the same autoescaping environment as the pages."""
    newest = max((e["at"] for e in feed["entries"] if e["at"]), default="1970-01-01T00:00:00+00:00")
    base = str(request.base_url).rstrip("/")
    xml = render(
        request.app.state.env, "feed.xml", feed=feed, updated=newest, base=base, self_url=str(request.url)
    )
    return Response(xml, media_type="application/atom+xml; charset=utf-8")


def pages():  # type: ignore[no-untyped-def]
    from fastapi import APIRouter

    router = APIRouter(include_in_schema=False)

    @router.get("/", response_class=HTMLResponse)
    @router.get("/search", response_class=HTMLResponse)
    def search_page(request: Request, s: SessionDep, p: SearchDep) -> HTMLResponse:
        result = reads.search(s, p) if (p.q or p.narrowed()) else None
        return page(request, "search.html", title="检索", p=p, result=result, sites=reads.known_sites(s),
                    formats=(*exporter.FORMATS, *interchange.FORMATS))  # fmt: skip

    @router.get("/doc/{doc_id}", response_class=HTMLResponse)
    def document_page(request: Request, s: SessionDep, doc_id: ID, version: VERSION = None) -> HTMLResponse:
        record = reads.document(s, doc_id, version)
        return page(request, "document.html", title=record["title"] or f"文档 {doc_id}", d=record)

    @router.get("/doc/{doc_id}/compare", response_class=HTMLResponse)
    def compare_page(
        request: Request, s: SessionDep, doc_id: ID, a: VERSION = None, b: VERSION = None
    ) -> HTMLResponse:
        diff = reads.compare(s, doc_id, a, b)
        return page(request, "compare.html", title=f"版本比较 {diff['a']} → {diff['b']}", c=diff)

    @router.get("/capture/{capture_id}", response_class=HTMLResponse)
    def capture_page(request: Request, s: SessionDep, capture_id: ID) -> HTMLResponse:
        info = reads.capture(s, capture_id)
        return page(request, "capture.html", title=f"存档页面 {capture_id}", c=info)

    @router.get("/audit", response_class=HTMLResponse)
    def audit_page(request: Request, s: SessionDep, year: YEARS = None) -> HTMLResponse:
        matrix = reads.audit_matrix(s, year, request.app.state.column_kinds)
        return page(request, "audit.html", title="审计", m=matrix, kind_names=reads.KIND_NAMES)

    @router.get("/audit/{site}/{kind}/{year}", response_class=HTMLResponse)
    def finding_page(request: Request, s: SessionDep, site: str, kind: str, year: YEAR) -> HTMLResponse:
        verdict = reads.audit_finding(s, site, kind, year)
        name, data = reads.evidence_bundle(s, site, kind, year)
        digest = request.app.state.bundles.put(name, data)
        return page(request, "finding.html", title=f"审计证据 {site} {year}", v=verdict,
                    bundle={"name": name, "sha256": digest, "size": len(data)})  # fmt: skip

    @router.get("/bundles/{digest}.zip")
    def bundle(request: Request, digest: Annotated[str, PathParam(pattern="^[0-9a-f]{64}$")]) -> Response:
        name, data = request.app.state.bundles.get(digest)
        return Response(data, media_type="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip

    @router.get("/feeds/search.atom")
    def search_feed(request: Request, s: SessionDep, p: SearchDep) -> Response:
        return atom(request, reads.search_feed(s, p))

    @router.get("/feeds/sites/{site}.atom")
    def site_feed(
        request: Request, s: SessionDep, site: Annotated[str, PathParam(max_length=64)]
    ) -> Response:
        return atom(request, reads.site_feed(s, site))

    @router.get("/sites", response_class=HTMLResponse)
    def sites_page(request: Request, s: SessionDep) -> HTMLResponse:
        guard: Guard = request.app.state.guard
        return page(request, "sites.html", title="站点与抓取", data=sites_data(request, s),
                    writable=guard.token is not None, csrf=guard.csrf(request))  # fmt: skip

    return router


def api():  # type: ignore[no-untyped-def]
    from fastapi import APIRouter

    router = APIRouter(prefix="/api")

    @router.get("/search", summary="检索 Search")
    def search(s: SessionDep, p: SearchDep) -> dict[str, Any]:
        return reads.search(s, p)

    @router.get("/export", summary="导出结果集 Export the result set")
    def export(s: SessionDep, p: SearchDep, format: ExportFormat = "csv") -> Response:
        """The search's result set as `xxgk export` writes it, in any of its formats (streamed from a
        temporary file, removed once sent: an export of the whole archive does not sit in memory)."""
        filters = reads.export_filters(s, p)  # a clear 400 for a bad query or site
        tmp = Path(tempfile.mkdtemp(prefix="xxgk-export-"))
        try:
            if format in interchange.FORMATS:  # the documents' captures, as web archives exchange them
                out = tmp / f"xxgk-export.{'warc.gz' if format == 'warc' else format}"
                interchange.export(s, format, out, Selection(p.q, filters))
            else:
                out = tmp / f"xxgk-export.{format}"
                exporter.export(s, format, out, p.q, filters)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return FileResponse(out, media_type=EXPORT_TYPES.get(format, "application/octet-stream"),
                            filename=out.name, background=BackgroundTask(shutil.rmtree, tmp, True))  # fmt: skip

    @router.get("/documents/{doc_id}", summary="文件 Document")
    def document(s: SessionDep, doc_id: ID, version: VERSION = None) -> dict[str, Any]:
        return reads.document(s, doc_id, version)

    @router.get("/documents/{doc_id}/compare", summary="版本比较 Compare two versions")
    def compare(s: SessionDep, doc_id: ID, a: VERSION = None, b: VERSION = None) -> dict[str, Any]:
        return reads.compare(s, doc_id, a, b)

    @router.get("/captures/{capture_id}", summary="抓取记录 Capture")
    def capture(s: SessionDep, capture_id: ID) -> dict[str, Any]:
        return reads.capture(s, capture_id)

    @router.get("/audit", summary="审计矩阵 Audit matrix")
    def audit(request: Request, s: SessionDep, year: YEARS = None) -> dict[str, Any]:
        return reads.audit_matrix(s, year, request.app.state.column_kinds)

    @router.get("/audit/{site}/{kind}/{year}", summary="审计结论与证据 A verdict and its evidence")
    def finding(s: SessionDep, site: str, kind: str, year: YEAR) -> dict[str, Any]:
        return reads.audit_finding(s, site, kind, year)

    @router.get("/sites", summary="站点与抓取 Sites and crawls")
    def sites(request: Request, s: SessionDep) -> dict[str, Any]:
        return sites_data(request, s)

    return router


def sites_data(request: Request, s: Session) -> dict[str, Any]:
    """The agencies page's data, with the crawls this server started and the sites it may crawl (when
    it may start crawls; a site's first crawl is listed before the site has any document)."""
    data = reads.sites(s)
    control: Control | None = request.app.state.control
    data["started_here"] = control.crawls() if control is not None else []
    data["crawlable"] = list(control.sites) if control is not None else []
    return data


# --- state changes (web/actions.py): POST only, a configured token, a session + CSRF for forms -------


def _control(request: Request) -> Control:
    control: Control | None = request.app.state.control
    if control is None:
        raise actions.read_only()
    return control


JOB = Annotated[str, PathParam(max_length=200, description="计划任务（xxgk schedule list 的 job）")]
SITE = Annotated[str, PathParam(max_length=64, description="站点（如 anshun_mzj）")]
MODE = Annotated[Literal["incremental", "full"], Query(description="incremental 增量 | full 全量")]


def action_pages():  # type: ignore[no-untyped-def]
    """The HTML forms' side: each answers with a redirect back to the agencies page (303: the browser
    then GETs it, so a reload never repeats the change)."""
    from fastapi import APIRouter
    from fastapi.responses import RedirectResponse

    router = APIRouter(include_in_schema=False)

    def back(anchor: str = "") -> RedirectResponse:
        return RedirectResponse(f"/sites{'#' + anchor if anchor else ''}", status_code=303)

    @router.post("/login")
    async def login(request: Request) -> Response:
        actions.same_origin(request)
        cookie = request.app.state.guard.login((await actions.form(request)).get("token", ""))
        response = back()
        response.set_cookie(actions.COOKIE, cookie, max_age=actions.SESSION_SECONDS, httponly=True,
                            samesite="strict", path="/")  # fmt: skip
        return response

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        request.app.state.guard.form_allowed(request, await actions.form(request))
        response = back()
        response.delete_cookie(actions.COOKIE, path="/")
        return response

    @router.post("/jobs/{job:path}/{action}")
    async def change_job(request: Request, job: JOB, action: Literal["pause", "resume"]) -> Response:
        request.app.state.guard.form_allowed(request, await actions.form(request))
        control = _control(request)
        done = actions.run(lambda: getattr(control, action)(job), "计划任务 job")
        return back(str(done["job"]).split(":")[0])

    @router.post("/crawls")
    async def start_crawl(request: Request) -> Response:
        fields = await actions.form(request)
        request.app.state.guard.form_allowed(request, fields)
        control = _control(request)
        site = fields.get("site", "")
        actions.run(lambda: control.start_crawl(site, fields.get("mode", "incremental")), "站点 site")
        return back(site)

    return router


def action_api():  # type: ignore[no-untyped-def]
    from fastapi import APIRouter
    from fastapi.security import HTTPBearer

    # Declared for the OpenAPI description (a Bearer scheme on these operations); checked by the Guard.
    bearer = HTTPBearer(auto_error=False, description="xxgk serve --token-file 配置的令牌")
    router = APIRouter(prefix="/api", dependencies=[Depends(bearer)])

    def allowed(request: Request) -> Control:
        request.app.state.guard.bearer(request)
        return _control(request)

    @router.post("/jobs/{job:path}/pause", summary="暂停计划任务 Pause a scheduled job (token)")
    def pause(request: Request, job: JOB) -> dict[str, Any]:
        control = allowed(request)
        return actions.run(lambda: control.pause(job), "计划任务 job")

    @router.post("/jobs/{job:path}/resume", summary="恢复计划任务 Resume a scheduled job (token)")
    def resume(request: Request, job: JOB) -> dict[str, Any]:
        control = allowed(request)
        return actions.run(lambda: control.resume(job), "计划任务 job")

    @router.post("/sites/{site}/crawls", status_code=202, summary="启动抓取 Start a crawl of a site (token)")
    def crawl(request: Request, site: SITE, mode: MODE = "incremental") -> dict[str, Any]:
        control = allowed(request)
        return actions.run(lambda: control.start_crawl(site, mode), "站点 site")

    return router
