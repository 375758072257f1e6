"""Discovery: from one column (list) URL on any platform, its list items, pagination and detail pages
(`xxgk discover`). `pagination` and `items` read pages; `spider` fetches them; `run` runs the spider."""
