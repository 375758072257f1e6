"""The versioned archive: models, the version store, queries and migrations."""
