"""Reads of the legal app: the rule version in force, the production calendar, deadlines and the stay
calculation built on them."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Q

from legal.counting import ProductionCalendar, period_end
from legal.models import CalendarDay, CalendarYear, RuleVersion, Unit
from legal.stay import StayLimit, StayPeriod, StayResult, stay_calculate

STAY_RULE_KEY = "stay.visa_free"


class RuleNotInForce(LookupError):
    """No version of the rule covers the date: before the first version, or between versions."""

    def __init__(self, key: str, on: datetime.date) -> None:
        super().__init__(f"No version of rule {key!r} is in force on {on:%Y-%m-%d}.")
        self.key, self.on = key, on


class RuleMisconfigured(ValueError):
    """The version in force lacks the parameters its consumer needs (a stay limit without days, ...)."""


def rule_version_in_force(*, key: str, on: datetime.date) -> RuleVersion:
    """The version of rule `key` in force on `on`, with its rule; one query on (rule_id, valid_from)."""
    version = (
        RuleVersion.objects.select_related("rule")
        .filter(rule__key=key, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .order_by("-valid_from")
        .first()
    )
    if version is None:
        raise RuleNotInForce(key, on)
    return version


def production_calendar_get(*, start: datetime.date, end: datetime.date) -> ProductionCalendar:
    """The calendar of every year from `start` to `end`, in two queries."""
    first, last = min(start, end), max(start, end)
    years = dict(
        CalendarYear.objects.filter(year__gte=first.year, year__lte=last.year).values_list("year", "is_verified")
    )
    overrides = dict(
        CalendarDay.objects.filter(
            date__gte=datetime.date(first.year, 1, 1), date__lte=datetime.date(last.year, 12, 31)
        ).values_list("date", "kind")
    )
    return ProductionCalendar(overrides=overrides, years=years)


def is_working_day(day: datetime.date) -> bool:
    """Whether `day` is a working day of the federal 5-day-week production calendar."""
    return production_calendar_get(start=day, end=day).is_working_day(day)


def _calendar_span(amount: int, unit: str) -> datetime.timedelta:
    """Generous bound of how far a period can reach, so that one calendar load covers it: long
    holidays add at most a couple of weeks, working days are at least 5 in every 7."""
    if unit == Unit.MONTHS:
        days = abs(amount) * 31
    elif unit == Unit.WORKING_DAYS:
        days = abs(amount) * 2
    else:
        days = abs(amount)
    return datetime.timedelta(days=days + 31)


def add_working_days(start: datetime.date, n: int) -> datetime.date:
    """The n-th working day after `start` (before it for negative n), `start` itself not counted."""
    span = _calendar_span(n, Unit.WORKING_DAYS)
    calendar = production_calendar_get(start=start - span if n < 0 else start, end=start + span if n >= 0 else start)
    return calendar.add_working_days(start, n)


@dataclass(frozen=True)
class RuleDeadline:
    """A deadline with the rule version and the facts that produced it: the "why" shown to people."""

    key: str
    version: RuleVersion
    anchor: datetime.date
    due: datetime.date
    calendar_verified: bool  # False when the count used a calendar year not checked against its decree

    @property
    def needs_legal_confirmation(self) -> bool:
        return self.version.rule.needs_legal_confirmation


def rule_deadline(*, key: str, anchor: datetime.date, calendar: ProductionCalendar | None = None) -> RuleDeadline:
    """The deadline rule `key` sets for a fact on `anchor`, under the version in force on `anchor`.

    Pass `calendar` when computing many deadlines, to load it once.
    """
    version = rule_version_in_force(key=key, on=anchor)
    if version.offset_amount is None or not version.offset_unit:
        raise RuleMisconfigured(f"Rule {key!r} (version from {version.valid_from}) has no period.")
    uses_calendar = version.roll_forward or version.offset_unit == Unit.WORKING_DAYS
    if calendar is None:
        span = _calendar_span(version.offset_amount, version.offset_unit)
        calendar = (
            production_calendar_get(start=anchor - span, end=anchor + span) if uses_calendar else ProductionCalendar()
        )
    due = period_end(
        anchor=anchor,
        amount=version.offset_amount,
        unit=version.offset_unit,
        roll_forward=version.roll_forward,
        calendar=calendar,
    )
    counted = (datetime.date(year, 1, 1) for year in range(min(anchor, due).year, max(anchor, due).year + 1))
    return RuleDeadline(
        key=key,
        version=version,
        anchor=anchor,
        due=due,
        calendar_verified=calendar.is_verified_for(counted) if uses_calendar else True,
    )


def stay_limit_from_version(version: RuleVersion) -> StayLimit:
    if version.limit_days is None or not version.window:
        raise RuleMisconfigured(f"Rule version {version} has no stay limit.")
    return StayLimit(
        limit_days=version.limit_days, window=version.window, continuous_limit_days=version.continuous_limit_days
    )


@dataclass(frozen=True)
class StayCalculation:
    result: StayResult
    version: RuleVersion


def stay_calculation_get(*, stays: Sequence[StayPeriod], on: datetime.date) -> StayCalculation:
    """The visa-free stay limit in force on `on` applied to a validated history (one query).

    Raises `RuleNotInForce` when no version of the limit covers `on`.
    """
    version = rule_version_in_force(key=STAY_RULE_KEY, on=on)
    return StayCalculation(
        result=stay_calculate(stays=stays, on=on, limit=stay_limit_from_version(version)), version=version
    )
