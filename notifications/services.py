"""Writes of the notifications app: templates, preferences, events, cancellations and broadcasts.

Other apps call `notify_event` (a decision, a status change, a registration recorded) and, when
they fix a condition themselves, `notifications_cancel_for`; the daily scan lives in
`reminders.py`, the dispatcher in `dispatch.py`.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from notifications import conf
from notifications.dispatch import channel_usable, consents_for, notifications_cancel
from notifications.models import (
    KEY_MAX_LENGTH,
    Broadcast,
    BroadcastState,
    BroadcastText,
    Channel,
    ChannelPreference,
    Delivery,
    InboxMessage,
    Notification,
    NotificationStatus,
    NotificationTemplate,
    ReminderSchedule,
)
from notifications.outbox import Sql, outbox_insert_deliveries, table
from notifications.registry import BROADCAST, DEADLINE_REMINDER, MessageKind, kind_get
from notifications.rendering import RenderedText, TemplateBook, render_notification
from notifications.selectors import broadcast_recipients, broadcast_recipients_by_language
from profiles.models import Language, Person

# --- Templates and preferences ------------------------------------------------------------------


@transaction.atomic
def notification_template_save(*, template: NotificationTemplate, user: Any = None) -> NotificationTemplate:
    """Validate (known kind, only its declared variables, allowed tags and filters) and save."""
    if user is not None and getattr(user, "is_authenticated", False):
        template.updated_by = user
    template.full_clean()
    template.save()
    return template


@transaction.atomic
def channel_preference_set(*, person: Person, channel: str, enabled: bool) -> ChannelPreference:
    """A person switches a channel on or off. The inbox cannot be switched off; legally required
    notices still use a switched-off channel (see `dispatch.channel_usable`)."""
    if channel == Channel.INBOX and not enabled:
        raise ValidationError({"channel": "The inbox cannot be switched off."})
    preference, _created = ChannelPreference.objects.update_or_create(
        person=person, channel=channel, defaults={"enabled": enabled}
    )
    return preference


@transaction.atomic
def reminder_schedule_save(*, schedule: ReminderSchedule) -> ReminderSchedule:
    """Validate offsets and parameters (and that the legal rule exists) and save; the next scan uses it."""
    schedule.full_clean()
    schedule.save()
    return schedule


def inbox_message_mark_read(*, message: InboxMessage) -> InboxMessage:
    """Idempotent: the first reading time stays."""
    if message.read_at is None:
        InboxMessage.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=timezone.now())
        message.refresh_from_db(fields=["read_at"])
    return message


# --- Events -------------------------------------------------------------------------------------


def _json_context(kind: MessageKind, context: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(context) - set(kind.variables))
    if unknown:
        raise ValidationError(
            f"{kind.key} does not declare {', '.join(unknown)}; "
            f"it takes: {', '.join(sorted(kind.variables)) or 'none'}."
        )
    # Dates and decimals as JSON strings; the template formats dates (registry date_variables).
    return json.loads(json.dumps(context, cls=DjangoJSONEncoder))


def initial_channels(*, person: Person, kind: MessageKind) -> list[str]:
    """The inbox, then the first external channel of the kind the person can be reached on."""
    consents = consents_for([person.pk])
    for channel in kind.external_channels:
        if channel_usable(person=person, channel=channel, kind=kind, consents=consents):
            return [Channel.INBOX, channel]
    return [Channel.INBOX]


@transaction.atomic
def notification_add(
    *,
    person_id: int,
    kind: str,
    context: dict[str, Any],
    idempotency_key: str,
    scheduled_for: datetime.datetime | None = None,
) -> tuple[Notification, bool]:
    """Persist a notification with its deliveries, then (after commit) enqueue them by id.

    Deduplicates on `idempotency_key` (readthedocs' `add()`): the same key returns the existing
    notification and creates nothing, even when two callers race.
    """
    message_kind = kind_get(kind)
    if message_kind.key in (DEADLINE_REMINDER.key, BROADCAST.key):
        raise ValidationError(f"{kind} notifications are created by the reminder scan or a broadcast.")
    if not idempotency_key or len(idempotency_key) > KEY_MAX_LENGTH:
        raise ValidationError(f"The idempotency key must have 1 to {KEY_MAX_LENGTH} characters.")
    existing = Notification.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing, False
    person = Person.objects.get(pk=person_id)
    now = timezone.now()
    notification = Notification(
        person=person,
        kind=message_kind.key,
        idempotency_key=idempotency_key,
        context=_json_context(message_kind, context),
        scheduled_for=scheduled_for or now,
        created_at=now,
        updated_at=now,
    )
    try:
        with transaction.atomic():
            notification.save()
    except IntegrityError:  # a concurrent caller won the race for this key
        return Notification.objects.get(idempotency_key=idempotency_key), False
    deliveries = Delivery.objects.bulk_create(
        [
            Delivery(
                notification=notification,
                person=person,
                channel=channel,
                next_attempt_at=notification.scheduled_for,
                created_at=now,
                updated_at=now,
            )
            for channel in initial_channels(person=person, kind=message_kind)
        ]
    )
    from notifications.tasks import enqueue_send

    transaction.on_commit(partial(enqueue_send, [delivery.pk for delivery in deliveries]))
    return notification, True


def notify_event(*, person_id: int, kind: str, context: dict[str, Any], dedupe_key: str) -> Notification:
    """Notify a person of an event (application.decision, status.changed, registration.recorded).

    `dedupe_key` names the event in the caller's terms (e.g. "application:123:decision"); calling
    twice with it sends once.
    """
    notification, _created = notification_add(
        person_id=person_id, kind=kind, context=context, idempotency_key=f"event:{kind}:{person_id}:{dedupe_key}"
    )
    return notification


@transaction.atomic
def notification_cancel(*, notification: Notification, reason: str) -> Notification:
    """Cancel a notification and its unsent deliveries (readthedocs' `cancel()` once the condition is fixed)."""
    if not reason.strip():
        raise ValidationError("Say why the notification is cancelled.")
    notifications_cancel(reasons={notification.pk: reason.strip()})
    notification.refresh_from_db()
    return notification


@transaction.atomic
def notifications_cancel_for(
    *, person_id: int, rule_key: str, reason: str, due_on_before: datetime.date | None = None
) -> int:
    """Cancel a person's queued reminders of a rule (and its sub-rules), e.g. when a payment arrives.

    The dispatcher re-checks every reminder before sending anyway; this only saves the wait.
    """
    reminders = Notification.objects.filter(
        person_id=person_id, kind=DEADLINE_REMINDER.key, status=NotificationStatus.QUEUED
    ).filter(rule_key__in=[rule_key]) | Notification.objects.filter(
        person_id=person_id,
        kind=DEADLINE_REMINDER.key,
        status=NotificationStatus.QUEUED,
        rule_key__startswith=f"{rule_key}.",
    )
    if due_on_before is not None:
        reminders = reminders.filter(due_on__lt=due_on_before)
    ids = list(reminders.values_list("pk", flat=True))
    return notifications_cancel(reasons=dict.fromkeys(ids, reason)) if ids else 0


# --- Broadcasts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BroadcastPreview:
    recipients: int
    by_language: dict[str, int]
    texts: dict[str, RenderedText]  # recipient language -> the text they get (it may fall back to ru)
    needs_second_approver: bool


@transaction.atomic
def broadcast_save(*, broadcast: Broadcast, texts: dict[str, tuple[str, str]] | None = None) -> Broadcast:
    """Create or edit a draft and its per-language texts (language -> (subject, body))."""
    if broadcast.pk is not None:
        stored = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
        if stored.state != BroadcastState.DRAFT:
            raise ValidationError("Only a draft can be edited; cancel it and start a new one.")
    broadcast.full_clean()
    broadcast.save()
    for language, (subject, body) in (texts or {}).items():
        text = BroadcastText.objects.filter(broadcast=broadcast, language=language).first() or BroadcastText(
            broadcast=broadcast, language=language
        )
        text.subject, text.body = subject, body
        text.full_clean()
        text.save()
    return broadcast


def broadcast_preview(*, broadcast: Broadcast, on: datetime.date | None = None) -> BroadcastPreview:
    """How many it reaches, per language, and the text each language group reads (fallback shown)."""
    on = on or timezone.localdate(broadcast.scheduled_at)
    by_language = broadcast_recipients_by_language(broadcast=broadcast, on=on)
    book = TemplateBook(kinds=[BROADCAST.key], broadcast_ids=[broadcast.pk])
    texts = {}
    for language in Language.values:
        sample = Person(preferred_language=language, latin_given_names="Ivan", latin_surname="Ivanov",
                        cyrillic_given_names="Иван", cyrillic_surname="Иванов")  # fmt: skip
        try:
            texts[language] = render_notification(
                book=book,
                kind_key=BROADCAST.key,
                rule_key="",
                channel=Channel.INBOX,
                person=sample,
                context={},
                due_on=None,
                broadcast_id=broadcast.pk,
                local_today=on,
            )
        except LookupError:
            continue
    recipients = sum(by_language.values())
    return BroadcastPreview(
        recipients=recipients,
        by_language=by_language,
        texts=texts,
        needs_second_approver=recipients > conf.broadcast_approval_threshold(),
    )


@transaction.atomic
def broadcast_submit(*, broadcast: Broadcast, user: Any) -> Broadcast:
    """Freeze the recipient count. Up to the threshold it is approved at once; above it, it waits
    for a second officer."""
    broadcast = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
    if broadcast.state != BroadcastState.DRAFT:
        raise ValidationError("Only a draft can be submitted.")
    if not BroadcastText.objects.filter(broadcast=broadcast, language=Language.RUSSIAN).exists():
        raise ValidationError("A Russian text is required: it is what everyone without their own language reads.")
    now = timezone.now()
    count = broadcast_recipients(broadcast=broadcast, on=timezone.localdate(broadcast.scheduled_at)).count()
    broadcast.recipient_count, broadcast.submitted_at = count, now
    if count > conf.broadcast_approval_threshold():
        broadcast.state = BroadcastState.SUBMITTED
    else:
        broadcast.state, broadcast.approved_at = BroadcastState.APPROVED, now
    broadcast.save()
    return broadcast


def check_broadcast_approve(*, broadcast: Broadcast, user: Any) -> None:
    if broadcast.state != BroadcastState.SUBMITTED:
        raise ValidationError("Only a submitted broadcast awaits approval.")
    if user.pk == broadcast.created_by_id:
        raise PermissionDenied("The second approver must be another officer than its author.")
    if not user.has_perm("notifications.approve_broadcast"):
        raise PermissionDenied("Approving broadcasts needs the approve_broadcast permission.")


@transaction.atomic
def broadcast_approve(*, broadcast: Broadcast, user: Any) -> Broadcast:
    broadcast = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
    check_broadcast_approve(broadcast=broadcast, user=user)
    broadcast.state, broadcast.approved_by, broadcast.approved_at = BroadcastState.APPROVED, user, timezone.now()
    broadcast.save()
    return broadcast


@transaction.atomic
def broadcast_cancel(*, broadcast: Broadcast, reason: str) -> Broadcast:
    broadcast = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
    if broadcast.state in (BroadcastState.SENT, BroadcastState.CANCELLED):
        raise ValidationError("A sent or cancelled broadcast cannot be cancelled.")
    if not reason.strip():
        raise ValidationError("Say why the broadcast is cancelled.")
    broadcast.state, broadcast.cancel_reason = BroadcastState.CANCELLED, reason.strip()[:200]
    broadcast.save()
    return broadcast


def broadcast_send(*, broadcast_id: int, now: datetime.datetime | None = None) -> int:
    """Fan an approved, due broadcast out to the outbox: one INSERT ... SELECT of its segment.

    Idempotent (keys "broadcast:<id>:<person>") and atomic: a crash leaves the broadcast approved
    and nothing written. The segment is counted again first: grown past the threshold without a
    second approver, it goes back to "submitted" instead of going out.
    """
    now = now or timezone.now()
    with transaction.atomic():
        broadcast = Broadcast.objects.select_for_update().filter(pk=broadcast_id).first()
        if broadcast is None or broadcast.state != BroadcastState.APPROVED or broadcast.scheduled_at > now:
            return 0
        recipients = broadcast_recipients(broadcast=broadcast, on=timezone.localdate(now))
        count = recipients.count()
        if count > conf.broadcast_approval_threshold() and broadcast.approved_by_id is None:
            broadcast.state, broadcast.recipient_count, broadcast.approved_at = BroadcastState.SUBMITTED, count, None
            broadcast.save()
            return 0
        sql = Sql()
        segment, segment_params = recipients.values("id").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {table(Notification)} (
                    person_id, kind, idempotency_key, rule_key, context, status, scheduled_for, cancel_reason,
                    broadcast_id, created_at, updated_at
                )
                SELECT r.id, %s, %s || r.id, '', {sql.json_literal("{}")}, %s, %s, '', %s, %s, %s
                FROM ({segment}) r
                WHERE true
                ON CONFLICT (idempotency_key) DO NOTHING
                """,  # noqa: S608 - table names from _meta, values bound
                [
                    BROADCAST.key,
                    f"broadcast:{broadcast.pk}:",
                    NotificationStatus.QUEUED,
                    sql.when(now),
                    broadcast.pk,
                    sql.when(now),
                    sql.when(now),
                    *segment_params,
                ],
            )
            created = max(cursor.rowcount, 0)
        outbox_insert_deliveries(
            kind=BROADCAST,
            where="n.broadcast_id = %s",
            params=[broadcast.pk],
            now=now,
            external=not broadcast.inbox_only,
        )
        broadcast.state, broadcast.sent_at, broadcast.sent_count = BroadcastState.SENT, now, created
        broadcast.save()
        from notifications.tasks import enqueue_dispatch

        transaction.on_commit(enqueue_dispatch)
    return created
