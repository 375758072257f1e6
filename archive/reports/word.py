"""A report attached as a Word file (.doc, .wps), read with its tables: LibreOffice's HTML export.

antiword, the attachment reader (archive/attachment_readers.py), gives a Word file's text for search
in milliseconds, but drops the columns of tables with merged cells, and table 3 of every annual
report has them: 0.129 of the cells read from that text (bench/annual_reports.py --attachment-forms).
LibreOffice writes the document as HTML with its tables whole, which the report parser reads as it
reads a page. It takes a second or two a file, so only report versions' Word attachments go through
it, once (the reading is cached with the version, archive/reports/data.py), and it is optional:
without LibreOffice, or past its time limit, the text is what there is.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from archive.attachment_readers import ole_kind

SECONDS = 60.0


def is_word(data: bytes) -> bool:
    return data.startswith(bytes.fromhex("D0CF11E0A1B11AE1")) and ole_kind(data) == "word"


def word_html(data: bytes, seconds: float = SECONDS) -> str | None:
    """The Word file as HTML, or None (no LibreOffice, not converted in time, nothing written)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None or not is_word(data):
        return None
    with tempfile.TemporaryDirectory(prefix="xxgk-word-") as tmp:
        source = Path(tmp) / "report.doc"
        source.write_bytes(data)
        command = [
            soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--norestore",
            "--convert-to", "html", "--outdir", f"{tmp}/out", str(source),
        ]  # fmt: skip
        try:
            subprocess.run(command, capture_output=True, timeout=seconds, check=False)
        except (subprocess.TimeoutExpired, OSError):
            return None
        written = Path(tmp) / "out" / "report.html"
        if not written.exists():
            return None
        raw = written.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="replace")
