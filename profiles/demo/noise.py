"""How clerks and people actually write things: typos, look-alike letters, spacing, swapped dates.

Every function takes the person's random stream, so the noise is as deterministic as the rest.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from random import Random

from profiles.demo.draws import draw_int, draw_weighted
from profiles.demo.translit import to_latin

_CYRILLIC_CONFUSIONS = dict(zip("аоеиысзктбпвфшщуюэ", "оаиеизсгдпбфвщшюуе", strict=True))
_LATIN_CONFUSIONS = dict(zip("AOEIUYKQXHSZ", "OAIEOIQKHXZS", strict=True))


def typo(rng: Random, word: str) -> str:
    """One realistic keying error, never in the first letter: a confused letter, a drop, a double, a swap."""
    if len(word) < 4:
        return word
    position = draw_int(rng, 1, len(word) - 2)
    char = word[position]
    operation = rng.random()
    if operation < 0.45:
        lower = char.lower()
        table = _CYRILLIC_CONFUSIONS if "а" <= lower <= "я" else _LATIN_CONFUSIONS
        swapped = table.get(lower) or table.get(char)
        if swapped is None:
            return word[:position] + word[position + 1 :]
        swapped = swapped.upper() if char.isupper() else swapped.lower()
        return word[:position] + swapped + word[position + 1 :]
    if operation < 0.7:
        return word[:position] + word[position + 1 :]
    if operation < 0.85:
        return word[:position] + char + word[position:]
    return word[:position] + word[position + 1] + char + word[position + 2 :]


_LOOKALIKE_TO_CYRILLIC = str.maketrans("ABEKMHOPCTYX", "АВЕКМНОРСТУХ")


def split_number(number: str) -> tuple[str, str]:
    """`FA1234567` -> ("FA", "1234567"): series letters (Latin or look-alike Cyrillic) and the rest."""
    letters = 0
    while letters < len(number) and number[letters].isalpha():
        letters += 1
    return number[:letters], number[letters:].strip(" -")


def noisy_number(rng: Random, number: str, *, cyrillic: float, spaced: float, typo: float = 0.0) -> str:
    """A document number as a clerk keys it: spaces or dashes, Cyrillic look-alikes, rarely a digit typo."""
    series, digits = split_number(number)
    if typo and rng.random() < typo and digits:
        position = int(rng.random() * len(digits))
        digits = digits[:position] + str((int(digits[position]) + draw_int(rng, 1, 9)) % 10) + digits[position + 1 :]
    if series and rng.random() < cyrillic:
        series = series.translate(_LOOKALIKE_TO_CYRILLIC)
    roll = rng.random()
    if roll < spaced * 0.5:
        return f"{series} {digits}".strip()
    if roll < spaced * 0.75:
        return f"{series}-{digits}".strip("-")
    if roll < spaced and len(digits) >= 7:
        return f"{series} {digits[:3]} {digits[3:5]} {digits[5:]}".strip()
    return series + digits


def written_birth_date(rng: Random, day: dt.date, *, missing: float, swapped: float) -> dt.date | None:
    """The birth date a record states: sometimes left out, sometimes day and month swapped."""
    roll = rng.random()
    if roll < missing:
        return None
    if roll < missing + swapped and day.day <= 12 and day.day != day.month:
        return dt.date(day.year, day.day, day.month)
    return day


@lru_cache(maxsize=1 << 16)
def normal(text: str) -> str:
    """The normalized form of a name field: single spaces, upper case (cached: names repeat a lot)."""
    return " ".join(text.split()).upper()


@lru_cache(maxsize=4096)
def latin(text: str, style: str) -> str:
    return to_latin(text, style)


def written_phone(rng: Random, phone: str) -> str:
    if not phone:
        return ""
    if phone.startswith("+7") and phone[2] == "9":
        digits = phone[2:]
        return draw_weighted(
            rng,
            (
                (f"8 ({digits[:3]}) {digits[3:6]}-{digits[6:8]}-{digits[8:]}", 4),
                (f"+7 {digits[:3]} {digits[3:6]} {digits[6:8]} {digits[8:]}", 3),
                ("8" + digits, 2),
                (phone, 3),
            ),
        )
    return draw_weighted(rng, ((phone, 5), (phone[1:], 2), (f"{phone[:4]} {phone[4:6]} {phone[6:]}", 3)))
