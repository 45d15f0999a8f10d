"""Content fingerprints of small sets of rows, for caches that never need invalidating.

A cache keyed by the fingerprint of every row its value was computed from cannot serve a stale value:
when any of those rows is inserted, updated (by a service, the admin, a bulk load or raw SQL) or
deleted, the fingerprint changes and the old entry is simply never asked for again. That is why the
cabinet's status cache needs no signals and no version counters that every writer would have to bump.

The fingerprint is one query that returns the rows' text (every concrete column), hashed here. Its
cost is the cost of reading the rows, so it is meant for row sets that are small and indexed: one
person's facts (by `person_id`), the few hundred rows of law data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from django.db import connection, models


@dataclass(frozen=True)
class RowSet:
    """The rows of `model` whose `column` equals the fingerprint's value, or all rows when column is None."""

    model: type[models.Model]
    column: str | None = None  # a column name (`person_id`, `id`)


def rows_fingerprint(row_sets: Sequence[RowSet], value: object = None) -> str:
    """A hex digest of the content of every row of `row_sets` (one query), in a stable order."""
    return rows_fingerprints((tuple(row_sets), value))[0]


def rows_fingerprints(*groups: tuple[Sequence[RowSet], object]) -> list[str]:
    """One digest per (row sets, value) group, all in one query (one round trip for a page's keys)."""
    shape = tuple(tuple(row_sets) for row_sets, _ in groups)
    params = [value for row_sets, value in groups for row_set in row_sets if row_set.column is not None]
    with connection.cursor() as cursor:
        cursor.execute(_fingerprint_sql(shape, connection.vendor), params)
        texts = cursor.fetchone()
    return [hashlib.blake2b(text.encode(), digest_size=16).hexdigest() for text in texts]


@cache
def _fingerprint_sql(shape: tuple[tuple[RowSet, ...], ...], vendor: str) -> str:
    # Built once per shape: the request path only executes it (no ORM compilation per page).
    columns = [
        " || '#' || ".join(f"coalesce({_rows_text_sql(row_set, vendor)}, '')" for row_set in row_sets)
        for row_sets in shape
    ]
    return "SELECT " + ", ".join(columns)


def _rows_text_sql(row_set: RowSet, vendor: str) -> str:
    # Only quoted identifiers from model metadata are interpolated; the value is a query parameter.
    quote = connection.ops.quote_name
    meta = row_set.model._meta
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    where = f" WHERE {quote(row_set.column)} = %s" if row_set.column else ""
    if vendor == "postgresql":
        # A row's text form carries every column, including ones added after this was written.
        return f"(SELECT string_agg(t::text, ',' ORDER BY t.{pk}) FROM {table} t{where})"  # noqa: S608
    columns = " || '|' || ".join(f"coalesce(CAST({quote(f.column)} AS TEXT), '~')" for f in meta.concrete_fields)
    return f"(SELECT group_concat(r, ',') FROM (SELECT {columns} AS r FROM {table}{where} ORDER BY {pk}))"  # noqa: S608
