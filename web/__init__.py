"""The web interface: `xxgk serve` (docs/architecture.md, "The web interface").

A presentation room like `cli/`: it reads the archive through the archive's own APIs (search,
queries, diff, audit) and imports nothing of the crawler, the spiders or the replica; the archive
never imports it. Only `xxgk serve` loads it, so the CLI starts without FastAPI and uvicorn.
"""
