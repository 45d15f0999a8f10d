"""Each invariant is held twice: by full_clean (a clear message for the caller) and by the database
(an IntegrityError for any path that skips validation: a bulk load, raw SQL, a careless script)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from audit.models import AccessLog
from audit.services import access_log_record
from employers.models import Organization
from employers.services import organization_create
from profiles.models import (
    BorderCrossing,
    EmploymentContract,
    IdentityDocument,
    MigrationRegistration,
    PatentPayment,
    Permit,
    Person,
    RecordLink,
    SourceRecord,
    Stay,
)
from profiles.services import (
    employment_contract_record,
    identity_document_add,
    patent_payment_record,
    permit_record,
    person_rebuild_stays,
    source_record_link,
)
from profiles.tests.factories import (
    country,
    link_of,
    linked_person,
    make_crossing,
    make_organization,
    make_permit,
    make_person,
    make_record,
    make_registration,
    region,
)

pytestmark = pytest.mark.django_db

JAN_1, FEB_1, MAR_1 = dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 1)


def assert_invalid(message: str, call: Callable[[], Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        call()
    assert message in caught.value.messages


def assert_db_rejects(call: Callable[[], Any]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        call()


@pytest.fixture
def person() -> Person:
    return make_person()


def fact_columns(person: Person, system: str = "BORDER") -> dict[str, Any]:
    return {"person": person, "source_record": make_record(system=system, person=person)}


class TestIdentityDocuments:
    def test_a_document_cannot_expire_before_it_was_issued(self, person):
        assert_invalid(
            "A document cannot expire before it was issued.",
            lambda: identity_document_add(
                person=person, document_type="passport", issuing_country=country(), number="AA1234567",
                issued_on=FEB_1, expires_on=JAN_1,
            ),
        )  # fmt: skip
        assert_db_rejects(
            lambda: IdentityDocument.objects.create(
                person=person, document_type="passport", issuing_country=country(), number="AA1234567",
                number_normalized="AA1234567", issued_on=FEB_1, expires_on=JAN_1,
            )
        )  # fmt: skip

    def test_the_same_document_number_written_differently_is_a_duplicate(self, person):
        identity_document_add(person=person, document_type="passport", issuing_country=country(), number="AA 1234567")
        other = make_person(latin_surname="OTHER")

        assert_invalid(
            "This document (type, country, number) is already registered.",
            lambda: identity_document_add(
                person=other, document_type="passport", issuing_country=country(), number="aa-1234567"
            ),
        )
        assert_db_rejects(
            lambda: IdentityDocument.objects.create(
                person=other, document_type="passport", issuing_country=country(), number="aa-1234567",
                number_normalized="AA1234567",
            )
        )  # fmt: skip

    def test_the_same_number_from_another_country_is_another_document(self, person):
        identity_document_add(person=person, document_type="passport", issuing_country=country("UZB"), number="AA1")
        identity_document_add(person=person, document_type="passport", issuing_country=country("TJK"), number="AA1")

        assert IdentityDocument.objects.filter(number_normalized="AA1").count() == 2


class TestOrganizations:
    def test_a_mistyped_inn_is_rejected_with_the_check_digit_message(self):
        assert_invalid(
            "INN 7707083894 fails its check digit: it was probably mistyped.",
            lambda: organization_create(kind="legal_entity", name="PAO", inn="7707083894", region=region()),
        )

    def test_a_mistyped_ogrn_is_rejected_with_the_check_digit_message(self):
        assert_invalid(
            "OGRN 1027700132194 fails its check digit: it was probably mistyped.",
            lambda: organization_create(
                kind="legal_entity", name="PAO", inn="7707083893", ogrn="1027700132194", region=region()
            ),
        )

    def test_the_database_refuses_an_inn_of_the_wrong_length_for_the_kind(self):
        assert_invalid(
            "INN must have 10 digits for a legal entity and 12 otherwise.",
            lambda: organization_create(kind="legal_entity", name="IP", inn="500100732259", region=region()),
        )
        assert_db_rejects(
            lambda: Organization.objects.create(kind="legal_entity", name="X", inn="12345", region=region())
        )
        assert_db_rejects(
            lambda: Organization.objects.create(
                kind="legal_entity", name="X", inn="7707083893", ogrn="10277001321", region=region()
            )
        )


class TestRegistrations:
    def test_a_registration_cannot_end_before_it_starts(self, person):
        assert_invalid(
            "Registration cannot end before it starts.",
            lambda: make_registration(person, valid_from=FEB_1, valid_to=JAN_1),
        )
        assert_db_rejects(
            lambda: MigrationRegistration.objects.create(
                **fact_columns(person, "MIGREG"), region=region(), address="A", host_person_name="B",
                arrived_on=FEB_1, valid_from=FEB_1, valid_to=JAN_1,
            )
        )  # fmt: skip

    def test_a_person_has_at_most_one_open_registration(self, person):
        make_registration(person, valid_from=JAN_1)
        second = MigrationRegistration(
            **fact_columns(person, "MIGREG"), region=region("50"), address="A", host_person_name="B",
            arrived_on=FEB_1, valid_from=FEB_1, valid_to=MAR_1,
        )  # fmt: skip

        assert_invalid("This person already has an open registration; close it first.", second.full_clean)
        assert_db_rejects(second.save)


class TestStays:
    def test_a_person_has_at_most_one_open_stay(self, person):
        make_crossing(person, "entry", JAN_1)
        person_rebuild_stays(person=person)
        second_entry = make_crossing(person, "entry", FEB_1)
        second = Stay(person=person, entry=second_entry, entered_on=FEB_1)

        assert_invalid("This person already has an open stay (no exit recorded).", second.full_clean)
        assert_db_rejects(second.save)

    def test_a_stay_cannot_end_before_it_began(self, person):
        entry, exit_ = make_crossing(person, "entry", FEB_1), make_crossing(person, "exit", JAN_1)
        stay = Stay(person=person, entry=entry, exit=exit_, entered_on=FEB_1, exited_on=JAN_1)

        assert_invalid("The exit cannot be before the entry.", stay.full_clean)
        assert_db_rejects(stay.save)


class TestPermits:
    def permit(self, person: Person, **fields: Any) -> Permit:
        return permit_record(**fact_columns(person, "PATENT"), issued_on=JAN_1, valid_from=JAN_1, **fields)

    def test_a_permit_cannot_end_before_it_starts(self, person):
        assert_invalid(
            "A permit cannot end before it starts.",
            lambda: self.permit(person, kind="work_permit", valid_to=dt.date(2023, 12, 1)),
        )
        assert_db_rejects(
            lambda: Permit.objects.create(
                **fact_columns(person), kind="work_permit", issued_on=JAN_1, valid_from=JAN_1,
                valid_to=dt.date(2023, 12, 1),
            )
        )  # fmt: skip

    def test_only_a_residence_permit_may_be_indefinite(self, person):
        assert_invalid(
            "Only a residence permit (ВНЖ) may be indefinite.",
            lambda: self.permit(person, kind="work_permit", valid_to=None),
        )
        assert_db_rejects(
            lambda: Permit.objects.create(
                **fact_columns(person), kind="rvp", issued_on=JAN_1, valid_from=JAN_1, valid_to=None
            )
        )
        assert self.permit(person, kind="vnzh", valid_to=None).valid_to is None

    def test_a_patent_is_issued_for_a_region(self, person):
        assert_invalid("A patent is issued for a region.", lambda: self.permit(person, kind="patent", valid_to=MAR_1))
        assert_db_rejects(
            lambda: Permit.objects.create(
                **fact_columns(person), kind="patent", issued_on=JAN_1, valid_from=JAN_1, valid_to=MAR_1
            )
        )

    def test_a_patent_payment_cannot_cover_a_reversed_period(self, person):
        patent = make_permit(person, valid_from=JAN_1)
        payment = {"paid_on": JAN_1, "amount": Decimal("7500.00"), "months": 1, "period_from": MAR_1}

        assert_invalid(
            "The paid period cannot end before it starts.",
            lambda: patent_payment_record(
                permit=patent, source_record=make_record(system="FNS", person=person), paid_until=FEB_1,
                receipt_number="R-1", **payment,
            ),
        )  # fmt: skip
        assert_db_rejects(
            lambda: PatentPayment.objects.create(
                **fact_columns(person, "FNS"), permit=patent, paid_until=FEB_1, receipt_number="R-2", **payment
            )
        )


class TestContracts:
    def test_a_terminated_contract_needs_its_termination_date(self, person):
        columns = {
            "employer": make_organization(), "position": "Mason", "work_region": region(),
            "concluded_on": JAN_1, "starts_on": JAN_1, "status": "terminated",
        }  # fmt: skip

        assert_invalid(
            "A terminated contract needs a termination date, and only it.",
            lambda: employment_contract_record(**fact_columns(person, "EMPLOYER"), **columns),
        )
        assert_db_rejects(lambda: EmploymentContract.objects.create(**fact_columns(person, "EMPLOYER"), **columns))


class TestPersons:
    def test_a_birth_date_before_1900_is_a_data_entry_error(self):
        assert_invalid(
            "Birth date is before 1900: it is a data-entry error.",
            lambda: make_person(birth_date=dt.date(1899, 12, 31)),
        )
        assert_db_rejects(
            lambda: Person.objects.create(
                latin_surname="OLD", birth_date=dt.date(1899, 12, 31), sex="M", citizenship=country()
            )
        )

    def test_a_phone_must_be_in_e164_form(self):
        assert_invalid("Phone must be in E.164 form, e.g. +998901234567.", lambda: make_person(phone="12-34"))
        assert_db_rejects(
            lambda: Person.objects.create(
                latin_surname="X", birth_date=JAN_1, sex="M", citizenship=country(), phone="89161234567"
            )
        )


class TestWriteOnceRows:
    def test_a_source_record_payload_cannot_be_updated(self):
        record = make_record(payload={"surname": "KARIMOV"})

        assert_db_rejects(lambda: SourceRecord.objects.filter(pk=record.pk).update(payload={"surname": "KARIMOW"}))
        assert_db_rejects(lambda: SourceRecord.objects.filter(pk=record.pk).update(source_record_id="other"))

    def test_a_source_record_can_still_be_linked_and_moved(self, person):
        record = make_record(payload={"surname": "KARIMOV"})
        other = make_person(latin_surname="KARIMOV", latin_given_names="HASAN")

        source_record_link(record=record, person=person, score=0.97)
        source_record_link(record=record, person=other, score=1.0)

        record.refresh_from_db()
        assert (linked_person(record), link_of(record).score, record.payload) == (other, 1.0, {"surname": "KARIMOV"})
        assert RecordLink.objects.filter(record=record).count() == 1

    def test_a_link_score_outside_zero_to_one_is_refused(self, person):
        record = make_record()

        assert_db_rejects(
            lambda: RecordLink.objects.create(record=record, person=person, score=1.5, linked_at=record.received_at)
        )

    def test_a_source_record_saved_whole_with_its_values_unchanged_is_allowed(self, person):
        record = make_record(payload={"surname": "KARIMOV"})

        # save() names every column in its UPDATE, the guarded ones with the values they have.
        record.save()

        record.refresh_from_db()
        assert record.payload == {"surname": "KARIMOV"}
        record.payload = {"surname": "KARIMOW"}
        assert_db_rejects(record.save)

    @pytest.mark.postgres
    def test_a_source_record_cannot_be_deleted_on_postgresql(self):
        if connection.vendor != "postgresql":
            pytest.skip("SQLite guards updates only (see migrant_platform/write_once.py).")
        record = make_record()

        assert_db_rejects(lambda: SourceRecord.objects.filter(pk=record.pk).delete())

    def test_an_access_log_entry_cannot_be_updated(self, person, officer):
        entry = access_log_record(
            user=officer, person_id=person.pk, channel="admin", purpose="application", reference="APP-1"
        )

        assert_db_rejects(lambda: AccessLog.objects.filter(pk=entry.pk).update(reference="nothing to see"))

    def test_an_access_log_entry_needs_a_reference(self, person, officer):
        with pytest.raises(ValidationError) as caught:
            access_log_record(user=officer, person_id=person.pk, channel="admin", purpose="application", reference=" ")
        assert caught.value.error_dict["reference"][0].code == "blank"
        assert_db_rejects(
            lambda: AccessLog.objects.create(
                user=officer, person=person, channel="admin", purpose="application", reference=" "
            )
        )

    def test_crossings_record_their_purpose_on_entry_only(self, person):
        assert_db_rejects(
            lambda: BorderCrossing.objects.create(
                **fact_columns(person), direction="exit", crossed_on=JAN_1, checkpoint="X", purpose="work"
            )
        )
