"""Archival interchange: the archive's captures written as standard web-archive files (WARC, WACZ)."""
