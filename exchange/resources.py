"""django-import-export glue: staff upload an exchange file in the admin and it feeds `batch_ingest`.

import-export's own write path (instance per row, save) is not used: source records are write-once,
idempotent by source key and bulk-inserted a chunk at a time, so the preview (dry run) asks
`exchange.selectors.rows_preview` what each row would become, and the confirmed import calls
`exchange.services.batch_ingest` with the same rows. Bad rows appear in the preview as row errors
and are quarantined on confirmation, while the good rows of the file go through.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from typing import Any

import tablib
from django.core.exceptions import ValidationError
from import_export import resources
from import_export.fields import Field
from import_export.formats.base_formats import CSV
from import_export.results import Error, Result, RowResult

from exchange.models import ImportBatch
from exchange.parsing import ALL_COLUMNS, cell_text
from exchange.readers import CSV_DIALECT_SAMPLE, column_name
from exchange.selectors import Outcome, RowOutcome, rows_preview
from exchange.services import BatchConflict, batch_ingest


class SniffedCSV(CSV):
    """CSV with `,` or `;` as the delimiter (Excel in a Russian locale writes `;`)."""

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            in_stream = in_stream.decode(self.encoding or "utf-8-sig")
        try:
            delimiter = csv.Sniffer().sniff(in_stream[:CSV_DIALECT_SAMPLE], delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = ","
        return super().create_dataset(in_stream, delimiter=delimiter, **kwargs)


def dataset_rows(dataset: tablib.Dataset) -> Iterator[dict[str, Any]]:
    headers = [column_name(header) for header in dataset.headers or []]
    for values in dataset:
        row = {name: cell_text(value) for name, value in zip(headers, values, strict=False) if name}
        if any(row.values()):
            yield row


def dataset_checksum(dataset: tablib.Dataset) -> str:
    """SHA-256 of the rows as read (the admin holds the dataset, not the file bytes)."""
    digest = hashlib.sha256()
    for row in (dataset.headers or [], *dataset):
        digest.update(json.dumps(list(row), default=str, ensure_ascii=False).encode())
        digest.update(b"\n")
    return digest.hexdigest()


class SourceRecordImportResource(resources.Resource):
    PREVIEW_COLUMNS = (
        "source_system",
        "source_record_id",
        "record_type",
        "surname",
        "given_names",
        "birth_date",
        "citizenship",
        "document_number",
    )

    @classmethod
    def get_display_name(cls) -> str:
        return "Agency records (exchange format, docs/exchange-format.md)"

    def get_import_fields(self) -> list[Field]:
        return [Field(attribute=column, column_name=column) for column in ALL_COLUMNS]

    def get_user_visible_fields(self) -> list[Field]:
        return self.get_import_fields()

    def get_diff_headers(self) -> list[str]:
        return list(self.PREVIEW_COLUMNS)

    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=False,
        **kwargs,
    ) -> Result:
        result = self.get_result_class()()
        result.diff_headers = self.get_diff_headers()
        result.total_rows = len(dataset)
        source_system = kwargs.get("source_system") or None
        if dry_run:
            for outcome in rows_preview(rows=dataset_rows(dataset), default_source_system=source_system):
                self._add_outcome(result, outcome)
            return result
        try:
            batch = batch_ingest(
                rows=dataset_rows(dataset),
                origin=ImportBatch.Origin.ADMIN,
                source_system=source_system,
                file_name=kwargs.get("file_name") or "",
                checksum=dataset_checksum(dataset),
                user=kwargs.get("user"),
            )
        except (BatchConflict, ValidationError) as error:
            result.append_base_error(Error(error))
            return result
        result.batch = batch
        result.totals[RowResult.IMPORT_TYPE_NEW] = batch.accepted_count
        result.totals[RowResult.IMPORT_TYPE_SKIP] = batch.duplicate_count
        result.totals[RowResult.IMPORT_TYPE_INVALID] = batch.quarantined_count
        return result

    def _add_outcome(self, result: Result, outcome: RowOutcome) -> None:
        row_result = RowResult()
        row_result.row_values = dict(outcome.raw)
        if outcome.kind == Outcome.QUARANTINE:
            row_result.import_type = RowResult.IMPORT_TYPE_INVALID
            row_result.validation_error = ValidationError(outcome.errors)
            result.append_invalid_row(outcome.row_number, outcome.raw, row_result.validation_error)
        else:
            is_new = outcome.kind == Outcome.NEW
            row_result.import_type = RowResult.IMPORT_TYPE_NEW if is_new else RowResult.IMPORT_TYPE_SKIP
            row_result.diff = [outcome.raw.get(column, "") for column in self.PREVIEW_COLUMNS]
        result.increment_row_result_total(row_result)
        result.append_row_result(row_result)
