"""Foreign keys of bulk writes checked once per referenced table (PostgreSQL): the same answers as
the per-row triggers, the same locks, and the project's own triggers still fire."""

from __future__ import annotations

import datetime as dt
import uuid

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction
from django.test import override_settings

from linkage.models import LinkDecision
from migrant_platform.bulk import (
    tuples_insert,
    tuples_insert_returning_ids,
    update_from_rows,
    values_insert_returning_ids,
)
from migrant_platform.foreign_keys import checked_per_table_available, foreign_keys_checked_per_table
from profiles.models import Person, RecordLink, SourceRecord

RECEIVED = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
DECISION_COLUMNS = ("kind", "record_id", "person_id", "reason", "decided_at")
LINK_COLUMNS = ("record_id", "person_id", "score", "reason", "linked_at")


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("session_replication_role is PostgreSQL's")


def _record(number: int, **values) -> dict:
    return {
        "source_system_id": "BORDER",
        "source_record_id": f"FK-{number}",
        "received_at": RECEIVED,
        "payload": {"number": number},
        "surname": "KARIMOV",
        "citizenship_id": "UZB",
        **values,
    }


def _replication_role() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_good_references_are_written_and_the_role_is_replica_only_inside_the_block():
    person = Person.objects.create(
        latin_surname="KARIMOV", birth_date=dt.date(1990, 5, 17), sex="M", citizenship_id="UZB"
    )
    with transaction.atomic():
        with foreign_keys_checked_per_table():
            assert _replication_role() == "replica"
            [record_id] = values_insert_returning_ids(SourceRecord, [_record(1)])
            tuples_insert(RecordLink, LINK_COLUMNS, [(record_id, person.pk, 1.0, {}, RECEIVED)])
            tuples_insert(LinkDecision, DECISION_COLUMNS, [("auto_link", record_id, person.pk, "t", RECEIVED)])
        assert _replication_role() == "origin"
    assert RecordLink.objects.get(pk=record_id).person_id == person.pk
    assert LinkDecision.objects.filter(record_id=record_id, person_id=person.pk).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad", ["citizenship", "source_system", "person_of_link", "record_of_link", "person_of_move", "record_of_decision"]
)
def test_a_reference_to_nothing_fails_the_block_and_keeps_nothing_of_it(bad):
    person = Person.objects.create(
        latin_surname="KARIMOV", birth_date=dt.date(1990, 5, 17), sex="M", citizenship_id="UZB"
    )
    [moved] = values_insert_returning_ids(SourceRecord, [_record(20)])
    RecordLink.objects.create(record_id=moved, person=person, linked_at=RECEIVED)
    before = (SourceRecord.objects.count(), RecordLink.objects.count(), LinkDecision.objects.count())
    with (
        pytest.raises(IntegrityError, match="which does not exist"),
        transaction.atomic(),
        foreign_keys_checked_per_table(),
    ):
        values = {"citizenship": {"citizenship_id": "XXX"}, "source_system": {"source_system_id": "NOWHERE"}}
        [record_id] = values_insert_returning_ids(SourceRecord, [_record(2, **values.get(bad, {}))])
        linked = record_id + 1000 if bad == "record_of_link" else record_id
        target = person.pk + 1000 if bad == "person_of_link" else person.pk
        tuples_insert(RecordLink, LINK_COLUMNS, [(linked, target, None, {}, RECEIVED)])
        moved_to = person.pk + 1000 if bad == "person_of_move" else person.pk
        update_from_rows(RecordLink, ("person_id",), [(moved, moved_to)], also="linked_at = now()")
        decided = record_id + 1000 if bad == "record_of_decision" else record_id
        tuples_insert(LinkDecision, DECISION_COLUMNS, [("auto_link", decided, person.pk, "t", RECEIVED)])
    assert (SourceRecord.objects.count(), RecordLink.objects.count(), LinkDecision.objects.count()) == before
    assert _replication_role() == "origin"  # rolled back with the transaction


