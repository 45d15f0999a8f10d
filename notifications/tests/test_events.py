"""Events from other apps: persisted, deduplicated, enqueued after commit, sent in the person's language."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from notifications.models import Delivery, DeliveryStatus, InboxMessage, Notification, NotificationStatus
from notifications.services import channel_preference_set, notification_cancel, notifications_cancel_for, notify_event
from notifications.tests.conftest import person_with
from notifications.transports import MemorySmsAdapter

pytestmark = pytest.mark.django_db
DECISION = {
    "application_number": "A-2026-7",
    "service_name": "Patent",
    "decision": "approved",
    "decided_on": "2026-02-10",
}


def test_an_event_is_sent_after_commit_and_only_once(django_capture_on_commit_callbacks, settings):
    settings.NOTIFICATIONS_SEND_WINDOWS = {"working_day": ("00:00", "23:59"), "day_off": ("00:00", "23:59")}
    person = person_with(phone="+998901234567", language="ru")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = notify_event(person_id=person.pk, kind="application.decision", context=DECISION, dedupe_key="A-2026-7")
        assert InboxMessage.objects.count() == 0  # nothing is sent before the transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        again = notify_event(person_id=person.pk, kind="application.decision", context=DECISION, dedupe_key="A-2026-7")

    assert len(callbacks) == 1 and again.pk == first.pk
    assert Notification.objects.count() == 1
    (message,) = InboxMessage.objects.all()
    assert message.subject == "Решение по заявлению A-2026-7"
    assert "принято решение: одобрено" in message.body
    assert [sms["to"] for sms in MemorySmsAdapter.outbox] == ["+998901234567"]


def test_a_legally_required_notice_ignores_an_sms_opt_out_but_not_a_missing_phone():
    person = person_with(phone="+998901234567")
    channel_preference_set(person=person, channel="sms", enabled=False)
    notify_event(person_id=person.pk, kind="application.decision", context=DECISION, dedupe_key="1")
    no_phone = person_with(latin_surname="NOPHONE")
    notify_event(person_id=no_phone.pk, kind="application.decision", context=DECISION, dedupe_key="1")
    assert sorted(Delivery.objects.filter(person=person).values_list("channel", flat=True)) == ["inbox", "sms"]
    assert list(Delivery.objects.filter(person=no_phone).values_list("channel", flat=True)) == ["inbox"]


def test_an_optional_notice_respects_the_opt_out():
    person = person_with(phone="+998901234567")
    channel_preference_set(person=person, channel="sms", enabled=False)
    notify_event(
        person_id=person.pk,
        kind="registration.recorded",
        context={
            "address": "Tverskaya 1",
            "region_name": "Москва",
            "valid_from": "2026-02-10",
            "valid_to": "2026-05-10",
        },
        dedupe_key="registration:1",
    )
    assert list(Delivery.objects.filter(person=person).values_list("channel", flat=True)) == ["inbox"]


def test_the_inbox_cannot_be_switched_off():
    with pytest.raises(ValidationError):
        channel_preference_set(person=person_with(), channel="inbox", enabled=False)


def test_an_event_with_an_undeclared_variable_is_refused():
    with pytest.raises(ValidationError, match="does not declare amount"):
        notify_event(person_id=person_with().pk, kind="status.changed", context={"amount": 1}, dedupe_key="x")


def test_reminders_and_broadcasts_do_not_go_through_notify_event():
    with pytest.raises(ValidationError):
        notify_event(person_id=person_with().pk, kind="deadline.reminder", context={}, dedupe_key="x")


def test_cancel_once_the_condition_is_fixed():
    person = person_with(phone="+998901234567")
    notification = notify_event(
        person_id=person.pk, kind="status.changed", context={"status_label": "x"}, dedupe_key="1"
    )
    notification = notification_cancel(notification=notification, reason="superseded by a later decision")
    assert notification.status == NotificationStatus.CANCELLED
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.CANCELLED}


def test_cancel_for_a_rule_reaches_its_sub_rules(django_capture_on_commit_callbacks):
    import datetime as dt

    from notifications.reminders import reminders_scan
    from notifications.tests.conftest import NOW, TODAY, document

    person = person_with()
    document(person, expires_on=TODAY + dt.timedelta(days=80))
    reminders_scan(on=TODAY, now=NOW)
    assert notifications_cancel_for(person_id=person.pk, rule_key="doc.expiry", reason="renewed at the counter") == 1
    assert Notification.objects.get(person=person).cancel_reason == "renewed at the counter"
