"""The JSON side of a gkmlpt catalogue: the column TREE its Vue shell draws, and the list API
`<prefix>gkmlpt/api/all/<column>?page=N&sid=SID` (`{classify:{…}, articles:[…]}`, newest first,
`page_size` a page).

The API's quirks, as the real platform has them: page 0 and page 1 are the same page, a page past the
last answers 404 (or an empty list, `past_last="empty"`), a missing or wrong sid is refused with 400,
and an unknown column answers an empty list. Kept apart from the HTML pages and the routing because it
is the platform's data interface: field names and values a crawler reads as JSON.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from archive.text import CHINA
from replica.web import SERVER, Response

if TYPE_CHECKING:
    from replica.documents import ReplicaDocument
    from replica.platforms.gkmlpt import GkmlptCatalog, GkmlptSite
    from replica.platforms.gkmlpt_posts import Post


def tree(catalog: GkmlptCatalog) -> list[dict[str, Any]]:
    """`window._CONFIG.TREE`: the group nodes with their leaf columns and post counts, then the jumps."""
    site = catalog.site
    nodes = []
    for gid, name in catalog.groups():
        children = [
            {"id": c.id, "name": c.name, "parent": gid, "children": [], "jump_url": "",
             "post_count": len(catalog.column_posts(c.id))}
            for c in site.columns if c.group == name
        ]  # fmt: skip
        count = sum(int(child["post_count"]) for child in children)
        nodes.append(
            {"id": gid, "name": name, "parent": 0, "children": children, "jump_url": "", "post_count": count}
        )
    for jid, name, url in site.jumps:
        nodes.append({"id": jid, "name": name, "parent": 0, "children": [], "jump_url": url, "post_count": 0})
    return nodes


def list_response(catalog: GkmlptCatalog, rest: str, query: str) -> Response:
    """The answer to `api/all/<rest>?<query>`."""
    site = catalog.site
    params = parse_qs(query)
    if not rest.isdigit():
        return catalog.not_found()
    if params.get("sid", [""])[0] != site.sid:
        return _json(400, {"code": 400, "msg": "sid不能为空或不存在"})
    column_id = int(rest)
    groups = catalog.groups()
    if site.column(column_id) is None and all(g != column_id for g, _ in groups):
        return _json(200, {"classify": None, "articles": []})
    raw = params.get("page", ["1"])[0]
    page = max(int(raw) if raw.isdigit() else 1, 1)  # page 0 is page 1
    posts = catalog.column_posts(column_id)
    size = site.page_size
    pages = max(1, math.ceil(len(posts) / size))
    if page > pages:
        if site.past_last == "404":
            return catalog.not_found()
        chunk: list[ReplicaDocument] = []
    else:
        chunk = posts[(page - 1) * size : page * size]
    name = next((c.name for c in site.columns if c.id == column_id), None) or next(
        n for g, n in groups if g == column_id
    )
    articles = [article_json(site, d, catalog.post(d)) for d in chunk]
    if page == 1:
        articles.extend(
            external_article(title, url, i)
            for i, (cid, title, url) in enumerate(site.external)
            if cid == column_id
        )
    classify = {"id": column_id, "name": name, "parent": 0, "post_count": len(posts), "theme_count": 0}
    return _json(200, {"classify": classify, "articles": articles})


def unix_time(moment: datetime) -> int:
    """Seconds since the epoch of a Beijing wall time, as the platform dates posts."""
    return int(moment.replace(tzinfo=CHINA).timestamp())


def article_json(site: GkmlptSite, doc: ReplicaDocument, post: Post) -> dict[str, Any]:
    """One entry of the list API, with the field names the platform uses."""
    column = site.column(post.column)
    return {
        "id": doc.doc_id,
        "title": doc.title,
        "date": unix_time(doc.publish),
        "created_at": unix_time(doc.publish) - 3600,
        "display_publish_time": unix_time(doc.publish),
        "publisher": doc.issuer,
        "identifier": doc.index_no,
        "document_number": doc.doc_number or "",
        "keywords": "",
        "abstract": "",
        "url": doc.url,
        "post_url": doc.url,
        "classify_main_name": column.group if column else "",
        "classify_genre_name": column.genre if column else "",
        "classify_theme_name": "民政、扶贫、救灾",
        "is_expired": 0,
        "is_abolished": 0,
        "attachment": [{"name": a.title, "url": a.url} for a in doc.attachments],
        "relation": [],
    }


def external_article(title: str, url: str, index: int) -> dict[str, Any]:
    """A repost listed in the catalogue whose page lives on another host (e.g. the city's portal)."""
    return {
        "id": 0 - index - 1,
        "title": title,
        "date": 1_700_000_000,
        "display_publish_time": 1_700_000_000,
        "publisher": "",
        "identifier": "",
        "url": url,
        "post_url": url,
        "classify_main_name": "",
        "attachment": [],
        "relation": [],
    }


def _json(status: int, value: dict) -> Response:
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(status, {"Content-Type": "application/json;charset=UTF-8", "Server": SERVER}, body)
