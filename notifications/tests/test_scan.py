"""The daily scan: set-based, data-driven offsets, idempotent."""

from __future__ import annotations

import datetime as dt

import pytest

from notifications.models import Delivery, Notification, ReminderSchedule
from notifications.reminders import reminders_scan
from notifications.services import channel_preference_set
from notifications.tests.conftest import NOW, TODAY, crossing, document, patent_paid_until, person_with

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def reminders_of(person):
    return list(Notification.objects.filter(person=person, kind="deadline.reminder").order_by("id"))


def test_it_reminds_of_a_patent_payment_at_the_step_the_rule_gives():
    person = person_with(phone="+998901234567")
    permit = patent_paid_until(person, TODAY + 4 * DAY)

    result = reminders_scan(on=TODAY, now=NOW)

    (reminder,) = reminders_of(person)
    # patent.pay ships remind_days_before [10, 5, 3, 1]: 4 days left is the "5 days before" step.
    assert (reminder.rule_key, reminder.due_on, reminder.offset_days) == ("patent.pay", TODAY + 4 * DAY, 5)
    assert reminder.subject_id == permit.pk
    assert reminder.idempotency_key == f"reminder:{person.pk}:patent.pay:{TODAY + 4 * DAY}:5"
    assert result.notifications == 1
    assert sorted(Delivery.objects.filter(notification=reminder).values_list("channel", flat=True)) == ["inbox", "sms"]
    assert (
        Delivery.objects.get(notification=reminder, channel="sms").idempotency_key == reminder.idempotency_key + ":sms"
    )


def test_a_second_scan_creates_nothing_and_the_next_step_creates_one_more():
    person = person_with(phone="+998901234567")
    patent_paid_until(person, TODAY + 4 * DAY)

    reminders_scan(on=TODAY, now=NOW)
    again = reminders_scan(on=TODAY, now=NOW)
    assert (again.notifications, again.deliveries) == (0, 0)
    assert Notification.objects.count() == 1 and Delivery.objects.count() == 2

    reminders_scan(on=TODAY + DAY, now=NOW + DAY)  # 3 days left: the "3 days before" step
    assert [n.offset_days for n in reminders_of(person)] == [5, 3]
    reminders_scan(on=TODAY + DAY, now=NOW + DAY)
    assert Notification.objects.count() == 2 and Delivery.objects.count() == 4


def test_outside_every_window_nothing_is_created():
    person = person_with()
    patent_paid_until(person, TODAY + 11 * DAY)
    document(person, expires_on=TODAY + 181 * DAY)
    assert reminders_scan(on=TODAY, now=NOW).notifications == 0


def test_only_the_latest_payment_of_a_patent_counts():
    person = person_with()
    permit = patent_paid_until(person, TODAY + 2 * DAY)
    from notifications.tests.conftest import pay

    pay(permit, paid_until=TODAY + 32 * DAY, period_from=TODAY + 3 * DAY)
    assert reminders_scan(on=TODAY, now=NOW).notifications == 0


def test_offsets_are_data_on_the_schedule():
    person = person_with()
    patent_paid_until(person, TODAY + 4 * DAY)
    ReminderSchedule.objects.filter(key="patent.pay").update(offsets=[4, 2])
    reminders_scan(on=TODAY, now=NOW)
    assert [n.offset_days for n in reminders_of(person)] == [4]


def test_an_inactive_schedule_is_skipped():
    person = person_with()
    patent_paid_until(person, TODAY + 4 * DAY)
    ReminderSchedule.objects.filter(key="patent.pay").update(is_active=False)
    assert reminders_scan(on=TODAY, now=NOW).notifications == 0


def test_it_reminds_of_the_latest_document_of_each_type_only():
    person = person_with()
    document(person, expires_on=TODAY + 80 * DAY)
    renewed = person_with(latin_surname="RENEWED")
    document(renewed, expires_on=TODAY + 80 * DAY)
    document(renewed, expires_on=TODAY + 3000 * DAY)

    reminders_scan(on=TODAY, now=NOW)

    (reminder,) = reminders_of(person)
    assert (reminder.rule_key, reminder.offset_days, reminder.context) == (
        "doc.expiry.passport",
        90,
        {"document_type": "passport"},
    )
    assert reminders_of(renewed) == []


def test_it_reminds_of_the_last_day_of_a_visa_free_stay():
    person = person_with(region="77")
    crossing(person, "entry", TODAY - 80 * DAY)  # 90 days from the entry day inclusive: entry + 89

    reminders_scan(on=TODAY, now=NOW)

    (reminder,) = reminders_of(person)
    assert (reminder.rule_key, reminder.due_on, reminder.offset_days) == ("stay.visa_free", TODAY + 9 * DAY, 14)


