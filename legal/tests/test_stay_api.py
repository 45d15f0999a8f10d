"""The public stay calculator API on worked examples; each expected value is derived in the comment."""

from __future__ import annotations

import pytest
from django.test import Client

URL = "/api/v1/stay-calculator"

pytestmark = pytest.mark.django_db


def calculate(stays: list[dict], on: str, client: Client | None = None):
    client = client or Client()
    return client.post(URL, {"stays": stays, "on": on}, content_type="application/json")


def test_a_single_30_day_stay_in_2025_leaves_60_days_for_an_entry_later_that_year():
    # 01.03–30.03.2025 = 30 days; entering 01.06 the annual count allows 60 more: 01.06–30.07.
    response = calculate([{"entry": "2025-03-01", "exit": "2025-03-30"}], "2025-06-01")
    assert response.status_code == 200
    assert response.json() == {
        "days_used": 30,
        "days_remaining": 60,
        "latest_exit": "2025-07-30",
        "overstay_days": 0,
    }


def test_90_days_used_in_a_calendar_year_leave_nothing_until_the_next_year():
    # 10.01–09.04.2025 = 22 + 28 + 31 + 9 = 90 days.
    stays = [{"entry": "2025-01-10", "exit": "2025-04-09"}]
    assert calculate(stays, "2025-07-01").json() == {
        "days_used": 90,
        "days_remaining": 0,
        "latest_exit": None,
        "overstay_days": 0,
    }
    # 1 January resets the annual count: 01.01–31.03.2026 is 31 + 28 + 31 = 90 days.
    assert calculate(stays, "2026-01-01").json() == {
        "days_used": 0,
        "days_remaining": 90,
        "latest_exit": "2026-03-31",
        "overstay_days": 0,
    }


def test_the_continuous_limit_runs_across_the_new_year_while_the_annual_count_restarts():
    # Entry 15.11.2025: day 90 of continuous stay is 16 (Nov) + 31 (Dec) + 31 (Jan) + 12 (Feb) = 12.02.2026.
    # 2025 holds 47 days and 2026 43, so neither annual count binds. Used on 01.12: 15.11–01.12 = 17 days;
    # left: 01.12.2025–12.02.2026 = 31 + 31 + 12 = 74 days.
    response = calculate([{"entry": "2025-11-15", "exit": None}], "2025-12-01")
    assert response.json() == {
        "days_used": 17,
        "days_remaining": 74,
        "latest_exit": "2026-02-12",
        "overstay_days": 0,
    }


def test_the_annual_count_binds_before_the_continuous_limit_when_earlier_stays_used_days():
    # 01.02–01.04.2025 = 28 + 31 + 1 = 60 days; the open stay from 15.11 may add 30: 15.11–14.12.
    stays = [{"entry": "2025-02-01", "exit": "2025-04-01"}, {"entry": "2025-11-15", "exit": None}]
    assert calculate(stays, "2025-12-01").json() == {
        "days_used": 77,  # 60 + 17
        "days_remaining": 14,  # 01.12–14.12
        "latest_exit": "2025-12-14",
        "overstay_days": 0,
    }


def test_a_stay_before_2025_is_measured_in_any_180_days():
    # 10.01–09.03.2024 = 22 + 29 + 9 = 60 days, all inside the 180 days ending on 01.06.2024 (from 05.12.2023).
    # Entering 01.06, day t stays lawful while 60 + (t − 31.05) <= 90, so until 30.06 (from 01.07 the
    # window still starts before 10.01, and the count would be 91).
    response = calculate([{"entry": "2024-01-10", "exit": "2024-03-09"}], "2024-06-01")
    assert response.json() == {
        "days_used": 60,
        "days_remaining": 30,
        "latest_exit": "2024-06-30",
        "overstay_days": 0,
    }


def test_under_90_in_180_days_drop_out_of_the_window_as_new_days_come_in():
    # 01.01–30.03.2024 = 31 + 29 + 30 = 90 days. On 29.06.2024 the window starts 02.01, so 89 are used;
    # from then each new day pushes one old day out until 30.03 leaves the window (after 26.09), and
    # a stay from 29.06 reaches 90 days on 26.09 (2 + 31 + 31 + 26).
    stays = [{"entry": "2024-01-01", "exit": "2024-03-30"}]
    assert calculate(stays, "2024-06-29").json() == {
        "days_used": 89,
        "days_remaining": 90,
        "latest_exit": "2024-09-26",
        "overstay_days": 0,
    }
    # On 15.06 the window (from 18.12.2023) still holds all 90 days: no entry is possible.
    assert calculate(stays, "2024-06-15").json()["latest_exit"] is None


