"""Per-CMS templating and URL schemes, shared by every replica site built on that CMS."""
