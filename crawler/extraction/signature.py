"""What an official document says about itself outside the metadata block: the signature that closes it
(issuing organs above the 成文 date), the 题注 under its title, and the organ that opens its title
(`全国人民代表大会常务委员会关于…的决议`).

These are fallbacks for pages without a labelled value. A 公文 is signed by its issuer on the date it was
written, so these read facts off the document itself rather than guessing; news articles, which end
with a reporter's name rather than a date, yield nothing.
"""

from __future__ import annotations

import re
import unicodedata

from archive.text import to_simplified
from crawler.extraction.dates import find_dates, is_date_only, normalize_date

# The last word of an organ's name: a government, a department, a committee, a court.
_ORGAN_END_RE = re.compile(
    r"(人民政府|政府|办公厅|办公室|委员会|人大常委会|常委会|国务院|中央|总局|监管局|分局|局|厅|部|委|院|署|会|"
    r"中心|党组|小组|办|所|处|站|队|行|社|集团|公司)$"
)
_SEAL_RE = re.compile(r"[（(](代章|印章|盖章|公章|章)[)）]")
_SENTENCE_PUNCT_RE = re.compile(r"[，,。；;：:！!？?“”\"《》（）()、\d]")
_TIZHU_RE = re.compile(
    r"^[（(]\s*(\d{4}年\d{1,2}月\d{1,2}日)[^）)]{0,80}(通过|公布|发布|印发|修订|修正)[^）)]*[）)]$"
)
_TITLE_ORGAN_RE = re.compile(r"^(.{2,80}?)关于")
_MAX_SIGNATURE_LINES = 4


def is_organ_name(text: str) -> bool:
    """One or several organ names (`山西省财政厅 国家税务总局山西省税务局`): short, no sentence
    punctuation or digits, every space-separated part ending in an organ word; traditional characters
    and a seal note (`（代章）`) allowed (`中共連州市民政局黨組(代章)`)."""
    parts = to_simplified(_SEAL_RE.sub("", text)).split()
    if not parts or len("".join(parts)) > 60:
        return False
    return all(
        2 <= len(p) <= 30 and not _SENTENCE_PUNCT_RE.search(p) and _ORGAN_END_RE.search(p) for p in parts
    )


def _lines(body: str) -> list[str]:
    return [ln.strip() for ln in body.split("\n") if ln.strip()]


def _closing(lines: list[str]) -> tuple[list[str], str] | None:
    """(organ lines above the date, the date line's text) when the body closes with a dated signature:
    the date alone on the last line, or after the organ on that line (`某某市民政局　2024年3月5日`)."""
    if not lines:
        return None
    last = " ".join(lines[-1].split())
    if is_date_only(last):
        return lines[:-1], last
    dates = find_dates(last)
    if dates:
        start, end, _ = dates[-1]
        folded = unicodedata.normalize("NFKC", last)
        head, tail = folded[:start].strip(), folded[end:].strip()
        if not tail and is_organ_name(head):
            return [*lines[:-1], head], folded[start:end]
    return None


def signature_date(body: str) -> str | None:
    """The date closing the body (`2022年1月28日` on the last line, alone or after the organ) or, failing
    that, the adoption date of a 题注 opening it (`（2007年6月29日第十届…会议通过）`)."""
    lines = _lines(body)
    closing = _closing(lines)
    if closing is not None:
        return normalize_date(closing[1])
    tizhu = _TIZHU_RE.match(lines[0]) if lines else None
    return normalize_date(tizhu.group(1)) if tizhu else None


def signature_issuer(body: str) -> str | None:
    """The organ names signed just above (or before) the closing date, top to bottom, joined by a space,
    as written (traditional characters stay) but without a seal note such as `（代章）`."""
    closing = _closing(_lines(body))
    if closing is None:
        return None
    names: list[str] = []
    for line in reversed(closing[0][-_MAX_SIGNATURE_LINES:]):
        folded = " ".join(_SEAL_RE.sub("", line).split())  # the organ's name, without its seal note
        if not is_organ_name(folded):
            break
        names.append(folded)
    return " ".join(reversed(names)) or None


def title_issuer(title: str | None) -> str | None:
    """The organ a 公文 title opens with, before its 关于 (`国务院关于…的通知` → 国务院)."""
    if not title:
        return None
    match = _TITLE_ORGAN_RE.match(title.strip())
    if not match:
        return None
    organ = " ".join(match.group(1).split())
    return organ if is_organ_name(organ) else None
