"""The frozen demo world: its date, the agency systems, record ids and unique document numbers.

Numbers that the database keeps unique (passports, permits, receipts, INNs) are drawn by `scatter`, a
bijection of the person index onto the number space, so they never collide within a seed whatever
the chunking; record ids are an opaque bijection too, so an id says nothing about whose record it is.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

# The demo world is frozen at this date so that a seed always gives the same data; everything
# dated after it has not happened yet. History goes back three years.
AS_OF = dt.date(2026, 11, 15)
HISTORY_START = dt.date(2023, 11, 1)
UTC = dt.UTC

SYSTEMS = ("BORDER", "MIGREG", "PATENT", "FNS", "EMPLOYER", "SELFREG", "RESIDENCE")
# Every person has at least one MIGREG record; the first one marks the person as written.
ANCHOR_SYSTEM = "MIGREG"

_MASK64 = (1 << 64) - 1


def opaque(value: int) -> int:
    """A bijection of 64-bit integers (splitmix64 finalizer): record ids that do not reveal the person."""
    value = (value * 0x9E3779B97F4A7C15) & _MASK64
    value ^= value >> 29
    value = (value * 0xBF58476D1CE4E5B9) & _MASK64
    return value ^ (value >> 32)


@lru_cache(maxsize=64)
def _golden_multiplier(space: int) -> int:
    """A multiplier near space/φ and coprime with it, so consecutive inputs land far apart."""
    multiplier = int(space * 0.6180339887498949)
    while multiplier % 2 == 0 or multiplier % 5 == 0:
        multiplier += 1
    return multiplier


def scatter(value: int, space: int, salt: int) -> int:
    """A bijection of [0, space) (space a power of ten, or 2x one): unique, random-looking digits."""
    if value >= space:
        raise ValueError(f"The demo number space {space} is exhausted; seed fewer people.")
    return (value * _golden_multiplier(space) + salt) % space


_SYSTEM_NUMBERS = {system: number for number, system in enumerate(SYSTEMS)}


def source_record_id(seed: int, system: str, person_index: int, ordinal: int) -> str:
    """`DEMO-{seed}-{system}-{n}`; n is opaque, so ids say nothing about who or which other record."""
    return f"DEMO-{seed}-{system}-{opaque((person_index * 256 + ordinal) * 8 + _SYSTEM_NUMBERS[system]):016x}"


def anchor_record_id(seed: int, person_index: int) -> str:
    """The id of the person's first MIGREG record: it exists exactly when the person is written."""
    return source_record_id(seed, ANCHOR_SYSTEM, person_index, 0)
