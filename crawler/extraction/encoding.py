"""Decoding page bytes: the HTTP header's charset, else the page's own declaration, else UTF-8 with a
GB18030 fallback. Bytes declared as something else that are valid UTF-8 text are read as UTF-8, and a
page that is wholly UTF-8-read-as-Latin-1 mojibake is put back (`repair_double_encoding`).

A declared gb2312/gbk is read as GB18030, its superset: pages declared gb2312 routinely contain
characters outside it (镕, 堃, 玥 in names) that a strict gb2312 decoder turns into replacement marks.
Only the document's head is searched for `<meta charset>`, because pasted Word HTML inside `<body>`
sometimes carries its own (wrong) declaration.
"""

from __future__ import annotations

import codecs
import re

_META_RE = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_BODY_RE = re.compile(rb"<body[\s>]", re.IGNORECASE)
_GB_FAMILY = {
    "gb2312",
    "gbk",
    "gb_2312-80",
    "gb_2312",
    "gb-2312",
    "x-gbk",
    "cp936",
    "euc-cn",
    "gb18030",
    "csgb2312",
    "windows-936",
    "hz-gb-2312",
}


def normalize_charset(name: str | None) -> str | None:
    """A Python codec name for a declared charset; the GB family maps to gb18030; unknown → None."""
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    if label in _GB_FAMILY or label.startswith("gb"):
        return "gb18030"
    if label in ("utf8", "utf-8", "unicode-1-1-utf-8"):
        return "utf-8"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def declared_charset(body: bytes) -> str | None:
    """The charset a page declares in a `<meta>` before `<body>` (first 4 KB past the head if none)."""
    head_end = _BODY_RE.search(body, 0, 65536)
    head = body[: head_end.start()] if head_end else body[:4096]
    match = _META_RE.search(head)
    return match.group(1).decode("ascii", "ignore") if match else None


MOJIBAKE_SUFFIX = "+mojibake-repaired"
_LATIN_RE = re.compile(r"[\u00c0-\u00ff]")
_CJK_RE = re.compile(r"[\u3400-\u9fff]")


def repair_double_encoding(text: str) -> str | None:
    """The page's text when it is UTF-8 that was once read as Latin-1 and saved again (`æ\x94¿åº\x9c` for
    政府): no Chinese character at all, many Latin-1 letters, and re-encoding them gives strictly valid
    UTF-8 that is Chinese. The check is exact (a byte-level round trip), so it never rewrites a page
    that merely contains accented letters; None when the page is not such a case."""
    if _CJK_RE.search(text) or len(_LATIN_RE.findall(text)) < 20:
        return None
    try:
        repaired = text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None
    return repaired if len(_CJK_RE.findall(repaired)) >= 10 else None


def decode_html(body: bytes, header_charset: str | None = None) -> tuple[str, str]:
    """(text, encoding), see `_decode`; a wholly double-encoded page comes back repaired, its encoding
    marked `…+mojibake-repaired` (the raw bytes are archived as served)."""
    text, encoding = _decode(body, header_charset)
    repaired = repair_double_encoding(text)
    return (repaired, encoding + MOJIBAKE_SUFFIX) if repaired is not None else (text, encoding)


def _decode(body: bytes, header_charset: str | None = None) -> tuple[str, str]:
    """(text, encoding): header charset, else `<meta>`, else UTF-8, else GB18030; never raises."""
    if body.startswith(codecs.BOM_UTF8):
        return body[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "utf-8"
    declared = [normalize_charset(header_charset), normalize_charset(declared_charset(body))]
    if any(enc not in (None, "utf-8") for enc in declared) and _is_utf8_text(body):
        # Declared GBK but valid UTF-8 with multi-byte text: a template changed and its meta did not.
        # Chinese GBK text is practically never valid UTF-8 as well, so UTF-8 is the safe reading.
        return body.decode("utf-8"), "utf-8"
    candidates = [*declared, "utf-8", "gb18030"]
    seen: list[str] = []
    for enc in candidates:
        if enc is None or enc in seen:
            continue
        seen.append(enc)
        try:
            return body.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    # Nothing decodes cleanly: the declared (or first) candidate with replacement marks.
    enc = seen[0] if seen else "utf-8"
    return body.decode(enc, errors="replace"), enc


def _is_utf8_text(body: bytes) -> bool:
    """Strictly valid UTF-8 holding multi-byte characters (pure ASCII proves nothing)."""
    if body.isascii():
        return False
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return sum(1 for ch in text if ord(ch) > 0x7F) >= 8
