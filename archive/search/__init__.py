"""Full-text search over the archive: one normalisation, one token scheme, two database back ends.

`tokens` turns text into what is indexed, `schema`/`index` keep the index beside the versions, `query`
parses what a user types, `filters` narrows by metadata, `engine` runs it all on SQLite (FTS5) or
PostgreSQL (tsvector + GIN), `snippets` highlights the hits.
"""
