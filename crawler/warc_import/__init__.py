"""`xxgk import`: other tools' WARC and WACZ files into the archive, as a crawl would have stored them.

`reader` reads and decodes records (warcio), `sites` maps a URL to a declared site, `importer` applies
the rules (its docstring), `summary` counts what happened.
"""
