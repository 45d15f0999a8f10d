"""When a message may reach a person: the sending window in their local time, and rate limits.

DOMAIN.md §6: 09:00–20:00 on working days and 10:00–19:00 on weekends and holidays, local time
(the region of the open registration; Moscow when unknown), working days per the federal
production calendar. SMS are capped per person at the 230-FZ ceilings (2 a day, 4 a week, 16 a
month) over rolling windows, which is the stricter reading.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from legal.counting import ProductionCalendar
from legal.selectors import production_calendar_get
from notifications import conf

ONE_DAY = datetime.timedelta(days=1)


@lru_cache(maxsize=64)
def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or conf.default_timezone())
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(conf.default_timezone())


@dataclass(frozen=True)
class SendWindows:
    calendar: ProductionCalendar
    windows: Mapping[str, tuple[datetime.time, datetime.time]]

    @classmethod
    def load(cls, *, around: datetime.date) -> SendWindows:
        """Two calendar queries, good for any moment within a week of `around` in every zone."""
        calendar = production_calendar_get(
            start=around - datetime.timedelta(days=2), end=around + datetime.timedelta(days=16)
        )
        return cls(calendar=calendar, windows=conf.send_windows())

    def window_on(self, day: datetime.date) -> tuple[datetime.time, datetime.time]:
        return self.windows["working_day" if self.calendar.is_working_day(day) else "day_off"]

    def next_allowed(self, *, now: datetime.datetime, tz_name: str | None) -> datetime.datetime:
        """`now` when it is inside the person's window, else the start of the next one (aware, UTC)."""
        tz = zone(tz_name)
        local = now.astimezone(tz)
        day = local.date()
        for _ in range(15):
            start_time, end_time = self.window_on(day)
            start = datetime.datetime.combine(day, start_time, tzinfo=tz)
            end = datetime.datetime.combine(day, end_time, tzinfo=tz)
            if local < start:
                return start.astimezone(datetime.UTC)
            if local < end:
                return now
            day += ONE_DAY
        return now  # no window in two weeks: a misconfiguration; do not hold messages forever

    def local_today(self, *, now: datetime.datetime, tz_name: str | None) -> datetime.date:
        return now.astimezone(zone(tz_name)).date()


def rate_limited_until(
    *, sent_at: Iterable[datetime.datetime], now: datetime.datetime, limits: Mapping[str, int]
) -> datetime.datetime | None:
    """None when one more message fits every limit now; else the moment it will (the n-th most
    recent message leaving the window)."""
    recent = sorted((moment for moment in sent_at), reverse=True)
    until: datetime.datetime | None = None
    for window_name, limit in limits.items():
        length = conf.RATE_WINDOWS[window_name]
        in_window = [moment for moment in recent if moment > now - length]
        if limit <= 0:
            continue
        if len(in_window) >= limit:
            free_at = in_window[limit - 1] + length
            until = free_at if until is None else max(until, free_at)
    return until
