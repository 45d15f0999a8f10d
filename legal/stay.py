"""The visa-free stay limit (115-ФЗ ст. 5 п. 1): days used, days left and the latest lawful exit.

Pure functions: the limit comes in as a `StayLimit` built from the rule version in force
(`legal.selectors.stay_calculation_get` does that), the stays as plain dates. Entry and exit days
both count as days of presence, as MVD practice counts them.
"""

from __future__ import annotations

import bisect
import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from legal.models import StayWindow

ONE_DAY = datetime.timedelta(days=1)
ROLLING_WINDOW_DAYS = {StayWindow.ROLLING_180: 180}
# Dates the calculator accepts: far enough back for any real history, and far enough from the ends
# of `datetime.date` that window and simulation arithmetic never overflows.
EARLIEST_DATE = datetime.date(2000, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)
# The forward simulation never needs more than a limit's worth of days; this only bounds a rule
# version that has no limit that binds a continuous stay.
SIMULATION_HORIZON_DAYS = 2 * 366


@dataclass(frozen=True)
class StayLimit:
    limit_days: int
    window: str
    continuous_limit_days: int | None = None


@dataclass(frozen=True)
class StayPeriod:
    entry: datetime.date
    exit: datetime.date | None  # None: still in Russia on the day of the calculation


# Error codes of `stay_input_errors`, with the text the person sees.
STAY_ERROR_MESSAGES = {
    "out_of_range": _("Enter a date between 01.01.2000 and 31.12.2100."),
    "entry_after_on": _("The entry is after the date of the calculation."),
    "exit_after_on": _("The exit is after the date of the calculation; leave it empty if you are still in Russia."),
    "exit_before_entry": _("The exit is before the entry."),
    "overlap": _("This stay overlaps another one (a stay without an exit lasts until the date of the calculation)."),
    "no_rule": _("No stay limit is known for this date."),
}


@dataclass(frozen=True)
class StayInputError:
    index: int | None  # the stay the error belongs to; None for the date of the calculation
    field: str
    code: str

    @property
    def message(self) -> str:
        return str(STAY_ERROR_MESSAGES[self.code])


@dataclass(frozen=True)
class StayResult:
    days_used: int
    days_remaining: int
    latest_exit: datetime.date | None
    overstay_days: int


def stay_input_errors(*, stays: Sequence[StayPeriod], on: datetime.date) -> list[StayInputError]:
    """What is wrong with the stays as a history up to `on`, as codes of `STAY_ERROR_MESSAGES`."""
    errors: list[StayInputError] = []
    if not EARLIEST_DATE <= on <= LATEST_DATE:
        errors.append(StayInputError(None, "on", "out_of_range"))
    for index, stay in enumerate(stays):
        if not EARLIEST_DATE <= stay.entry <= LATEST_DATE:
            errors.append(StayInputError(index, "entry", "out_of_range"))
        if stay.entry > on:
            errors.append(StayInputError(index, "entry", "entry_after_on"))
        if stay.exit is not None:
            if stay.exit < stay.entry:
                errors.append(StayInputError(index, "exit", "exit_before_entry"))
            elif stay.exit > on:
                errors.append(StayInputError(index, "exit", "exit_after_on"))
    if errors:
        return errors
    # An open stay lasts until `on`, so a second open stay, or any stay after an open one, overlaps it.
    # Sorted by entry, a stay overlaps an earlier one when it starts before the latest end seen so far.
    latest_end: datetime.date | None = None
    for index in sorted(range(len(stays)), key=lambda i: stays[i].entry):
        if latest_end is not None and stays[index].entry <= latest_end:
            errors.append(StayInputError(index, "entry", "overlap"))
        end = stays[index].exit or on
        latest_end = end if latest_end is None else max(latest_end, end)
    return errors


def stay_calculate(*, stays: Sequence[StayPeriod], on: datetime.date, limit: StayLimit) -> StayResult:
    """Apply `limit` to a valid history (see `stay_input_errors`) as it stands on `on`.

    The current stay is the open one if there is one, else a stay that would start on `on`.
    `latest_exit` is its last day that breaks no limit, found by walking forward a day at a time; an
    open stay that already broke a limit gets its last lawful day and the days since then.
    """
    history = _presence(stays, on)
    open_stay = next((stay for stay in stays if stay.exit is None), None)
    days_used = _days_in_window(history, limit, on, on + ONE_DAY, on)

    if open_stay is not None:
        counter = _Counter(history=history, limit=limit, stay_start=open_stay.entry, planned_from=on + ONE_DAY)
        day = open_stay.entry
        while day <= on:
            if not counter.lawful_on(day):
                last_lawful = day - ONE_DAY if day > open_stay.entry else None
                return StayResult(
                    days_used=days_used,
                    days_remaining=0,
                    latest_exit=last_lawful,
                    overstay_days=(on - day).days + 1,
                )
            day += ONE_DAY
        latest = on
        day = on + ONE_DAY
    else:
        # Presence on `on` is already counted if a stay ended that day; the new stay adds the days after.
        planned_from = on + ONE_DAY if _contains(history, on) else on
        counter = _Counter(history=history, limit=limit, stay_start=on, planned_from=planned_from)
        latest = None
        day = on

    horizon = on + datetime.timedelta(days=SIMULATION_HORIZON_DAYS)
    while day <= horizon and counter.lawful_on(day):
        latest = day
        day += ONE_DAY
    return StayResult(
        days_used=days_used,
        days_remaining=(latest - on).days + 1 if latest is not None else 0,
        latest_exit=latest,
        overstay_days=0,
    )


def _presence(stays: Sequence[StayPeriod], on: datetime.date) -> list[int]:
    """Sorted ordinals of every day of presence up to `on`."""
    days: set[int] = set()
    for stay in stays:
        days.update(range(stay.entry.toordinal(), (stay.exit or on).toordinal() + 1))
    return sorted(days)


def _contains(history: list[int], day: datetime.date) -> bool:
    ordinal = day.toordinal()
    index = bisect.bisect_left(history, ordinal)
    return index < len(history) and history[index] == ordinal


def _window_start(limit: StayLimit, day: datetime.date) -> datetime.date:
    if limit.window == StayWindow.CALENDAR_YEAR:
        return datetime.date(day.year, 1, 1)
    return day - datetime.timedelta(days=ROLLING_WINDOW_DAYS[StayWindow(limit.window)] - 1)


def _days_in_window(
    history: list[int], limit: StayLimit, day: datetime.date, planned_from: datetime.date, planned_to: datetime.date
) -> int:
    """Days of presence in the window that ends on `day`: the history plus the planned days
    `planned_from`..`planned_to` (none when `planned_from` is after `planned_to`)."""
    start, end = _window_start(limit, day).toordinal(), day.toordinal()
    past = bisect.bisect_right(history, end) - bisect.bisect_left(history, start)
    planned = max(0, min(end, planned_to.toordinal()) - max(start, planned_from.toordinal()) + 1)
    return past + planned


@dataclass(frozen=True)
class _Counter:
    history: list[int]
    limit: StayLimit
    stay_start: datetime.date
    planned_from: datetime.date  # first day of the current stay that is not in `history`

    def lawful_on(self, day: datetime.date) -> bool:
        """Whether being present on `day`, continuously since `stay_start`, keeps within the limit."""
        continuous = (day - self.stay_start).days + 1
        if self.limit.continuous_limit_days is not None and continuous > self.limit.continuous_limit_days:
            return False
        return _days_in_window(self.history, self.limit, day, self.planned_from, day) <= self.limit.limit_days
