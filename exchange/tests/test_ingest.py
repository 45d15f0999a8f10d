from __future__ import annotations

import sys
import types

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from exchange import services
from exchange.models import ImportBatch, QuarantinedRow
from exchange.services import batch_ingest, quarantined_row_discard, quarantined_row_resubmit
from exchange.tests.rows import crossing_row, person_row
from profiles.models import SourceRecord
from profiles.tests.factories import linked_person

pytestmark = pytest.mark.django_db

CLI = ImportBatch.Origin.CLI
API = ImportBatch.Origin.API


def ingest(rows, **kwargs):
    kwargs.setdefault("origin", API)
    return batch_ingest(rows=rows, **kwargs)


def counts(batch):
    batch.refresh_from_db()
    return (batch.received_count, batch.accepted_count, batch.duplicate_count, batch.quarantined_count)


def test_good_rows_go_through_while_each_bad_row_is_quarantined_with_its_reason():
    bad_rows = {
        2: person_row("B-2", birth_date="2024-13-45"),
        3: person_row("B-3", citizenship="XYZ"),
        4: person_row("B-4", surname="", given_names=""),
        5: person_row("B-5", birth_date="1850-01-01"),
        6: crossing_row("B-6", direction="exit", purpose="", crossed_on="2025-01-01", entered_on="2025-02-01"),
        7: person_row("B-7", tax_id="123456789012"),
        8: person_row("", surname="Алиев"),
    }
    rows = [person_row("B-1"), *bad_rows.values(), crossing_row("B-9")]

    batch = ingest(rows)

    assert counts(batch) == (9, 2, 0, 7)
    assert batch.status == ImportBatch.Status.FINISHED
    assert set(SourceRecord.objects.values_list("source_record_id", flat=True)) == {"B-1", "B-9"}
    reasons = {row.row_number: row.errors for row in QuarantinedRow.objects.filter(batch=batch)}
    assert set(reasons) == set(bad_rows)
    assert "birth_date" in reasons[2]
    assert "citizenship" in reasons[3]
    assert "surname" in reasons[4]
    assert "before 1900" in reasons[5]["birth_date"][0]
    assert "exit before entry" in reasons[6]["crossed_on"][0]
    assert "check digit" in reasons[7]["tax_id"][0]
    assert "source_record_id" in reasons[8]


def test_a_quarantined_row_keeps_the_row_verbatim():
    raw = person_row("B-2", citizenship="XYZ", extra_column="kept")

    batch = ingest([raw])

    row = QuarantinedRow.objects.get(batch=batch)
    assert row.raw == raw
    assert (row.source_system, row.source_record_id, row.status) == ("BORDER", "B-2", "open")
    assert "citizenship" in row.reason


def test_an_accepted_record_keeps_the_payload_verbatim_and_the_identity_normalized():
    raw = person_row("B-1", extra_column="kept")

    ingest([raw])

    record = SourceRecord.objects.get()
    assert record.payload == raw
    assert linked_person(record) is None
    assert (record.surname, record.document_number, record.phone, record.citizenship_id) == (
        "КАРИМОВ",
        "FA1234567",
        "+79161234567",
        "UZB",
    )


def test_sending_the_same_records_again_changes_nothing():
    rows = [person_row("B-1"), crossing_row("B-2"), person_row("B-3", citizenship="XYZ")]
    ingest(rows)
    stored = list(SourceRecord.objects.values("pk", "payload", "received_at"))

    again = ingest(rows)

    assert counts(again) == (3, 0, 2, 1)
    assert list(SourceRecord.objects.values("pk", "payload", "received_at")) == stored


def test_record_ids_with_quotes_backslashes_and_any_script_are_found_again():
    """The stored records of a chunk are looked up by their keys as text (JSON on PostgreSQL): a key
    with characters that need escaping must still find its record."""
    odd_ids = ['B"1', "B\\2", "B,{3}", "Б-4 ё", "B'5", "B 6\t"]
    rows = [person_row(record_id) for record_id in odd_ids]
    ingest(rows)

    again = ingest([*rows, person_row(odd_ids[0], surname="Другой")])

    assert counts(again) == (7, 0, 6, 1)
    stored = sorted(SourceRecord.objects.values_list("source_record_id", flat=True))
    assert stored == sorted(record_id.strip() for record_id in odd_ids)  # ids are stored trimmed


