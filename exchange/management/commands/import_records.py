"""`manage.py import_records [--source SYSTEM] FILE`: ingest a CSV or XLSX exchange file.

The file is streamed (csv.reader / openpyxl read_only) and ingested a chunk at a time, so memory
does not grow with the file. Re-running the same file resumes an interrupted import, or does nothing
if it finished.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from exchange.models import ImportBatch
from exchange.parsing import unknown_columns
from exchange.readers import csv_header, csv_open, csv_rows, file_checksum, xlsx_header, xlsx_rows
from exchange.services import BatchConflict, batch_ingest
from exchange.tasks import linker_get

# Above this many rows a file is linked in one pass after it is stored, not chunk by chunk.
BATCH_LINK_ROWS = 10_000
# Rows per transaction of a file. Each chunk pays a fixed cost (its lock on the batch, the lookup of
# its keys, a COPY, a commit), and each of its queries waits for the thread that reads the next
# chunk ahead to yield the interpreter: 200,000 rows ingest in 15-16 s in chunks of 20,000 against
# 23 s in chunks of 1,000 (BENCHMARKS.md). Two chunks of this size are well under 100 MB.
FILE_CHUNK_SIZE = 20_000


class Command(BaseCommand):
    help = "Import agency records from a CSV or XLSX exchange file (see docs/exchange-format.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", help="Source system of rows without a source_system column, e.g. BORDER.")
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=FILE_CHUNK_SIZE,
            help=f"Rows per transaction (default {FILE_CHUNK_SIZE:,}).",
        )
        parser.add_argument("--no-progress", action="store_true", help="Do not draw the progress bar.")
        parser.add_argument(
            "--link",
            choices=("auto", "chunk", "batch"),
            default="auto",
            help="chunk: link each chunk as it is stored (background jobs); batch: store the whole file, then "
            f"link all pending records in one pass (fast for large files); auto: batch above {BATCH_LINK_ROWS:,} rows",
        )

    def handle(
        self, *args, file: Path, source: str | None, chunk_size: int, no_progress: bool, link: str, **options
    ) -> None:
        if not file.is_file():
            raise CommandError(f"{file}: no such file.")
        is_xlsx = file.suffix.lower() in {".xlsx", ".xlsm"}
        source = source.strip().upper() if source else None
        if is_xlsx:
            header = xlsx_header(file)
        else:
            with csv_open(file) as handle:
                _dialect, header = csv_header(handle)
        if not source and "source_system" not in header:
            raise CommandError("The file has no source_system column: name the system with --source SYSTEM.")
        if ignored := unknown_columns(header):
            self.stderr.write(
                f"Columns not in the exchange format (kept in the payload, ignored): {', '.join(ignored)}"
            )

        checksum, lines = file_checksum(file)
        handle = None
        try:
            if is_xlsx:
                rows = xlsx_rows(file)
                total = None
            else:
                handle = csv_open(file)
                rows = csv_rows(handle)
                total = max(lines - 1, 0)
            # sys.stderr, not self.stderr: the command's wrapper would colour every redraw as an error.
            progress = tqdm(rows, total=total, unit=" rows", disable=no_progress, file=sys.stderr, mininterval=1)
            in_one_pass = link == "batch" or (link == "auto" and total is not None and total > BATCH_LINK_ROWS)
            batch = batch_ingest(
                rows=progress,
                origin=ImportBatch.Origin.CLI,
                source_system=source,
                file_name=str(file.name),
                checksum=checksum,
                chunk_size=chunk_size,
                link_each_chunk=not in_one_pass,
            )
            progress.close()
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        except BatchConflict as error:
            raise CommandError(str(error)) from error
        finally:
            if handle is not None:
                handle.close()
        self.stdout.write(
            f"Batch {batch.pk} ({batch.get_status_display().lower()}): received {batch.received_count}, "
            f"accepted {batch.accepted_count}, duplicate {batch.duplicate_count}, "
            f"quarantined {batch.quarantined_count}."
        )
        if in_one_pass:
            self._link_pending()
        if batch.quarantined_count:
            self.stdout.write("Quarantined rows are listed in the admin under Agency data exchange › Quarantined rows.")

    def _link_pending(self) -> None:
        linker = linker_get("records_link_pending")
        if linker is None:
            self.stderr.write("The linkage app is not installed: the records stay unlinked.")
            return
        run = linker()
        if run.status != "done":
            raise CommandError(f"Linking failed ({run}): {run.error} The records are stored; re-run to link them.")
        self.stdout.write(
            f"Link run {run.pk}: {run.total} pending records, {run.auto_linked} linked to a person, "
            f"{run.new_persons} new persons, {run.queued_for_review} sent to review."
        )
