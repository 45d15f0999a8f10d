"""Bulk inserts: COPY on PostgreSQL, bulk_create elsewhere, with the same result either way."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from linkage.models import LinkDecision
from migrant_platform.bulk import (
    BackgroundWrites,
    tuples_insert_returning_ids,
    values_insert_returning_ids,
    values_rows,
)
from profiles.models import Person, RecordLink, SourceRecord


@pytest.mark.django_db
def test_inserted_values_get_their_ids_and_store_what_the_orm_would():
    existing = Person.objects.create(
        latin_surname="KARIMOV", birth_date=dt.date(1990, 5, 17), sex="M", citizenship_id="UZB"
    )
    records = [
        {
            "source_system_id": "BORDER",
            "source_record_id": f"B-{number}",
            "received_at": dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC),
            "payload": {"surname": "Каримов", "number": number, "nested": {"list": [1, 2]}},
            "surname": "Каримов",
            "given_names": "Жасур",
            "birth_date": dt.date(1990, 5, 17),
            "sex": "M",
            "citizenship_id": "UZB",
        }
        for number in range(3)
    ]

    ids = values_insert_returning_ids(SourceRecord, records)

    assert len(set(ids)) == 3
    stored = SourceRecord.objects.get(pk=ids[1])
    assert stored.payload == {"surname": "Каримов", "number": 1, "nested": {"list": [1, 2]}}
    assert (stored.surname, stored.birth_date) == ("Каримов", dt.date(1990, 5, 17))
    assert (stored.patronymic, stored.supersedes_id) == ("", None)  # the field defaults
    [decision] = values_insert_returning_ids(
        LinkDecision,
        [{"kind": "auto_link", "record_id": stored.pk, "person_id": existing.pk, "score": 0.9995, "reason": "test"}],
    )
    stored_decision = LinkDecision.objects.get(pk=decision)
    # auto_now_add is filled as the ORM fills it.
    assert stored_decision.decided_at is not None and stored_decision.kind == "auto_link"
    assert stored_decision.score == pytest.approx(0.9995)


@pytest.mark.django_db
def test_json_values_are_copied_as_djangos_encoder_writes_them():
    """The COPY path encodes JSON itself (PostgreSQL): dates, decimals and lazy translations must read
    back as Django's encoder writes them, whether passed as values or encoded once with json_text."""
    import json
    from decimal import Decimal

    from django.core.serializers.json import DjangoJSONEncoder
    from django.db import connection
    from django.utils.translation import gettext_lazy

    from migrant_platform.bulk import json_text

    if connection.vendor != "postgresql":
        pytest.skip("elsewhere bulk inserts go through the ORM, which encodes JSON itself")
    reason = {
        "run": 7,
        "at": dt.datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=dt.UTC),
        "born": dt.date(1990, 5, 17),
        "fee": Decimal("1234.50"),
        "label": gettext_lazy("Person"),
        "weights": {1: 0.5, "surname": -2.25},
        "names": ("Каримов", "KARIMOV"),
    }
    expected = json.loads(json.dumps(reason, cls=DjangoJSONEncoder))
    assert expected["at"] == "2026-03-01T12:30:15.123Z" and expected["fee"] == "1234.50"
    received_at = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    blank = ("",) * 8
    rows = [
        ("BORDER", "J-1", received_at, reason, *blank),
        ("BORDER", "J-2", received_at, json_text(reason), *blank),
    ]
    columns = ("source_system_id", "source_record_id", "received_at", "payload")
    text_columns = (
        "surname",
        "given_names",
        "patronymic",
        "sex",
        "document_type",
        "document_number",
        "phone",
        "tax_id",
    )

    ids = tuples_insert_returning_ids(SourceRecord, columns + text_columns, rows)

    assert [stored.payload for stored in SourceRecord.objects.filter(pk__in=ids)] == [expected, expected]


