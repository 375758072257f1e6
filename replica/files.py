"""Attachment bytes: small, deterministic per key, and shaped like the real formats.

A crawler hashes attachments, so the bytes must be stable across runs and differ between files; the
magic numbers and trailers make them pass a content sniffer (PDF header/xref/EOF, OLE2 compound file).
A PDF carries real, extractable words (issue 8: search finds a document by its attachment's text): its
title, a sentence of the kind such forms carry, and a 编号 made from the key, which appears nowhere
else, so a test can search for a word only the attachment has. The text is set in a Type0 font with
Identity-H encoding and a ToUnicode map, as Chinese PDFs are, so text extractors read it back.
"""

from __future__ import annotations

import functools
import hashlib
import os
from random import Random

from replica import attachment_forms
from replica.documents import ReplicaAttachment, ReplicaDocument

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
}

_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
# What application forms and statistics tables say beside their title; none of it is in the bodies.
SENTENCES = (
    "申请人须如实填写本表并附户口簿复印件，经办窗口受理后五个工作日内答复。",
    "表中数据由各乡镇街道汇总报送，统计口径以当年十二月末在册人数为准。",
    "本文件附表所列事项按属地管理原则办理，咨询电话见各经办窗口公示。",
    "审批意见栏由县级民政部门填写，加盖公章后存档备查。",
)


def attachment_number(key: str) -> str:
    """The 编号 printed in an attachment: twelve hex digits of its key, found only in that file."""
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def attachment_text(key: str, title: str) -> str:
    """The words an attachment carries (a PDF's text layer)."""
    digest = hashlib.sha256(key.encode()).digest()
    return f"{title}\n{SENTENCES[digest[0] % len(SENTENCES)]}\n编号 {attachment_number(key)}"


def attachment_bytes(key: str, ext: str, title: str) -> bytes:
    """The file served for an attachment; `key` makes it unique, `title` goes into its text."""
    if key.startswith("annual-report|"):  # an annual report published as a file (its numbers, its form)
        from replica.annual_reports import file_bytes

        return file_bytes(key)
    digest = hashlib.sha256(key.encode()).hexdigest()
    if ext == "pdf":
        return _pdf(attachment_text(key, title).splitlines())
    # OLE2 compound document header followed by deterministic filler (a doc/xls a sniffer recognises).
    filler = hashlib.sha256(digest.encode()).digest() * 16
    text = f"{title}\n{digest}\n".encode("utf-16-le")
    return _OLE_MAGIC + bytes(504) + text + filler


def _to_unicode_cmap(glyphs: list[str]) -> bytes:
    """Glyph code i (two bytes) is the character glyphs[i], as in a subset font, in bfchar blocks of
    at most 100 (the CMap syntax's limit)."""
    pairs = [
        b"<%04X> <%s>\n" % (i, c.encode("utf-16-be").hex().upper().encode()) for i, c in enumerate(glyphs)
    ]
    blocks = b"".join(
        b"%d beginbfchar\n%sendbfchar\n" % (len(pairs[i : i + 100]), b"".join(pairs[i : i + 100]))
        for i in range(0, len(pairs), 100)
    )
    return (
        b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        b"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        b"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        + blocks
        + b"endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"
    )


def _pdf(lines: list[str]) -> bytes:
    """A one-page PDF whose xref offsets are right, one text line per item of `lines`, its characters
    coded as glyph numbers of a subset font (Identity-H) with a ToUnicode map, as Chinese PDFs are."""
    glyphs = list(dict.fromkeys("".join(lines)))
    code = {c: i for i, c in enumerate(glyphs)}
    shown = b" ".join(
        b"<%s> Tj 0 -18 Td" % "".join(f"{code[c]:04X}" for c in line).encode() for line in lines
    )
    stream = b"BT /F1 12 Tf 72 720 Td " + shown + b" ET"
    cmap = _to_unicode_cmap(glyphs)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+SimSun /Encoding /Identity-H "
        b"/DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ABCDEF+SimSun /FontDescriptor 8 0 R "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(cmap), cmap),
        b"<< /Type /FontDescriptor /FontName /ABCDEF+SimSun /Flags 6 /FontBBox [-8 -145 1000 859] "
        b"/ItalicAngle 0 /Ascent 859 /Descent -141 /CapHeight 683 /StemV 50 >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def attachment_kind(rng: Random) -> str:
    """A generated attachment's extension, as often as the agencies publish each: mostly PDF."""
    return rng.choices(("pdf", "doc", "xls"), weights=(6, 3, 1))[0]


def attachment_form(rng: Random, forms: tuple[tuple[str, float], ...]) -> str | None:
    """A site's attachment form (`SiteDeclaration.attachment_forms`), drawn with one number from
    `rng` as `attachment_kind` draws (so the rest of the site's plan is the same either way); None
    for a site that declares none."""
    if not forms:
        return None
    names, weights = zip(*forms, strict=True)
    return rng.choices(names, weights=weights)[0]


def forms_of(declared: tuple[tuple[str, float], ...]) -> tuple[tuple[str, float], ...]:
    """A site's declared attachment forms, or, for a site that declares some, the weights in
    XXGK_REPLICA_ATTACHMENT_FORMS ("pdf_scan:4,pdf:1"): a bench that wants a hundred scans without a
    hundred LibreOffice conversions (bench/attachments.py)."""
    override = os.environ.get("XXGK_REPLICA_ATTACHMENT_FORMS")
    if not declared or not override:
        return declared
    pairs = [item.split(":") for item in override.split(",") if item.strip()]
    return tuple((name.strip(), float(weight)) for name, weight in pairs)


def generated_attachment(
    origin: str, path: str, title: str, ext: str, key: str, form: str | None = None
) -> ReplicaAttachment:
    """A file the replica serves at `origin` + `path` (its bytes are seeded by `key`)."""
    if form is not None and form != "pdf":
        content_type = attachment_forms.CONTENT_TYPES[form]
    else:
        content_type, form = CONTENT_TYPES[ext], None
    return ReplicaAttachment(
        url=f"{origin}{path}", path=path, title=title, content_type=content_type, key=key, form=form
    )


def form_blocks(key: str, title: str) -> list[str | list[list[str]]]:
    """What a form attachment holds: the text PDF's lines (title, sentence, 编号) and a small table,
    as the application forms and statistics tables agencies scan carry."""
    lines = attachment_text(key, title).splitlines()
    digest = hashlib.sha256(key.encode()).digest()
    table = [["项目", "数量", "备注"], ["受理件数", str(digest[1] % 90 + 10), "按期办结"]]
    return [*lines[:2], table, *lines[2:]]


def prerender_forms(documents: list[ReplicaDocument]) -> int:
    """The legacy Office attachments of these documents converted before a crawl asks for them, in
    one LibreOffice run per format (replica/attachment_forms.py caches them); how many were made."""
    items = [
        (a.form, form_blocks(a.key, a.title), a.key)
        for d in documents
        for a in d.attachments
        if a.form is not None and a.form not in ("pdf_scan", "png_scan")
    ]
    return attachment_forms.prerender(items)


@functools.lru_cache(maxsize=1024)
def form_bytes(key: str, form: str, title: str) -> bytes:
    """A form attachment's bytes (a scan takes ~0.2 s to draw: kept for the next request)."""
    return attachment_forms.render(form, form_blocks(key, title), key)
