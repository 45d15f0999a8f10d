"""Random draws and date arithmetic shared by the generator modules."""

from __future__ import annotations

import calendar
import datetime as dt
from bisect import bisect_right
from collections.abc import Sequence
from random import Random
from typing import Any

from profiles.demo.world import AS_OF, UTC


def add_months(day: dt.date, months: int) -> dt.date:
    """The same date `months` later (ГК 192): the last day of the month when that date does not exist."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: dt.date, years: int) -> dt.date:
    return add_months(day, 12 * years)


# `random.randint` and `choice` cost microseconds each and a person takes about a hundred draws;
# these one-`random()` equivalents keep a million people affordable.
def draw_int(rng: Random, low: int, high: int) -> int:
    return low + int(rng.random() * (high - low + 1))


def draw_choice(rng: Random, items: Sequence[Any]) -> Any:
    return items[int(rng.random() * len(items))]


def draw_cumulative(rng: Random, items: tuple, cum_weights: tuple[float, ...]):
    return items[bisect_right(cum_weights, rng.random() * cum_weights[-1])]


def draw_weighted(rng: Random, pairs: tuple[tuple[Any, float], ...]) -> Any:
    total = sum(weight for _, weight in pairs)
    threshold = rng.random() * total
    for value, weight in pairs:
        threshold -= weight
        if threshold < 0:
            return value
    return pairs[-1][0]


def day_between(rng: Random, first: dt.date, last: dt.date) -> dt.date:
    if last <= first:
        return first
    return first + dt.timedelta(days=draw_int(rng, 0, (last - first).days))


def moment_on(rng: Random, day: dt.date) -> dt.datetime:
    """A working-hours moment of `day` in UTC (Moscow 08:00-20:00), never after AS_OF."""
    day = min(day, AS_OF)
    seconds = 5 * 3600 + int(rng.random() * 12 * 3600)
    return dt.datetime(day.year, day.month, day.day, seconds // 3600, seconds // 60 % 60, seconds % 60, tzinfo=UTC)


def ru_date(day: dt.date | None) -> str:
    return "" if day is None else f"{day.day:02d}.{day.month:02d}.{day.year}"


def iso_date(day: dt.date | None) -> str:
    return "" if day is None else day.isoformat()
