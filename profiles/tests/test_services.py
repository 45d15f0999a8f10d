from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from profiles.models import IdentityDocument, MigrationRegistration, PersonNameKey, SourceRecord, Stay
from profiles.services import (
    identity_document_add,
    person_rebuild_stays,
    person_refresh_name_keys,
    person_update,
    source_record_receive,
)
from profiles.tests.factories import country, make_crossing, make_person, make_record, make_registration
from reference.models import SourceSystem

pytestmark = pytest.mark.django_db

ENTRY, EXIT = "entry", "exit"


def d(day: str) -> dt.date:
    return dt.date.fromisoformat(day)


def stay_dates(person) -> list[tuple[dt.date, dt.date | None]]:
    return list(Stay.objects.filter(person=person).order_by("entered_on").values_list("entered_on", "exited_on"))


class TestPersonRebuildStays:
    def test_it_pairs_each_entry_with_the_next_exit(self):
        person = make_person()
        for direction, day in [
            (ENTRY, "2024-01-10"),
            (EXIT, "2024-03-01"),
            (ENTRY, "2024-05-02"),
            (EXIT, "2024-06-30"),
        ]:
            make_crossing(person, direction, d(day))

        result = person_rebuild_stays(person=person)

        assert result.conflicts == []
        assert stay_dates(person) == [(d("2024-01-10"), d("2024-03-01")), (d("2024-05-02"), d("2024-06-30"))]

    def test_the_last_entry_without_an_exit_is_the_one_open_stay(self):
        person = make_person()
        make_crossing(person, ENTRY, d("2024-01-10"))
        make_crossing(person, EXIT, d("2024-02-10"))
        make_crossing(person, ENTRY, d("2024-04-01"))

        person_rebuild_stays(person=person)

        assert stay_dates(person) == [(d("2024-01-10"), d("2024-02-10")), (d("2024-04-01"), None)]

    def test_an_exit_with_no_entry_is_skipped_and_reported(self):
        person = make_person()
        orphan = make_crossing(person, EXIT, d("2024-01-05"))
        make_crossing(person, ENTRY, d("2024-02-01"))
        make_crossing(person, EXIT, d("2024-03-01"))

        result = person_rebuild_stays(person=person)

        assert [c.crossing_id for c in result.conflicts] == [orphan.pk]
        assert "no entry" in result.conflicts[0].reason
        assert stay_dates(person) == [(d("2024-02-01"), d("2024-03-01"))]

    def test_two_entries_in_a_row_report_the_first_and_pair_the_second(self):
        person = make_person()
        first = make_crossing(person, ENTRY, d("2024-01-10"))
        make_crossing(person, ENTRY, d("2024-05-01"))
        make_crossing(person, EXIT, d("2024-06-01"))

        result = person_rebuild_stays(person=person)

        assert [c.crossing_id for c in result.conflicts] == [first.pk]
        assert stay_dates(person) == [(d("2024-05-01"), d("2024-06-01"))]

    def test_an_exit_and_re_entry_on_the_same_day_is_a_visa_run(self):
        person = make_person()
        make_crossing(person, ENTRY, d("2024-01-10"))
        # Recorded in the wrong order on the same day: re-entry first, then the exit.
        make_crossing(person, ENTRY, d("2024-04-08"))
        make_crossing(person, EXIT, d("2024-04-08"))

        result = person_rebuild_stays(person=person)

        assert result.conflicts == []
        assert stay_dates(person) == [(d("2024-01-10"), d("2024-04-08")), (d("2024-04-08"), None)]

    def test_rebuilding_again_replaces_the_previous_stays(self):
        person = make_person()
        make_crossing(person, ENTRY, d("2024-01-10"))
        person_rebuild_stays(person=person)
        make_crossing(person, EXIT, d("2024-02-10"))

        person_rebuild_stays(person=person)

        assert stay_dates(person) == [(d("2024-01-10"), d("2024-02-10"))]


