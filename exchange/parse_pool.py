"""Parsing a large file's chunks in worker processes while this process stores the previous ones.

Parsing and validating a row is pure Python (about 40 µs a row: a million rows are most of a
minute on one core); storing a chunk is mostly the database's work. With the parsing in forked
workers, both cores work: the workers parse the next chunks while this process classifies and
writes the current one, in file order, a transaction per chunk as before. At most
`workers * IN_FLIGHT_PER_WORKER` chunks are read ahead, so memory stays bounded by the chunk size,
not the file. A worker touches no database: it parses rows and returns the outcomes.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from exchange.parsing import ParsedRecord, ReferenceIndex, RowErrors, record_parse

IN_FLIGHT_PER_WORKER = 3

NumberedRows = list[tuple[int, Mapping[str, Any]]]
Parsed = list[tuple[ParsedRecord | None, RowErrors]]

# What forked workers parse with: set by the parent before the fork.
_context: tuple[ReferenceIndex, str | None] | None = None


def parse_workers() -> int:
    """One worker per core, unless this process may not have children (a daemonic task-queue worker)."""
    if multiprocessing.current_process().daemon:
        return 0
    return os.cpu_count() or 1


def rows_parse(
    numbered_rows: NumberedRows, *, ref: ReferenceIndex, default_source_system: str | None, today: dt.date
) -> Parsed:
    return [
        record_parse(raw, ref=ref, default_source_system=default_source_system, today=today)
        for _number, raw in numbered_rows
    ]


def chunks_parsed(
    chunks: Iterable[NumberedRows],
    *,
    ref: ReferenceIndex,
    default_source_system: str | None,
    today: Any,
    workers: int,
) -> Iterator[tuple[NumberedRows, Parsed]]:
    """Each chunk with the parse outcome of every row, in order. `today()` is read per chunk (a long
    import crosses midnight). With `workers` < 1 the chunks are parsed here, one after the other."""
    if workers < 1:
        for chunk in chunks:
            yield chunk, rows_parse(chunk, ref=ref, default_source_system=default_source_system, today=today())
        return
    global _context
    _context = (ref, default_source_system)
    pending: deque[tuple[NumberedRows, Any]] = deque()
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for chunk in chunks:
                # Only the rows travel; the worker returns outcomes without echoing the rows back.
                pending.append((chunk, pool.apply_async(_parse_in_worker, ([raw for _, raw in chunk], today()))))
                if len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                    chunk, result = pending.popleft()
                    yield chunk, result.get()
            while pending:
                chunk, result = pending.popleft()
                yield chunk, result.get()
    finally:
        _context = None


def _parse_in_worker(rows: list[Mapping[str, Any]], today: dt.date) -> Parsed:
    assert _context is not None
    ref, default_source_system = _context
    return [record_parse(raw, ref=ref, default_source_system=default_source_system, today=today) for raw in rows]