@pytest.mark.django_db
def test_inserted_tuples_return_their_ids_in_order():
    blank = ("given_names", "patronymic", "sex", "document_type", "document_number", "phone", "tax_id")
    columns = ("source_system_id", "source_record_id", "received_at", "payload", "surname", *blank)
    received = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    rows = [
        ("BORDER", f"B-{n}", received, {"n": n, "name": "Алиев"}, f"ALIYEV{n}", *[""] * len(blank)) for n in range(3)
    ]

    ids = tuples_insert_returning_ids(SourceRecord, columns, rows)

    assert len(set(ids)) == 3
    stored = {record.pk: record for record in SourceRecord.objects.filter(pk__in=ids)}
    assert [stored[pk].source_record_id for pk in ids] == ["B-0", "B-1", "B-2"]
    assert stored[ids[2]].payload == {"n": 2, "name": "Алиев"} and stored[ids[2]].received_at == received
    assert tuples_insert_returning_ids(SourceRecord, columns, []) == []


@pytest.mark.django_db
def test_a_row_that_breaks_a_constraint_raises_integrity_error_and_writes_nothing():
    row = {
        "source_system_id": "BORDER",
        "source_record_id": "B-1",
        "received_at": dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        "payload": {},
        "surname": "ALIYEV",
    }

    with pytest.raises(IntegrityError), transaction.atomic():
        values_insert_returning_ids(SourceRecord, [row, dict(row)])

    assert not SourceRecord.objects.exists()


@pytest.mark.django_db
def test_nothing_to_insert_is_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert values_insert_returning_ids(SourceRecord, []) == []


def _linked_records(count: int) -> tuple[Person, list[int]]:
    """A person, and `count` records linked to a first person (score 0.5, reason {"n": n}), with
    payloads {"n": 0}, {"n": 1}..."""
    from migrant_platform.bulk import tuples_insert

    first, person = (
        Person.objects.create(latin_surname=surname, birth_date=dt.date(1990, 1, 1), sex="M", citizenship_id="UZB")
        for surname in ("ALIEV", "ALIYEV")
    )
    ids = values_insert_returning_ids(
        SourceRecord,
        [
            {
                "source_system_id": "BORDER",
                "source_record_id": f"B-{number}",
                "received_at": dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
                "payload": {"n": number},
                "surname": "ALIYEV",
            }
            for number in range(count)
        ],
    )
    linked_at = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    tuples_insert(
        RecordLink,
        ("record_id", "person_id", "score", "reason", "linked_at"),
        [(pk, first.pk, 0.5, {"n": n}, linked_at) for n, pk in enumerate(ids)],
    )
    return person, ids


@pytest.mark.django_db
def test_rows_update_only_the_named_columns_of_the_named_rows():
    from django.db import connection

    from migrant_platform.bulk import update_from_rows

    if connection.vendor != "postgresql":
        pytest.skip("update_from_rows is the PostgreSQL path of the linker's writes")
    person, ids = _linked_records(3)
    linked_at = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit')")
        [jit] = cursor.fetchone()

    update_from_rows(
        RecordLink,
        ("person_id", "score", "reason"),
        [(ids[0], person.pk, 0.9991, {"summary": "agree", "on": dt.date(2026, 3, 2)})],
        also="linked_at = %s",
        params=[linked_at],
    )

    first, second = RecordLink.objects.get(pk=ids[0]), RecordLink.objects.get(pk=ids[1])
    assert (first.person_id, first.score, first.linked_at) == (person.pk, 0.9991, linked_at)
    assert first.reason == {"summary": "agree", "on": "2026-03-02"}
    assert (second.score, second.reason, second.linked_at) == (0.5, {"n": 1}, dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    # The joins it turned off (each row is found by its key) are on again for what follows.
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_hashjoin'), current_setting('enable_mergejoin')")
        assert cursor.fetchone() == ("on", "on")
        cursor.execute("SELECT current_setting('jit')")
        assert cursor.fetchone() == (jit,)


@pytest.mark.django_db
def test_rows_sharing_one_value_object_get_it_staged_once_and_each_row_its_own_values():
    from django.db import connection

    from migrant_platform.bulk import json_text, update_from_rows

    if connection.vendor != "postgresql":
        pytest.skip("update_from_rows is the PostgreSQL path of the linker's writes")
    person, ids = _linked_records(4)
    node = json_text({"summary": "one node", "weights": {"surname": 4.5}})
    # Two rows share one encoded reason; a third has an equal value of its own; a fourth a dict.
    rows = [
        (ids[0], person.pk, 0.99, node),
        (ids[1], person.pk, 0.98, node),
        (ids[2], person.pk, 0.97, json_text({"summary": "one node", "weights": {"surname": 4.5}})),
        (ids[3], person.pk, None, {"summary": "new person"}),
    ]

    update_from_rows(RecordLink, ("person_id", "score", "reason"), rows, also="linked_at = now()", shared="reason")

    stored = {link.pk: link for link in RecordLink.objects.filter(pk__in=ids)}
    assert [(stored[pk].person_id, stored[pk].score) for pk in ids] == [
        (person.pk, 0.99),
        (person.pk, 0.98),
        (person.pk, 0.97),
        (person.pk, None),
    ]
    assert [stored[pk].reason["summary"] for pk in ids] == ["one node"] * 3 + ["new person"]
    assert stored[ids[1]].reason == {"summary": "one node", "weights": {"surname": 4.5}}
    assert all(stored[pk].linked_at > dt.datetime(2026, 3, 1, tzinfo=dt.UTC) for pk in ids)


@pytest.mark.django_db
def test_tuples_are_inserted_with_the_named_columns_and_nulls_elsewhere():
    from migrant_platform.bulk import tuples_insert

    person = Person.objects.create(
        latin_surname="ALIYEV", birth_date=dt.date(1990, 1, 1), sex="M", citizenship_id="UZB"
    )
    at = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)

    tuples_insert(
        LinkDecision,
        ("kind", "person_id", "score", "reason", "decided_at"),
        [("new_person", person.pk, None, "first", at), ("auto_link", person.pk, 0.9993, "second", at)],
    )

    stored = list(LinkDecision.objects.order_by("id").values_list("kind", "person_id", "score", "reason", "record_id"))
    assert stored == [("new_person", person.pk, None, "first", None), ("auto_link", person.pk, 0.9993, "second", None)]
    assert set(LinkDecision.objects.values_list("decided_at", flat=True)) == {at}


