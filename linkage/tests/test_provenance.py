from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AccessLog
from linkage.models import DataQualityCase
from linkage.provenance import (
    ConflictKind,
    Field,
    data_quality_case_mark_resolved,
    data_quality_case_mark_sent,
    data_quality_case_open,
    person_provenance,
)
from profiles.models import Person
from profiles.services import border_crossing_record, registration_record
from profiles.tests.factories import country, make_person, make_record, region

pytestmark = pytest.mark.django_db

RECEIVED = dt.datetime(2024, 3, 1, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def person() -> Person:
    return make_person(latin_surname="KARIMOV", latin_given_names="JASUR")


def stated(person: Person, system: str, **fields):
    fields.setdefault("received_at", RECEIVED)
    return make_record(system=system, person=person, **fields)


def registration(person: Person, *, valid_from: dt.date, system: str = "MIGREG"):
    return registration_record(
        person=person,
        source_record=stated(person, system),
        region=region("77"),
        address="Moscow, Tverskaya 1",
        host_person_name="Ivanov Ivan",
        arrived_on=valid_from,
        valid_from=valid_from,
        valid_to=valid_from + dt.timedelta(days=90),
    )


def crossing(person: Person, direction: str, on: dt.date):
    return border_crossing_record(
        person=person,
        source_record=stated(person, "BORDER"),
        direction=direction,
        crossed_on=on,
        checkpoint="Sheremetyevo",
    )


def kinds(person: Person) -> list[str]:
    return [conflict.kind for conflict in person_provenance(person=person).conflicts]


class TestValues:
    def test_each_value_lists_the_agencies_that_stated_it_and_when(self, person):
        border = stated(person, "BORDER", surname="KARIMOV", given_names="JASUR", birth_date=dt.date(1990, 5, 17))
        later = RECEIVED + dt.timedelta(days=3)
        migreg = stated(
            person, "MIGREG", surname="Каримов", given_names="Жасур", birth_date=dt.date(1990, 5, 17), received_at=later
        )

        provenance = person_provenance(person=person)

        (birth_date,) = provenance.values[Field.BIRTH_DATE]
        assert birth_date.value == "1990-05-17"
        assert [(s.system, s.source_record_id, s.received_at) for s in birth_date.sources] == [
            ("BORDER", border.source_record_id, RECEIVED),
            ("MIGREG", migreg.source_record_id, later),
        ]
        assert [v.value for v in provenance.values[Field.NAME_LATIN]] == ["KARIMOV JASUR"]
        assert [v.value for v in provenance.values[Field.NAME_CYRILLIC]] == ["Каримов Жасур"]
        assert provenance.values[Field.NAME_CYRILLIC][0].systems == ["MIGREG"]

    def test_spellings_differing_only_in_case_and_spaces_are_one_value(self, person):
        stated(person, "BORDER", surname="KARIMOV", given_names="JASUR")
        stated(person, "PATENT", surname="Karimov ", given_names=" Jasur")

        (name,) = person_provenance(person=person).values[Field.NAME_LATIN]
        assert name.systems == ["BORDER", "PATENT"]

    def test_documents_phones_and_addresses_have_their_sources(self, person):
        stated(person, "PATENT", document_type="passport", document_number="AA1234567", phone="+998901234567")
        registration(person, valid_from=dt.date(2024, 1, 10))

        values = person_provenance(person=person).values

        assert [(v.value, v.systems) for v in values[Field.DOCUMENT]] == [
            ("National passport of a foreign state AA1234567", ["PATENT"])
        ]
        assert [(v.value, v.systems) for v in values[Field.PHONE]] == [("+998901234567", ["PATENT"])]
        (address,) = values[Field.ADDRESS]
        assert address.value.startswith("77 ") and address.value.endswith(", Moscow, Tverskaya 1")
        assert address.systems == ["MIGREG"]

    def test_it_reads_a_profile_in_a_fixed_number_of_queries(self, person, django_assert_num_queries):
        def grow(count: int) -> None:
            for _ in range(count):
                stated(person, "BORDER", surname="KARIMOV", birth_date=dt.date(1990, 5, 17), document_type="passport",
                       document_number="AA1234567")  # fmt: skip
                crossing(person, "entry", dt.date(2024, 1, 1))
            registration(person, valid_from=dt.date(2024, 1, 10) + dt.timedelta(days=count))

        grow(2)
        with django_assert_num_queries(5):
            person_provenance(person=person)
        grow(10)
        with django_assert_num_queries(5):
            person_provenance(person=person)


class TestConflicts:
    def test_two_birth_dates_are_a_conflict_naming_both_sources(self, person):
        stated(person, "BORDER", birth_date=dt.date(1990, 5, 17))
        stated(person, "PATENT", birth_date=dt.date(1990, 5, 17))
        wrong = stated(person, "MIGREG", birth_date=dt.date(1990, 7, 15))

        (conflict,) = person_provenance(person=person).conflicts

        assert conflict.kind == ConflictKind.BIRTH_DATE
        assert "1990-05-17 (BORDER, PATENT)" in conflict.description
        assert "1990-07-15 (MIGREG)" in conflict.description
        assert conflict.suggested_record_ids == [wrong.pk]
        assert conflict.systems == ["BORDER", "MIGREG", "PATENT"]

    def test_two_sexes_are_a_conflict(self, person):
        stated(person, "BORDER", sex="M")
        stated(person, "MIGREG", sex="F")

        assert kinds(person) == [ConflictKind.SEX]

    def test_an_exit_while_a_registration_is_open_is_a_conflict(self, person):
        registration(person, valid_from=dt.date(2024, 1, 10))
        crossing(person, "entry", dt.date(2024, 1, 5))
        crossing(person, "exit", dt.date(2024, 3, 1))

        (conflict,) = person_provenance(person=person).conflicts

        assert conflict.kind == ConflictKind.EXIT_WITH_OPEN_REGISTRATION
        assert "01.03.2024" in conflict.description
        assert conflict.systems == ["BORDER", "MIGREG"]

    def test_an_exit_followed_by_a_new_entry_or_a_closed_registration_is_no_conflict(self, person):
        registration(person, valid_from=dt.date(2024, 1, 10))
        crossing(person, "exit", dt.date(2024, 3, 1))
        crossing(person, "entry", dt.date(2024, 3, 5))
        assert kinds(person) == []

        other = make_person(latin_surname="TOSHEV")
        registration(other, valid_from=dt.date(2024, 1, 10))
        registration(other, valid_from=dt.date(2024, 2, 10))  # closes the first one
        crossing(other, "exit", dt.date(2024, 2, 1))
        crossing(other, "entry", dt.date(2024, 2, 9))
        assert kinds(other) == []

    def test_an_exit_before_the_registration_began_is_no_conflict(self, person):
        crossing(person, "exit", dt.date(2024, 1, 1))
        registration(person, valid_from=dt.date(2024, 1, 10))

        assert kinds(person) == []

    def test_a_document_number_seen_with_two_birth_dates_is_a_conflict(self, person):
        stated(person, "BORDER", document_type="passport", document_number="AA1234567", birth_date=dt.date(1990, 5, 17))
        elsewhere = make_record(
            system="PATENT", document_type="passport", document_number="AA 123 45 67", birth_date=dt.date(1991, 5, 17)
        )

        (conflict,) = person_provenance(person=person).conflicts

        assert conflict.kind == ConflictKind.DOCUMENT_BIRTH_DATES
        assert elsewhere.pk in conflict.record_ids
        assert conflict.systems == ["BORDER", "PATENT"]


class TestDataQualityCases:
    def test_a_case_goes_to_the_source_system_of_the_conflicting_record(self, person, superuser):
        stated(person, "BORDER", birth_date=dt.date(1990, 5, 17))
        wrong = stated(person, "MIGREG", birth_date=dt.date(1990, 7, 15))
        (conflict,) = person_provenance(person=person).conflicts

        (case,) = data_quality_case_open(
            person=person, kind=conflict.kind, description=conflict.description, records=[wrong], user=superuser
        )

        assert case.source_system_id == "MIGREG"
        assert list(case.records.all()) == [wrong]
        assert (case.person, case.kind, case.status, case.created_by) == (
            person,
            ConflictKind.BIRTH_DATE,
            "open",
            superuser,
        )

    def test_records_of_two_agencies_open_one_case_each_and_resending_adds_to_the_open_case(self, person, superuser):
        border = stated(person, "BORDER", birth_date=dt.date(1990, 5, 17))
        migreg = stated(person, "MIGREG", birth_date=dt.date(1990, 7, 15))

        cases = data_quality_case_open(
            person=person, kind="birth_date_conflict", description="Two dates", records=[border, migreg], user=superuser
        )
        again = stated(person, "MIGREG", birth_date=dt.date(1990, 7, 15))
        (same,) = data_quality_case_open(
            person=person, kind="birth_date_conflict", description="Two dates", records=[again], user=superuser
        )

        assert sorted(case.source_system_id for case in cases) == ["BORDER", "MIGREG"]
        assert same.pk == next(case.pk for case in cases if case.source_system_id == "MIGREG")
        assert set(same.records.all()) == {migreg, again}
        assert DataQualityCase.objects.count() == 2

    def test_a_case_is_sent_then_resolved(self, person, superuser):
        (case,) = data_quality_case_open(
            person=person,
            kind="sex_conflict",
            description="M and F",
            records=[stated(person, "BORDER")],
            user=superuser,
        )

        case = data_quality_case_mark_sent(case=case, user=superuser)
        assert (case.status, case.sent_at is not None) == ("sent", True)
        with pytest.raises(ValidationError, match="Only an open case"):
            data_quality_case_mark_sent(case=case, user=superuser)
        case = data_quality_case_mark_resolved(case=case, user=superuser)
        assert (case.status, case.resolved_at is not None) == ("resolved", True)

    def test_a_case_needs_records_and_a_description(self, person, superuser):
        with pytest.raises(ValidationError):
            data_quality_case_open(person=person, kind="sex_conflict", description="x", records=[], user=superuser)
        with pytest.raises(ValidationError):
            data_quality_case_open(
                person=person, kind="sex_conflict", description=" ", records=[stated(person, "FNS")], user=superuser
            )


class TestProvenanceAdmin:
    def url(self, person: Person) -> str:
        return reverse("admin:linkage_provenance", args=[person.pk])

    def test_the_page_asks_for_a_purpose_then_logs_every_view(self, client, superuser, person):
        client.force_login(superuser)
        stated(person, "BORDER", birth_date=dt.date(1990, 5, 17))

        response = client.get(self.url(person))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:audit_accesslog_purpose", args=[person.pk]))

        client.post(response["Location"], {"purpose": "data_quality", "reference": "DQ-7"})
        logged = AccessLog.objects.count()
        page = client.get(self.url(person))

        assert page.status_code == 200
        assert "BORDER" in page.content.decode()
        assert AccessLog.objects.count() == logged + 1
        assert AccessLog.objects.order_by("-id").first().reference == "DQ-7"

    def test_staff_send_a_conflict_to_the_source_agency_from_the_page(
        self, client, superuser, person, django_assert_max_num_queries
    ):
        client.force_login(superuser)
        client.post(
            reverse("admin:audit_accesslog_purpose", args=[person.pk]), {"purpose": "data_quality", "reference": "DQ-7"}
        )
        stated(person, "BORDER", birth_date=dt.date(1990, 5, 17))
        stated(person, "PATENT", birth_date=dt.date(1990, 5, 17))
        wrong = stated(person, "MIGREG", birth_date=dt.date(1990, 7, 15))
        registration(person, valid_from=dt.date(2024, 1, 10))
        crossing(person, "exit", dt.date(2024, 3, 1))

        # Session, user, person; the access log row (5 with its savepoints); the provenance (4-5);
        # the conflicting records and the person's cases: fixed, whatever the size of the profile.
        with django_assert_max_num_queries(16):
            page = client.get(self.url(person))
        assert page.status_code == 200
        assert len(page.context["conflicts"]) == 2

        response = client.post(
            self.url(person),
            {
                "conflict": "0",
                "c0-kind": "birth_date_conflict",
                "c0-description": "Check the date",
                "c0-records": [wrong.pk],
            },
        )

        assert response.status_code == 302
        case = DataQualityCase.objects.get()
        assert (case.source_system_id, case.kind, case.description) == (
            "MIGREG",
            "birth_date_conflict",
            "Check the date",
        )

    def test_case_actions_move_the_status(self, client, superuser, person):
        client.force_login(superuser)
        (case,) = data_quality_case_open(
            person=person,
            kind="sex_conflict",
            description="M and F",
            records=[stated(person, "BORDER")],
            user=superuser,
        )

        client.post(
            reverse("admin:linkage_dataqualitycase_changelist"),
            {"action": "mark_sent", "_selected_action": [case.pk]},
        )

        case.refresh_from_db()
        assert case.status == "sent"

    def test_a_case_page_is_read_only_and_purpose_bound(self, client, superuser, person):
        client.force_login(superuser)
        (case,) = data_quality_case_open(
            person=person,
            kind="sex_conflict",
            description="M and F",
            records=[stated(person, "BORDER")],
            user=superuser,
        )
        url = reverse("admin:linkage_dataqualitycase_change", args=[case.pk])

        assert client.get(url)["Location"].startswith(reverse("admin:audit_accesslog_purpose", args=[person.pk]))
        client.post(
            reverse("admin:audit_accesslog_purpose", args=[person.pk]), {"purpose": "data_quality", "reference": "DQ-7"}
        )
        page = client.get(url)

        assert page.status_code == 200
        assert "M and F" in page.content.decode()
        assert 'name="_save"' not in page.content.decode()

    def test_the_case_list_has_a_bounded_number_of_queries(self, client, superuser, django_assert_max_num_queries):
        client.force_login(superuser)
        for index in range(5):
            someone = make_person(latin_surname=f"KARIMOV{'I' * index}")
            data_quality_case_open(
                person=someone,
                kind="sex_conflict",
                description="M and F",
                records=[stated(someone, "BORDER", citizenship=country())],
                user=superuser,
            )

        with django_assert_max_num_queries(10):
            response = client.get(reverse("admin:linkage_dataqualitycase_changelist"))
        assert response.status_code == 200


def test_a_document_stated_by_a_record_is_listed_once_for_it(person):
    from profiles.services import identity_document_add

    record = stated(person, "BORDER", document_type="passport", document_number="AA1234567")
    identity_document_add(
        person=person, document_type="passport", issuing_country=country(), number="AA1234567", source_record=record
    )
    identity_document_add(person=person, document_type="migration_card", issuing_country=country("RUS"), number="MC1")

    values = person_provenance(person=person).values[Field.DOCUMENT]

    assert [[s.source_record_id for s in v.sources] for v in values] == [[record.source_record_id], [""]]
    assert values[1].sources[0].system_name == "entered by staff"
