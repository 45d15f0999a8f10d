from __future__ import annotations

import datetime as dt

from linkage.blocking import candidate_pairs
from linkage.compare import RecordView


def _pairs(*views: RecordView) -> set[tuple[int, int]]:
    return set(candidate_pairs(list(views)))


def test_a_name_without_a_birth_date_meets_every_record_of_that_name():
    undated = RecordView(id=0, surname="Каримов", given_names="Жасур", tax_id="770000000001")
    dated = RecordView(id=1, surname="KARIMOV", given_names="JASUR", birth_date=dt.date(1990, 3, 4))
    assert _pairs(undated, dated) == {(0, 1)}


def test_two_dated_namesakes_whose_dates_differ_in_two_parts_are_not_compared():
    first = RecordView(id=0, surname="KARIMOV", given_names="JASUR", birth_date=dt.date(1990, 3, 4))
    namesake = RecordView(id=1, surname="KARIMOV", given_names="JASUR", birth_date=dt.date(1985, 7, 4))
    year_typo = RecordView(id=2, surname="KARIMOV", given_names="JASUR", birth_date=dt.date(1991, 3, 4))
    # The namesake shares only the name; the year typo still meets the first on name + day.
    assert _pairs(first, namesake, year_typo) == {(0, 2)}


def test_birth_date_and_citizenship_bring_together_spellings_in_two_scripts_only():
    born = dt.date(1988, 1, 2)
    cyrillic = RecordView(id=0, surname="Акопян", given_names="Арам", birth_date=born, citizenship="ARM")
    latin = RecordView(id=1, surname="HAKOBYAN", given_names="ARAM", birth_date=born, citizenship="ARM")
    stranger = RecordView(id=2, surname="PETROSYAN", given_names="LEVON", birth_date=born, citizenship="ARM")
    pairs = _pairs(cyrillic, latin, stranger)
    # Cyrillic against either Latin spelling; two Latin spellings with other prefixes never.
    assert pairs == {(0, 1), (0, 2)}


def test_a_record_whose_names_share_a_prefix_is_not_paired_with_itself():
    born = dt.date(1990, 3, 4)
    karim = RecordView(id=0, surname="KARIMOV", given_names="KARIM", birth_date=born, citizenship="UZB")
    brother = RecordView(id=1, surname="KARIMOV", given_names="KAMOL", birth_date=born, citizenship="UZB")
    assert _pairs(karim, brother) == {(0, 1)}


def test_pairs_come_once_each_in_the_order_the_blocks_first_bring_them_together():
    born = dt.date(1990, 3, 4)
    views = [
        RecordView(id=0, surname="KARIMOV", given_names="JASUR", birth_date=born, document_number="AA1"),
        RecordView(id=1, surname="KARIMOV", given_names="JASUR", birth_date=born, document_number="AA1"),
        RecordView(id=2, surname="KARIMOVA", given_names="JASURA", birth_date=born),
    ]
    pairs = list(candidate_pairs(views))
    # The document block pairs 0 and 1 first; the birth date and surname prefix block adds the rest.
    assert pairs == [(0, 1), (0, 2), (1, 2)]
