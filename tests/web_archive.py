"""A small archive with a history, for the web interface's tests: built once per database and shared.

One replica on simulated time, one crawl process over a few nights of a reporting season
(`xxgk crawl --nights`), with changes planted ahead on the replica's clock: edited documents (versions
to compare), a withdrawal, a move and a restoration (the timeline), an annual report published on
time and edited (an audit verdict with evidence). Then hostile records written through the archive's
own store (`VersionStore.record`, the way any importer feeds it): titles, bodies and attachment names
carrying `</title><script>`, `onerror=` and `javascript:` that call a canary on 127.0.0.1 if they ever
run. Nothing is typed in that the tests then expect: they read what the archive holds.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from archive.db import Archive
from archive.records import AttachmentLink, DocumentFields, FetchedAttachment, FetchedPage, PageContent
from archive.store import VersionStore
from replica.process import start_replica
from replica.state import append_mutation
from tests.conftest import FAST, run_xxgk, xxgk

SITES = ("anshun_mzj", "jinzhong_mzj")
REPORT_YEAR = 2026
SEASON = REPORT_YEAR + 1
NIGHTS = (  # (moment China time, mode)
    (f"{SEASON}-01-01T02:00+08:00", "full"),
    (f"{SEASON}-01-21T02:00+08:00", "full"),  # full: it sees the withdrawal
    (f"{SEASON}-02-02T02:00+08:00", "full"),
)
AUDIT_AT = f"{SEASON}-04-21T09:00+08:00"
HOSTILE_SITE = "anshun_mzj"
HOSTILE_URL = "http://smzj.anshun.gov.cn/hostile/t20270115_1.html"


@dataclass(frozen=True)
class WebArchive:
    database_url: str
    canary_path: str  # the canary's path prefix: any request to it means planted script ran
    seconds: float  # how long the build took


def hostile_strings(canary: str) -> dict[str, str]:
    """Strings that would run script (calling `canary`) if a page put them out unescaped."""
    fetch = f"fetch('{canary}/{{}}')"
    return {
        "title": f'</title><script>{fetch.format("title")}</script>低保<img src=x onerror="{fetch.format("img")}">',
        "body": (
            f"关于低保的通知<script>{fetch.format('body')}</script>\n"
            f"<img src=x onerror={fetch.format('body-img')}>\n"
            f'<a href="javascript:{fetch.format("body-link")}">点此</a>'
        ),
        "attachment": f'附件<img src=x onerror="{fetch.format("attachment")}">.pdf',
        "attachment_url": f"javascript:{fetch.format('attachment-url')}",
        "doc_number": f'安民发〔2027〕1号"><script>{fetch.format("docnum")}</script>',
    }


def _hostile_page(canary: str, at: datetime, edition: int) -> FetchedPage:
    strings = hostile_strings(canary)
    raw = (
        f"<html><head><title>{strings['title']}</title></head><body>"
        f"<script>{'fetch'}('{canary}/raw')</script><img src=x onerror=\"fetch('{canary}/raw-img')\">"
        f"<p>{strings['body']}</p></body></html>"
    ).encode()
    fields = DocumentFields(
        title=strings["title"],
        index_no=f"hostile-{edition}",
        issuer="安顺市民政局<script>x</script>",
        doc_number=strings["doc_number"],
        topic="社会救助",
        publish_date="2027-01-15",
    )
    body = strings["body"] + ("\n第二版：低保标准调整。" if edition > 1 else "")
    return FetchedPage(
        site=HOSTILE_SITE,
        url=HOSTILE_URL,
        http_status=200,
        headers={"Content-Type": "text/html; charset=utf-8"},
        body=raw,
        fetched_at=at,
        content=PageContent(
            page_type="detail",
            fields=fields,
            body=body,
            search_text=body,
            attachment_links=[AttachmentLink(strings["attachment_url"], strings["attachment"])],
        ),
        attachments=[
            FetchedAttachment(
                url=strings["attachment_url"],
                name=strings["attachment"],
                http_status=200,
                content_type="text/html",
                body=f"<script>fetch('{canary}/file')</script>".encode(),
                text_note="not read",
            )
        ],
    )


def plant_hostile(database_url: str, canary: str) -> None:
    """Two versions of a hostile document, through the store (as an importer would write them)."""
    archive = Archive(database_url)
    store = VersionStore(archive)
    for edition, day in ((1, 16), (2, 17)):
        store.record(_hostile_page(canary, datetime(SEASON, 1, day, 3, 0, tzinfo=UTC), edition))
    archive.close()


def build(database_url: str, workdir: Path, canary: str) -> WebArchive:
    """Crawl the replica over NIGHTS into `database_url`, then plant the hostile records."""
    started = time.monotonic()
    state = workdir / "replica"
    with start_replica(state, docs=8, seed=5, as_of=f"{SEASON}-01-01T00:00+08:00") as replica:
        planted = xxgk("replica", "season", f"--year={REPORT_YEAR}", "--state", str(state), settle=False)
        assert planted.returncode == 0, planted.stderr
        for args in (
            ("anshun_mzj", "--edit", "3", "--as-of", f"{SEASON}-01-10T12:00"),
            ("jinzhong_mzj", "--edit", "2", "--as-of", f"{SEASON}-01-10T12:00"),
            ("jinzhong_mzj", "--move", "1", "--as-of", f"{SEASON}-01-10T12:00"),
            ("anshun_mzj", "--edit", "2", "--seed", "2", "--as-of", f"{SEASON}-01-25T12:00"),
        ):
            changed = xxgk("replica", "change", *args, "--state", str(state), settle=False)
            assert changed.returncode == 0, changed.stderr
        # A withdrawal on the 10th, undone on the 25th. `replica change --restore` chooses among the
        # pages gone on the replica's clock (still 1 January): the restoration is the withdrawal's
        # record turned round, appended to the same log.
        withdrawn = xxgk("replica", "change", "anshun_mzj", "--withdraw", "1", "--as-of", f"{SEASON}-01-10T12:00",
                         "--state", str(state), "--format", "json", settle=False)  # fmt: skip
        assert withdrawn.returncode == 0, withdrawn.stderr
        (gone,) = json.loads(withdrawn.stdout)
        append_mutation(state, {"op": "restore", "path": gone["path"], "url": gone["url"], "host": gone["host"],
                                "at": f"{SEASON}-01-25T12:00:00"})  # fmt: skip
        plan = [{"as_of": moment, "sites": list(SITES), "mode": mode} for moment, mode in NIGHTS]
        (workdir / "nights.json").write_text(json.dumps(plan), encoding="utf-8")
        out = run_xxgk(
            "crawl", "--nights", str(workdir / "nights.json"), "--database-url", database_url,
            "--replica-url", replica.url, *FAST, "-s", "XXGK_PARSE_PROCESSES=0", "--format", "json",
            timeout=600,
        )  # fmt: skip
        assert out.returncode in (0, 3), out.stderr[-3000:]  # 3: a health warning is not a failure
    plant_hostile(database_url, canary)
    return WebArchive(database_url, canary, time.monotonic() - started)
