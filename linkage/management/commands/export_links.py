"""`manage.py export_links OUT.csv`: every agency record and the person it is linked to.

Columns `source_system, source_record_id, person_id`. `person_id` is the Person primary key (the id in
the staff admin and in the API); `--person-key public_id` writes the person's public UUID instead.
An unlinked record has an empty person_id. A merged-away profile holds no records (the merge moved
them to the survivor), so every person_id written is a profile in use.

The rows are read with one streamed query (`iterator(chunk_size=...)`: a server-side cursor on
PostgreSQL) ordered by primary key and written as they come, so memory does not grow with the
registry; on PostgreSQL the single statement also makes the file one consistent snapshot.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from profiles.models import SourceRecord

HEADER = ("source_system", "source_record_id", "person_id")


class Command(BaseCommand):
    help = "Export source_system, source_record_id, person_id for every agency record as CSV ('-' for stdout)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", help="Output CSV file, or '-' for standard output.")
        parser.add_argument(
            "--person-key",
            choices=("id", "public_id"),
            default="id",
            help="Write the person's primary key (default) or public UUID.",
        )
        parser.add_argument("--chunk-size", type=int, default=5000, help="Rows fetched from the database at a time.")
        parser.add_argument("--no-progress", action="store_true", help="Do not draw the progress bar.")

    def handle(self, *args, out: str, person_key: str, chunk_size: int, no_progress: bool, **options) -> None:
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1.")
        person_column = "link__person_id" if person_key == "id" else "link__person__public_id"
        rows = SourceRecord.objects.order_by("pk").values_list("source_system_id", "source_record_id", person_column)
        total = SourceRecord.objects.count()

        handle = sys.stdout if out == "-" else None
        try:
            if handle is None:
                path = Path(out)
                if not path.parent.is_dir():
                    raise CommandError(f"{path.parent}: no such directory.")
                handle = path.open("w", newline="", encoding="utf-8")
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            written = linked = 0
            # Straight to the terminal: the command's OutputWrapper would end every redraw with a newline.
            progress = tqdm(total=total, unit=" records", disable=no_progress, file=sys.stderr, mininterval=1)
            for system, record_id, person in rows.iterator(chunk_size=chunk_size):
                writer.writerow((system, record_id, "" if person is None else person))
                written += 1
                linked += person is not None
                if written % chunk_size == 0:
                    progress.update(chunk_size)
            progress.update(written % chunk_size)
            progress.close()
        finally:
            if handle is not None and handle is not sys.stdout:
                handle.close()
        # The summary stays out of the data when the data goes to standard output.
        (self.stderr if out == "-" else self.stdout).write(
            f"Wrote {written} records ({linked} linked, {written - linked} unlinked) to {out}."
        )
