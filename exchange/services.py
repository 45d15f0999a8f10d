"""Writes of the exchange pipeline: ingest rows from any entry point, and resolve quarantined rows.

Every entry point (the `import_records` command, the admin import, the REST endpoint) calls
`batch_ingest`. Rows are read from an iterator in chunks; each chunk is one transaction that writes
its new SourceRecords, its quarantined rows and the batch cursor together, so an interrupted import
leaves whole chunks only and a re-run of the same file (same checksum) resumes after the cursor.

Records are idempotent by (source_system, source_record_id): the same record again is counted as a
duplicate; the same id with other values is quarantined, because records are write-once.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from itertools import islice
from operator import itemgetter
from typing import Any

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from exchange.models import ImportBatch, QuarantinedRow
from exchange.parsing import ParsedRecord, ReferenceIndex, raw_source_key
from exchange.readers import TextRow
from exchange.selectors import Outcome, ParsedRow, RowOutcome, reference_index_load, rows_classify, rows_parse
from exchange.tasks import linker_get, records_link_enqueue
from migrant_platform.bulk import BackgroundWrites, few_garbage_collections, tuples_insert_returning_ids
from migrant_platform.foreign_keys import foreign_keys_checked_per_table
from profiles.models import SourceRecord
from reference.models import SourceSystem

logger = logging.getLogger(__name__)

DEFAULT_CHUNK_SIZE = 1000
# A chunk that loses a race with a concurrent delivery of the same record (unique constraint) is
# re-classified: the second time the record is found stored and counted as a duplicate.
CHUNK_ATTEMPTS = 3


class BatchConflict(Exception):
    """The file is being imported by another process, or was imported with another default system."""


@few_garbage_collections()
def batch_ingest(
    *,
    rows: Iterable[Mapping[str, Any]],
    origin: str,
    source_system: str | None = None,
    file_name: str = "",
    checksum: str = "",
    user=None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    link_each_chunk: bool = True,
) -> ImportBatch:
    """Ingest `rows` (consumed lazily, `chunk_size` at a time) and return the finished batch.

    `source_system` is the default for rows without a source_system column. A file (origin admin or
    cli) with a `checksum` that was seen before resumes that batch after its cursor; if it finished,
    it is returned unchanged. With `link_each_chunk` off the records stay pending, for the caller to
    link all at once (`linkage.services.records_link_pending`, the fast path for a large file).
    """
    if source_system is not None and not SourceSystem.objects.filter(pk=source_system, is_active=True).exists():
        raise ValidationError({"source_system": [f"'{source_system}' is not an active source system."]})
    batch = _batch_open(origin=origin, source_system=source_system, file_name=file_name, checksum=checksum, user=user)
    if batch.status == ImportBatch.Status.FINISHED:
        logger.info("batch %s: this input was already imported completely; nothing to do", batch.pk)
        return batch

    ref = reference_index_load()
    link = link_each_chunk and linker_get() is not None
    if link_each_chunk and not link:
        logger.info("batch %s: linkage.services.records_link is not available; records stay unlinked", batch.pk)
    iterator = iter(rows)
    number = batch.cursor
    if number:
        logger.info("batch %s: resuming after row %s", batch.pk, number)
        next(islice(iterator, number, number), None)  # skip the committed rows without keeping them
    try:
        # Records left pending (a large file): two chunks are stored at once, each on its own
        # connection, so one chunk's Python work runs while the server stores the other. Chunks
        # handed to the linker one by one are stored in order, one at a time.
        with BackgroundWrites(workers=0 if link else 2) as writes:
            previous: tuple[Future | None, set[tuple[str, str]]] = (None, set())
            for numbered_rows, parsed in _parsed_ahead(iterator, chunk_size, number, ref, source_system):
                keys = {record.key for _, _, record, _ in parsed if record is not None}
                corrects = any(record is not None and record.supersedes for _, _, record, _ in parsed)
                if corrects or keys & previous[1]:
                    # A chunk is classified against what is committed: a correction, or a record the
                    # chunk still being stored also holds, waits for that chunk.
                    writes.wait(running=0)
                future = writes.submit(
                    partial(
                        _chunk_ingest,
                        batch_id=batch.pk,
                        numbered_rows=numbered_rows,
                        parsed=parsed,
                        ref=ref,
                        default_source_system=source_system,
                        link=link,
                        after=previous[0],
                    )
                )
                previous = (future, keys)
                # The chunk before is stored before the next one is read: three chunks in memory at most.
                writes.wait(running=1)
    except BaseException as error:
        _batch_fail(batch_id=batch.pk, error=error)
        raise
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.FINISHED, finished_at=timezone.now())
    batch.refresh_from_db()
    return batch


def _parsed_ahead(
    rows: Iterator[Mapping[str, Any]],
    chunk_size: int,
    number: int,
    ref: ReferenceIndex,
    default_source_system: str | None,
) -> Iterator[tuple[list[tuple[int, Mapping[str, Any]]], list[ParsedRow]]]:
    """The chunks of `rows` (numbered after `number`) with their parsed rows; the next chunk is
    parsed in a thread while the caller stores this one. Parsing makes no queries, and the thread
    runs while the caller waits on the database, so most of the parsing costs no wall time. Two
    chunks are in memory at most (three when two are stored at once). A row that cannot be read (a
    broken file, a lost connection) raises after the chunks before it are handed over, as it would
    without the read-ahead."""
    with ThreadPoolExecutor(1, thread_name_prefix="ingest-parse") as parser:
        ahead = None
        while True:
            try:
                chunk = list(islice(rows, chunk_size))
            except BaseException:
                if ahead is not None:
                    yield ahead[0], ahead[1].result()
                raise
            if not chunk:
                break
            numbered = list(enumerate(chunk, start=number + 1))
            number += len(chunk)
            parsing = parser.submit(
                rows_parse, numbered, ref=ref, default_source_system=default_source_system, today=timezone.localdate()
            )
            if ahead is not None:
                yield ahead[0], ahead[1].result()
            ahead = (numbered, parsing)
        if ahead is not None:
            yield ahead[0], ahead[1].result()


def _batch_open(*, origin: str, source_system: str | None, file_name: str, checksum: str, user) -> ImportBatch:
    resumable = bool(checksum) and origin in ImportBatch.FILE_ORIGINS
    if resumable:
        batch = ImportBatch.objects.filter(checksum=checksum, origin__in=ImportBatch.FILE_ORIGINS).first()
        if batch is not None:
            if batch.source_system_id != source_system:
                raise BatchConflict(
                    f"This file was imported as batch {batch.pk} with default source system "
                    f"{batch.source_system_id or '(none)'}; re-run it with the same one to resume."
                )
            if batch.status == ImportBatch.Status.FAILED:
                ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.RUNNING, error="")
                batch.refresh_from_db()
            return batch
    try:
        # A savepoint: two runs of one file may race to create its batch; the unique checksum decides.
        with transaction.atomic():
            return ImportBatch.objects.create(
                origin=origin,
                source_system_id=source_system,
                file_name=file_name[:255],
                checksum=checksum,
                created_by=user if user is not None and user.is_authenticated else None,
            )
    except IntegrityError:
        if not resumable:
            raise
        return _batch_open(
            origin=origin, source_system=source_system, file_name=file_name, checksum=checksum, user=user
        )


def _batch_fail(*, batch_id: int, error: BaseException) -> None:
    try:
        ImportBatch.objects.filter(pk=batch_id, status=ImportBatch.Status.RUNNING).update(
            status=ImportBatch.Status.FAILED, error=f"{type(error).__name__}: {error}"[:2000]
        )
    except Exception:  # the connection may be gone with the error; the batch then stays "running"
        logger.exception("batch %s: could not record the failure", batch_id)


def _chunk_ingest(
    *,
    batch_id: int,
    numbered_rows: list[tuple[int, Mapping[str, Any]]],
    parsed: list[ParsedRow],
    ref: ReferenceIndex,
    default_source_system: str | None,
    link: bool,
    after: Future | None = None,
) -> None:
    for attempt in range(1, CHUNK_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                _chunk_write(
                    batch_id=batch_id,
                    numbered_rows=numbered_rows,
                    parsed=parsed,
                    ref=ref,
                    default_source_system=default_source_system,
                    link=link,
                    after=after,
                )
            return
        except IntegrityError:
            if attempt == CHUNK_ATTEMPTS:
                raise
            logger.warning(
                "batch %s: chunk from row %s raced with another delivery; retrying", batch_id, numbered_rows[0][0]
            )


def _chunk_write(
    *,
    batch_id: int,
    numbered_rows: list[tuple[int, Mapping[str, Any]]],
    parsed: list[ParsedRow],
    ref: ReferenceIndex,
    default_source_system: str | None,
    link: bool,
    after: Future | None = None,
) -> None:
    first_row = numbered_rows[0][0]
    today = timezone.localdate()
    received_at = timezone.now()
    outcomes = rows_classify(
        numbered_rows, ref=ref, default_source_system=default_source_system, today=today, parsed=parsed
    )

    created: list[int] = []
    pending: list[tuple[tuple[str, str], tuple]] = []
    id_of: dict[tuple[str, str], int] = {}
    quarantined: list[QuarantinedRow] = []
    duplicates = 0

    def flush() -> None:
        if pending:
            # Ids reserved from the sequence (PostgreSQL, COPY) or returned by bulk_create (SQLite).
            with foreign_keys_checked_per_table():
                ids = tuples_insert_returning_ids(SourceRecord, RECORD_INSERT_COLUMNS, [row for _, row in pending])
            id_of.update(zip((key for key, _ in pending), ids, strict=True))
            created.extend(ids)
            pending.clear()

    for outcome in outcomes:
        if outcome.kind == Outcome.QUARANTINE:
            quarantined.append(_quarantined_row_build(batch_id, outcome, default_source_system))
        elif outcome.kind == Outcome.DUPLICATE:
            duplicates += 1
        else:
            parsed = outcome.record
            assert parsed is not None
            supersedes_id = outcome.supersedes_id
            if outcome.supersedes_in_chunk:
                corrected = (parsed.source_system, parsed.supersedes)
                if corrected not in id_of:
                    flush()  # the corrected record must have its id before this one can point to it
                supersedes_id = id_of[corrected]
            values = _source_record_values(parsed, raw=outcome.raw, received_at=received_at)
            values["supersedes_id"] = supersedes_id
            pending.append((parsed.key, _insert_row(values)))
    flush()
    QuarantinedRow.objects.bulk_create(quarantined)
    # The chunk before this one is committed first: the cursor only moves forward. Its failure stops
    # this one too (the import stops at the first failed chunk, and a re-run resumes there).
    if after is not None and after.exception() is not None:
        raise BatchConflict(f"Batch {batch_id}: the chunk before row {first_row} failed; this one is rolled back.")
    # The cursor moves only from where this chunk starts, under the row's lock: a second process
    # importing the same file (or a chunk whose predecessor failed) finds it moved and rolls back.
    moved = ImportBatch.objects.filter(pk=batch_id, cursor=first_row - 1).update(
        received_count=F("received_count") + len(numbered_rows),
        accepted_count=F("accepted_count") + len(created),
        duplicate_count=F("duplicate_count") + duplicates,
        quarantined_count=F("quarantined_count") + len(quarantined),
        cursor=numbered_rows[-1][0],
    )
    if not moved:
        cursor = ImportBatch.objects.values_list("cursor", flat=True).get(pk=batch_id)
        raise BatchConflict(
            f"Batch {batch_id} is at row {cursor}, not {first_row - 1}: another import of this file is running."
        )
    if link and created:
        records_link_enqueue(record_ids=created)


# Values a JSON column takes as they are (no float: NaN is not JSON).
_JSON_AS_IS = frozenset({str, int, bool, type(None)})


def _as_json(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The row as the JSON column stores it (keys as text; dates and decimals as strings)."""
    if type(raw) is TextRow:
        return raw  # read from a file: text only, and not changed after
    if all(type(key) is str and type(value) in _JSON_AS_IS for key, value in raw.items()):
        return dict(raw)  # an API row of text only: nothing to convert
    return json.loads(json.dumps({str(key): value for key, value in raw.items()}, cls=DjangoJSONEncoder))


