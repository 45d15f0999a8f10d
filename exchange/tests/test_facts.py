from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from employers.models import Organization
from exchange.facts import record_facts_materialize
from exchange.models import ImportBatch
from exchange.services import batch_ingest
from exchange.tests.rows import EMPLOYER_INN, contract_row, crossing_row, patent_row, payment_row, registration_row
from profiles.models import (
    BorderCrossing,
    EmploymentContract,
    IdentityDocument,
    MigrationRegistration,
    PatentPayment,
    Permit,
    SourceRecord,
)
from profiles.services import person_create, source_record_link
from reference.models import Country

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    return person_create(
        birth_date=dt.date(1990, 5, 17),
        sex="M",
        citizenship=Country.objects.get(pk="UZB"),
        latin_surname="KARIMOV",
        latin_given_names="JASUR",
    )


def linked(row, person):
    batch_ingest(rows=[row], origin=ImportBatch.Origin.API)
    record = SourceRecord.objects.get(source_system=row["source_system"], source_record_id=row["source_record_id"])
    assert record.pk, "the row was expected to be accepted"
    return source_record_link(record=record, person=person)


def test_facts_are_materialized_once_per_record(person):
    record = linked(crossing_row("B-1"), person)

    first = record_facts_materialize(record=record, person=person)
    second = record_facts_materialize(record=record, person=person)

    assert {type(fact) for fact in first} == {IdentityDocument, BorderCrossing}
    assert sorted((type(f).__name__, f.pk) for f in second) == sorted((type(f).__name__, f.pk) for f in first)
    assert BorderCrossing.objects.count() == 1
    crossing = BorderCrossing.objects.get()
    assert (crossing.direction, crossing.crossed_on, crossing.purpose, crossing.source_record) == (
        "entry",
        dt.date(2025, 3, 1),
        "work",
        record,
    )


def test_a_record_must_be_linked_to_the_person_first(person):
    batch_ingest(rows=[crossing_row("B-1")], origin=ImportBatch.Origin.API)

    with pytest.raises(ValueError, match="not linked"):
        record_facts_materialize(record=SourceRecord.objects.get(), person=person)


def test_the_identity_document_is_shared_by_the_records_that_state_it(person):
    first = linked(crossing_row("B-1"), person)
    second = linked(crossing_row("B-2", crossed_on="2025-03-05", direction="exit", purpose=""), person)

    record_facts_materialize(record=first, person=person)
    facts = record_facts_materialize(record=second, person=person)

    document = IdentityDocument.objects.get()
    assert (document.number_normalized, document.issuing_country_id, document.source_record) == (
        "FA1234567",
        "UZB",
        first,
    )
    assert [type(fact) for fact in facts] == [BorderCrossing]


def test_a_new_registration_closes_the_open_one_and_its_host_is_created_once(person):
    earlier = linked(registration_row("M-1"), person)
    later = linked(
        registration_row("M-2", arrived_on="2025-05-10", valid_from="2025-05-10", valid_to="2025-08-01"), person
    )

    record_facts_materialize(record=earlier, person=person)
    record_facts_materialize(record=later, person=person)

    first, second = MigrationRegistration.objects.order_by("valid_from")
    assert first.closed_on == dt.date(2025, 5, 10)
    assert second.closed_on is None
    host = Organization.objects.get()
    assert (host.inn, host.kind, host.name, host.region_id) == (EMPLOYER_INN, "legal_entity", "ООО Ромашка", "77")
    assert first.host_organization == second.host_organization == host


def test_a_private_host_is_recorded_by_name(person):
    record = linked(registration_row("M-1", host_inn="", host_name="Иванов Иван Иванович"), person)

    [_document, registration] = record_facts_materialize(record=record, person=person)

    assert (registration.host_organization, registration.host_person_name) == (None, "Иванов Иван Иванович")


def test_a_payment_finds_its_patent_by_number(person):
    patent = linked(patent_row("P-1"), person)
    payment = linked(payment_row("F-1"), person)

    record_facts_materialize(record=patent, person=person)
    facts = record_facts_materialize(record=payment, person=person)

    paid = PatentPayment.objects.get()
    assert facts == [paid]
    assert (paid.permit, paid.amount, paid.months, paid.person) == (Permit.objects.get(), Decimal("9500.00"), 1, person)


