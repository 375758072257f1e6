"""One spider per agency site; shared navigation per CMS platform lives in `spiders.platforms`."""