def test_the_version_in_force_on_the_date_of_the_calculation_applies():
    # 01.07–29.08.2024 = 31 + 29 = 60 days.
    stays = [{"entry": "2024-07-01", "exit": "2024-08-29"}]
    # On 31.12.2024 the 90-in-180 rule applies: 56 of those days are in the window from 05.07; each new day
    # replaces an old one until 29.08 leaves the window (24.02.2025), after which a stay from 31.12
    # reaches 90 days on 30.03.2025.
    assert calculate(stays, "2024-12-31").json() == {
        "days_used": 56,
        "days_remaining": 90,
        "latest_exit": "2025-03-30",
        "overstay_days": 0,
    }
    # On 01.01.2025 the calendar-year rule applies: nothing used in 2025; 01.01–31.03 is 90 days.
    assert calculate(stays, "2025-01-01").json() == {
        "days_used": 0,
        "days_remaining": 90,
        "latest_exit": "2025-03-31",
        "overstay_days": 0,
    }


def test_a_stay_that_began_in_2024_counts_its_continuous_days_under_the_2025_rule():
    # Entry 01.12.2024: day 90 is 31 (Dec) + 31 (Jan) + 28 (Feb) = 28.02.2025; 2025 holds only 59 of them.
    response = calculate([{"entry": "2024-12-01", "exit": None}], "2025-01-10")
    assert response.json() == {
        "days_used": 10,
        "days_remaining": 50,  # 10.01–28.02 = 22 + 28
        "latest_exit": "2025-02-28",
        "overstay_days": 0,
    }


def test_an_open_stay_over_the_limit_reports_the_last_lawful_day_and_the_overstay():
    # Entry 01.01.2025: day 90 is 31.03 (31 + 28 + 31); 01.04–05.04 are 5 days over.
    response = calculate([{"entry": "2025-01-01", "exit": None}], "2025-04-05")
    assert response.json() == {
        "days_used": 95,
        "days_remaining": 0,
        "latest_exit": "2025-03-31",
        "overstay_days": 5,
    }


def test_day_90_of_an_open_stay_is_the_last_lawful_day_and_day_91_is_an_overstay():
    stays = [{"entry": "2025-01-01", "exit": None}]
    assert calculate(stays, "2025-03-31").json() == {
        "days_used": 90,
        "days_remaining": 1,
        "latest_exit": "2025-03-31",
        "overstay_days": 0,
    }
    assert calculate(stays, "2025-04-01").json()["overstay_days"] == 1


def test_no_stays_means_a_full_90_days_from_the_date_of_the_calculation():
    # 03.10–31.12.2025 is 29 + 30 + 31 = 90 days.
    assert calculate([], "2025-10-03").json() == {
        "days_used": 0,
        "days_remaining": 90,
        "latest_exit": "2025-12-31",
        "overstay_days": 0,
    }


def test_it_needs_no_login_and_no_csrf_token():
    client = Client(enforce_csrf_checks=True)
    response = calculate([{"entry": "2025-03-01", "exit": "2025-03-30"}], "2025-06-01", client=client)
    assert response.status_code == 200


def test_it_takes_one_query(django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        assert calculate([{"entry": "2025-11-15", "exit": None}], "2025-12-01").status_code == 200


def test_it_rejects_exit_before_entry():
    response = calculate([{"entry": "2025-03-10", "exit": "2025-03-01"}], "2025-06-01")
    assert response.status_code == 400
    assert list(response.json()["stays"]["0"]) == ["exit"]


def test_it_rejects_overlapping_stays_on_the_later_one():
    stays = [{"entry": "2025-01-01", "exit": "2025-02-01"}, {"entry": "2025-02-01", "exit": "2025-02-10"}]
    response = calculate(stays, "2025-06-01")
    assert response.status_code == 400
    assert list(response.json()["stays"]) == ["1"]
    assert list(response.json()["stays"]["1"]) == ["entry"]


def test_it_rejects_a_second_open_stay_as_an_overlap():
    stays = [{"entry": "2025-01-01", "exit": None}, {"entry": "2025-03-01", "exit": None}]
    response = calculate(stays, "2025-06-01")
    assert response.status_code == 400
    assert "entry" in response.json()["stays"]["1"]


def test_it_rejects_stays_after_the_date_of_the_calculation():
    stays = [{"entry": "2025-05-01", "exit": "2025-07-01"}, {"entry": "2025-08-01", "exit": None}]
    response = calculate(stays, "2025-06-01")
    assert response.status_code == 400
    assert list(response.json()["stays"]["0"]) == ["exit"]
    assert list(response.json()["stays"]["1"]) == ["entry"]


def test_it_rejects_malformed_dates_with_the_field_named():
    response = calculate([{"entry": "2025-13-01", "exit": None}], "01/06/2025")
    assert response.status_code == 400
    assert set(response.json()) == {"stays", "on"}
    assert list(response.json()["stays"]["0"]) == ["entry"]


def test_it_rejects_missing_fields_with_the_field_named():
    response = Client().post(URL, {"stays": [{"entry": "2025-03-01"}]}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["on"]
    assert list(response.json()["stays"]["0"]) == ["exit"]
    assert set(Client().post(URL, {}, content_type="application/json").json()) == {"stays", "on"}


def test_it_rejects_a_date_with_no_stay_limit_in_force_or_out_of_range():
    assert list(calculate([], "2019-06-01").json()) == ["on"]
    assert calculate([{"entry": "1999-12-31", "exit": "2000-01-05"}], "2025-01-01").status_code == 400
