"""Item pipelines: extract (parse), attachments (fetch what the body links), store (archive)."""
