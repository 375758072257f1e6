"""Attachment bytes: small, deterministic per key, and shaped like the real formats.

A crawler hashes attachments, so the bytes must be stable across runs and differ between files; the
magic numbers and trailers make them pass a content sniffer (PDF header/xref/EOF, OLE2 compound file).
"""

from __future__ import annotations

import hashlib

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
}

_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


def attachment_bytes(key: str, ext: str, title: str) -> bytes:
    """The file served for an attachment; `key` makes it unique, `title` goes into its text."""
    digest = hashlib.sha256(key.encode()).hexdigest()
    if ext == "pdf":
        return _pdf(f"{title} {digest}")
    # OLE2 compound document header followed by deterministic filler (a doc/xls a sniffer recognises).
    filler = hashlib.sha256(digest.encode()).digest() * 16
    text = f"{title}\n{digest}\n".encode("utf-16-le")
    return _OLE_MAGIC + bytes(504) + text + filler


def _pdf(text: str) -> bytes:
    """A one-page PDF whose xref offsets are right, carrying `text` as hex so any bytes are fine."""
    stream = f"BT /F1 12 Tf 72 720 Td <{text.encode('utf-16-be').hex()}> Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
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
