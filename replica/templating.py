"""The one Jinja2 environment every replica page is rendered with (templates in `replica/templates/`).

Autoescaping is on: a value put into a page is escaped unless it is markup the replica made itself
(a rendered fragment, the site's chrome, a script's JSON), which is passed as `Markup`. Undefined names
are errors, so a template that misses a value fails loudly instead of serving an empty cell. The
environment is built once per process and cached; templates are compiled on first use, and Jinja's
bytecode cache (its default: a private directory under the system's temporary directory, entries keyed
by the template's source) lets the next replica process load them instead: the suite starts some fifty
replicas, and compiling the 45 templates took each ~0.2 s of CPU, loading them ~0.02 s.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined
from markupsafe import Markup

TEMPLATES = Path(__file__).resolve().parent / "templates"
# Where a detail page's view counter goes: the page is rendered once around it and cached in two halves.
VIEWS = Markup("\x00views\x00")


@dataclass(frozen=True)
class PagerLink:
    """One entry of a list page's pager (`macros.html` `pager`): a link, or a span when `href` is None."""

    label: str | int
    href: str | None = None
    cls: str | None = None


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        bytecode_cache=FileSystemBytecodeCache(),
    )
    env.filters["fmt"] = format  # {{ day|fmt("%Y-%m-%d") }}
    env.filters["js_json"] = js_json
    return env


def render(name: str, **context: Any) -> str:
    """The template `name` (a path under replica/templates) rendered with `context`."""
    return environment().get_template(name).render(**context)


def render_markup(name: str, **context: Any) -> Markup:
    """A rendered fragment to put into another template as it is (it is already escaped)."""
    return Markup(render(name, **context))


def render_fragment(name: str, **context: Any) -> Markup:
    """A fragment whose template ends every element with a newline, without the last one (elements
    one a line, as the platforms' bodies are written)."""
    return Markup(render(name, **context).removesuffix("\n"))


def render_split(name: str, **context: Any) -> tuple[str, str]:
    """A detail page rendered with `views=VIEWS` and cut there: (before the counter, after it)."""
    before, after = render(name, views=VIEWS, **context).split(VIEWS)
    return before, after


def js_json(value: Any, compact: bool = False) -> Markup:
    """A value as a JavaScript literal inside `<script>`: JSON with `</` escaped, so no string in it
    can close the script element (the platform's own pages do the same)."""
    separators = (",", ":") if compact else None
    text = json.dumps(value, ensure_ascii=False, separators=separators)
    return Markup(text.replace("</", "<\\/"))
