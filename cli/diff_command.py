"""`xxgk diff DOC [A B]`: what changed between two versions, readable in a terminal or as JSON."""

from __future__ import annotations

import json
import sys

import click

from archive import queries
from archive.diff import ParagraphChange, VersionDiff, diff_records
from cli.archive_commands import db_option, open_archive
from cli.output import format_option

# Without colour (a pipe, a file), changes are marked the way `git diff --word-diff=plain` marks them.
PLAIN_MARKS = {"delete": ("[-", "-]"), "insert": ("{+", "+}")}
COLOURS = {"delete": "red", "insert": "green"}


def _mark(op: str, text: str, colour: bool) -> str:
    if op == "equal":
        return text
    if colour:
        return click.style(text, fg=COLOURS[op], reverse=True)
    start, end = PLAIN_MARKS[op]
    return f"{start}{text}{end}"


def _paragraph_lines(change: ParagraphChange, colour: bool) -> str:
    if change.op == "delete":
        return "- " + _mark("delete", change.old or "", colour)
    if change.op == "insert":
        return "+ " + _mark("insert", change.new or "", colour)
    return "~ " + "".join(_mark(s.op, s.text, colour) for s in change.segments)


def render_text(diff: VersionDiff, colour: bool) -> str:
    lines = [f"document {diff.document_id}: version {diff.old_version} → {diff.new_version}"]
    if diff.empty:
        lines.append("no differences in metadata, body or attachments")
        return "\n".join(lines)
    if diff.fields:
        lines.append("\nmetadata:")
        lines += [f"  {f['field']}: {f['old']!s} → {f['new']!s}" for f in diff.fields]
    if diff.paragraphs:
        lines.append(f"\nbody ({len(diff.paragraphs)} paragraph(s) changed):")
        lines += [_paragraph_lines(p, colour) for p in diff.paragraphs]
    if diff.attachments:
        lines.append("\nattachments:")
        lines += [f"  {a['change']}: {a.get('name') or ''} {a['url']}" for a in diff.attachments]
    return "\n".join(lines)


@click.command("diff")
@click.argument("doc")
@click.argument("versions", nargs=-1, type=click.IntRange(1), metavar="[A B]")
@click.option("--color/--no-color", "colour", default=None, help="Colour the marks (default: on a terminal).")
@format_option(default="text", choices=("text", "json"))
@db_option
def diff(doc: str, versions: tuple[int, ...], colour: bool | None, fmt: str, database_url) -> None:  # type: ignore[no-untyped-def]
    """Changes between versions A and B of DOC (default: the latest against the one before)."""
    if len(versions) not in (0, 2):
        raise click.UsageError("give two version numbers (A B), or none for the latest change")
    archive = open_archive(database_url)
    with archive.session() as s:
        document = queries.find_document(s, doc)
        if versions:
            old_number, new_number = versions
        else:
            new_number = queries.version_of(s, document).number
            if new_number == 1:
                click.echo(f"document {document.id} has one version; nothing to compare", err=True)
                return
            old_number = new_number - 1
        old = queries.show(s, document, old_number)
        new = queries.show(s, document, new_number)
    result = diff_records(old, new)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(render_text(result, sys.stdout.isatty() if colour is None else colour))


COMMANDS = [diff]
