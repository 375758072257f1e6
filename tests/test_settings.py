"""Every XXGK_* setting the code reads is declared once, with its default, in crawler/settings.py."""

from __future__ import annotations

import re
from pathlib import Path

from scrapy.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
# Read from the environment only, outside Scrapy's settings (crawler/settings.py says where).
ENVIRONMENT_ONLY = {
    "XXGK_CLOCK",
    "XXGK_SPIDER_MODULES",
    "XXGK_SCHEDULE",
    "XXGK_SITES_DIRS",
    "XXGK_SERVE_TOKEN",
    "XXGK_SEARCH_INDEX",
    "XXGK_SQLITE_CACHE_MIB",
}
NAME = re.compile(r"\bXXGK_[A-Z][A-Z_]*[A-Z]\b")


def test_every_setting_read_is_declared_with_its_default() -> None:
    settings = Settings()
    settings.setmodule("crawler.settings")
    declared = {name for name in settings.attributes if name.startswith("XXGK_")}
    used: dict[str, str] = {}
    for room in ("archive", "crawler", "spiders", "schedules", "cli"):
        for path in (ROOT / room).rglob("*.py"):
            for name in NAME.findall(path.read_text(encoding="utf-8")):
                used.setdefault(name, str(path.relative_to(ROOT)))
    undeclared = {name: where for name, where in used.items() if name not in declared | ENVIRONMENT_ONLY}
    assert undeclared == {}
    assert declared - set(used) == set(), "declared but read nowhere"
