"""Importing this module runs `warm_up()`: the last entry of a fork server's preload list.

multiprocessing's fork server can only import modules before it forks (`set_forkserver_preload`), so
work that must be done once in it, and inherited by every crawl it forks, is done by an import. Only
`crawler.preload.CRAWL_MODULES` names this module; nothing else imports it.
"""

from __future__ import annotations

from crawler.warm_up import warm_up

warm_up()