def test_the_calendar_year_cap_can_come_before_the_continuous_limit():
    person = person_with(region="77")
    crossing(person, "entry", dt.date(2026, 1, 1))
    crossing(person, "exit", dt.date(2026, 2, 18))  # 49 days of the year's 90 used
    crossing(person, "entry", dt.date(2026, 2, 20))  # 41 days left: the last is 1 April, not 20 May

    reminders_scan(on=TODAY, now=NOW)

    (reminder,) = reminders_of(person)
    assert (reminder.due_on, reminder.offset_days) == (dt.date(2026, 4, 1), 30)


def test_a_patent_holder_gets_no_stay_end_reminder():
    person = person_with(region="77")
    crossing(person, "entry", TODAY - 80 * DAY)
    patent_paid_until(person, TODAY + 40 * DAY)
    reminders_scan(on=TODAY, now=NOW)
    assert [n.rule_key for n in reminders_of(person)] == []


def test_it_reminds_of_the_end_of_a_registration():
    from profiles.tests.factories import make_person, make_registration

    person = make_person()
    make_registration(person, valid_from=TODAY - 80 * DAY, valid_to=TODAY + 2 * DAY)
    reminders_scan(on=TODAY, now=NOW)
    (reminder,) = reminders_of(person)
    assert (reminder.rule_key, reminder.offset_days) == ("registration.end", 3)


def test_external_delivery_follows_contacts_and_consent():
    sms = person_with(phone="+998901234567", email="a@example.org")
    opted_out = person_with(phone="+998901234568", email="b@example.org", latin_surname="OPTOUT")
    channel_preference_set(person=opted_out, channel="sms", enabled=False)
    nothing = person_with(latin_surname="NOCONTACT")
    for person in (sms, opted_out, nothing):
        patent_paid_until(person, TODAY + 4 * DAY)

    reminders_scan(on=TODAY, now=NOW)

    def channels(person):
        return sorted(Delivery.objects.filter(person=person).values_list("channel", flat=True))

    assert channels(sms) == ["inbox", "sms"]
    assert channels(opted_out) == ["email", "inbox"]
    assert channels(nothing) == ["inbox"]


def test_an_external_delivery_waits_for_the_window_in_the_persons_zone():
    # 17:00 UTC on Monday is 20:00 in Moscow (window closed) and 03:00 on Tuesday in Vladivostok.
    evening = dt.datetime(2026, 3, 2, 17, 0, tzinfo=dt.UTC)
    moscow = person_with(phone="+998901234567", region="77")
    vladivostok = person_with(phone="+998901234568", region="25", latin_surname="FAREAST")
    for person in (moscow, vladivostok):
        patent_paid_until(person, TODAY + 4 * DAY)

    reminders_scan(on=TODAY, now=evening)

    assert Delivery.objects.get(person=moscow, channel="sms").next_attempt_at == dt.datetime(
        2026, 3, 3, 6, 0, tzinfo=dt.UTC
    )
    assert Delivery.objects.get(person=vladivostok, channel="sms").next_attempt_at == dt.datetime(
        2026, 3, 2, 23, 0, tzinfo=dt.UTC
    )
    assert Delivery.objects.get(person=moscow, channel="inbox").next_attempt_at == evening


def test_merged_profiles_are_not_reminded():
    survivor = person_with()
    absorbed = person_with(latin_surname="ABSORBED")
    patent_paid_until(absorbed, TODAY + 4 * DAY)
    from profiles.models import Person

    Person.objects.filter(pk=absorbed.pk).update(merged_into=survivor)
    assert reminders_scan(on=TODAY, now=NOW).notifications == 0


@pytest.mark.parametrize(
    "stays",
    [
        [(TODAY - 80 * DAY, None)],
        [(dt.date(2026, 1, 1), dt.date(2026, 2, 18)), (dt.date(2026, 2, 20), None)],
        [(dt.date(2025, 12, 20), None)],
    ],
)
def test_the_stay_end_sql_agrees_with_the_status_engine(stays):
    from legal.status import person_status

    person = person_with(region="77")
    for entered, exited in stays:
        crossing(person, "entry", entered)
        if exited:
            crossing(person, "exit", exited)

    reminders_scan(on=TODAY, now=NOW)

    engine = [d.due_on for d in person_status(person=person, on=TODAY).deadlines if d.rule_key == "stay.visa_free"]
    sql = [n.due_on for n in reminders_of(person) if n.rule_key == "stay.visa_free"]
    assert sql and sql == engine