RECORD_INSERT_COLUMNS = (
    "source_system_id",
    "source_record_id",
    "received_at",
    "payload",
    *SourceRecord.IDENTITY_FIELDS,
    "supersedes_id",
)


# A record's values in RECORD_INSERT_COLUMNS order (a C getter: it runs for every row of a file).
_insert_row = itemgetter(*RECORD_INSERT_COLUMNS)


def _source_record_values(parsed: ParsedRecord, *, raw: Mapping[str, Any], received_at: dt.datetime) -> dict[str, Any]:
    # No full_clean per row: `record_parse` has checked every column against the same rules (lengths,
    # choices, formats), uniqueness was checked by `rows_classify`, and the database constraints
    # stand behind both; full_clean would cost several queries a row on a million-row file.
    return {
        "source_system_id": parsed.source_system,
        "source_record_id": parsed.source_record_id,
        "received_at": received_at,
        "payload": _as_json(raw),
        "surname": parsed.surname,
        "given_names": parsed.given_names,
        "patronymic": parsed.patronymic,
        "birth_date": parsed.birth_date,
        "sex": parsed.sex,
        "citizenship_id": parsed.citizenship,
        "document_type": parsed.document_type,
        "document_number": parsed.document_number,
        "phone": parsed.phone,
        "tax_id": parsed.tax_id,
    }


