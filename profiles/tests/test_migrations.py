"""Migrations that move data: nothing stored is lost on the way forward or back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("profiles", "0007_source_record_document_hash_index")]
AFTER = [("profiles", "0008_record_link")]
AT = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_record_links_move_out_of_the_records_and_back():
    apps = _migrate(BEFORE)
    Person = apps.get_model("profiles", "Person")
    SourceRecord = apps.get_model("profiles", "SourceRecord")
    person = Person.objects.create(
        latin_surname="KARIMOV", birth_date=dt.date(1990, 5, 17), sex="M", citizenship_id="UZB"
    )
    common = {"source_system_id": "BORDER", "received_at": AT, "payload": {"n": 1}, "surname": "KARIMOV"}
    linked = SourceRecord.objects.create(
        source_record_id="M-1", person=person, link_score=0.97, link_reason={"summary": "agree"}, linked_at=AT, **common
    )
    pending = SourceRecord.objects.create(source_record_id="M-2", **common)

    apps = _migrate(AFTER)
    RecordLink = apps.get_model("profiles", "RecordLink")
    assert list(RecordLink.objects.values_list("record_id", "person_id", "score", "reason", "linked_at")) == [
        (linked.pk, person.pk, 0.97, {"summary": "agree"}, AT)
    ]
    assert apps.get_model("profiles", "SourceRecord").objects.filter(link__isnull=True).get().pk == pending.pk

    apps = _migrate(BEFORE)
    rows = apps.get_model("profiles", "SourceRecord").objects.order_by("pk")
    assert list(rows.values_list("pk", "person_id", "link_score", "link_reason", "linked_at")) == [
        (linked.pk, person.pk, 0.97, {"summary": "agree"}, AT),
        (pending.pk, None, None, {}, None),
    ]
    _migrate(AFTER)
