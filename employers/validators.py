"""Check-digit validation of Russian taxpayer (INN) and state registration (OGRN) numbers.

Algorithms: Federal Tax Service order of 29.06.2012 N ММВ-7-6/435@ (INN) and the OGRN/OGRNIP
control-digit rule of Government Decree N 438 of 19.06.2002.
"""

from __future__ import annotations

from functools import lru_cache

from django.core.exceptions import ValidationError

_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _check_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10


# Cached: a person's INN comes again in each of their records (every patent payment), and a
# million-row file checked each one's digits again.
@lru_cache(maxsize=200_000)
def inn_is_valid(inn: str) -> bool:
    if not inn.isdigit() or len(inn) not in (10, 12):
        return False
    if len(inn) == 10:
        return _check_digit(inn[:9], _INN10_WEIGHTS) == int(inn[9])
    return _check_digit(inn[:10], _INN12_WEIGHTS_11) == int(inn[10]) and _check_digit(
        inn[:11], _INN12_WEIGHTS_12
    ) == int(inn[11])


def ogrn_is_valid(ogrn: str) -> bool:
    if not ogrn.isdigit() or len(ogrn) not in (13, 15):
        return False
    if len(ogrn) == 13:
        return int(ogrn[:12]) % 11 % 10 == int(ogrn[12])
    return int(ogrn[:14]) % 13 % 10 == int(ogrn[14])


def validate_inn(value: str) -> None:
    if not value.isdigit() or len(value) not in (10, 12):
        raise ValidationError(
            "INN must be 10 digits (organization) or 12 digits (individual); got %(value)r.",
            code="inn_format",
            params={"value": value},
        )
    if not inn_is_valid(value):
        raise ValidationError(
            "INN %(value)s fails its check digit: it was probably mistyped.",
            code="inn_checksum",
            params={"value": value},
        )


def validate_ogrn(value: str) -> None:
    if not value.isdigit() or len(value) not in (13, 15):
        raise ValidationError(
            "OGRN must be 13 digits (organization) or OGRNIP 15 digits (entrepreneur); got %(value)r.",
            code="ogrn_format",
            params={"value": value},
        )
    if not ogrn_is_valid(value):
        raise ValidationError(
            "OGRN %(value)s fails its check digit: it was probably mistyped.",
            code="ogrn_checksum",
            params={"value": value},
        )


def inn_with_check_digits(prefix: str) -> str:
    """Complete a 9- or 10-digit prefix into a valid INN (used by the demo generator and tests)."""
    if len(prefix) == 9:
        return prefix + str(_check_digit(prefix, _INN10_WEIGHTS))
    if len(prefix) == 10:
        eleven = prefix + str(_check_digit(prefix, _INN12_WEIGHTS_11))
        return eleven + str(_check_digit(eleven, _INN12_WEIGHTS_12))
    raise ValueError("INN prefix must have 9 or 10 digits")


def ogrn_with_check_digit(prefix: str) -> str:
    """Complete a 12-digit (OGRN) or 14-digit (OGRNIP) prefix with its control digit."""
    if len(prefix) == 12:
        return prefix + str(int(prefix) % 11 % 10)
    if len(prefix) == 14:
        return prefix + str(int(prefix) % 13 % 10)
    raise ValueError("OGRN prefix must have 12 or 14 digits")
