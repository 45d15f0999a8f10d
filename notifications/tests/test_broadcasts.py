"""Broadcasts: segment preview, second approver above the threshold, set-based fan-out."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from notifications.models import Broadcast, BroadcastState, Delivery, Notification
from notifications.services import (
    broadcast_approve,
    broadcast_cancel,
    broadcast_preview,
    broadcast_save,
    broadcast_send,
    broadcast_submit,
)
from notifications.tests.conftest import NOW, patent_paid_until, person_with

pytestmark = pytest.mark.django_db
TEXTS = {
    "ru": ("Новые правила", "{{ person_name }}, с 1 апреля меняется порядок оплаты патента."),
    "uz": ("Yangi qoidalar", "{{ person_name }}, 1 apreldan patent to‘lovi tartibi o‘zgaradi."),
}


@pytest.fixture
def officers(django_user_model):
    author = django_user_model.objects.create_user(username="author", password="x-pass-123456", is_staff=True)
    approver = django_user_model.objects.create_user(username="approver", password="x-pass-123456", is_staff=True)
    approver.user_permissions.add(Permission.objects.get(codename="approve_broadcast"))
    approver = django_user_model.objects.get(pk=approver.pk)  # fresh permission cache
    return author, approver


@pytest.fixture
def population():
    uzbek = [person_with(language="uz", region="77", latin_surname=f"UZ{i}") for i in range(3)]
    tajik = person_with(language="tg", region="77", citizenship_iso3="TJK", latin_surname="TJ")
    elsewhere = person_with(language="uz", region="50", latin_surname="MO")
    for person in uzbek[:2]:
        patent_paid_until(person, dt.date(2026, 4, 1))
    return {"uzbek": uzbek, "tajik": tajik, "elsewhere": elsewhere}


def draft(author, **segment):
    return broadcast_save(
        broadcast=Broadcast(title="Patent payment change", scheduled_at=NOW, created_by=author, **segment), texts=TEXTS
    )


def test_the_preview_counts_recipients_and_shows_each_language_s_text(officers, population):
    broadcast = draft(officers[0], regions=["77"])
    preview = broadcast_preview(broadcast=broadcast)
    assert (preview.recipients, preview.by_language) == (4, {"tg": 1, "uz": 3})
    assert preview.texts["uz"].body == "Ivan Ivanov, 1 apreldan patent to‘lovi tartibi o‘zgaradi."
    assert preview.texts["tg"].language == "ru"  # no Tajik text: Tajik readers get the Russian one
    assert not preview.needs_second_approver


def test_segments_combine_citizenship_status_language_and_age(officers, population):
    author = officers[0]
    assert broadcast_preview(broadcast=draft(author, citizenships=["TJK"])).recipients == 1
    assert broadcast_preview(broadcast=draft(author, statuses=["patent"])).recipients == 2
    assert broadcast_preview(broadcast=draft(author, languages=["tg", "ru"])).recipients == 1
    # make_person's birth date is 17.05.1990: 35 on 2 March 2026.
    assert broadcast_preview(broadcast=draft(author, age_min=35, age_max=35)).recipients == 5
    assert broadcast_preview(broadcast=draft(author, age_min=36)).recipients == 0
    assert broadcast_preview(broadcast=draft(author, age_max=34)).recipients == 0


def test_a_small_broadcast_is_approved_on_submit_and_fans_out_once(
    officers, population, django_capture_on_commit_callbacks
):
    broadcast = broadcast_submit(broadcast=draft(officers[0], regions=["77"]), user=officers[0])
    assert (broadcast.state, broadcast.recipient_count, broadcast.approved_by) == (BroadcastState.APPROVED, 4, None)

    assert broadcast_send(broadcast_id=broadcast.pk, now=NOW) == 4
    assert broadcast_send(broadcast_id=broadcast.pk, now=NOW) == 0
    assert Notification.objects.filter(broadcast=broadcast).count() == 4
    assert set(Delivery.objects.values_list("channel", flat=True)) == {"inbox"}  # inbox_only by default
    broadcast.refresh_from_db()
    assert (broadcast.state, broadcast.sent_count) == (BroadcastState.SENT, 4)


def test_above_the_threshold_a_different_officer_must_approve(officers, population, settings):
    settings.NOTIFICATIONS_BROADCAST_APPROVAL_THRESHOLD = 3
    author, approver = officers
    author.user_permissions.add(Permission.objects.get(codename="approve_broadcast"))
    broadcast = broadcast_submit(broadcast=draft(author, regions=["77"]), user=author)
    assert broadcast.state == BroadcastState.SUBMITTED
    assert broadcast_send(broadcast_id=broadcast.pk, now=NOW) == 0  # not approved: nothing goes out

    with pytest.raises(PermissionDenied, match="another officer"):
        broadcast_approve(broadcast=broadcast, user=type(author).objects.get(pk=author.pk))
    broadcast = broadcast_approve(broadcast=broadcast, user=approver)
    assert (broadcast.state, broadcast.approved_by) == (BroadcastState.APPROVED, approver)
    assert broadcast_send(broadcast_id=broadcast.pk, now=NOW) == 4


def test_the_database_refuses_the_author_as_approver(officers):
    broadcast = draft(officers[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        Broadcast.objects.filter(pk=broadcast.pk).update(approved_by=officers[0])


def test_a_segment_that_grew_past_the_threshold_goes_back_for_approval(officers, population, settings):
    broadcast = broadcast_submit(broadcast=draft(officers[0], regions=["77"]), user=officers[0])
    settings.NOTIFICATIONS_BROADCAST_APPROVAL_THRESHOLD = 3
    assert broadcast_send(broadcast_id=broadcast.pk, now=NOW) == 0
    broadcast.refresh_from_db()
    assert (broadcast.state, broadcast.recipient_count) == (BroadcastState.SUBMITTED, 4)


def test_it_waits_for_its_time_and_only_a_draft_is_edited(officers, population):
    broadcast = draft(officers[0])
    broadcast.scheduled_at = NOW + dt.timedelta(hours=2)
    broadcast_save(broadcast=broadcast)
    broadcast = broadcast_submit(broadcast=broadcast, user=officers[0])
    assert broadcast_send(broadcast_id=broadcast.pk, now=NOW) == 0
    with pytest.raises(ValidationError):
        broadcast_save(broadcast=broadcast)
    broadcast_cancel(broadcast=broadcast, reason="wrong date")
    assert broadcast_send(broadcast_id=broadcast.pk, now=NOW + dt.timedelta(hours=3)) == 0


def test_a_russian_text_is_required_to_submit(officers):
    broadcast = broadcast_save(
        broadcast=Broadcast(title="t", scheduled_at=NOW, created_by=officers[0]), texts={"uz": TEXTS["uz"]}
    )
    with pytest.raises(ValidationError, match="Russian text"):
        broadcast_submit(broadcast=broadcast, user=officers[0])


def test_a_broadcast_text_with_an_unknown_variable_is_refused(officers):
    with pytest.raises(ValidationError):
        broadcast_save(
            broadcast=Broadcast(title="t", scheduled_at=NOW, created_by=officers[0]),
            texts={"ru": ("Тема", "{{ passport_number }}")},
        )
