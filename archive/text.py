"""Text basics shared by every room: the one text normaliser, and the agencies' time zone.

This module is the house's basement: it imports nothing of the project, so the parser (crawler),
the archive, the spiders and the replica may all import it without an arrow running upwards.

The normaliser is for matching and search: the stored text stays as published, this is the form
queries and title patterns are compared against. Search and the audit's report titles use it alike.

Steps, in order:
1. mojibake left in the text repaired (a wholly double-encoded page was already put back at decode
   time, `encoding.repair_double_encoding`), with `ftfy.fix_encoding`: it only rewrites a run when re-encoding it gives valid
   UTF-8 that is more plausible than what was there (`è¯·ç¨å` → `请稍`), so clean Chinese text,
   which never looks like Latin-1 mojibake, passes through unchanged. Hand-rolled
   `encode('latin-1').decode('utf-8')` would either fail on the whole text or need the same guards;
2. NFKC: full-width letters, digits and punctuation folded to their common forms;
3. inline pinyin annotations removed (`根據(jù)` → `根據`): a parenthesised *single pinyin syllable* in
   lower case right after a Han character, so `(WTO)`, `(试行)` and `(2021)` stay;
4. traditional → simplified with OpenCC (`t2s`), the reference converter (phrase-aware, maintained).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta, timezone
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import opencc

# ftfy and OpenCC are imported on first use: every `xxgk` process reads CHINA from here (archive.clock),
# most never normalise a text, and the two cost ~0.2 s of a start.

# The agencies' clock (UTC+8, no daylight saving): a day, a night and a deadline are days in Beijing.
CHINA = timezone(timedelta(hours=8), "CST")

_INITIAL = r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])"
_FINAL = (
    r"(?:iang|iong|uang|ueng|ang|eng|ing|ong|ian|iao|uai|uan|van|ai|ei|ao|ou|an|en|er|ia|ie|iu|in|"
    r"ua|uo|ui|un|ue|ve|vn|a|o|e|i|u|v)"
)
# A syllable is an initial and a final, or one of the finals that stand alone (安 ān, 儿 ér).
_SYLLABLE_RE = re.compile(rf"(?:{_INITIAL}{_FINAL}|ang|eng|ai|ei|ao|ou|an|en|er|a|o|e)[1-5]?")
# A bracketed run of letters (tone marks allowed) right after a Han character.
_ANNOTATION_RE = re.compile(
    r"(?<=[\u3400-\u9fff])[(（]([a-zü\u00e0-\u01dc\u0101-\u01ce\u1e3f\u0144\u0148]{1,7}[1-5]?)[)）]"
)


@cache
def _t2s() -> opencc.OpenCC:
    import opencc

    return opencc.OpenCC("t2s")


# Raise when a change here changes any output: search indexes record the normaliser they were built
# with and refuse to be patched by another (archive/search/index.py `normaliser`).
VERSION = 1


def _plain_letters(text: str) -> str:
    """Tone marks off (`jù` → `ju`), ü as v, the way pinyin is typed."""
    decomposed = unicodedata.normalize("NFD", text.replace("ü", "v").replace("ǖ", "v").replace("ǘ", "v"))
    decomposed = decomposed.replace("ǚ", "v").replace("ǜ", "v")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def is_pinyin_syllable(text: str) -> bool:
    return bool(_SYLLABLE_RE.fullmatch(_plain_letters(text)))


def strip_pinyin(text: str) -> str:
    """Remove `(jù)`-style annotations after Han characters; anything not one pinyin syllable stays."""
    return _ANNOTATION_RE.sub(lambda m: "" if is_pinyin_syllable(m.group(1)) else m.group(0), text)


# The badness categories of ftfy's that no match can do without: every alternative of its
# `BADNESS_RE` holds at least one character of these (a test checks it, alternative by alternative).
# The others (the common dashes and ellipsis, the quotation marks) are everyday Chinese punctuation.
_INCIDENTAL_CATEGORIES = frozenset({"common", "start_punctuation", "end_punctuation"})


@cache
def _mojibake_char_re() -> re.Pattern[str]:
    """One character of the badness categories a match needs (see `_INCIDENTAL_CATEGORIES`)."""
    from ftfy.badness import MOJIBAKE_CATEGORIES

    # Each category is written as the inside of a regex character class (ranges included), as ftfy
    # uses it.
    needed = (chars for name, chars in MOJIBAKE_CATEGORIES.items() if name not in _INCIDENTAL_CATEGORIES)
    return re.compile("[" + "".join(needed) + "]")


def repair_mojibake(text: str) -> str:
    """UTF-8 read as Latin-1/cp1252 put back, where ftfy is sure; anything else unchanged.

    Text that is ASCII or that ftfy's badness heuristic finds nothing wrong with is returned as it
    is without the call: that is the first test of `ftfy.fix_encoding` itself (its one fixing step
    returns such text unchanged, which ends its loop), so the result is the same, without building
    its configuration and explanation for every title, 文号 and attachment name the store indexes
    (half the cost of the call on clean text). Anything it might fix goes to `fix_encoding`.

    The heuristic is one regex of some forty alternatives tried at every character, half a million
    instructions on a page's body; a text without a single character any match needs (a Chinese
    body, as a rule) is not searched with it: one scan for those characters says it finds nothing."""
    if text.isascii() or not _mojibake_char_re().search(text):
        return text
    from ftfy.badness import is_bad

    if not is_bad(text):
        return text
    import ftfy

    return ftfy.fix_encoding(text)


# The bulk of a Chinese text, none of it changed by NFKC: ASCII and the CJK Unified Ideographs. `nfkc`
# looks only at the other characters (were one of these changed, its result would not be normal and it
# would fall back to the library: the pattern only saves work).
_NOT_PLAIN_RE = re.compile(r"[^\x00-\x7f\u4e00-\u9fff]")
# The NFKC form of each other character met so far: a few hundred punctuation marks, full-width forms
# and the like for a crawl's pages.
_NFKC_OF: dict[str, str] = {}


def nfkc(text: str) -> str:
    """`unicodedata.normalize("NFKC", text)`, in a ninth of its instructions on a Chinese page's body.

    A body is almost never NFKC-normal as it stands (its full-width ，：（） fold), so the library
    decomposes and recomposes every character of it. Here each distinct character that has another
    NFKC form is replaced by that form instead, and the result is returned when it is NFKC-normal
    (a check that reads each character's quick-check property once). That is then the NFKC form of
    `text`: replacing a character by its own NFKC form leaves the NFKC form of the whole unchanged
    (the two decompose alike, and the canonical reordering of the whole is the same whichever of two
    such equivalent pieces it holds), and a normal text is its own NFKC form. When the pieces do
    interact (a combining mark after a folded letter), the result is not normal and the library
    normalises `text` itself."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    out = text
    for ch in set(_NOT_PLAIN_RE.findall(text)):
        form = _NFKC_OF.get(ch)
        if form is None:
            form = _NFKC_OF[ch] = unicodedata.normalize("NFKC", ch)
        if form != ch:
            out = out.replace(ch, form)
    return out if unicodedata.is_normalized("NFKC", out) else unicodedata.normalize("NFKC", text)


def to_simplified(text: str) -> str:
    return _t2s().convert(text)


def normalize_text(text: str | None) -> str:
    """The search form of `text` (see the module docstring); "" for None."""
    if not text:
        return ""
    text = repair_mojibake(text)
    text = nfkc(text)
    text = strip_pinyin(text)
    return to_simplified(text)


def fold(text: str) -> str:
    """Text folded for matching (report titles, search terms): `normalize_text` under its short name."""
    return normalize_text(text)