class TestSourceRecordReceive:
    def receive(self, payload: dict, **fields) -> SourceRecord:
        return source_record_receive(
            source_system=SourceSystem.objects.get(code="MIGREG"), source_record_id="R-1", payload=payload, **fields
        )

    def test_receiving_the_same_record_twice_returns_the_stored_one(self):
        first = self.receive({"surname": "KARIMOV", "dates": ("2024-01-01",)})
        again = self.receive({"surname": "KARIMOV", "dates": ["2024-01-01"]})

        assert again.pk == first.pk
        assert SourceRecord.objects.count() == 1

    def test_the_same_id_with_a_different_payload_asks_for_a_superseding_record(self):
        self.receive({"surname": "KARIMOV"})

        with pytest.raises(ValidationError, match="supersedes"):
            self.receive({"surname": "KARIMOW"})

    def test_a_correction_is_a_new_record_that_supersedes_the_old_one(self):
        old = self.receive({"surname": "KARIMOW"})
        correction = source_record_receive(
            source_system=old.source_system,
            source_record_id="R-1-fix",
            payload={"surname": "KARIMOV"},
            supersedes=old,
        )

        assert correction.supersedes == old

    def test_it_stores_the_document_number_and_phone_normalized(self):
        record = self.receive({"doc": "АА 123-45 67"}, document_number="АА 123-45 67", phone="8 916 123-45-67")

        assert (record.document_number, record.phone) == ("AA1234567", "+79161234567")


class TestRegistrationRecord:
    def test_a_new_registration_closes_the_open_one_on_its_first_day(self):
        person = make_person()
        first = make_registration(person, region_code="77", valid_from=d("2024-01-10"))

        second = make_registration(person, region_code="50", valid_from=d("2024-03-01"))

        first.refresh_from_db()
        assert first.closed_on == d("2024-03-01")
        assert second.closed_on is None
        assert MigrationRegistration.objects.filter(person=person, closed_on__isnull=True).get() == second

    def test_a_late_arriving_older_registration_is_stored_closed_and_the_open_one_stays_open(self):
        person = make_person()
        current = make_registration(person, valid_from=d("2024-03-01"))

        older = make_registration(person, valid_from=d("2024-01-10"))

        current.refresh_from_db()
        assert current.closed_on is None
        assert older.closed_on == d("2024-03-01")

    def test_an_invalid_new_registration_leaves_the_open_one_open(self):
        person = make_person()
        current = make_registration(person, valid_from=d("2024-03-01"))

        with pytest.raises(ValidationError, match="cannot end before it starts"):
            make_registration(person, valid_from=d("2024-05-01"), valid_to=d("2024-04-01"))

        current.refresh_from_db()
        assert current.closed_on is None


class TestNameKeys:
    def keys(self, person) -> set[str]:
        return set(PersonNameKey.objects.filter(person=person).values_list("key", flat=True))

    def test_creating_a_person_stores_the_keys_of_the_canonical_names(self):
        person = make_person(latin_surname="KARIMOV", latin_given_names="AZIZ", cyrillic_surname="Каримов")

        assert self.keys(person) == {"KARIMOV", "AZIZ"}

    def test_linking_a_record_adds_its_spellings_and_renaming_drops_the_old_ones(self):
        person = make_person(latin_surname="JURAEV", latin_given_names="BOBUR")
        make_record(person=person, surname="Жураев", given_names="Бобур", patronymic="Алишерович")
        assert self.keys(person) == {"JURAEV", "BOBUR", "ALISHEROVICH"}

        person_update(person=person, changes={"latin_given_names": "BAHODIR"})

        assert person_refresh_name_keys(person=person) == {"JURAEV", "BOBUR", "BAHODIR", "ALISHEROVICH"}
        assert self.keys(person) == {"JURAEV", "BOBUR", "BAHODIR", "ALISHEROVICH"}


class TestPersonAndDocuments:
    def test_a_phone_typed_in_any_format_is_stored_in_e164(self):
        person = make_person(phone="8 (916) 123-45-67")

        assert person.phone == "+79161234567"

    def test_a_document_number_is_stored_as_written_and_normalized(self):
        person = make_person()
        document = identity_document_add(
            person=person, document_type="passport", issuing_country=country("UZB"), number="аа 123-45 67"
        )

        assert (document.number, document.number_normalized) == ("аа 123-45 67", "AA1234567")
        assert IdentityDocument.objects.get(number_normalized="AA1234567") == document