def test_re_importing_the_same_file_returns_its_finished_batch_untouched():
    rows = [person_row("B-1"), person_row("B-2", citizenship="XYZ")]
    first = ingest(rows, origin=CLI, checksum="abc")

    second = ingest(iter(rows), origin=CLI, checksum="abc")

    assert second.pk == first.pk
    assert counts(second) == (2, 1, 0, 1)
    assert ImportBatch.objects.count() == 1
    assert QuarantinedRow.objects.count() == 1


def test_the_same_id_with_a_different_payload_is_quarantined_and_the_original_untouched():
    ingest([person_row("B-1")])
    original = SourceRecord.objects.get()

    batch = ingest([person_row("B-1", birth_date="1991-05-17")])

    assert counts(batch) == (1, 0, 0, 1)
    message = QuarantinedRow.objects.get(batch=batch).errors["source_record_id"][0]
    assert "changed payload" in message and "supersedes=B-1" in message
    assert SourceRecord.objects.get() == original
    assert SourceRecord.objects.get().payload == original.payload


def test_the_database_refuses_to_rewrite_a_stored_payload():
    ingest([person_row("B-1")])

    with pytest.raises(IntegrityError):
        SourceRecord.objects.update(payload={"rewritten": True})


def test_a_repeated_row_within_one_file_counts_once():
    batch = ingest([person_row("B-1"), person_row("B-1"), person_row("B-1", sex="Ж")])

    assert counts(batch) == (3, 1, 1, 1)


def test_the_same_record_sent_as_csv_text_and_as_json_numbers_is_a_duplicate():
    ingest([person_row("B-1", source_record_id="1001", tax_id="")])

    batch = ingest([{**person_row(tax_id=None), "source_record_id": 1001, "extra": ""}])

    assert counts(batch) == (1, 0, 1, 0)


def test_a_correction_supersedes_the_stored_record():
    ingest([person_row("B-1")])

    ingest([person_row("B-1-fix", birth_date="1991-05-17", supersedes="B-1")])

    correction = SourceRecord.objects.get(source_record_id="B-1-fix")
    assert correction.supersedes.source_record_id == "B-1"


def test_a_correction_may_follow_its_record_in_the_same_chunk():
    ingest([person_row("B-1"), person_row("B-0"), person_row("B-1-fix", supersedes="B-1"), person_row("B-2")])

    assert SourceRecord.objects.get(source_record_id="B-1-fix").supersedes.source_record_id == "B-1"
    assert SourceRecord.objects.count() == 4


def test_a_correction_of_an_unknown_record_is_quarantined():
    batch = ingest([person_row("B-1-fix", supersedes="B-1")])

    assert "no record BORDER:B-1" in QuarantinedRow.objects.get(batch=batch).errors["supersedes"][0]


def _rows(count, fail_at=None):
    for number in range(1, count + 1):
        if number == fail_at:
            raise ConnectionResetError("the feed dropped mid-file")
        yield person_row(f"B-{number}")


def test_a_crash_mid_file_keeps_whole_chunks_and_a_re_run_resumes_exactly_once():
    with pytest.raises(ConnectionResetError):
        ingest(_rows(25, fail_at=13), origin=CLI, checksum="file-1", chunk_size=5)

    batch = ImportBatch.objects.get()
    assert (batch.status, batch.cursor) == (ImportBatch.Status.FAILED, 10)
    assert "ConnectionResetError" in batch.error
    assert SourceRecord.objects.count() == 10

    resumed = ingest(_rows(25), origin=CLI, checksum="file-1", chunk_size=5)

    assert resumed.pk == batch.pk
    assert counts(resumed) == (25, 25, 0, 0)
    assert resumed.status == ImportBatch.Status.FINISHED
    assert sorted(SourceRecord.objects.values_list("source_record_id", flat=True)) == sorted(
        f"B-{n}" for n in range(1, 26)
    )


