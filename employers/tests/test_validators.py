from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from employers.validators import (
    inn_is_valid,
    inn_with_check_digits,
    ogrn_is_valid,
    ogrn_with_check_digit,
    validate_inn,
    validate_ogrn,
)


@pytest.mark.parametrize(
    "inn",
    [
        "7707083893",  # PAO Sberbank
        "7830002293",  # a 10-digit organization INN
        "500100732259",  # a 12-digit individual INN
    ],
)
def test_known_valid_inns_pass(inn):
    assert inn_is_valid(inn)
    validate_inn(inn)


@pytest.mark.parametrize("ogrn", ["1027700132195", "304500116000157"])  # Sberbank's OGRN; an OGRNIP
def test_known_valid_ogrns_pass(ogrn):
    assert ogrn_is_valid(ogrn)
    validate_ogrn(ogrn)


@pytest.mark.parametrize("inn", ["7707083894", "500100732258", "500100732269"])
def test_an_inn_with_a_wrong_check_digit_says_it_was_probably_mistyped(inn):
    with pytest.raises(ValidationError) as caught:
        validate_inn(inn)

    assert caught.value.code == "inn_checksum"
    assert caught.value.messages == [f"INN {inn} fails its check digit: it was probably mistyped."]


@pytest.mark.parametrize("inn", ["770708389", "77070838931", "77O7083893", ""])
def test_an_inn_of_the_wrong_shape_says_how_many_digits_it_needs(inn):
    with pytest.raises(ValidationError) as caught:
        validate_inn(inn)

    assert caught.value.code == "inn_format"
    assert "10 digits (organization) or 12 digits (individual)" in caught.value.messages[0]


def test_an_ogrn_with_a_wrong_check_digit_says_it_was_probably_mistyped():
    with pytest.raises(ValidationError) as caught:
        validate_ogrn("1027700132194")

    assert caught.value.code == "ogrn_checksum"
    assert caught.value.messages == ["OGRN 1027700132194 fails its check digit: it was probably mistyped."]


@pytest.mark.parametrize("ogrn", ["102770013219", "10277001321950", "1O27700132195"])
def test_an_ogrn_of_the_wrong_shape_says_how_many_digits_it_needs(ogrn):
    with pytest.raises(ValidationError) as caught:
        validate_ogrn(ogrn)

    assert caught.value.code == "ogrn_format"


def test_the_generators_complete_prefixes_into_valid_numbers():
    assert inn_with_check_digits("770708389") == "7707083893"
    assert inn_with_check_digits("5001007322") == "500100732259"
    assert ogrn_with_check_digit("102770013219") == "1027700132195"
    assert ogrn_is_valid(ogrn_with_check_digit("30450011600015"))
