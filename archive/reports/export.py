"""The report dataset to a file: CSV (Excel-readable), JSON Lines, or Parquet with typed columns.

Parquet through pyarrow, as `archive.export` writes it: every cell a typed column (counts int64, the
万元 and 元 amounts float64), so a researcher's `pandas.read_parquet` gets numbers, not strings.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from archive.reports import template as T
from archive.reports.data import COLUMNS

FLOATS = {"t2_fees_amount", "fee_yuan"}


def columns() -> list[str]:
    return [*COLUMNS, *T.cell_keys(), "nulls"]


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v for k, v in row.items()}


def write(rows: list[dict[str, Any]], fmt: str, path: Path) -> int:
    """Write `rows` (from `archive.reports.data.dataset`) to `path`; a failure leaves no partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    try:
        if fmt == "parquet":
            _parquet(rows, partial)
        elif fmt == "csv":
            with partial.open("w", encoding="utf-8-sig", newline="") as out:
                writer = csv.DictWriter(out, fieldnames=columns())
                writer.writeheader()
                writer.writerows(_plain(r) for r in rows)
        elif fmt == "jsonl":
            with partial.open("w", encoding="utf-8") as out:
                out.writelines(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in rows)
        else:
            raise ValueError(f"unknown format {fmt!r} (csv, jsonl, parquet)")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)
    return len(rows)


def _parquet(rows: list[dict[str, Any]], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types: dict[str, Any] = {"year": pa.int32(), "document_id": pa.int64(), "version": pa.int32(),
                             "latest": pa.bool_(), "cells_read": pa.int32(), "cells_null": pa.int32()}  # fmt: skip
    for key in T.cell_keys():
        types[key] = pa.float64() if key in FLOATS else pa.int64()
    names = columns()
    schema = pa.schema([(name, types.get(name, pa.string())) for name in names])
    data: dict[str, list[Any]] = {name: [] for name in names}
    for row in rows:
        for name in names:
            value = row.get(name)
            if name == "nulls":
                value = json.dumps(value, ensure_ascii=False)
            elif types.get(name) == pa.float64() and value is not None:
                value = float(value)
            data[name].append(value)
    pq.write_table(pa.Table.from_pydict(data, schema=schema), str(path), compression="zstd")
