"""Properties of the pure stay calculation, checked over every day of a range."""

from __future__ import annotations

import datetime

from legal.stay import StayLimit, StayPeriod, stay_calculate, stay_input_errors

CALENDAR_YEAR = StayLimit(limit_days=90, window="calendar_year", continuous_limit_days=90)
ROLLING = StayLimit(limit_days=90, window="rolling_180")
DAY = datetime.timedelta(days=1)


def days(start: datetime.date, end: datetime.date):
    while start <= end:
        yield start
        start += DAY


def test_a_first_entry_on_any_day_of_2025_and_2026_gives_90_days_under_both_versions():
    for on in days(datetime.date(2025, 1, 1), datetime.date(2026, 12, 31)):
        for limit in (CALENDAR_YEAR, ROLLING):
            result = stay_calculate(stays=[], on=on, limit=limit)
            assert (result.days_remaining, result.latest_exit) == (90, on + 89 * DAY), (on, limit)


def test_day_90_of_any_open_stay_in_2025_is_lawful_and_day_91_is_one_day_over():
    for entry in days(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)):
        stays = [StayPeriod(entry=entry, exit=None)]
        day_90 = stay_calculate(stays=stays, on=entry + 89 * DAY, limit=CALENDAR_YEAR)
        day_91 = stay_calculate(stays=stays, on=entry + 90 * DAY, limit=CALENDAR_YEAR)
        assert (day_90.days_remaining, day_90.overstay_days) == (1, 0), entry
        assert (day_91.latest_exit, day_91.overstay_days) == (entry + 89 * DAY, 1), entry


def test_february_29_counts_as_a_day_of_stay_in_a_leap_year():
    # 01.01–30.03.2028 = 31 + 29 + 30 = 90 days.
    assert stay_calculate(stays=[], on=datetime.date(2028, 1, 1), limit=CALENDAR_YEAR).latest_exit == datetime.date(
        2028, 3, 30
    )
    # 90 in 180 across February 2024: 01.01–30.03.2024 is again 90 days.
    open_stay = [StayPeriod(entry=datetime.date(2024, 1, 1), exit=None)]
    assert stay_calculate(stays=open_stay, on=datetime.date(2024, 3, 31), limit=ROLLING).overstay_days == 1


def test_a_stay_that_ended_on_the_date_of_the_calculation_is_not_counted_twice():
    # 01.03–01.06.2025 = 31 + 30 + 31 + 1 = 93 days, over the limit; used is 93 and nothing is left.
    stays = [StayPeriod(entry=datetime.date(2025, 3, 1), exit=datetime.date(2025, 6, 1))]
    result = stay_calculate(stays=stays, on=datetime.date(2025, 6, 1), limit=CALENDAR_YEAR)
    assert (result.days_used, result.days_remaining, result.overstay_days) == (93, 0, 0)


def test_an_entry_already_over_the_annual_count_has_no_lawful_day():
    stays = [
        StayPeriod(entry=datetime.date(2025, 1, 1), exit=datetime.date(2025, 3, 31)),
        StayPeriod(entry=datetime.date(2025, 6, 1), exit=None),
    ]
    result = stay_calculate(stays=stays, on=datetime.date(2025, 6, 10), limit=CALENDAR_YEAR)
    assert (result.latest_exit, result.overstay_days) == (None, 10)


def test_the_input_check_names_each_problem_once():
    on = datetime.date(2025, 6, 1)
    stays = [
        StayPeriod(entry=datetime.date(2025, 1, 1), exit=datetime.date(2025, 2, 1)),
        StayPeriod(entry=datetime.date(2025, 1, 20), exit=None),
    ]
    assert [(e.index, e.field, e.code) for e in stay_input_errors(stays=stays, on=on)] == [(1, "entry", "overlap")]
    assert stay_input_errors(stays=[StayPeriod(entry=on, exit=None)], on=on) == []
    # A short stay inside a long one does not hide a later overlap with the long one.
    nested = [
        StayPeriod(entry=datetime.date(2025, 1, 1), exit=datetime.date(2025, 3, 1)),
        StayPeriod(entry=datetime.date(2025, 1, 10), exit=datetime.date(2025, 1, 20)),
        StayPeriod(entry=datetime.date(2025, 2, 1), exit=datetime.date(2025, 2, 5)),
    ]
    assert [e.index for e in stay_input_errors(stays=nested, on=on)] == [1, 2]
