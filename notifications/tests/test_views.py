"""The cabinet inbox and preferences, the receipt callback, and the staff admin pages."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog
from notifications.models import Broadcast, ChannelPreference, Delivery, InboxMessage, NotificationTemplate
from notifications.reminders import reminders_scan
from notifications.services import notify_event
from notifications.tests.conftest import NOW, TODAY, patent_paid_until, person_with
from notifications.tests.test_dispatch import drain
from profiles.models import Person

pytestmark = [pytest.mark.django_db, pytest.mark.urls("notifications.tests.urls")]


@pytest.fixture
def owner(django_user_model):
    user = django_user_model.objects.create_user(username="owner", email="owner@example.org", password="owner-pass-123")
    person = person_with(phone="+998901234567", language="en")
    Person.objects.filter(pk=person.pk).update(user=user)
    return user, person


def send_to(person, dedupe_key="1"):
    notify_event(person_id=person.pk, kind="status.changed", context={"status_label": "Patent holder",
                 "effective_on": "2026-02-10"}, dedupe_key=dedupe_key)  # fmt: skip
    drain(now=timezone.now(), channel="inbox")


def test_the_inbox_lists_the_person_s_own_messages_only(client, owner, django_assert_max_num_queries):
    user, person = owner
    for key in ("1", "2", "3"):
        send_to(person, key)
    send_to(person_with(latin_surname="STRANGER"))
    client.force_login(user)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 200
    assert response.content.decode().count("Your status has changed") == 3
    assert response.context["unread"] == 3


def test_a_message_is_marked_read_by_its_owner_only(client, owner):
    user, person = owner
    send_to(person)
    stranger = person_with(latin_surname="STRANGER")
    send_to(stranger)
    mine, theirs = InboxMessage.objects.get(person=person), InboxMessage.objects.get(person=stranger)
    client.force_login(user)
    assert client.post(reverse("notifications:inbox_message_read", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notifications:inbox_message_read", args=[mine.pk])).status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None and theirs.read_at is None


def test_the_inbox_needs_a_login(client):
    assert client.get(reverse("notifications:inbox")).status_code == 302


def test_preferences_switch_sms_off(client, owner):
    user, person = owner
    client.force_login(user)
    assert client.get(reverse("notifications:preferences")).context["form"].initial == {"sms": True, "email": True}
    client.post(reverse("notifications:preferences"), {"email": "on"})
    assert dict(ChannelPreference.objects.filter(person=person).values_list("channel", "enabled")) == {
        "sms": False,
        "email": True,
    }


def test_the_receipt_callback_needs_the_token(client, settings):
    settings.NOTIFICATIONS_SMS_RECEIPT_TOKEN = "s3cret"
    person = person_with(phone="+998901234567")
    patent_paid_until(person, TODAY.replace(day=6))
    reminders_scan(on=TODAY, now=NOW)
    drain()
    sms = Delivery.objects.get(channel="sms")
    url = reverse("notifications_api:sms_receipt")
    body = json.dumps({"id": sms.provider_message_id, "status": "delivered"})
    assert client.post(url, body, content_type="application/json").status_code == 403
    response = client.post(url, body, content_type="application/json", headers={"Authorization": "Bearer s3cret"})
    assert response.json() == {"known": True}
    sms.refresh_from_db()
    assert sms.status == "delivered"


def test_admin_lists_and_template_preview_under_a_stated_purpose(client, officer):
    person = person_with(language="uz")
    patent_paid_until(person, TODAY.replace(day=9))
    reminders_scan(on=TODAY, now=NOW)
    drain()
    client.force_login(officer)
    for name in ("notification", "delivery", "inboxmessage", "notificationtemplate", "reminderschedule", "broadcast"):
        assert client.get(reverse(f"admin:notifications_{name}_changelist")).status_code == 200, name
    template = NotificationTemplate.objects.get(kind="deadline.reminder", variant="patent.pay", language="uz")
    assert client.get(reverse("admin:notifications_notificationtemplate_change", args=[template.pk])).status_code == 200

    preview = reverse("admin:notifications_notificationtemplate_preview", args=[template.pk]) + f"?person={person.pk}"
    response = client.get(preview)
    assert response.status_code == 302 and "purpose" in response.url  # a real person's data: state why first
    session = client.session
    session["audit_purposes"] = {str(person.pk): {"purpose": "citizen_request", "reference": "call 42",
                                                   "stated_at": NOW.timestamp() + 10**9}}  # fmt: skip
    session.save()
    response = client.get(preview)
    assert response.status_code == 200
    assert "09.03.2026" in response.context["body"]  # the person's own patent deadline
    assert AccessLog.objects.filter(person_id=person.pk, reference="call 42").exists()

    notification_page = reverse("admin:notifications_notification_change", args=[person.notifications.get().pk])
    assert client.get(notification_page).status_code == 200


def test_admin_broadcast_preview_and_same_officer_approval(client, officer):
    officer.user_permissions.add(Permission.objects.get(codename="approve_broadcast"))
    broadcast = Broadcast.objects.create(title="T", scheduled_at=NOW, created_by=officer, state="submitted",
                                         recipient_count=20000, submitted_at=NOW)  # fmt: skip
    broadcast.texts.create(language="ru", subject="Тема", body="Текст")
    client.force_login(officer)
    response = client.get(reverse("admin:notifications_broadcast_preview", args=[broadcast.pk]))
    assert response.status_code == 200 and response.context["rows"][0][2].body == "Текст"
    response = client.post(
        reverse("admin:notifications_broadcast_changelist"),
        {"action": "approve_selected", "_selected_action": [broadcast.pk]},
        follow=True,
    )
    assert "another officer" in response.content.decode()
    broadcast.refresh_from_db()
    assert broadcast.state == "submitted"


def test_saving_a_submitted_broadcast_in_the_admin_changes_nothing(client, officer):
    broadcast = Broadcast.objects.create(title="T", scheduled_at=NOW, created_by=officer, state="submitted",
                                         recipient_count=5, submitted_at=NOW)  # fmt: skip
    client.force_login(officer)
    url = reverse("admin:notifications_broadcast_change", args=[broadcast.pk])
    response = client.post(url, {"texts-TOTAL_FORMS": "0", "texts-INITIAL_FORMS": "0", "_save": "Save"})
    assert response.status_code in (200, 302)
    broadcast.refresh_from_db()
    assert (broadcast.title, broadcast.state) == ("T", "submitted")


def test_an_officer_creates_a_draft_broadcast_with_texts_in_the_admin(client, officer):
    client.force_login(officer)
    data = {
        "title": "Holiday hours", "scheduled_at_0": "2026-03-05", "scheduled_at_1": "10:00", "inbox_only": "on",
        "citizenships": "[]", "regions": '["77"]', "statuses": "[]", "languages": "[]",
        "texts-TOTAL_FORMS": "1", "texts-INITIAL_FORMS": "0", "texts-MIN_NUM_FORMS": "0", "texts-MAX_NUM_FORMS": "1000",
        "texts-0-language": "ru", "texts-0-subject": "Режим работы",
        "texts-0-body": "{{ person_name }}, 8 марта выходной.",
    }  # fmt: skip
    response = client.post(reverse("admin:notifications_broadcast_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    broadcast = Broadcast.objects.get(title="Holiday hours")
    assert (broadcast.created_by, broadcast.state, broadcast.texts.get().language) == (officer, "draft", "ru")