def test_a_payment_that_arrives_before_its_patent_is_materialized_with_the_patent(person):
    payment = linked(payment_row("F-1"), person)
    patent = linked(patent_row("P-1"), person)

    assert PatentPayment.objects.count() == 0
    record_facts_materialize(record=payment, person=person)
    assert PatentPayment.objects.count() == 0

    record_facts_materialize(record=patent, person=person)

    assert PatentPayment.objects.get().source_record == payment


def test_the_same_patent_reported_by_two_systems_is_one_permit(person):
    first = linked(patent_row("P-1"), person)
    second = linked(patent_row("M-9", source_system="MIGREG"), person)

    record_facts_materialize(record=first, person=person)
    record_facts_materialize(record=second, person=person)

    assert Permit.objects.get().source_record == first


def test_a_terminated_contract_is_stored_as_terminated(person):
    record = linked(contract_row("E-1", terminated_on="2025-06-30"), person)

    record_facts_materialize(record=record, person=person)

    contract = EmploymentContract.objects.get()
    assert (contract.status, contract.terminated_on, contract.employer.inn) == (
        "terminated",
        dt.date(2025, 6, 30),
        EMPLOYER_INN,
    )


def test_a_residence_permit_may_be_indefinite(person):
    row = patent_row("R-1", source_system="RESIDENCE", record_type="residence_permit", permit_kind="ВНЖ", valid_to="")
    row.pop("profession")
    record = linked(row, person)

    record_facts_materialize(record=record, person=person)

    permit = Permit.objects.get()
    assert (permit.kind, permit.valid_to, permit.region_id) == ("vnzh", None, "77")


def stored_documents() -> set[tuple]:
    """Each stored document: type, issuing country, number as sent and normalized, issue date, and
    the id its source system gave the record that states it."""
    return {
        (
            d.document_type,
            d.issuing_country_id,
            d.number,
            d.number_normalized,
            d.issued_on,
            d.source_record.source_record_id,
        )
        for d in IdentityDocument.objects.select_related("source_record")
    }


def test_the_bulk_path_writes_what_the_per_record_path_writes(person):
    from exchange.facts import records_facts_materialize_bulk
    from exchange.tests.rows import person_row

    rows = [person_row("B-1"), person_row("B-2", document_number="FA-123 4567"), crossing_row("B-3")]
    batch_ingest(rows=rows, origin=ImportBatch.Origin.API, link_each_chunk=False)
    records = list(SourceRecord.objects.order_by("id"))
    for record in records:
        source_record_link(record=record, person=person)
    ids = [record.pk for record in records]

    outcome = records_facts_materialize_bulk(record_ids=ids)

    document = IdentityDocument.objects.get()  # one passport stated by three records
    assert (document.person, document.source_record, document.number_normalized) == (person, records[0], "FA1234567")
    assert BorderCrossing.objects.get().source_record == records[2]
    assert (outcome.facts_created, outcome.failed, outcome.persons_with_crossings) == (2, [], {person.pk})

    again = records_facts_materialize_bulk(record_ids=ids)

    assert (again.facts_created, again.persons_with_crossings) == (0, set())
    assert (IdentityDocument.objects.count(), BorderCrossing.objects.count()) == (1, 1)


def test_the_bulk_path_judges_a_document_by_the_local_day_the_record_arrived(person):
    from exchange.facts import records_facts_materialize_bulk
    from exchange.tests.rows import person_row

    # 22:30 UTC on 1 March is 01:30 on 2 March in Moscow: a passport issued on 2 March was not issued
    # in the future when the record arrived, and the bulk path must agree with the ingest that took it.
    row = person_row("B-1", document_issued_on="2026-03-02")
    record = SourceRecord.objects.create(
        source_system_id="BORDER",
        source_record_id="B-1",
        received_at=dt.datetime(2026, 3, 1, 22, 30, tzinfo=dt.UTC),
        payload=row,
        surname="КАРИМОВ",
        given_names="ЖАСУР",
        birth_date=dt.date(1990, 5, 17),
        sex="M",
        citizenship_id="UZB",
        document_type="passport",
        document_number="FA1234567",
    )
    source_record_link(record=record, person=person)

    outcome = records_facts_materialize_bulk(record_ids=[record.pk])

    assert outcome.failed == []
    assert IdentityDocument.objects.get().issued_on == dt.date(2026, 3, 2)