@pytest.mark.django_db
def test_rows_already_stored_are_skipped_and_only_the_new_ones_counted():
    from migrant_platform.bulk import tuples_insert_new
    from profiles.models import IdentityDocument

    person = Person.objects.create(
        latin_surname="KARIMOV", birth_date=dt.date(1990, 5, 17), sex="M", citizenship_id="UZB"
    )
    now = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    columns = ("person_id", "document_type", "issuing_country_id", "number", "number_normalized", "created_at")

    def passport(number):
        return (person.pk, "passport", "UZB", number, number, now)

    assert tuples_insert_new(IdentityDocument, columns, [passport("FA1"), passport("FA2")]) == 2
    assert tuples_insert_new(IdentityDocument, columns, [passport("FA2"), passport("FA3")]) == 1
    assert sorted(IdentityDocument.objects.values_list("number_normalized", flat=True)) == ["FA1", "FA2", "FA3"]
    # Only unique constraints are passed over: a check constraint still refuses the row.
    with pytest.raises(IntegrityError), transaction.atomic():
        tuples_insert_new(IdentityDocument, columns, [passport("FA 4")])
    assert IdentityDocument.objects.count() == 3


def _person_create(surname: str) -> None:
    Person.objects.create(latin_surname=surname, birth_date=dt.date(1990, 5, 17), sex="M", citizenship_id="UZB")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_background_writes_all_land_when_the_block_is_left():
    from django.db import connection

    with BackgroundWrites() as writes:
        for surname in ("KARIMOV", "RAHIMOV", "SAIDOV", "TOIROV"):
            writes.submit(_person_create, surname)

    assert writes.concurrent == (connection.vendor == "postgresql")
    assert sorted(Person.objects.values_list("latin_surname", flat=True)) == ["KARIMOV", "RAHIMOV", "SAIDOV", "TOIROV"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_failed_background_write_raises_when_the_block_is_left():
    def broken() -> None:
        Person.objects.create(latin_surname="NO CITIZENSHIP", birth_date=dt.date(1990, 5, 17), sex="M")

    with pytest.raises(IntegrityError), BackgroundWrites() as writes:
        writes.submit(_person_create, "KARIMOV")
        writes.submit(broken)

    assert list(Person.objects.values_list("latin_surname", flat=True)) == ["KARIMOV"]


@pytest.mark.django_db
def test_inside_a_transaction_background_writes_run_inline_and_see_its_rows():
    person = Person.objects.create(
        latin_surname="KARIMOV", birth_date=dt.date(1990, 5, 17), sex="M", citizenship_id="UZB"
    )

    def rename() -> None:
        # Another connection could not see the uncommitted person: inline, the update finds it.
        assert Person.objects.filter(pk=person.pk).update(latin_surname="KARIMOV JASUR") == 1

    with BackgroundWrites() as writes:
        writes.submit(rename)

    assert not writes.concurrent
    person.refresh_from_db()
    assert person.latin_surname == "KARIMOV JASUR"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_after_a_failed_background_write_the_next_submit_raises_and_writes_nothing():
    import time

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("writes run in the background on PostgreSQL only")

    def broken() -> None:
        Person.objects.create(latin_surname="NO CITIZENSHIP", birth_date=dt.date(1990, 5, 17), sex="M")

    raised_by_submit = False
    with pytest.raises(IntegrityError), BackgroundWrites() as writes:
        writes.submit(broken)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            time.sleep(0.01)
            try:
                writes.submit(time.sleep, 0)
            except IntegrityError:
                raised_by_submit = True
                writes.submit(_person_create, "NEVER WRITTEN")  # the failure is reported again, not written
    assert raised_by_submit
    assert not Person.objects.exists()


def test_a_bulk_job_collects_garbage_rarely_and_gives_the_thresholds_back_when_the_last_job_ends():
    import gc
    import threading

    from migrant_platform.bulk import BULK_GC_THRESHOLDS, few_garbage_collections

    before = gc.get_threshold()
    assert before != BULK_GC_THRESHOLDS
    first_entered, second_entered, first_left = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, tuple[int, ...]] = {}

    def first_job() -> None:
        with few_garbage_collections():
            first_entered.set()
            second_entered.wait(5)
        first_left.set()

    def second_job() -> None:
        first_entered.wait(5)
        with few_garbage_collections():
            second_entered.set()
            first_left.wait(5)
            # The first job ended while this one runs: its thresholds stay until this one ends too.
            seen["after the first ended"] = gc.get_threshold()

    threads = [threading.Thread(target=first_job), threading.Thread(target=second_job)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert seen["after the first ended"] == BULK_GC_THRESHOLDS
    assert gc.get_threshold() == before
    with pytest.raises(ZeroDivisionError), few_garbage_collections():
        assert gc.get_threshold() == BULK_GC_THRESHOLDS
        1 / 0  # noqa: B018
    assert gc.get_threshold() == before


@pytest.mark.django_db
def test_streamed_rows_are_the_rows_djangos_values_list_returns():
    born = dt.date(1990, 5, 17)
    people = values_insert_returning_ids(
        Person,
        [{"latin_surname": f"KARIMOV{n}", "birth_date": born, "sex": "M", "citizenship_id": "UZB"} for n in range(5)],
    )
    Person.objects.filter(pk=people[1]).update(merged_into=people[0])
    query = Person.objects.order_by("id").values_list("id", "latin_surname", "birth_date", "merged_into_id")

    streamed = list(values_rows(query, chunk_size=2))

    assert [tuple(row) for row in streamed] == list(query)
    assert streamed[1][3] == people[0] and streamed[2][3] is None and streamed[0][2] == born


@pytest.mark.django_db
def test_rows_of_values_are_stored_with_the_defaults_the_orm_gives():
    given = {"latin_surname": "KARIMOV", "birth_date": dt.date(1990, 5, 17), "sex": "M", "citizenship_id": "UZB"}
    by_orm = Person.objects.create(**given)

    ids = values_insert_returning_ids(Person, [given, {**given, "latin_surname": "RAHMONOV", "phone": "+79161234567"}])

    first, second = (Person.objects.get(pk=pk) for pk in ids)
    skip = {"id", "public_id", "created_at", "updated_at"}
    as_orm = {f.attname: getattr(by_orm, f.attname) for f in Person._meta.concrete_fields if f.attname not in skip}
    assert {name: getattr(first, name) for name in as_orm} == as_orm
    assert (second.latin_surname, second.phone) == ("RAHMONOV", "+79161234567")
    # A callable default is called for each row; the timestamps are the insert's.
    assert len({by_orm.public_id, first.public_id, second.public_id}) == 3
    assert min(first.created_at, first.updated_at, second.created_at) >= by_orm.updated_at
    assert type(first.preferred_language) is str and first.preferred_language == by_orm.preferred_language