@pytest.mark.django_db
def test_rows_the_block_wrote_are_not_queried_again_for_the_references_to_them():
    """Decisions that reference records the block has just written need no check for them: found
    and locked by the write. The person, written elsewhere, is checked and locked."""
    from django.test.utils import CaptureQueriesContext

    person = Person.objects.create(
        latin_surname="KARIMOV", birth_date=dt.date(1990, 5, 17), sex="M", citizenship_id="UZB"
    )
    blank = ("given_names", "patronymic", "sex", "document_type", "document_number", "phone", "tax_id")
    rows = [("BORDER", f"FK-{n}", RECEIVED, {"number": n}, "KARIMOV", *[""] * len(blank)) for n in (10, 11)]
    columns = ("source_system_id", "source_record_id", "received_at", "payload", "surname", *blank)
    with CaptureQueriesContext(connection) as queries, transaction.atomic(), foreign_keys_checked_per_table():
        record_ids = tuples_insert_returning_ids(SourceRecord, columns, rows)
        tuples_insert(
            LinkDecision, DECISION_COLUMNS, [("auto_link", pk, person.pk, "t", RECEIVED) for pk in record_ids]
        )
    checks = [query["sql"] for query in queries.captured_queries if query["sql"].startswith("WITH found AS")]
    assert len(checks) == 2 and "FOR KEY SHARE" in checks[0]
    assert not any('FROM "profiles_sourcerecord"' in check for check in checks)
    assert LinkDecision.objects.filter(record_id__in=record_ids, person_id=person.pk).count() == 2


@pytest.mark.django_db
def test_the_write_once_guard_still_fires_in_the_block():
    [record_id] = values_insert_returning_ids(SourceRecord, [_record(3)])
    with pytest.raises(IntegrityError, match="write-once"), transaction.atomic(), foreign_keys_checked_per_table():
        update_from_rows(SourceRecord, ("payload",), [(record_id, {"number": 99})])
    assert SourceRecord.objects.get(pk=record_id).payload == {"number": 3}


@pytest.mark.django_db
def test_every_trigger_of_the_project_fires_in_every_replication_role():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'A'"
        )
        assert cursor.fetchall() == []
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal")
        assert cursor.fetchone()[0] >= 6  # the write-once guards and the delivery's final state


@pytest.mark.django_db
def test_a_role_without_the_privilege_gets_the_per_row_triggers():
    role = f"fk_probe_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role}")
        try:
            cursor.execute(f"SET ROLE {role}")
            assert not checked_per_table_available()
            cursor.execute("RESET ROLE")
            cursor.execute(f"GRANT SET ON PARAMETER session_replication_role TO {role}")
            cursor.execute(f"SET ROLE {role}")
            assert checked_per_table_available()
        finally:
            cursor.execute("RESET ROLE")
            cursor.execute(f"REVOKE ALL ON PARAMETER session_replication_role FROM {role}")
            cursor.execute(f"DROP ROLE {role}")
    with override_settings(BULK_FOREIGN_KEYS_PER_TABLE=False):
        assert not checked_per_table_available()
        with foreign_keys_checked_per_table():
            assert _replication_role() == "origin"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_referenced_row_stays_locked_until_the_writer_commits():
    """As the per-row check does, the block locks the persons it references: another session cannot
    delete one before the links that reference it are committed."""
    person = Person.objects.create(
        latin_surname="KARIMOV", birth_date=dt.date(1990, 5, 17), sex="M", citizenship_id="UZB"
    )
    [record_id] = values_insert_returning_ids(SourceRecord, [_record(4)])
    settings = connection.settings_dict
    other = psycopg.connect(
        dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"], port=settings["PORT"], autocommit=True
    )
    try:
        with transaction.atomic():
            with foreign_keys_checked_per_table():
                tuples_insert(
                    LinkDecision,
                    DECISION_COLUMNS,
                    [("auto_link", record_id, person.pk, "t", RECEIVED)],
                )
            other.execute("SET lock_timeout = '200ms'")
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute("DELETE FROM profiles_person WHERE id = %s", [person.pk])
        with pytest.raises(psycopg.errors.ForeignKeyViolation):  # committed: now the key protects it
            other.execute("DELETE FROM profiles_person WHERE id = %s", [person.pk])
    finally:
        other.close()