def test_documents_stated_only_in_columns_are_those_the_parse_of_the_payload_gives(person):
    """Person records whose document is only a type and a number are written from their columns on
    PostgreSQL, the rest from their parsed payload: the documents must be the same either way, and a
    document shared across both kinds keeps its earliest record."""
    from exchange.facts import records_facts_materialize_bulk
    from exchange.tests.rows import person_row

    rows = [
        person_row("C-1", document_number=" AB 1234567 "),  # columns only
        person_row("C-2", document_number="CD7654321", document_issued_on="2020-01-10"),  # a date: parsed
        person_row("C-3", document_number="AB-1234567", document_country="UZB"),  # shares C-1's document
        person_row("C-4", document_type="rvp", document_number="77 123456", record_type="PERSON"),  # Russia's
        person_row("C-5", document_number="EF 111", record_type=" person "),  # spaces: parsed
        person_row("C-7", document_type=None, document_number=None),  # no document
    ]
    batch_ingest(rows=rows, origin=ImportBatch.Origin.API, link_each_chunk=False)
    records = list(SourceRecord.objects.order_by("id"))
    assert len(records) == len(rows), "every row was expected to be accepted"
    for record in records:
        source_record_link(record=record, person=person)

    if connection.vendor == "postgresql":
        from exchange.facts import _linked_without_facts

        read_back = {row[0]: row[2] is not None for row in _linked_without_facts([record.pk for record in records])}
        # Only the records with a date, a country or a type spelled with spaces are parsed again.
        assert [read_back[record.pk] for record in records] == [False, True, True, False, True, False]

    outcome = records_facts_materialize_bulk(record_ids=[record.pk for record in records])

    assert stored_documents() == {
        ("passport", "UZB", "AB 1234567", "AB1234567", None, "C-1"),
        ("passport", "UZB", "CD7654321", "CD7654321", dt.date(2020, 1, 10), "C-2"),
        ("rvp", "RUS", "77 123456", "77123456", None, "C-4"),
        ("passport", "UZB", "EF 111", "EF111", None, "C-5"),
    }
    assert (outcome.facts_created, outcome.failed) == (4, [])


def test_a_link_run_writes_the_documents_of_records_stated_in_memory_as_the_parse_gives_them():
    """The one-pass link keeps, from its read of the pending records, the number as sent of those
    whose columns hold all their document, and writes their documents with their links, without
    reading them again (PostgreSQL); the others are parsed. The documents are the same as the
    per-record path's, each with its earliest record and that record's person, also when a record
    that is parsed states a document before one that states it in its columns."""
    from exchange.tests.rows import person_row
    from linkage.services import _stated_document, records_link_pending

    rows = [
        person_row("L-0", document_number="GH 555", document_issued_on="2019-01-10"),  # a date: parsed
        person_row("L-1", document_number=" AB 1234567 "),  # columns only
        person_row("L-2", document_number="CD7654321", document_issued_on="2020-01-10"),  # a date: parsed
        person_row("L-3", document_number="AB-1234567", document_country="UZB"),  # shares L-1's document
        person_row("L-4", document_type="rvp", document_number="77 123456", record_type="PERSON"),  # Russia's
        person_row("L-5", document_type=None, document_number=None),  # no document
        person_row("L-6", document_number="AB1234567"),  # columns only, repeats L-1's document
        person_row("L-7", document_number="GH555"),  # columns only, L-0's document: L-0 states it
    ]
    batch_ingest(rows=rows, origin=ImportBatch.Origin.API, link_each_chunk=False)
    stated = dict(SourceRecord.objects.annotate(as_sent=_stated_document()).values_list("source_record_id", "as_sent"))
    if connection.vendor == "postgresql":
        assert stated == {
            "L-0": None,
            "L-1": " AB 1234567 ",
            "L-2": None,
            "L-3": None,
            "L-4": "77 123456",
            "L-5": "",
            "L-6": "AB1234567",
            "L-7": "GH555",
        }
    else:
        assert set(stated.values()) == {None}  # every record's facts are read from its payload

    run = records_link_pending()

    assert run.status == run.Status.DONE
    assert stored_documents() == {
        ("passport", "UZB", "GH 555", "GH555", dt.date(2019, 1, 10), "L-0"),
        ("passport", "UZB", "AB 1234567", "AB1234567", None, "L-1"),
        ("passport", "UZB", "CD7654321", "CD7654321", dt.date(2020, 1, 10), "L-2"),
        ("rvp", "RUS", "77 123456", "77123456", None, "L-4"),
    }
    for document in IdentityDocument.objects.select_related("source_record__link"):
        assert document.person_id == document.source_record.link.person_id
