from __future__ import annotations

import csv
import io
from unittest import mock

import pytest
from django.core.management import call_command
from django.db.models.query import QuerySet

from linkage.merge import person_merge
from profiles.tests.factories import make_person, make_record

pytestmark = pytest.mark.django_db


def export(tmp_path, *args: str) -> list[dict[str, str]]:
    out = tmp_path / "links.csv"
    call_command("export_links", str(out), "--no-progress", *args, stdout=io.StringIO(), stderr=io.StringIO())
    with out.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_it_writes_every_record_linked_and_unlinked(tmp_path):
    person = make_person(latin_surname="KARIMOV")
    linked = make_record(system="BORDER", person=person)
    unlinked = make_record(system="MIGREG")

    rows = export(tmp_path)

    assert rows == [
        {"source_system": "BORDER", "source_record_id": linked.source_record_id, "person_id": str(person.pk)},
        {"source_system": "MIGREG", "source_record_id": unlinked.source_record_id, "person_id": ""},
    ]


def test_records_of_a_merged_profile_are_written_with_the_surviving_person(tmp_path, superuser):
    survivor, absorbed = make_person(latin_surname="KARIMOV"), make_person(latin_surname="KARIMOV")
    record = make_record(system="PATENT", person=absorbed)
    person_merge(survivor=survivor, absorbed=absorbed, user=superuser, reason="Same passport")

    (row,) = export(tmp_path)

    assert (row["source_record_id"], row["person_id"]) == (record.source_record_id, str(survivor.pk))


def test_it_can_write_the_public_id_instead_of_the_primary_key(tmp_path):
    person = make_person(latin_surname="KARIMOV")
    make_record(system="FNS", person=person)
    make_record(system="FNS")

    rows = export(tmp_path, "--person-key", "public_id")

    assert [row["person_id"] for row in rows] == [str(person.public_id), ""]


def test_it_streams_the_records_in_chunks_rather_than_loading_them_all(tmp_path):
    for _ in range(7):
        make_record(system="BORDER")

    with mock.patch.object(QuerySet, "iterator", autospec=True, side_effect=QuerySet.iterator) as iterator:
        rows = export(tmp_path, "--chunk-size", "3")

    assert len(rows) == 7
    iterator.assert_called_once()
    assert iterator.call_args.kwargs == {"chunk_size": 3}


def test_it_writes_to_standard_output_and_reports_a_summary(capsys):
    make_record(system="BORDER", person=make_person(latin_surname="KARIMOV"))
    make_record(system="BORDER")
    stdout, stderr = io.StringIO(), io.StringIO()

    with mock.patch("sys.stdout", stdout):
        call_command("export_links", "-", "--no-progress", stderr=stderr)

    assert stdout.getvalue().splitlines()[0] == "source_system,source_record_id,person_id"
    assert len(stdout.getvalue().splitlines()) == 3
    assert "Wrote 2 records (1 linked, 1 unlinked)" in stderr.getvalue()
