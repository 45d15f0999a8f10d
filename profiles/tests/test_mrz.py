from __future__ import annotations

import datetime as dt

import pytest

from profiles.mrz import MrzError, check_digit, mrz_parse

SPECIMEN_LINE_1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
SPECIMEN_LINE_2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
SPECIMEN = f"{SPECIMEN_LINE_1}\n{SPECIMEN_LINE_2}"
TODAY = dt.date(2026, 1, 15)


def test_it_reads_every_field_of_the_icao_specimen():
    mrz = mrz_parse(SPECIMEN, today=TODAY)

    assert mrz.document_type == "P"
    assert mrz.issuing_state == "UTO"
    assert mrz.surname == "ERIKSSON"
    assert mrz.given_names == "ANNA MARIA"
    assert mrz.document_number == "L898902C3"
    assert mrz.nationality == "UTO"
    assert mrz.birth_date == dt.date(1974, 8, 12)
    assert mrz.sex == "F"
    assert mrz.expiry_date == dt.date(2012, 4, 15)
    assert mrz.personal_number == "ZE184226B"


def test_check_digits_follow_the_7_3_1_weights():
    assert check_digit("L898902C3") == 6
    assert check_digit("740812") == 2
    assert check_digit("ZE184226B<<<<<") == 1
    assert check_digit("<<<<") == 0


def test_it_tolerates_lower_case_spaces_and_merged_fillers_from_ocr():
    noisy = "p<utoeriksson«anna<maria««««««««««\n L898902C36 UTO 7408122F1204159ZE184226B«««10 "

    assert mrz_parse(noisy, today=TODAY) == mrz_parse(SPECIMEN, today=TODAY)


def test_it_accepts_both_lines_as_one_string():
    assert mrz_parse(SPECIMEN_LINE_1 + SPECIMEN_LINE_2, today=TODAY).surname == "ERIKSSON"


def test_a_corrupted_document_number_digit_names_the_number_and_the_composite():
    corrupted = SPECIMEN_LINE_2.replace("L898902C3", "L898902C8")

    with pytest.raises(MrzError) as caught:
        mrz_parse(f"{SPECIMEN_LINE_1}\n{corrupted}", today=TODAY)

    assert set(caught.value.errors) == {"document_number", "composite"}
    assert "does not match" in caught.value.errors["document_number"]


@pytest.mark.parametrize(
    ("position", "replacement", "field"),
    [(14, "5", "birth_date"), (23, "3", "expiry_date"), (30, "9", "personal_number")],
)
def test_each_corrupted_check_is_reported_by_its_field(position, replacement, field):
    corrupted = SPECIMEN_LINE_2[:position] + replacement + SPECIMEN_LINE_2[position + 1 :]

    with pytest.raises(MrzError) as caught:
        mrz_parse(f"{SPECIMEN_LINE_1}\n{corrupted}", today=TODAY)

    assert field in caught.value.errors
    assert "composite" in caught.value.errors


def test_a_wrong_composite_digit_alone_is_reported():
    with pytest.raises(MrzError) as caught:
        mrz_parse(f"{SPECIMEN_LINE_1}\n{SPECIMEN_LINE_2[:-1]}9", today=TODAY)

    assert set(caught.value.errors) == {"composite"}


def test_the_birth_century_is_chosen_so_that_the_birth_date_is_not_in_the_future():
    line2 = f"L898902C36UTO100101{check_digit('100101')}F1204159ZE184226B<<<<<1"
    line2 += str(check_digit(line2[0:10] + line2[13:20] + line2[21:43]))

    assert mrz_parse(f"{SPECIMEN_LINE_1}\n{line2}", today=TODAY).birth_date == dt.date(2010, 1, 1)
    assert mrz_parse(f"{SPECIMEN_LINE_1}\n{line2}", today=dt.date(2009, 12, 31)).birth_date == dt.date(1910, 1, 1)


def test_a_line_of_the_wrong_length_is_refused_with_its_number():
    with pytest.raises(MrzError) as caught:
        mrz_parse(f"{SPECIMEN_LINE_1}\n{SPECIMEN_LINE_2[:-3]}", today=TODAY)

    assert "line_2" in caught.value.errors


def test_an_impossible_birth_date_is_reported_as_such():
    line2 = SPECIMEN_LINE_2.replace("740812", "741312")

    with pytest.raises(MrzError) as caught:
        mrz_parse(f"{SPECIMEN_LINE_1}\n{line2}", today=TODAY)

    assert "is not a date" in caught.value.errors["birth_date"]
