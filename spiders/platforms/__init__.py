"""Navigation per CMS platform: how its columns list documents and paginate."""
