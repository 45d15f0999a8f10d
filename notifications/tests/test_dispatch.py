"""The dispatcher: re-check before sending, quiet hours, rate limits, retries, fallback, sweeping."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from notifications import conf
from notifications.dispatch import deliveries_claim, deliveries_dispatch, deliveries_sweep, delivery_receipt_record
from notifications.models import Delivery, DeliveryStatus, InboxMessage, Notification, NotificationStatus
from notifications.reminders import reminders_scan
from notifications.tests.conftest import NOW, TODAY, crossing, document, patent_paid_until, pay, person_with
from notifications.transports import MemorySmsAdapter, PermanentError, TemporaryError

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
UTC = dt.UTC


def drain(now=NOW, **kwargs):
    total = None
    while True:
        result = deliveries_dispatch(now=now, **kwargs)
        if total is None:
            total = result
        else:
            total.add(result)
        if result.claimed == 0:
            return total


def delivery(person, channel):
    return Delivery.objects.get(person=person, channel=channel)


def test_a_reminder_reaches_the_inbox_and_the_phone_once():
    person = person_with(phone="+998901234567", language="uz")
    patent_paid_until(person, TODAY + 4 * DAY)
    reminders_scan(on=TODAY, now=NOW)

    drain()
    drain()  # nothing left: a second run sends nothing again

    (message,) = InboxMessage.objects.filter(person=person)
    assert message.language == "uz"
    assert message.subject == "Patent to‘lovi 06.03.2026 gacha"
    assert "4 kun qoldi" in message.body
    assert [sms["to"] for sms in MemorySmsAdapter.outbox] == ["+998901234567"]
    assert delivery(person, "sms").status == DeliveryStatus.SENT
    assert delivery(person, "sms").provider_message_id == "mem-1"
    assert Notification.objects.get(person=person).status == NotificationStatus.SENT


def test_a_payment_that_arrives_before_sending_cancels_the_reminder():
    person = person_with(phone="+998901234567")
    permit = patent_paid_until(person, TODAY + 4 * DAY)
    reminders_scan(on=TODAY, now=NOW)

    pay(permit, paid_until=TODAY + 34 * DAY, period_from=TODAY + 5 * DAY)
    drain()

    notification = Notification.objects.get(person=person)
    assert notification.status == NotificationStatus.CANCELLED
    assert "payment arrived" in notification.cancel_reason
    assert set(Delivery.objects.filter(person=person).values_list("status", flat=True)) == {DeliveryStatus.CANCELLED}
    assert InboxMessage.objects.count() == 0 and MemorySmsAdapter.outbox == []


def test_a_renewed_document_cancels_the_expiry_reminder():
    person = person_with()
    document(person, expires_on=TODAY + 80 * DAY)
    reminders_scan(on=TODAY, now=NOW)
    document(person, expires_on=TODAY + 3650 * DAY)
    drain()
    assert "newer document" in Notification.objects.get(person=person).cancel_reason
    assert not InboxMessage.objects.exists()


def test_leaving_russia_after_the_reminder_cancels_it():
    person = person_with()
    crossing(person, "entry", TODAY - 200 * DAY)
    patent_paid_until(person, TODAY + 4 * DAY)
    reminders_scan(on=TODAY, now=NOW)
    crossing(person, "exit", TODAY)
    drain()
    assert Notification.objects.get(person=person).cancel_reason == "resolved: the person left Russia on 02.03.2026"


def test_a_deadline_that_passed_while_waiting_is_not_sent():
    person = person_with()
    patent_paid_until(person, TODAY + DAY)
    reminders_scan(on=TODAY, now=NOW)
    drain(now=NOW + 3 * DAY)
    assert Notification.objects.get(person=person).cancel_reason.startswith("expired")


def test_a_vladivostok_person_at_3_am_gets_the_sms_at_9_local():
    person = person_with(phone="+998901234567", region="25")
    patent_paid_until(person, TODAY + 4 * DAY)
    reminders_scan(on=TODAY, now=NOW)
    Delivery.objects.filter(person=person).update(next_attempt_at=NOW - DAY)  # as if it had been due all along
    three_am = dt.datetime(2026, 3, 2, 17, 0, tzinfo=UTC)  # Tuesday 03:00 in Vladivostok (UTC+10)

    result = drain(now=three_am)

    sms = delivery(person, "sms")
    assert (result.deferred, sms.status, sms.attempts) == (1, DeliveryStatus.QUEUED, 0)
    assert sms.next_attempt_at == dt.datetime(2026, 3, 2, 23, 0, tzinfo=UTC)  # 09:00 local
    assert delivery(person, "inbox").status == DeliveryStatus.SENT  # the inbox has no quiet hours
    drain(now=dt.datetime(2026, 3, 2, 23, 0, tzinfo=UTC))
    assert delivery(person, "sms").status == DeliveryStatus.SENT


def test_on_a_holiday_the_window_opens_at_10():
    person = person_with(phone="+998901234567", region="77")
    patent_paid_until(person, dt.date(2026, 3, 12))
    reminders_scan(on=dt.date(2026, 3, 7), now=dt.datetime(2026, 3, 7, 5, 0, tzinfo=UTC))
    sms = delivery(person, "sms")
    # Sunday 8 March (International Women's Day) at 09:30 Moscow: a day off, so wait for 10:00.
    Delivery.objects.filter(pk=sms.pk).update(next_attempt_at=dt.datetime(2026, 3, 8, 6, 0, tzinfo=UTC))
    drain(now=dt.datetime(2026, 3, 8, 6, 30, tzinfo=UTC))
    sms.refresh_from_db()
    assert sms.next_attempt_at == dt.datetime(2026, 3, 8, 7, 0, tzinfo=UTC)


def test_the_third_sms_in_a_day_waits_or_goes_by_email():
    limited = person_with(phone="+998901234567")
    with_email = person_with(phone="+998901234568", email="c@example.org", latin_surname="EMAIL")
    for person in (limited, with_email):
        patent_paid_until(person, TODAY + 4 * DAY)
        document(person, expires_on=TODAY + 80 * DAY)
        document(person, expires_on=TODAY + 25 * DAY, document_type="rvp")
    reminders_scan(on=TODAY, now=NOW)

    drain()

    assert len([m for m in MemorySmsAdapter.outbox if m["to"] == "+998901234567"]) == 2
    waiting = Delivery.objects.get(person=limited, channel="sms", status=DeliveryStatus.QUEUED)
    assert waiting.next_attempt_at == NOW + DAY  # when the first of today's two leaves the 24-hour window
    moved = Delivery.objects.get(person=with_email, channel="sms", status=DeliveryStatus.CANCELLED)
    assert "rate limit" in moved.cancel_reason
    assert Delivery.objects.get(fallback_from=moved).channel == "email"


def test_a_temporary_error_is_retried_with_backoff_then_fails(settings):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    person = person_with(phone="+998901234567")
    patent_paid_until(person, TODAY + 4 * DAY)
    reminders_scan(on=TODAY, now=NOW)
    MemorySmsAdapter.scripted["+998901234567"] = [TemporaryError("gateway timeout")] * 3

    now = NOW
    waits = []
    for _attempt in range(3):
        drain(now=now)
        sms = delivery(person, "sms")
        waits.append(sms.next_attempt_at - now)
        now = sms.next_attempt_at

    assert waits[:2] == [conf.backoff(1), conf.backoff(2)] == [dt.timedelta(minutes=1), dt.timedelta(minutes=2)]
    assert (sms.status, sms.attempts) == (DeliveryStatus.FAILED, 3)
    assert sms.last_error == "gave up after 3 attempts: gateway timeout"
    # The inbox copy went out, so the notification as a whole did.
    assert Notification.objects.get(person=person).status == NotificationStatus.SENT


def test_a_permanent_sms_failure_falls_back_to_email():
    person = person_with(phone="+998901234567", email="d@example.org")
    patent_paid_until(person, TODAY + 4 * DAY)
    reminders_scan(on=TODAY, now=NOW)
    MemorySmsAdapter.scripted["+998901234567"] = [PermanentError("HTTP 400: number not served (foreign SIM)")]
    from django.core import mail

    drain()

    sms, email = delivery(person, "sms"), delivery(person, "email")
    assert (sms.status, sms.attempts) == (DeliveryStatus.FAILED, 1)
    assert sms.last_error.startswith("permanent: HTTP 400")
    assert (email.status, email.fallback_from_id) == (DeliveryStatus.SENT, sms.pk)
    assert [m.to for m in mail.outbox] == [["d@example.org"]]
    assert mail.outbox[0].extra_headers["X-Notification-Key"] == email.idempotency_key


def test_failing_on_every_channel_fails_the_notification():
    person = person_with(phone="+998901234567")
    patent_paid_until(person, TODAY + 4 * DAY)
    reminders_scan(on=TODAY, now=NOW)
    Delivery.objects.filter(person=person, channel="inbox").update(
        status=DeliveryStatus.CANCELLED, cancel_reason="test", finished_at=NOW
    )
    MemorySmsAdapter.scripted["+998901234567"] = [PermanentError("blocked")]
    drain()
    assert Notification.objects.get(person=person).status == NotificationStatus.FAILED


def test_a_lost_worker_s_deliveries_are_swept_back_and_sent_once():
    person = person_with(phone="+998901234567")
    patent_paid_until(person, TODAY + 4 * DAY)
    reminders_scan(on=TODAY, now=NOW)
    claimed = deliveries_claim(channel="sms", limit=10, worker="dead-worker", lease_seconds=60, now=NOW)
    assert len(claimed) == 1

    assert drain().sent == 1  # only the inbox: the SMS is leased to the dead worker
    assert deliveries_sweep(now=NOW + dt.timedelta(seconds=30)) == 0  # lease still running
    assert deliveries_sweep(now=NOW + dt.timedelta(seconds=61)) == 1
    drain(now=NOW + dt.timedelta(seconds=61))

    sms = delivery(person, "sms")
    assert (sms.status, sms.attempts) == (DeliveryStatus.SENT, 2)
    assert len(MemorySmsAdapter.outbox) == 1
    assert (delivery(person, "inbox").attempts, InboxMessage.objects.filter(person=person).count()) == (1, 1)


def test_a_late_worker_cannot_overwrite_the_next_one():
    person = person_with(phone="+998901234567")
    patent_paid_until(person, TODAY + 4 * DAY)
    reminders_scan(on=TODAY, now=NOW)
    deliveries_claim(channel="sms", limit=10, worker="slow", lease_seconds=1, now=NOW)
    deliveries_sweep(now=NOW + dt.timedelta(seconds=2))
    drain(now=NOW + dt.timedelta(seconds=2))
    # The slow worker wakes up and records its (stale) view: nothing matches its lease any more.
    assert Delivery.objects.filter(status="sending", locked_by="slow").update(status="queued") == 0
    assert delivery(person, "sms").status == DeliveryStatus.SENT


def test_spent_attempts_of_a_lost_worker_end_in_failure_and_the_next_channel(settings):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 1
    person = person_with(phone="+998901234567", email="f@example.org")
    patent_paid_until(person, TODAY + 4 * DAY)
    reminders_scan(on=TODAY, now=NOW)
    deliveries_claim(channel="sms", limit=10, worker="dead-worker", lease_seconds=1, now=NOW)
    deliveries_sweep(now=NOW + dt.timedelta(seconds=2))
    sms = delivery(person, "sms")
    assert (sms.status, sms.last_error) == (
        DeliveryStatus.FAILED,
        "the worker holding it stopped, and no attempts are left",
    )
    assert Delivery.objects.get(fallback_from=sms).channel == "email"


def test_a_final_state_is_final_in_the_database():
    person = person_with()
    patent_paid_until(person, TODAY + 4 * DAY)
    reminders_scan(on=TODAY, now=NOW)
    drain()
    inbox = delivery(person, "inbox")
    Delivery.objects.filter(pk=inbox.pk).update(status=DeliveryStatus.FAILED, last_error="x", finished_at=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.filter(pk=inbox.pk).update(status=DeliveryStatus.QUEUED, finished_at=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.filter(pk=inbox.pk).update(attempts=99)


def test_provider_receipts_mark_delivery_or_open_the_next_channel():
    person = person_with(phone="+998901234567", email="e@example.org")
    other = person_with(phone="+998901234569", latin_surname="OTHER")
    for who in (person, other):
        patent_paid_until(who, TODAY + 4 * DAY)
    reminders_scan(on=TODAY, now=NOW)
    drain()
    first, second = (delivery(who, "sms") for who in (person, other))

    delivered = delivery_receipt_record(
        channel="sms", provider_message_id=second.provider_message_id, delivered=True, payload={"state": "DELIVRD"}
    )
    delivery_receipt_record(
        channel="sms", provider_message_id=second.provider_message_id, delivered=True, payload={"state": "DELIVRD"}
    )
    failed = delivery_receipt_record(
        channel="sms", provider_message_id=first.provider_message_id, delivered=False, payload={"state": "UNDELIV"}
    )

    assert (delivered.status, delivered.receipts) == (DeliveryStatus.DELIVERED, [{"state": "DELIVRD"}])
    assert failed.status == DeliveryStatus.FAILED
    assert Delivery.objects.get(fallback_from=failed).channel == "email"
    assert delivery_receipt_record(channel="sms", provider_message_id="nope", delivered=True, payload={}) is None
