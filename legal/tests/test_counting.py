"""Working days on the shipped 2025–2027 calendar and the ГК ст. 191–193 counting rules."""

from __future__ import annotations

import datetime

import pytest

from legal.counting import ProductionCalendar, add_months, period_end
from legal.selectors import add_working_days, is_working_day, production_calendar_get, rule_deadline

D = datetime.date
DAY = datetime.timedelta(days=1)


@pytest.fixture
def calendar(db) -> ProductionCalendar:
    return production_calendar_get(start=D(2025, 1, 1), end=D(2027, 12, 31))


@pytest.mark.django_db
def test_7_working_days_from_29_december_2025_skip_the_new_year_holidays():
    # 30.12 is the 1st; 31.12.2025–11.01.2026 are off; 12–16.01 are the 2nd to 6th; 19.01 the 7th.
    assert add_working_days(D(2025, 12, 29), 7) == D(2026, 1, 19)


@pytest.mark.django_db
def test_3_working_days_from_7_may_2026_skip_the_victory_day_weekend():
    # 08.05 (a short day) is the 1st; 09–11.05 are off (11.05 replaces Saturday 09.05); 12.05, 13.05.
    assert add_working_days(D(2026, 5, 7), 3) == D(2026, 5, 13)


@pytest.mark.django_db
def test_transferred_days_follow_the_decrees():
    assert not is_working_day(D(2025, 5, 2))  # Friday, day off moved from Saturday 04.01
    assert is_working_day(D(2025, 11, 1))  # Saturday made a working day
    assert is_working_day(D(2025, 3, 7))  # short day, still a working day
    assert not is_working_day(D(2026, 1, 9))  # Friday, moved from Saturday 03.01
    assert not is_working_day(D(2026, 3, 9))  # Monday after 8 March on a Sunday
    assert not is_working_day(D(2027, 6, 14))  # ТК ст. 112: 12.06.2027 is a Saturday
    assert add_working_days(D(2025, 10, 31), 1) == D(2025, 11, 1)


def test_2025_and_2026_have_247_working_days_as_the_published_calendars(calendar):
    for year in (2025, 2026):
        working = [d for d in _days(D(year, 1, 1), D(year, 12, 31)) if calendar.is_working_day(d)]
        assert len(working) == 247, year
    # 2027 without its decree: the two January weekend days are not moved yet, so two more.
    assert sum(calendar.is_working_day(d) for d in _days(D(2027, 1, 1), D(2027, 12, 31))) == 249
    assert calendar.is_verified_for([D(2025, 6, 1), D(2026, 6, 1)])
    assert not calendar.is_verified_for([D(2027, 6, 1)])


def test_counting_working_days_forward_and_back_agree_on_every_day_of_2025_and_2026(calendar):
    for day in _days(D(2025, 1, 1), D(2026, 12, 31)):
        following = calendar.add_working_days(day, 1)
        assert following > day and calendar.is_working_day(following)
        assert not any(calendar.is_working_day(d) for d in _days(day + DAY, following - DAY))
        if calendar.is_working_day(day):
            assert calendar.add_working_days(calendar.add_working_days(day, 5), -5) == day


def test_a_period_in_months_ends_on_the_same_date_or_the_last_day_of_the_month():
    assert add_months(D(2025, 12, 31), 2) == D(2026, 2, 28)
    assert add_months(D(2023, 12, 31), 2) == D(2024, 2, 29)
    assert add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert add_months(D(2026, 3, 31), -1) == D(2026, 2, 28)
    assert add_months(D(2026, 2, 10), 12) == D(2027, 2, 10)


def test_an_office_deadline_on_a_day_off_moves_to_the_next_working_day_but_a_stay_limit_does_not(calendar):
    def end(anchor, amount, unit, roll_forward):
        return period_end(anchor=anchor, amount=amount, unit=unit, roll_forward=roll_forward, calendar=calendar)

    # 2 months from 31.12.2025 end on Saturday 28.02.2026; an office deadline moves to Monday 02.03.
    assert end(D(2025, 12, 31), 2, "months", roll_forward=False) == D(2026, 2, 28)
    assert end(D(2025, 12, 31), 2, "months", roll_forward=True) == D(2026, 3, 2)
    # 30 calendar days from 10.12.2025 end on 09.01.2026, a day off: moved to 12.01, or kept.
    assert end(D(2025, 12, 10), 30, "calendar_days", roll_forward=True) == D(2026, 1, 12)
    assert end(D(2025, 12, 10), 30, "calendar_days", roll_forward=False) == D(2026, 1, 9)


@pytest.mark.django_db
def test_rule_deadlines_use_the_shipped_rule_versions():
    assert rule_deadline(key="reg.general", anchor=D(2025, 12, 29)).due == D(2026, 1, 19)
    assert rule_deadline(key="patent.contract_copy", anchor=D(2025, 12, 31)).due == D(2026, 3, 2)
    assert rule_deadline(key="patent.apply", anchor=D(2025, 12, 10)).due == D(2026, 1, 12)
    # DOMAIN.md §3: a paid period ending on Monday 09.03.2026 (a day off) is not extended.
    assert rule_deadline(key="patent.pay", anchor=D(2026, 3, 9)).due == D(2026, 3, 9)
    # 10 working days before 10.02.2027 (the patent's 12 months): 27.01.2027.
    reissue = rule_deadline(key="patent.reissue", anchor=D(2027, 2, 10))
    assert reissue.due == D(2027, 1, 27)
    assert reissue.needs_legal_confirmation


@pytest.mark.django_db
def test_a_deadline_counted_on_the_unverified_2027_calendar_says_so():
    # 29.12 and 30.12.2026 are the 1st and 2nd; 31.12 and 01–10.01.2027 are off; 11–15.01 the 3rd to 7th.
    deadline = rule_deadline(key="reg.general", anchor=D(2026, 12, 28))
    assert deadline.due == D(2027, 1, 15)
    assert not deadline.calendar_verified
    assert rule_deadline(key="reg.general", anchor=D(2026, 6, 1)).calendar_verified


def _days(start: datetime.date, end: datetime.date):
    while start <= end:
        yield start
        start += DAY
