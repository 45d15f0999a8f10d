"""Indexes for tables whose rows are written twice in bulk.

Until session 20 a link was an UPDATE of the record that PostgreSQL could not make HOT (the person
was indexed), so every index of the records got a second entry per record. Two index settings made
those entries cheaper, measured on a million records (`bench/link_update_indexes.sql`, BENCHMARKS.md,
session 18): the link UPDATE took 19.2–20.7 s against 24.2–24.8 s. Links are rows of their own now
(`profiles.RecordLink`) and records are written once; the records' indexes keep the two settings,
not measured again on the inserts alone.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models


class EqualityIndex(models.Index):
    """An index for `=` and `IN` lookups only: a hash index on PostgreSQL, a B-tree elsewhere.

    A hash index stores a 4-byte hash and finds a key's bucket directly. A B-tree entry for a key it
    already holds (the linked version of a pending record) first tries to make room on a full page
    by removing older versions, which in the linking transaction are all still alive: the document
    index added 3.7–5.7 s to a million links as a B-tree, 0–2.1 s as a hash index. One column; no
    ordering, range or prefix lookups."""

    def __init__(self, *, fields: list[str], name: str, **kwargs: Any) -> None:
        if len(fields) != 1 or fields[0].startswith("-"):
            raise ValueError("An EqualityIndex holds one column, in no order.")
        super().__init__(fields=fields, name=name, **kwargs)

    def create_sql(self, model: Any, schema_editor: Any, using: str = "", **kwargs: Any) -> Any:
        if schema_editor.connection.vendor == "postgresql":
            using = " USING hash"
        return super().create_sql(model, schema_editor, using=using, **kwargs)


def unique_indexes_without_deduplication(*, indexes: list[str]) -> migrations.RunPython:
    """A migration operation: B-tree deduplication off for these unique indexes (PostgreSQL only).

    Deduplication merges the entries of one key into one; in a unique index the only duplicates are
    versions of one row, still alive while the bulk UPDATE that made them runs, and merging them on
    every full leaf page only delays the split. Django keeps no storage parameters of a
    constraint's index: an operation that recreates one of these must run this again."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        _indexes_alter(schema_editor, indexes, "SET (deduplicate_items = off)")

    def backwards(apps: Any, schema_editor: Any) -> None:
        _indexes_alter(schema_editor, indexes, "RESET (deduplicate_items)")

    return migrations.RunPython(forwards, backwards, elidable=False)


def _indexes_alter(schema_editor: Any, indexes: list[str], change: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in indexes:
        schema_editor.execute(f"ALTER INDEX {schema_editor.quote_name(index)} {change}")
