"""Small archives for the search tests, written through the real version store (the crawl's write path).

The tests state each document's content (`archive.records.PageContent`) directly instead of rendering
and re-parsing HTML.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from archive.db import Archive
from archive.records import DocumentFields, FetchedAttachment, FetchedPage, PageContent
from archive.store import VersionStore


def detail(
    title: str,
    body: str,
    *,
    url_date: str | None = None,
    tables: list[list[list[str]]] | None = None,
    **fields: str | None,
) -> PageContent:
    """A document page's content as the extraction pipeline would hand it to the store."""
    return PageContent(
        page_type="detail",
        fields=DocumentFields(title=title, **fields),
        body=body,
        url_date=url_date,
        tables=tables or [],
    )


def store_page(
    store: VersionStore,
    url: str,
    content: PageContent | None,
    at: datetime,
    *,
    site: str = "anshun_mzj",
    status: int = 200,
    attachments: list[FetchedAttachment] | None = None,
):
    return store.record(
        FetchedPage(
            site=site,
            url=url,
            fetched_at=at,
            http_status=status,
            headers={},
            body=f"<html>{content.fields.title if content else 'gone'}{at}</html>".encode(),
            content=content,
            attachments=attachments or [],
        )
    )


T0 = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)

# (site, url suffix, parsed page): a small archive with the cases the search must get right.
DOCUMENTS: list[tuple[str, str, PageContent]] = [
    ("anshun_mzj", "a1", detail(
        title="安顺市民政局关于做好2023年最低生活保障工作的通知",
        body="各县（区）民政局：\n为切实做好低保工作，确保应保尽保，现将有关事项通知如下。\n安顺市民政局\n2023年3月1日",
        issuer="安顺市民政局", topic="社会保障", publish_date="2023-03-02", written_date="2023-03-01",
        doc_number="安市民发〔2023〕12号", index_no="as-mzj-2023-00012", validity="有效")),
    ("anshun_mzj", "a2", detail(
        title="安顺市居家社区养老服务工作方案",
        body="推进居家社区养老服务，完善农村互助养老。\n低 保\n对象优先。",
        issuer="安顺市民政局", topic="民政", publish_date="2023-06-10", written_date="2023-06-01",
        doc_number="安市民发〔2023〕40号", index_no="as-mzj-2023-00040", validity="有效")),
    ("lianzhou_mzj", "l1", detail(
        title="連州市民政局關於養老機構安全管理的通知",
        body="各養老機構：為加強養老機構安全管理，現將有關事項通知如下。",
        issuer="連州市民政局", topic="民政", publish_date="2022-11-20", written_date="2022-11-18",
        doc_number="连民〔2022〕7号", index_no="lz-2022-0007", validity="失效")),
    ("jinzhong_mzj", "j1", detail(
        title="晋中市殡葬管理条例实施细则",
        body="第一条　为了加强殡葬管理，推进殡葬改革，根据《殡葬管理条例》，制定本细则。ＡＢＣ１２３号文件同时废止。",
        issuer="晋中市民政局", topic="民政", publish_date="2021-05-01", written_date="2021-04-20",
        doc_number="晋市民发[2021]3号", index_no="jz-mzj-2021-00003", validity="废止")),
    ("anshun_mzj", "a3", detail(
        title="安顺市民政局2023年工作总结",
        body="全年推进婚姻登记便民服务，规范殡葬管理。",
        issuer="安顺市民政局", topic="民政", publish_date="2024-01-20", written_date="2024-01-18")),
    ("jinzhong_mzj", "j2", detail(
        title="晋中市婚姻登记工作规范",
        body="婚姻登记机关应当依法办理婚姻登记，民政部门加强指导。",
        issuer="晋中市民政局", topic="民政", publish_date="2024-01-15", written_date="2024-01-10",
        doc_number="晋市民发(2024)1号", index_no="jz-mzj-2024-00001", validity="有效")),
]  # fmt: skip


def url_of(site: str, suffix: str) -> str:
    return f"https://{site}.example.gov.cn/{suffix}.html"


def build_archive(url: str) -> Archive:
    """The DOCUMENTS, stored; one attachment; a2 edited once (two versions); j1 withdrawn."""
    archive = Archive(url)
    store = VersionStore(archive)
    for site, suffix, parsed in DOCUMENTS:
        attachments = []
        if suffix == "a1":
            attachments = [
                FetchedAttachment(url=url_of(site, "a1.xls"), name="城乡低保对象花名册.xls", body=b"x")
            ]
        store_page(store, url_of(site, suffix), parsed, T0, site=site, attachments=attachments)
    original = DOCUMENTS[1][2]
    edited = dataclasses.replace(original, body=original.body + "\n新增：高龄津贴按月发放。")
    store_page(store, url_of("anshun_mzj", "a2"), edited, datetime(2024, 5, 1, 2, 0, tzinfo=UTC))
    gone = datetime(2024, 6, 1, tzinfo=UTC)
    store_page(store, url_of("jinzhong_mzj", "j1"), None, gone, site="jinzhong_mzj", status=404)
    return archive
