"""Site declarations are parsed once per version of their file (`crawler.sites.read_declaration`): a
fleet's crawls each read every declaration, so the fork server parses them ahead. What a crawl gets
must still be the file as it is now, and its own copy."""

from __future__ import annotations

import shutil
from pathlib import Path

from crawler.sites import BUILTIN_DIR, load_declaration, read_declaration


def test_an_edited_declaration_is_read_again_and_every_reader_gets_its_own_copy(tmp_path: Path) -> None:
    path = tmp_path / "anshun_mzj.toml"
    shutil.copy(BUILTIN_DIR / "anshun_mzj.toml", path)
    first = read_declaration(path)
    agency = first["agency"]
    first["agency"] = "changed by a reader"
    first["hosts"].append("elsewhere.example")
    again = read_declaration(path)
    assert again["agency"] == agency and "elsewhere.example" not in again["hosts"]

    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(f'agency = "{agency}"', 'agency = "安顺市民政局（已改）"'), encoding="utf-8")
    assert read_declaration(path)["agency"] == "安顺市民政局（已改）"
    assert load_declaration(path).agency == "安顺市民政局（已改）"

    path.unlink()  # replaced by another file of the same name: read afresh
    path.write_text(text, encoding="utf-8")
    assert load_declaration(path).agency == agency
