"""Every listing speaks table, JSON, JSON Lines and CSV, chosen with one shared option."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterable
from typing import Any

import click
from tabulate import tabulate

FORMATS = ("table", "json", "jsonl", "csv")


def format_option(default: str = "table", choices: tuple[str, ...] = FORMATS) -> Callable:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        help="Output format.",
    )


def _cell(value: Any, width: int = 60) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def emit(rows: Iterable[dict[str, Any]], fmt: str, columns: list[str] | None = None) -> None:
    rows = list(rows)
    out = sys.stdout
    if fmt == "json":
        json.dump(rows, out, ensure_ascii=False, indent=2, default=str)
        out.write("\n")
    elif fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    elif fmt == "csv":
        columns = columns or list(
            dict.fromkeys(key for row in rows for key in row)
        )  # every key, first seen first
        writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {
                    k: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v
                    for k, v in row.items()
                }
            )
    else:
        if not rows:
            click.echo("(no rows)", err=True)
            return
        columns = columns or list(rows[0])
        click.echo(tabulate([[_cell(r.get(c)) for c in columns] for r in rows], headers=columns))


def emit_record(record: dict[str, Any], fmt: str) -> None:
    """One record: JSON as an object; table as field/value lines with the body in full."""
    if fmt in ("json", "jsonl"):
        click.echo(json.dumps(record, ensure_ascii=False, indent=2 if fmt == "json" else None, default=str))
        return
    body = record.get("body")
    for key, value in record.items():
        if key in ("body", "tables") or value in (None, [], {}):
            continue
        if isinstance(value, list | dict):
            value = json.dumps(value, ensure_ascii=False, default=str)
        click.echo(f"{key:>22}: {value}")
    if body:
        click.echo("\n" + body)
