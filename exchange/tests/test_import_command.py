from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from exchange.models import ImportBatch, QuarantinedRow
from exchange.tests.rows import crossing_row, payment_row, person_row, registration_row
from profiles.models import SourceRecord

pytestmark = pytest.mark.django_db


def write_csv(path, rows, *, delimiter=","):
    columns = list(dict.fromkeys(column for row in rows for column in row))
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, delimiter=delimiter, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_records", *args, "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_csv_with_several_source_systems_needs_no_source_option(tmp_path):
    path = write_csv(
        tmp_path / "mixed.csv",
        [crossing_row("B-1"), registration_row("M-1"), payment_row("F-1"), person_row("B-2", citizenship="XYZ")],
    )

    out, _ = run(str(path))

    assert "received 4, accepted 3, duplicate 0, quarantined 1" in out
    assert set(SourceRecord.objects.values_list("source_system", "source_record_id")) == {
        ("BORDER", "B-1"),
        ("MIGREG", "M-1"),
        ("FNS", "F-1"),
    }
    batch = ImportBatch.objects.get()
    assert (batch.origin, batch.file_name, batch.source_system) == ("cli", "mixed.csv", None)


def test_without_a_source_system_column_the_source_option_is_required(tmp_path):
    path = write_csv(tmp_path / "border.csv", [person_row("B-1", source_system=None)])

    with pytest.raises(CommandError, match="--source"):
        run(str(path))

    run(str(path), "--source", "BORDER")
    assert SourceRecord.objects.get().source_system_id == "BORDER"


def test_a_semicolon_separated_csv_from_russian_excel_is_read(tmp_path):
    path = write_csv(tmp_path / "excel.csv", [person_row("B-1"), person_row("B-2")], delimiter=";")

    out, _ = run(str(path))

    assert "accepted 2" in out


def test_short_rows_long_rows_and_blank_lines_of_a_csv(tmp_path):
    """A row short of the header's columns has them blank; a row longer than the header is
    quarantined with its extra values kept; a blank line is no row at all."""
    columns = list(person_row())
    full = list(person_row("B-1").values())
    short = list(person_row("B-2").values())[:-2]  # no phone, no tax id
    long = [*person_row("B-3").values(), "surplus"]
    path = tmp_path / "ragged.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerows([columns, full, [], short, long, [""] * len(columns)])

    out, _ = run("--chunk-size", "2", str(path))

    assert "received 3, accepted 2, duplicate 0, quarantined 1" in out
    record = SourceRecord.objects.get(source_record_id="B-2")
    assert record.payload == {**person_row("B-2"), "phone": "", "tax_id": ""}
    assert (record.phone, record.tax_id) == ("", "")
    assert SourceRecord.objects.get(source_record_id="B-1").payload == person_row("B-1")
    quarantined = QuarantinedRow.objects.get()
    assert (quarantined.source_record_id, quarantined.raw["_extra"]) == ("B-3", ["surplus"])
    assert "_extra" in quarantined.errors


def test_running_the_same_file_twice_changes_nothing(tmp_path):
    path = write_csv(tmp_path / "feed.csv", [person_row("B-1"), person_row("B-2", birth_date="32.01.1990")])
    run(str(path))

    out, _ = run(str(path))

    assert "received 2, accepted 1, duplicate 0, quarantined 1" in out
    assert ImportBatch.objects.count() == 1
    assert SourceRecord.objects.count() == 1
    assert QuarantinedRow.objects.count() == 1


def test_an_interrupted_file_import_resumes_where_it_stopped(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "big.csv", [person_row(f"B-{n}") for n in range(1, 8)])
    from exchange import services

    real = services._chunk_write
    calls = {"n": 0}

    def killed_on_the_third_chunk(**kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(**kwargs)

    monkeypatch.setattr(services, "_chunk_write", killed_on_the_third_chunk)
    with pytest.raises(KeyboardInterrupt):
        run(str(path), "--chunk-size", "2")
    assert SourceRecord.objects.count() == 4

    monkeypatch.setattr(services, "_chunk_write", real)
    out, _ = run(str(path), "--chunk-size", "2")

    assert "received 7, accepted 7" in out
    assert SourceRecord.objects.count() == 7


def test_a_file_is_stored_in_chunks_of_the_file_chunk_size_unless_told(tmp_path, monkeypatch):
    from exchange import services
    from exchange.management.commands import import_records

    path = write_csv(tmp_path / "feed.csv", [person_row(f"C-{n}") for n in range(1, 8)])
    real = services._chunk_write
    chunks: list[int] = []

    def counted(**kwargs):
        chunks.append(len(kwargs["numbered_rows"]))
        return real(**kwargs)

    monkeypatch.setattr(services, "_chunk_write", counted)
    monkeypatch.setattr(import_records, "FILE_CHUNK_SIZE", 3)
    run(str(path))
    assert chunks == [3, 3, 1]

    chunks.clear()
    run(str(write_csv(tmp_path / "other.csv", [person_row(f"D-{n}") for n in range(1, 6)])), "--chunk-size", "4")
    assert chunks == [4, 1]


def test_unknown_columns_are_reported_and_kept_in_the_payload(tmp_path):
    path = write_csv(tmp_path / "typo.csv", [person_row("B-1", birthdate="1990-01-01")])

    _, err = run(str(path))

    assert "birthdate" in err
    assert SourceRecord.objects.get().payload["birthdate"] == "1990-01-01"


def test_an_xlsx_file_is_imported_with_its_dates_and_numbers(tmp_path):
    import datetime as dt

    workbook = Workbook()
    sheet = workbook.active
    columns = ["source_record_id", "surname", "given_names", "birth_date", "sex", "citizenship", "months"]
    sheet.append(columns)
    sheet.append([1001, "Рахмонов", "Ҷамшед", dt.datetime(1992, 3, 4), "М", "TJK", 3])
    sheet.append(["1002", "Алиев", "Бахтиёр", "04.03.1992", "М", "Atlantis", None])
    sheet.append([None] * len(columns))
    path = tmp_path / "feed.xlsx"
    workbook.save(path)

    out, _ = run(str(path), "--source", "PATENT")

    assert "received 2, accepted 1, duplicate 0, quarantined 1" in out
    record = SourceRecord.objects.get()
    assert record.birth_date == dt.date(1992, 3, 4)
    assert record.payload["source_record_id"] == "1001"
    assert record.payload["birth_date"] == "1992-03-04"
    assert record.payload["months"] == "3"


def test_a_file_linked_in_one_pass_after_it_is_stored(tmp_path):
    from linkage.models import LinkRun
    from profiles.models import BorderCrossing, MigrationRegistration

    path = write_csv(tmp_path / "large.csv", [crossing_row("B-1"), registration_row("M-1")])

    out, _ = run(str(path), "--link", "batch")

    assert "Link run" in out and "1 new persons" in out
    persons = set(SourceRecord.objects.values_list("link__person_id", flat=True))
    assert len(persons) == 1 and None not in persons
    assert BorderCrossing.objects.get().person_id in persons
    assert MigrationRegistration.objects.get().person_id in persons
    run_ = LinkRun.objects.get()
    assert (run_.total, run_.auto_linked, run_.new_persons) == (2, 1, 1)

    run(str(path), "--link", "batch")  # the same file again: nothing stored, nothing pending
    assert LinkRun.objects.order_by("-pk").first().total == 0
    assert SourceRecord.objects.count() == 2
