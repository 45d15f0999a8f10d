"""Reads of the exchange pipeline: reference lookups for parsing and the classification of rows.

`rows_classify` decides, without writing, what each row of a chunk becomes (a new record, a
duplicate of a stored one, or a quarantined row); `exchange.services.batch_ingest` writes that
decision, and the admin import preview shows it.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import orjson
from django.db import connection
from django.db.models import Q

from exchange.models import ImportBatch
from exchange.parsing import ParsedRecord, ReferenceIndex, RowErrors, payload_canonical, record_parse
from profiles.models import SourceRecord
from reference.models import Country, Region, SourceSystem


def reference_index_load() -> ReferenceIndex:
    """Three small queries, once per batch: every spelling of a country, the region codes, the systems."""
    countries: dict[str, str] = {}
    for iso3, iso2, numeric, name_ru, name_en in Country.objects.values_list(
        "iso3", "iso2", "numeric", "name_ru", "name_en"
    ):
        for spelling in (name_en, name_ru, numeric, iso2, iso3):  # codes last: they win over a clashing name
            if spelling:
                countries[ReferenceIndex.fold(spelling)] = iso3
    return ReferenceIndex(
        countries=countries,
        regions=frozenset(Region.objects.values_list("code", flat=True)),
        source_systems=dict(SourceSystem.objects.values_list("code", "is_active")),
    )


class Outcome(enum.StrEnum):
    NEW = "new"
    DUPLICATE = "duplicate"
    QUARANTINE = "quarantine"


@dataclass
class RowOutcome:
    row_number: int
    raw: Mapping[str, Any]
    kind: Outcome
    record: ParsedRecord | None = None
    errors: RowErrors = field(default_factory=dict)
    existing_id: int | None = None  # the stored record a duplicate repeats
    supersedes_id: int | None = None  # the stored record a correction supersedes
    supersedes_in_chunk: bool = False  # the corrected record is a new row earlier in the same chunk


def changed_payload_message(system: str, record_id: str) -> str:
    return (
        f"changed payload: {system}:{record_id} was already received with other values. Records are "
        f"write-once: send a correction with a new id and supersedes={record_id}."
    )


def rows_classify(
    numbered_rows: list[tuple[int, Mapping[str, Any]]],
    *,
    ref: ReferenceIndex,
    default_source_system: str | None = None,
    today: dt.date | None = None,
    seen: dict[tuple[str, str], Mapping[str, Any]] | None = None,
    parsed: list[ParsedRow] | None = None,
) -> list[RowOutcome]:
    """What each row of one chunk becomes; one query for the stored records the chunk mentions.

    `seen` holds the new rows met so far (key -> the row); a preview passes one dict for
    the whole file, whereas ingestion finds earlier chunks' rows stored. `parsed` is the chunk as
    `rows_parse` returned it, when the caller parsed it ahead.
    """
    if parsed is None:
        parsed = rows_parse(numbered_rows, ref=ref, default_source_system=default_source_system, today=today)
    wanted: set[tuple[str, str]] = set()
    for _number, _raw, record, _errors in parsed:
        if record is not None:
            wanted.add(record.key)
            if record.supersedes:
                wanted.add((record.source_system, record.supersedes))
    stored = _stored_records(wanted)

    outcomes: list[RowOutcome] = []
    seen = {} if seen is None else seen
    for number, raw, record, errors in parsed:
        if record is None:
            outcomes.append(RowOutcome(number, raw, Outcome.QUARANTINE, errors=errors))
            continue
        key = record.key
        if key in stored or key in seen:
            existing_id, previous = stored[key] if key in stored else (None, payload_canonical(seen[key]))
            if previous == payload_canonical(raw):
                outcomes.append(RowOutcome(number, raw, Outcome.DUPLICATE, record=record, existing_id=existing_id))
            else:
                message = changed_payload_message(*key)
                outcomes.append(RowOutcome(number, raw, Outcome.QUARANTINE, errors={"source_record_id": [message]}))
            continue
        outcome = RowOutcome(number, raw, Outcome.NEW, record=record)
        if record.supersedes:
            target = (record.source_system, record.supersedes)
            if target in stored:
                outcome.supersedes_id = stored[target][0]
            elif target in seen:
                outcome.supersedes_in_chunk = True
            else:
                message = f"there is no record {target[0]}:{target[1]} to correct; it must be sent first."
                outcomes.append(RowOutcome(number, raw, Outcome.QUARANTINE, errors={"supersedes": [message]}))
                continue
        seen[key] = raw  # made canonical only if the key comes again (rarely: a duplicate in the file)
        outcomes.append(outcome)
    return outcomes


ParsedRow = tuple[int, Mapping[str, Any], ParsedRecord | None, RowErrors]


def rows_parse(
    numbered_rows: list[tuple[int, Mapping[str, Any]]],
    *,
    ref: ReferenceIndex,
    default_source_system: str | None = None,
    today: dt.date | None = None,
) -> list[ParsedRow]:
    """Each row of a chunk validated on its own: (number, raw, record or None, errors). No queries,
    so a large import parses the next chunk while the database stores this one."""
    return [
        (number, raw, *record_parse(raw, ref=ref, default_source_system=default_source_system, today=today))
        for number, raw in numbered_rows
    ]


def _stored_records(keys: set[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, dict[str, str]]]:
    """(system, id) -> (pk, canonical payload); uses the unique index source_record_unique_per_system."""
    if not keys:
        return {}
    if connection.vendor == "postgresql":
        rows = _stored_records_postgresql(keys)
    else:
        by_system: dict[str, list[str]] = {}
        for system, record_id in keys:
            by_system.setdefault(system, []).append(record_id)
        condition = Q()
        for system, record_ids in by_system.items():
            condition |= Q(source_system_id=system, source_record_id__in=record_ids)
        rows = SourceRecord.objects.filter(condition).values_list(
            "pk", "source_system_id", "source_record_id", "payload"
        )
    return {(system, record_id): (pk, payload_canonical(payload)) for pk, system, record_id, payload in rows}


def _stored_records_postgresql(keys: set[tuple[str, str]]) -> list[tuple[int, str, str, Any]]:
    """The stored records with these keys, the keys sent as one JSON array of [system, id] pairs: a
    chunk of a thousand keys as IN lists costs more to build in the ORM and to parse in the server
    than the lookup itself, and two text arrays are quoted value by value in Python (1.1 s of every
    200,000 rows of a file), where the JSON is one string encoded in C."""
    meta = SourceRecord._meta
    system_column = meta.get_field("source_system").column
    payload = meta.get_field("payload")
    with connection.cursor() as cursor:
        # Names come from the model; the keys travel as one parameter.
        cursor.execute(
            f"SELECT r.id, r.{system_column}, r.source_record_id, r.payload FROM {meta.db_table} r "  # noqa: S608
            f"JOIN (SELECT k->>0 AS system, k->>1 AS record_id FROM json_array_elements(%s::json) AS k) AS k "
            f"ON r.{system_column} = k.system AND r.source_record_id = k.record_id",
            [orjson.dumps(list(keys)).decode()],
        )
        return [
            (pk, system, record_id, payload.from_db_value(value, None, connection))
            for pk, system, record_id, value in cursor.fetchall()
        ]


def rows_preview(
    *, rows: Iterable[Mapping[str, Any]], default_source_system: str | None = None, chunk_size: int = 1000
) -> Iterator[RowOutcome]:
    """The outcome of every row if the rows were ingested now (the admin import preview)."""
    ref = reference_index_load()
    iterator = iter(rows)
    number = 0
    seen: dict[tuple[str, str], Mapping[str, Any]] = {}
    while chunk := list(islice(iterator, chunk_size)):
        numbered = list(enumerate(chunk, start=number + 1))
        number += len(chunk)
        yield from rows_classify(numbered, ref=ref, default_source_system=default_source_system, seen=seen)


def batch_row_errors(*, batch: ImportBatch) -> list[dict[str, Any]]:
    """The quarantined rows of a batch as the API reports them: 0-based index and errors per column."""
    rows = batch.quarantined_rows.order_by("row_number").values(
        "row_number", "source_system", "source_record_id", "errors"
    )
    return [
        {
            "index": row["row_number"] - 1,
            "source_system": row["source_system"],
            "source_record_id": row["source_record_id"],
            "errors": row["errors"],
        }
        for row in rows
    ]
