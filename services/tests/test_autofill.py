"""The autofill selector alone: every prefill path resolves to what the profile recorded."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from profiles.services import identity_document_add
from profiles.tests.factories import country, make_person
from services.models import ServiceDefinition
from services.schema import PREFILL_PATHS, schema_validate
from services.selectors import correction_initial, prefill_values, service_form_initial
from services.tests.conftest import TODAY, full_profile, service

pytestmark = pytest.mark.django_db


def definition(*fields: dict) -> ServiceDefinition:
    return ServiceDefinition(code="t", reference_prefix="TST", title="T", sla_working_days=1, fields=list(fields))


EXPECTED = {
    "person.latin_surname": "KARIMOV",
    "person.latin_given_names": "ALISHER",
    "person.cyrillic_surname": "Каримов",
    "person.cyrillic_given_names": "Алишер",
    "person.cyrillic_patronymic": "Бахтиёрович",
    "person.birth_date": dt.date(1990, 5, 17),
    "person.sex": "M",
    "person.citizenship": "UZB",
    "person.phone": "+998901234567",
    "person.email": "karimov@example.org",
    "document.passport.number": "FA 1234567",
    "document.passport.issued_on": TODAY - dt.timedelta(days=400),
    "document.passport.expires_on": TODAY + dt.timedelta(days=3000),
    "document.passport.issuing_country": "UZB",
    "document.migration_card.number": "4617 123456",
    "crossing.last_entry.date": TODAY - dt.timedelta(days=100),
    "crossing.last_entry.migration_card_number": "4617123456",
    "registration.current.address": "Moscow, Tverskaya 1",
    "registration.current.region": "77",
    "registration.current.valid_to": TODAY + dt.timedelta(days=200),
    "permit.patent.number": "77 2400012345",
    "permit.patent.region": "77",
    "permit.patent.profession": "Builder",
    "permit.patent.issued_on": TODAY - dt.timedelta(days=90),
    "permit.patent.valid_to": TODAY + dt.timedelta(days=275),
    "permit.residence.kind": None,
    "permit.residence.number": None,
    "permit.residence.valid_to": None,
    "payment.last.paid_until": TODAY + dt.timedelta(days=20),
    "payment.last.paid_on": TODAY - dt.timedelta(days=91),
    "payment.last.receipt_number": "UIN0000000001",
    "contract.current.employer": "OOO Stroy Moscow",
}


@pytest.mark.parametrize("path", sorted(PREFILL_PATHS))
def test_each_prefill_path_gives_what_the_profile_recorded(path):
    person = full_profile()
    value = prefill_values(person=person, paths=[path])[path]
    if path == "payment.last.receipt_number":
        assert value.startswith("UIN")
    else:
        assert value == EXPECTED[path]


def test_every_prefill_path_has_an_expected_value_in_this_test():
    assert set(EXPECTED) == set(PREFILL_PATHS)


def test_the_residence_permit_paths_read_an_rvp(resident):
    values = prefill_values(person=resident, paths=["permit.residence.kind", "permit.residence.number"])
    assert values == {"permit.residence.kind": "rvp", "permit.residence.number": "RVP-0012345"}


def test_the_form_initial_holds_only_the_fields_the_profile_knows():
    person = make_person(latin_surname="NOPASSPORT", latin_given_names="", phone="")
    initial = service_form_initial(person=person, service=service("patent-reissue"))
    assert initial == {"latin_surname": "NOPASSPORT", "birth_date": dt.date(1990, 5, 17)}


def test_the_patent_renewal_form_is_filled_from_the_profile():
    initial = service_form_initial(person=full_profile(), service=service("patent-reissue"))
    assert initial == {
        "latin_surname": "KARIMOV",
        "latin_given_names": "ALISHER",
        "birth_date": dt.date(1990, 5, 17),
        "passport_number": "FA 1234567",
        "passport_expires_on": TODAY + dt.timedelta(days=3000),
        "patent_number": "77 2400012345",
        "patent_region": "77",
        "patent_valid_to": TODAY + dt.timedelta(days=275),
        "paid_until": TODAY + dt.timedelta(days=20),
        "profession": "Builder",
        "address": "Moscow, Tverskaya 1",
        "phone": "+998901234567",
    }


def test_an_expired_passport_is_not_offered_as_the_current_one():
    person = make_person()
    identity_document_add(person=person, document_type="passport", issuing_country=country("UZB"), number="OLD1234",
                          issued_on=dt.date(2010, 1, 1), expires_on=TODAY - dt.timedelta(days=1))  # fmt: skip
    assert prefill_values(person=person, paths=["document.passport.number"]) == {"document.passport.number": None}


def test_the_newest_valid_passport_wins():
    person = make_person()
    for number, issued in (("AA1111111", dt.date(2015, 1, 1)), ("AB2222222", dt.date(2022, 1, 1))):
        identity_document_add(person=person, document_type="passport", issuing_country=country("UZB"), number=number,
                              issued_on=issued, expires_on=issued + dt.timedelta(days=3650))  # fmt: skip
    assert prefill_values(person=person, paths=["document.passport.number"])["document.passport.number"] == "AB2222222"


def test_autofill_reads_each_group_of_facts_once(django_assert_max_num_queries):
    person = full_profile()
    every_path = definition(*({"name": f"f{i}", "type": "text", "label": "x", "prefill": path}
                              for i, path in enumerate(PREFILL_PATHS)))  # fmt: skip
    # documents, last entry, registration, permits, payment, contract: one query each.
    with django_assert_max_num_queries(6):
        initial = service_form_initial(person=person, service=every_path)
    assert len(initial) == len(PREFILL_PATHS) - 3  # the three residence paths: no RVP or VNZh


def test_a_correction_starts_from_the_recorded_value_read_again_from_the_profile():
    person = full_profile()
    assert correction_initial(person=person, path="document.passport.number") == {
        "field_to_correct": "document.passport.number",
        "recorded_value": "FA 1234567",
    }
    assert correction_initial(person=person, path="person.password") == {}


def test_every_shipped_service_has_a_sound_schema():
    for shipped in ServiceDefinition.objects.all():
        schema_validate(shipped.fields)
    assert ServiceDefinition.objects.count() == 7


def test_a_schema_with_an_unknown_prefill_path_is_refused():
    with pytest.raises(ValidationError, match="unknown prefill path"):
        definition({"name": "x", "type": "text", "label": "X", "prefill": "person.password"}).full_clean()


def test_an_mrz_field_must_fill_fields_that_exist():
    with pytest.raises(ValidationError, match="do not exist"):
        schema_validate([{"name": "m", "type": "mrz", "label": "MRZ", "fills": {"nope": "document_number"}}])
