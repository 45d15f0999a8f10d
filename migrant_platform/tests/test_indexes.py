"""The records' indexes as the migrations leave them, and the lookups that use them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from migrant_platform.bulk import statistics_refresh_if_stale, values_insert_returning_ids
from migrant_platform.indexes import EqualityIndex
from profiles.models import SourceRecord

pytestmark = pytest.mark.django_db

RECEIVED = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)


def _records_insert(record_ids: list[str], *, documents: bool = False) -> None:
    values_insert_returning_ids(
        SourceRecord,
        [
            {
                "source_system_id": "BORDER",
                "source_record_id": record_id,
                "received_at": RECEIVED,
                "payload": {},
                "surname": "KARIMOV",
                "document_number": f"AA{n:07d}" if documents else "",
            }
            for n, record_id in enumerate(record_ids)
        ],
    )


def _index_definitions() -> dict[str, str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'profiles_sourcerecord'")
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'profiles_sourcerecord'"
            )
        return {name: definition or "" for name, definition in cursor.fetchall()}


def test_an_equality_index_holds_one_column_in_no_order():
    with pytest.raises(ValueError, match="one column"):
        EqualityIndex(fields=["surname", "given_names"], name="two_columns_idx")
    with pytest.raises(ValueError, match="one column"):
        EqualityIndex(fields=["-document_number"], name="descending_idx")


def test_the_document_index_is_a_hash_index_on_postgresql_and_a_btree_elsewhere():
    definition = _index_definitions()["source_record_document_idx"]
    if connection.vendor == "postgresql":
        assert "USING hash (document_number)" in definition
    else:
        assert "USING" not in definition.upper() and '"document_number"' in definition


def test_the_unique_indexes_of_records_do_not_deduplicate_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("a storage parameter of PostgreSQL's B-trees")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class WHERE relname = ANY(%s)",
            [["profiles_sourcerecord_pkey", "source_record_unique_per_system", "record_link_person_idx"]],
        )
        options = dict(cursor.fetchall())
    assert options["profiles_sourcerecord_pkey"] == ["deduplicate_items=off"]
    assert options["source_record_unique_per_system"] == ["deduplicate_items=off"]
    assert options["record_link_person_idx"] is None  # entries of many records per person: kept merged


def test_records_are_found_by_document_number_through_the_index():
    _records_insert([f"IX-{n}" for n in range(300)], documents=True)
    found = SourceRecord.objects.filter(document_number__in=["AA0000007", "AA0000299", "ZZ1"])
    assert sorted(found.values_list("source_record_id", flat=True)) == ["IX-299", "IX-7"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            plan = found.explain()
        assert "source_record_document_idx" in plan


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_statistics_are_refreshed_where_rows_changed_beyond_autovacuums_threshold():
    if connection.vendor != "postgresql":
        assert statistics_refresh_if_stale(SourceRecord) == []
        return
    from linkage.models import LinkDecision

    def analyzed_at() -> dict[str, object]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_force_next_flush()")  # this session's counts, now
            cursor.execute(
                "SELECT relname, last_analyze FROM pg_stat_user_tables WHERE relname = ANY(%s)",
                [["profiles_sourcerecord", "linkage_linkdecision"]],
            )
            return dict(cursor.fetchall())

    with connection.cursor() as cursor:
        # From known statistics: earlier tests of the session may have written and flushed both tables.
        cursor.execute("ANALYZE profiles_sourcerecord, linkage_linkdecision")
    _records_insert([f"ST-{n}" for n in range(200)])
    before = analyzed_at()
    # 200 new records in a table analyzed empty: stale. No decision was written: left alone.
    assert statistics_refresh_if_stale(SourceRecord, LinkDecision) == ["profiles_sourcerecord"]
    after = analyzed_at()
    assert after["profiles_sourcerecord"] is not None
    assert after["profiles_sourcerecord"] != before["profiles_sourcerecord"]
    assert after["linkage_linkdecision"] == before["linkage_linkdecision"]
    # 15 more records are fewer than 50 + a tenth of 200: the statistics stand.
    _records_insert([f"ST-more-{n}" for n in range(15)])
    analyzed_at()
    assert statistics_refresh_if_stale(SourceRecord, LinkDecision) == []
