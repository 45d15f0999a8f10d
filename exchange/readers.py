"""Read exchange files row by row, in bounded memory: generators of {column: value} dicts.

Column names are folded to lower case without surrounding spaces (and without the byte-order mark
Excel writes), so `Surname ` and `surname` are the same column. Cell values stay as the file has
them, except that XLSX numbers and dates become the text a CSV export would show.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from exchange.parsing import cell_text

CSV_DIALECT_SAMPLE = 64 * 1024
_HASH_BLOCK = 1024 * 1024


def column_name(header: Any) -> str:
    return str(header or "").replace("\ufeff", "").strip().lower()


def file_checksum(path: Path) -> tuple[str, int]:
    """SHA-256 of the file and its number of line breaks (the progress bar's estimate of rows)."""
    digest = hashlib.sha256()
    lines = 0
    with path.open("rb") as handle:
        while block := handle.read(_HASH_BLOCK):
            digest.update(block)
            lines += block.count(b"\n")
    return digest.hexdigest(), lines


def csv_open(path: Path) -> IO[str]:
    return path.open(encoding="utf-8-sig", newline="")


def csv_header(handle: IO[str]) -> tuple[csv.Dialect | type[csv.Dialect], list[str]]:
    """Sniff the delimiter (`,` or `;`, as Russian Excel writes) and read the header row."""
    sample = handle.read(CSV_DIALECT_SAMPLE)
    handle.seek(0)
    try:
        dialect: csv.Dialect | type[csv.Dialect] = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    header = next(csv.reader(handle, dialect), [])
    handle.seek(0)
    return dialect, [column_name(name) for name in header]


class TextRow(dict):
    """A row whose column names and values are all text, as the file readers yield it: it is stored
    as its own JSON payload, with nothing to convert or check (checking each row's values cost 1.6 s
    of every 200,000 rows of a file)."""


def csv_rows(handle: IO[str]) -> Iterator[dict[str, Any]]:
    """One dict per data row (a TextRow); a short row has its missing columns blank; extra values
    beyond the header land in `_extra` (a row error), in a plain dict."""
    dialect, header = csv_header(handle)
    width = len(header)
    reader = csv.reader(handle, dialect)
    next(reader, None)  # the header row itself
    for values in reader:
        if len(values) > width:
            row: dict[str, Any] = dict(zip(header, values, strict=False))
            row["_extra"] = values[width:]
            yield row
        elif any(values):
            text_row = TextRow(zip(header, values, strict=False))
            for name in header[len(values) :]:
                text_row.setdefault(name, "")
            yield text_row


def xlsx_header(path: Path) -> list[str]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        first = next(workbook.active.iter_rows(max_row=1, values_only=True), ())
        return [column_name(name) for name in first]
    finally:
        workbook.close()


def xlsx_rows(path: Path) -> Iterator[dict[str, Any]]:
    """Rows of the first sheet; read_only mode streams the sheet instead of loading it whole."""
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = workbook.active.iter_rows(values_only=True)
        header = [column_name(name) for name in next(rows, ())]
        for values in rows:
            if not any(value not in (None, "") for value in values):
                continue
            row = TextRow((name, cell_text(value)) for name, value in zip(header, values, strict=False) if name)
            extra = [cell_text(value) for value in values[len(header) :] if value not in (None, "")]
            if extra:
                yield {**row, "_extra": extra}
            else:
                yield row
    finally:
        workbook.close()
