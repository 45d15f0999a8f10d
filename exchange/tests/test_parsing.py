"""Row parsing is pure: these tests build the reference index by hand and touch no database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from exchange.parsing import ReferenceIndex, payload_canonical, record_parse
from exchange.tests.rows import (
    EMPLOYER_INN,
    PERSON_INN,
    contract_row,
    crossing_row,
    patent_row,
    payment_row,
    person_row,
    registration_row,
)

TODAY = dt.date(2026, 1, 15)
REF = ReferenceIndex(
    countries={
        ReferenceIndex.fold(spelling): iso3
        for iso3, spellings in {
            "UZB": ("UZB", "UZ", "860", "Узбекистан", "Uzbekistan"),
            "TJK": ("TJK", "TJ", "Таджикистан", "Tajikistan"),
            "RUS": ("RUS", "RU", "Россия", "Russia"),
        }.items()
        for spelling in spellings
    },
    regions=frozenset({"77", "50", "01", "78"}),
    source_systems={"BORDER": True, "MIGREG": True, "PATENT": True, "FNS": True, "EMPLOYER": True, "OLD": False},
)


def parse(row, **kwargs):
    return record_parse(row, ref=REF, today=TODAY, **kwargs)


def errors_of(row, **kwargs):
    record, errors = parse(row, **kwargs)
    assert record is None, "the row was expected to fail"
    return errors


def test_a_good_row_is_normalized_for_linking():
    record, errors = parse(person_row())

    assert errors == {}
    assert record.key == ("BORDER", "B-1")
    assert record.record_type == "person"
    assert (record.surname, record.given_names, record.patronymic) == ("КАРИМОВ", "ЖАСУР", "БАХОДИРОВИЧ")
    assert record.birth_date == dt.date(1990, 5, 17)
    assert record.sex == "M"
    assert record.citizenship == "UZB"
    assert record.document_number == "FA1234567"
    assert record.document_country == "UZB"
    assert record.phone == "+79161234567"
    assert record.tax_id == PERSON_INN


@pytest.mark.parametrize("birth_date", ["1990-05-17", "17.05.1990", "7.5.1990"])
def test_it_reads_iso_and_russian_dates(birth_date):
    record, _ = parse(person_row(birth_date=birth_date))

    assert record.birth_date.year == 1990


@pytest.mark.parametrize("citizenship", ["UZB", "uz", "Узбекистан", " uzbekistan ", "860"])
def test_citizenship_may_be_iso3_iso2_or_a_country_name(citizenship):
    record, _ = parse(person_row(citizenship=citizenship))

    assert record.citizenship == "UZB"


@pytest.mark.parametrize(("sex", "expected"), [("М", "M"), ("Ж", "F"), ("m", "M"), ("F", "F")])
def test_sex_may_be_written_in_cyrillic_or_latin(sex, expected):
    record, _ = parse(person_row(sex=sex))

    assert record.sex == expected


@pytest.mark.parametrize(
    ("surname", "given_names"), [("KARIMOV", "JASUR"), ("Qarimov", "Jasur"), ("Раҳмонзода", "Ҷамшед"), ("Zhāng", "Wěi")]
)
def test_names_may_be_in_any_script(surname, given_names):
    record, _ = parse(person_row(surname=surname, given_names=given_names))

    assert record.surname == surname.upper()


def test_the_document_number_is_normalized_from_cyrillic_look_alikes():
    record, _ = parse(person_row(document_number="АВ 12-34 567"))

    assert record.document_number == "AB1234567"


def test_a_residence_permit_number_is_issued_by_russia_whatever_the_citizenship():
    record, _ = parse(person_row(document_type="vnzh", document_number="82 1234567"))

    assert record.document_country == "RUS"


def test_an_unparseable_date_names_the_column_and_the_formats():
    errors = errors_of(person_row(birth_date="31.02.1990"))

    assert errors == {"birth_date": ["'31.02.1990' is not a date: write YYYY-MM-DD or DD.MM.YYYY."]}


def test_it_rejects_an_unknown_country_code():
    errors = errors_of(person_row(citizenship="XYZ"))

    assert "'XYZ' is not a known country code" in errors["citizenship"][0]


def test_it_rejects_a_row_with_no_name():
    errors = errors_of(person_row(surname="", given_names=""))

    assert errors == {"surname": ["no name: surname and given names are empty."]}


def test_a_mononym_belongs_in_the_surname_column():
    errors = errors_of(person_row(surname=""))

    assert "single name" in errors["surname"][0]


def test_it_rejects_digits_in_a_name():
    assert "contains digits" in errors_of(person_row(surname="Kar1mov"))["surname"][0]


def test_a_name_checked_before_is_judged_the_same_on_every_row_and_column():
    # Name checks are memoized by the text: a repeated bad name is an error on each row, in its column.
    first = errors_of(person_row("R-1", surname="Kar1mov"))
    second = errors_of(person_row("R-2", surname="Jasur", given_names="Kar1mov"))
    record, errors = parse(person_row("R-3", surname="  karimov ", given_names="jasur"))
    again, _ = parse(person_row("R-4", surname="karimov", given_names="Karimov"))

    assert first["surname"] == second["given_names"] == ["'Kar1mov' contains digits; a name cannot."]
    assert "surname" not in second
    assert (record.surname, record.given_names, errors) == ("KARIMOV", "JASUR", {})
    assert (again.surname, again.given_names) == ("KARIMOV", "KARIMOV")


@pytest.mark.parametrize(
    ("birth_date", "message"),
    [
        ("2027-01-01", "is in the future"),
        ("1899-12-31", "before 1900"),
        ("1903-06-01", "would be 122 years old"),
    ],
)
def test_it_rejects_an_impossible_birth_date(birth_date, message):
    errors = errors_of(person_row(birth_date=birth_date))

    assert message in errors["birth_date"][0]
    assert errors["birth_date"][0].startswith("impossible birth date")


def test_it_rejects_exit_before_entry():
    row = crossing_row(direction="exit", purpose="", crossed_on="2025-02-01", entered_on="2025-03-01")

    errors = errors_of(row)

    assert errors == {"crossed_on": ["exit before entry: exit on 2025-02-01 is before the entry on 2025-03-01."]}


def test_a_purpose_is_stated_on_entry_only():
    assert "purpose" in errors_of(crossing_row(direction="выезд", purpose="work"))


def test_it_rejects_a_crossing_in_the_future():
    assert "is in the future" in errors_of(crossing_row(crossed_on="2026-02-01"))["crossed_on"][0]


def test_it_rejects_a_person_inn_with_a_bad_check_digit():
    bad = PERSON_INN[:-1] + str((int(PERSON_INN[-1]) + 1) % 10)

    assert "fails its check digit" in errors_of(person_row(tax_id=bad))["tax_id"][0]


def test_it_rejects_an_employer_inn_with_a_bad_check_digit():
    bad = EMPLOYER_INN[:-1] + str((int(EMPLOYER_INN[-1]) + 1) % 10)

    assert "fails its check digit" in errors_of(contract_row(employer_inn=bad))["employer_inn"][0]


def test_it_rejects_an_unknown_region_code():
    errors = errors_of(registration_row(region_code="99"))

    assert errors == {"region_code": ["'99' is not a region code (two digits, e.g. 77 for Moscow)."]}


def test_a_one_digit_region_code_is_zero_padded():
    record, _ = parse(registration_row(region_code="1"))

    assert record.facts["region_code"] == "01"


def test_it_rejects_a_missing_source_record_id():
    assert errors_of(person_row(source_record_id=""))["source_record_id"] == ["source_record_id is required."]


def test_the_source_system_comes_from_the_row_or_the_batch_default():
    row = person_row(source_system="")

    assert "source_system" in errors_of(row)
    assert parse(row, default_source_system="MIGREG")[0].source_system == "MIGREG"
    assert parse(person_row(source_system="border"), default_source_system="MIGREG")[0].source_system == "BORDER"


def test_it_rejects_an_unknown_or_inactive_source_system():
    assert "not a known source system" in errors_of(person_row(source_system="NOPE"))["source_system"][0]
    assert "not active" in errors_of(person_row(source_system="OLD"))["source_system"][0]


def test_a_person_record_needs_birth_date_sex_and_citizenship():
    errors = errors_of(person_row(birth_date="", sex="", citizenship=""))

    assert set(errors) == {"birth_date", "sex", "citizenship"}


def test_a_fact_record_needs_something_to_link_it_by():
    row = crossing_row(birth_date="", document_number="", document_type="", tax_id="")

    assert "to be linked to a person" in errors_of(row)["birth_date"][0]


def test_a_document_number_needs_its_type():
    assert "document_type" in errors_of(person_row(document_type=""))


def test_a_phone_that_is_not_a_phone_is_refused():
    assert "phone" in errors_of(person_row(phone="12-34"))


def test_every_error_of_a_row_is_reported_at_once():
    errors = errors_of(person_row(source_record_id="", birth_date="yesterday", citizenship="Atlantis", sex="?"))

    assert set(errors) == {"source_record_id", "birth_date", "citizenship", "sex"}


def test_a_row_longer_than_its_header_is_refused():
    assert "_extra" in errors_of({**person_row(), "_extra": ["surplus"]})


def test_fact_columns_are_typed_per_record_type():
    payment, _ = parse(payment_row())
    patent, _ = parse(patent_row())
    contract, _ = parse(contract_row())

    assert payment.facts["amount"] == Decimal("9500.00")
    assert payment.facts["months"] == 1
    assert patent.facts["valid_from"] == dt.date(2025, 4, 1)  # defaults to the issue date
    assert contract.facts["contract_kind"] == "labor"


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (registration_row(valid_to="2025-01-01"), "valid_to"),
        (patent_row(valid_from="2025-03-01"), "valid_from"),
        (payment_row(paid_until="2025-03-01"), "paid_until"),
        (payment_row(months="13"), "months"),
        (payment_row(amount="-5"), "amount"),
        (contract_row(ends_on="2025-04-01"), "ends_on"),
        (contract_row(terminated_on="2025-04-01"), "terminated_on"),
        (registration_row(host_name=""), "host_name"),
        (person_row(record_type="visa"), "record_type"),
        (crossing_row(crossed_on="1980-01-01"), "crossed_on"),  # before the birth date
    ],
)
def test_fact_columns_are_checked_for_order_range_and_presence(row, column):
    assert column in errors_of(row)


def test_a_record_cannot_supersede_itself():
    assert "supersedes" in errors_of(person_row(supersedes="B-1"))


def test_json_numbers_and_csv_text_are_the_same_payload():
    as_csv = {"source_system": "BORDER", "source_record_id": "1", "months": "3", "surname": "X", "phone": ""}
    as_json = {"source_record_id": 1, "months": 3, "surname": "X "}

    assert payload_canonical(as_csv) == payload_canonical(as_json)


@pytest.mark.parametrize(
    "columns",
    [
        {},
        {"document_number": "", "document_type": ""},
        {"document_type": "vnzh", "document_number": "82 1234567"},
        {"document_country": "TJ", "document_issued_on": "01.02.2020", "document_expires_on": "2030-02-01"},
        {"citizenship": "TJK", "document_number": "ЕА 12 34"},
    ],
)
def test_the_document_of_an_accepted_row_reads_as_the_whole_row_does(columns):
    from exchange.parsing import person_document_parse, record_type_of

    row = person_row(**columns)
    parsed, errors = parse(row)
    assert errors == {}

    document = person_document_parse(row, ref=REF, citizenship=parsed.citizenship, today=TODAY)

    assert record_type_of(row) == "person"
    if not parsed.document_number:
        assert document is None
    else:
        assert document is not None
        assert (
            document.document_type,
            document.number_raw,
            document.number,
            document.country,
            document.issued_on,
            document.expires_on,
        ) == (
            parsed.document_type,
            parsed.document_number_raw,
            parsed.document_number,
            parsed.document_country,
            parsed.document_issued_on,
            parsed.document_expires_on,
        )


def test_the_record_type_of_a_fact_row_is_its_own():
    from exchange.parsing import record_type_of

    assert record_type_of(crossing_row()) == "border_crossing"