def _quarantined_row_build(batch_id: int, outcome: RowOutcome, default_source_system: str | None) -> QuarantinedRow:
    system, record_id = raw_source_key(outcome.raw, default_source_system)
    return QuarantinedRow(
        batch_id=batch_id,
        row_number=outcome.row_number,
        source_system=system[:20],
        source_record_id=record_id[:100],
        raw=_as_json(outcome.raw),
        errors=outcome.errors,
    )


# --- Quarantine -------------------------------------------------------------------------------


def quarantined_row_check_resubmission(*, row: QuarantinedRow, corrected: Any) -> RowOutcome:
    """Validate a correction without writing; raises ValidationError({column: [messages]})."""
    if row.status != QuarantinedRow.Status.OPEN:
        raise ValidationError(f"This row was already {row.get_status_display().lower()}.", code="resolved")
    if not isinstance(corrected, dict):
        raise ValidationError("The corrected row must be a JSON object of column: value.", code="not_an_object")
    [outcome] = rows_classify(
        [(row.row_number, corrected)], ref=reference_index_load(), default_source_system=row.batch.source_system_id
    )
    if outcome.kind == Outcome.QUARANTINE:
        raise ValidationError(outcome.errors)
    return outcome


@transaction.atomic
def quarantined_row_resubmit(*, row: QuarantinedRow, corrected: dict[str, Any], user) -> SourceRecord:
    """Ingest the corrected row; the quarantined row keeps the original and points to the new record.

    If the corrected row turns out to be a record that was stored meanwhile (the agency re-sent it),
    the quarantined row is resolved with that record.
    """
    # Locked so that two staff members resubmitting the same row cannot create two records.
    row = QuarantinedRow.objects.select_for_update().select_related("batch").get(pk=row.pk)
    outcome = quarantined_row_check_resubmission(row=row, corrected=corrected)
    if outcome.kind == Outcome.DUPLICATE:
        record = SourceRecord.objects.get(pk=outcome.existing_id)
    else:
        assert outcome.record is not None
        record = SourceRecord(
            **_source_record_values(outcome.record, raw=corrected, received_at=timezone.now()),
            supersedes_id=outcome.supersedes_id,
        )
        record.save()
        if linker_get() is not None:
            records_link_enqueue(record_ids=[record.pk])
    row.status = QuarantinedRow.Status.RESUBMITTED
    row.record = record
    row.corrected = _as_json(corrected)
    row.resolved_by = user
    row.resolved_at = timezone.now()
    row.full_clean()
    row.save(update_fields=["status", "record", "corrected", "resolved_by", "resolved_at"])
    return record


@transaction.atomic
def quarantined_row_discard(*, row: QuarantinedRow, user) -> QuarantinedRow:
    """Close a row that will not be fixed (a test record, a row the agency withdrew); it stays for the record."""
    row = QuarantinedRow.objects.select_for_update().get(pk=row.pk)
    if row.status != QuarantinedRow.Status.OPEN:
        raise ValidationError(f"This row was already {row.get_status_display().lower()}.", code="resolved")
    row.status = QuarantinedRow.Status.DISCARDED
    row.resolved_by = user
    row.resolved_at = timezone.now()
    row.full_clean()
    row.save(update_fields=["status", "resolved_by", "resolved_at"])
    return row