def test_a_failure_while_writing_a_chunk_rolls_back_the_whole_chunk(monkeypatch):
    rows = [person_row(f"B-{n}") if n % 4 else person_row(f"B-{n}", citizenship="XYZ") for n in range(1, 13)]
    real_bulk_create = QuarantinedRow.objects.bulk_create
    calls = {"n": 0}

    def bulk_create_failing_on_the_second_chunk(objs, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:  # the chunk's SourceRecords are already inserted at this point
            raise OSError("disk full")
        return real_bulk_create(objs, *args, **kwargs)

    monkeypatch.setattr(QuarantinedRow.objects, "bulk_create", bulk_create_failing_on_the_second_chunk)
    with pytest.raises(OSError):
        ingest(rows, origin=CLI, checksum="file-2", chunk_size=4)

    assert ImportBatch.objects.get().cursor == 4
    assert SourceRecord.objects.count() == 3
    assert QuarantinedRow.objects.count() == 1

    monkeypatch.setattr(QuarantinedRow.objects, "bulk_create", real_bulk_create)
    batch = ingest(rows, origin=CLI, checksum="file-2", chunk_size=4)

    assert counts(batch) == (12, 9, 0, 3)
    assert QuarantinedRow.objects.count() == 3


def test_a_file_re_run_with_another_default_system_is_refused():
    ingest([person_row("B-1", source_system="")], origin=CLI, checksum="f", source_system="BORDER")

    with pytest.raises(services.BatchConflict):
        ingest([person_row("B-1", source_system="")], origin=CLI, checksum="f", source_system="MIGREG")


def test_an_unknown_default_system_is_refused_before_anything_is_written():
    with pytest.raises(ValidationError):
        ingest([person_row()], source_system="NOPE")

    assert not ImportBatch.objects.exists()


def test_the_pipeline_streams_rows_without_materializing_the_input():
    total, chunk_size = 50_000, 2_500
    seen = {"consumed": 0, "max_ahead": 0}

    def generated():
        for number in range(1, total + 1):
            if number % 500 == 1:
                committed = ImportBatch.objects.values_list("cursor", flat=True).first() or 0
                seen["max_ahead"] = max(seen["max_ahead"], number - committed)
            seen["consumed"] = number
            yield {
                "source_system": "BORDER",
                "source_record_id": str(number),
                "surname": "Karimov",
                "birth_date": "1990-05-17",
                "sex": "M",
                "citizenship": "UZB",
            }

    batch = ingest(generated(), chunk_size=chunk_size)

    assert seen["consumed"] == total
    # The reader is never more than two chunks ahead of what is committed: the one being stored and
    # the next one, parsed meanwhile.
    assert 0 < seen["max_ahead"] <= 2 * chunk_size
    assert counts(batch) == (total, total, 0, 0)


def test_new_records_are_handed_to_the_linker_after_commit(monkeypatch, django_capture_on_commit_callbacks):
    linked = []
    module = types.ModuleType("linkage.services")
    module.records_link = lambda *, record_ids: linked.append(sorted(record_ids))
    monkeypatch.setitem(sys.modules, "linkage.services", module)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ingest([person_row(f"B-{n}") for n in range(1, 6)], chunk_size=2)
    assert linked == []  # nothing before commit
    for callback in callbacks:
        callback()

    ids = sorted(SourceRecord.objects.values_list("pk", flat=True))
    assert linked == [ids[0:2], ids[2:4], ids[4:5]]


def test_without_a_linker_records_are_stored_unlinked(monkeypatch, django_capture_on_commit_callbacks, caplog):
    monkeypatch.setattr(services, "linker_get", lambda: None)

    with django_capture_on_commit_callbacks() as callbacks, caplog.at_level("INFO"):
        ingest([person_row()])

    assert callbacks == []
    assert "records stay unlinked" in caplog.text
    assert linked_person(SourceRecord.objects.get()) is None


def test_a_corrected_quarantined_row_is_resubmitted_and_keeps_the_original(django_user_model):
    staff = django_user_model.objects.create_user(username="clerk", is_staff=True)
    raw = person_row("B-1", citizenship="Узбекистон")
    batch = ingest([raw])
    row = QuarantinedRow.objects.get(batch=batch)

    record = quarantined_row_resubmit(row=row, corrected={**raw, "citizenship": "UZB"}, user=staff)

    row.refresh_from_db()
    assert (row.status, row.record, row.resolved_by) == ("resubmitted", record, staff)
    assert row.raw == raw
    assert record.citizenship_id == "UZB"
    assert record.payload["citizenship"] == "UZB"


def test_a_correction_that_is_still_wrong_is_refused_and_the_row_stays_open(django_user_model):
    staff = django_user_model.objects.create_user(username="clerk", is_staff=True)
    batch = ingest([person_row("B-1", citizenship="XYZ")])
    row = QuarantinedRow.objects.get(batch=batch)

    with pytest.raises(ValidationError) as caught:
        quarantined_row_resubmit(row=row, corrected=person_row("B-1", citizenship="XYZ", sex="?"), user=staff)

    assert set(caught.value.message_dict) == {"citizenship", "sex"}
    row.refresh_from_db()
    assert row.status == "open"
    assert not SourceRecord.objects.exists()


def test_a_row_cannot_be_resubmitted_twice(django_user_model):
    staff = django_user_model.objects.create_user(username="clerk", is_staff=True)
    batch = ingest([person_row("B-1", citizenship="XYZ")])
    row = QuarantinedRow.objects.get(batch=batch)
    quarantined_row_resubmit(row=row, corrected=person_row("B-1"), user=staff)

    with pytest.raises(ValidationError):
        quarantined_row_resubmit(row=row, corrected=person_row("B-1"), user=staff)

    assert SourceRecord.objects.count() == 1


def test_a_discarded_row_stays_with_who_discarded_it(django_user_model):
    staff = django_user_model.objects.create_user(username="clerk", is_staff=True)
    batch = ingest([person_row("B-1", citizenship="XYZ")])

    row = quarantined_row_discard(row=QuarantinedRow.objects.get(batch=batch), user=staff)

    assert (row.status, row.resolved_by, row.record) == ("discarded", staff, None)


def test_a_chunk_costs_the_same_few_queries_whatever_its_size(django_assert_max_num_queries):
    ingest([person_row(f"OLD-{n}") for n in range(50)])
    rows = [person_row(f"B-{n}") for n in range(300)] + [person_row(f"OLD-{n}") for n in range(50)]
    rows += [person_row(f"BAD-{n}", citizenship="XYZ") for n in range(50)]

    with django_assert_max_num_queries(20):
        batch = ingest(rows, chunk_size=400)

    assert counts(batch) == (400, 300, 50, 50)


def test_the_quarantine_list_does_not_query_per_row(client, superuser, django_assert_max_num_queries):
    ingest([person_row(f"BAD-{n}", citizenship="XYZ") for n in range(30)])
    client.force_login(superuser)

    with django_assert_max_num_queries(12):
        response = client.get("/admin/exchange/quarantinedrow/")

    assert response.status_code == 200


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TestALargeFileStoresTwoChunksAtOnce:
    """Records left pending (the path of a large file) are stored two chunks at a time on PostgreSQL,
    each on its own connection; the outcome is the same as one chunk at a time."""

    @pytest.fixture(autouse=True)
    def _postgresql_only(self):
        from django.db import connection

        if connection.vendor != "postgresql":
            pytest.skip("Background connections are used on PostgreSQL only.")

    def test_duplicates_changes_and_corrections_across_neighbouring_chunks_are_classified_as_in_one(self, monkeypatch):
        threads = set()
        real_chunk_write = services._chunk_write

        def chunk_write(**kwargs):
            import threading
            import time

            threads.add(threading.get_ident())
            if kwargs["numbered_rows"][0][0] == 1:
                time.sleep(0.3)  # the first chunk is still being stored when the second starts
            return real_chunk_write(**kwargs)

        monkeypatch.setattr(services, "_chunk_write", chunk_write)
        rows = [person_row(f"B-{n}") for n in range(1, 41)]
        rows[12] = person_row("B-8")  # row 13 (chunk 3) repeats row 8 (chunk 2): a duplicate
        rows[17] = person_row("B-12", given_names="Жамшид")  # row 18 (chunk 4): chunk 3's B-12 changed
        rows[27] = person_row("B-28", supersedes="B-23")  # row 28 (chunk 6) corrects row 23 (chunk 5)

        batch = ingest(rows, origin=CLI, checksum="large", chunk_size=5, link_each_chunk=False)

        assert len(threads) == 2
        assert (batch.status, batch.cursor) == (ImportBatch.Status.FINISHED, 40)
        assert counts(batch) == (40, 38, 1, 1)
        assert QuarantinedRow.objects.get().row_number == 18
        correction = SourceRecord.objects.get(source_record_id="B-28")
        assert correction.supersedes.source_record_id == "B-23"
        assert SourceRecord.objects.get(source_record_id="B-12").given_names == "ЖАСУР"  # the first one stays

    def test_a_failed_chunk_stops_the_chunk_after_it_and_a_re_run_resumes(self, monkeypatch):
        rows = [person_row(f"B-{n}") for n in range(1, 31)]
        real_insert = services.tuples_insert_returning_ids

        def insert_failing_on_the_third_chunk(model, columns, values):
            if any("B-13" in value for value in values):  # rows 11-15
                raise OSError("disk full")
            return real_insert(model, columns, values)

        monkeypatch.setattr(services, "tuples_insert_returning_ids", insert_failing_on_the_third_chunk)
        with pytest.raises(OSError):
            ingest(rows, origin=CLI, checksum="large-2", chunk_size=5, link_each_chunk=False)

        # The fourth chunk, stored beside the third, is rolled back with it.
        batch = ImportBatch.objects.get()
        assert (batch.status, batch.cursor) == (ImportBatch.Status.FAILED, 10)
        assert SourceRecord.objects.count() == 10

        monkeypatch.setattr(services, "tuples_insert_returning_ids", real_insert)
        resumed = ingest(rows, origin=CLI, checksum="large-2", chunk_size=5, link_each_chunk=False)

        assert counts(resumed) == (30, 30, 0, 0)
        assert SourceRecord.objects.count() == 30

    def test_the_reader_stays_within_three_chunks_of_what_is_committed(self):
        total, chunk_size = 6_000, 500
        seen = {"max_ahead": 0}

        def generated():
            for number in range(1, total + 1):
                if number % 100 == 1:
                    committed = ImportBatch.objects.values_list("cursor", flat=True).first() or 0
                    seen["max_ahead"] = max(seen["max_ahead"], number - committed)
                yield person_row(f"B-{number}")

        batch = ingest(generated(), origin=CLI, checksum="large-3", chunk_size=chunk_size, link_each_chunk=False)

        # Two chunks being stored and the next one parsed meanwhile.
        assert 0 < seen["max_ahead"] <= 3 * chunk_size
        assert counts(batch) == (total, total, 0, 0)


def test_a_file_is_read_with_few_garbage_collections_and_the_process_gets_its_own_back_after():
    import gc

    from migrant_platform.bulk import BULK_GC_THRESHOLDS

    before = gc.get_threshold()
    thresholds_while_read = []

    def rows():
        for number in range(1, 4):
            thresholds_while_read.append(gc.get_threshold())
            yield person_row(f"B-{number}")

    batch = ingest(rows(), origin=CLI, checksum="gc")

    assert counts(batch)[1] == 3
    assert thresholds_while_read == [BULK_GC_THRESHOLDS] * 3
    assert gc.get_threshold() == before
