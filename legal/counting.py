"""How legal periods are counted (ГК ст. 191–193) on the federal production calendar.

Pure functions over a `ProductionCalendar` value, so that the status engine can load the calendar
once for a batch and tests can count without a database. `legal.selectors` builds the calendar
from the `CalendarDay` rows.
"""

from __future__ import annotations

import calendar as stdlib_calendar
import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from legal.models import DayKind, Unit

ONE_DAY = datetime.timedelta(days=1)
WORKING_KINDS = frozenset({DayKind.WORKING, DayKind.SHORT})


@dataclass(frozen=True)
class ProductionCalendar:
    """Day overrides by date and the years they cover (year -> checked against the decree).

    A date in a year that is not covered counts as a plain Monday-to-Friday week. That errs on the
    early side (holidays only ever push a deadline later), which is what reminders need; callers
    that must know say so through `covers` / `is_verified_for`.
    """

    overrides: Mapping[datetime.date, str] = field(default_factory=dict)
    years: Mapping[int, bool] = field(default_factory=dict)

    def is_working_day(self, day: datetime.date) -> bool:
        kind = self.overrides.get(day)
        if kind is not None:
            return kind in WORKING_KINDS
        return day.weekday() < 5

    def covers(self, day: datetime.date) -> bool:
        return day.year in self.years

    def is_verified_for(self, days: Iterable[datetime.date]) -> bool:
        """Whether every year the given days fall in is shipped and checked against its decree."""
        return all(self.years.get(day.year, False) for day in days)

    def next_working_day(self, day: datetime.date) -> datetime.date:
        """`day` itself when it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += ONE_DAY
        return day

    def add_working_days(self, start: datetime.date, n: int) -> datetime.date:
        """The n-th working day after `start` (before it when n is negative); `start` itself never counts.

        With n = 0 the result is `start`, working or not.
        """
        step = ONE_DAY if n >= 0 else -ONE_DAY
        day, remaining = start, abs(n)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day


def add_months(anchor: datetime.date, months: int) -> datetime.date:
    """ГК ст. 192 п. 3: a period in months ends on the same date of the final month, or on its last day
    when the month has no such date (31.12 + 2 months = 28.02 or 29.02)."""
    month_index = anchor.month - 1 + months
    year, month = anchor.year + month_index // 12, month_index % 12 + 1
    last_day = stdlib_calendar.monthrange(year, month)[1]
    return datetime.date(year, month, min(anchor.day, last_day))


def period_end(
    *, anchor: datetime.date, amount: int, unit: str, roll_forward: bool, calendar: ProductionCalendar
) -> datetime.date:
    """The last day of a period of `amount` `unit`s counted from the day after `anchor` (ГК ст. 191).

    `roll_forward` moves a last day that is not a working day to the next working day (ГК ст. 193);
    rules for stays and exits keep it off, because overstay is counted in calendar days.
    """
    if unit == Unit.CALENDAR_DAYS:
        end = anchor + datetime.timedelta(days=amount)
    elif unit == Unit.WORKING_DAYS:
        end = calendar.add_working_days(anchor, amount)
    elif unit == Unit.MONTHS:
        end = add_months(anchor, amount)
    else:
        raise ValueError(f"Unknown period unit {unit!r}")
    if roll_forward:
        end = calendar.next_working_day(end)
    return end
