"""The dispatcher: claim due deliveries under a lease, re-check them, send, record the outcome.

django-q2 delivers at least once, so nothing here trusts the task: the outbox rows are the truth.

* **Claim**, two ways. External channels (`deliveries_claim`): one short transaction moves up to a
  batch of due `queued` rows to `sending` with `locked_by` / `locked_until` and counts the attempt;
  the provider is then called outside any transaction. The inbox (`_lock_due_rows`): the rows are
  locked in the transaction that also writes the inbox messages and marks them sent, so the row
  locks are the lease and a worker killed mid-batch leaves them `queued`, untouched. PostgreSQL
  skips rows another worker holds (`FOR UPDATE SKIP LOCKED`); SQLite serializes writers anyway.
* **Re-check**: a cancelled notification, a merged person, a deadline already passed or resolved
  (`reminders.reminders_resolved`: payment arrived, document renewed, person left) cancels
  instead of sending; the person's sending window (local time) and per-channel rate limits defer.
* **Send** through the channel's transport.
* **Outcome**: sent; a temporary error is retried with exponential backoff until
  `conf.max_attempts()`, then `failed`; a permanent error fails at once. A failure opens a delivery
  on the next channel the person consented to (channel fallback), each with its own receipt.
* **Sweep** (`deliveries_sweep`): rows whose lease ran out (the worker died) go back to `queued`,
  or to `failed` once their attempts are spent.

Every update of a leased row is filtered on `status = 'sending' AND locked_by = <this worker>` (`_Claim`),
so a worker that outlived its lease cannot overwrite what the next worker did.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils import timezone

from notifications import conf
from notifications.models import (
    DEFAULT_CONSENT,
    Channel,
    ChannelPreference,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationStatus,
)
from notifications.quiet_hours import SendWindows, rate_limited_until
from notifications.registry import DEADLINE_REMINDER, MessageKind, kind_get
from notifications.reminders import reminders_resolved
from notifications.rendering import MissingTemplate, TemplateBook, render_notification
from notifications.transports import OutgoingMessage, SendResult, Transport, transport_for
from profiles.models import MigrationRegistration

logger = logging.getLogger(__name__)
CHANNEL_ORDER = (Channel.INBOX, Channel.SMS, Channel.EMAIL)
CONTACT_FIELDS = {Channel.SMS: "phone", Channel.EMAIL: "email"}


def worker_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class DispatchResult:
    claimed: int = 0
    sent: int = 0
    deferred: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    fallbacks: int = 0

    def add(self, other: DispatchResult) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def deliveries_claim(
    *,
    channel: str,
    limit: int,
    worker: str,
    lease_seconds: int,
    now: datetime.datetime,
    ids: Sequence[int] | None = None,
) -> list[int]:
    """Move up to `limit` due queued deliveries of `channel` to `sending` for `worker`; their ids."""
    with transaction.atomic():
        due = Delivery.objects.filter(status=DeliveryStatus.QUEUED, channel=channel, next_attempt_at__lte=now)
        if ids is not None:
            due = due.filter(id__in=ids)
        # delivery_due_idx (channel, next_attempt_at) WHERE status = 'queued'; SKIP LOCKED lets two
        # workers claim disjoint batches at once on PostgreSQL (ignored on SQLite, which serializes).
        claimed = list(
            due.order_by("next_attempt_at").select_for_update(skip_locked=True).values_list("id", flat=True)[:limit]
        )
        if claimed:
            Delivery.objects.filter(id__in=claimed, status=DeliveryStatus.QUEUED).update(
                status=DeliveryStatus.SENDING,
                locked_by=worker,
                locked_until=now + datetime.timedelta(seconds=lease_seconds),
                attempts=F("attempts") + 1,
                updated_at=now,
            )
    return claimed


@dataclass
class _Batch:
    """What the re-check decided for each claimed delivery."""

    to_send: list[tuple[Delivery, OutgoingMessage]] = field(default_factory=list)
    cancel_deliveries: list[tuple[Delivery, str]] = field(default_factory=list)
    cancel_notifications: dict[int, str] = field(default_factory=dict)
    defer: list[tuple[Delivery, datetime.datetime]] = field(default_factory=list)
    fail: list[tuple[Delivery, str]] = field(default_factory=list)
    fallback_from: list[Delivery] = field(default_factory=list)


def _with_context(deliveries: QuerySet[Delivery]) -> QuerySet[Delivery]:
    """Each delivery with its notification, person and the person's time zone, in one query."""
    open_registration_zone = MigrationRegistration.objects.filter(
        person_id=OuterRef("person_id"), closed_on__isnull=True
    ).values("region__timezone")[:1]  # registration_one_open_per_person: one index probe per row
    return deliveries.select_related("notification", "person").annotate(tz=Subquery(open_registration_zone))


def _claimed_rows(ids: Sequence[int], worker: str) -> list[Delivery]:
    mine = Delivery.objects.filter(id__in=ids, status=DeliveryStatus.SENDING, locked_by=worker)
    return list(_with_context(mine).order_by("id"))


def _lock_due_rows(*, channel: str, limit: int, now: datetime.datetime, ids: Sequence[int] | None) -> list[Delivery]:
    """For a transactional channel: lock up to `limit` due queued rows for the current transaction.

    The row locks are the lease: a killed worker's transaction rolls back and releases them, the rows
    are still `queued`, and nothing needs sweeping. Half the writes of a claim-then-record cycle.
    """
    due = Delivery.objects.filter(status=DeliveryStatus.QUEUED, channel=channel, next_attempt_at__lte=now)
    if ids is not None:
        due = due.filter(id__in=ids)
    locked = due.order_by("next_attempt_at").select_for_update(skip_locked=True, of=("self",))
    rows = list(_with_context(locked)[:limit])
    for row in rows:
        row.attempts += 1  # this attempt; written with the outcome
    return rows


@dataclass(frozen=True)
class _Claim:
    """How this worker holds its rows: under a lease (`sending`, external channels) or by row locks in
    the current transaction (still `queued`, the inbox). Every update of a row goes through `rows()`."""

    worker: str
    leased: bool

    def rows(self) -> QuerySet[Delivery]:
        if self.leased:
            return Delivery.objects.filter(status=DeliveryStatus.SENDING, locked_by=self.worker)
        return Delivery.objects.filter(status=DeliveryStatus.QUEUED)

    def counted(self) -> dict[str, Any]:
        """The attempt, for an outcome: the lease counted it at claim time, row locks count it now."""
        return {} if self.leased else {"attempts": F("attempts") + 1}

    def uncounted(self) -> dict[str, Any]:
        """A deferral is not an attempt: give back the one the lease counted."""
        return {"attempts": F("attempts") - 1} if self.leased else {}


def consents_for(person_ids: Iterable[int]) -> dict[tuple[int, str], bool]:
    return {
        (person_id, channel): enabled
        for person_id, channel, enabled in ChannelPreference.objects.filter(person_id__in=set(person_ids)).values_list(
            "person_id", "channel", "enabled"
        )
    }


def channel_usable(*, person: Any, channel: str, kind: MessageKind, consents: dict[tuple[int, str], bool]) -> bool:
    """The person has the contact and, unless the law requires the notice, has not opted out."""
    if channel == Channel.INBOX:
        return True
    if not getattr(person, CONTACT_FIELDS[channel]):
        return False
    if kind.legally_required:
        return True
    return consents.get((person.pk, channel), DEFAULT_CONSENT[channel])


def _next_channel(delivery: Delivery, *, consents: dict[tuple[int, str], bool], taken: set[str]) -> str | None:
    kind = kind_get(delivery.notification.kind)
    chain = kind.external_channels
    later = chain[chain.index(delivery.channel) + 1 :] if delivery.channel in chain else ()
    for channel in later:
        if channel not in taken and channel_usable(
            person=delivery.person, channel=channel, kind=kind, consents=consents
        ):
            return channel
    return None


def _recent_sends(
    person_ids: Iterable[int], channel: str, now: datetime.datetime
) -> dict[int, list[datetime.datetime]]:
    longest = max(conf.RATE_WINDOWS.values())
    sends: dict[int, list[datetime.datetime]] = defaultdict(list)
    rows = Delivery.objects.filter(
        person_id__in=set(person_ids), channel=channel, sent_at__gt=now - longest
    ).values_list("person_id", "sent_at")  # delivery_rate_idx
    for person_id, sent_at in rows:
        sends[person_id].append(sent_at)
    return sends


def _recheck(
    rows: list[Delivery], *, channel: str, now: datetime.datetime, windows: SendWindows, book: TemplateBook
) -> _Batch:
    batch = _Batch()
    notifications = {row.notification_id: row.notification for row in rows}
    local_today = {row.pk: windows.local_today(now=now, tz_name=row.tz) for row in rows}
    expired = {
        row.notification_id
        for row in rows
        if row.notification.kind == DEADLINE_REMINDER.key
        and row.notification.due_on is not None
        and row.notification.due_on < local_today[row.pk]
    }
    live = [n for n in notifications.values() if n.status != NotificationStatus.CANCELLED and n.pk not in expired]
    resolved = reminders_resolved(live, today=min(local_today.values()))
    limits = conf.rate_limits().get(channel)
    recent = _recent_sends({row.person_id for row in rows}, channel, now) if limits else {}
    consents: dict[tuple[int, str], bool] | None = None
    quiet = channel in conf.quiet_hours_channels()

    for row in rows:
        notification, person = row.notification, row.person
        if notification.status == NotificationStatus.CANCELLED:
            batch.cancel_deliveries.append((row, f"notification cancelled: {notification.cancel_reason}"[:200]))
            continue
        if person.merged_into_id is not None:
            batch.cancel_notifications[notification.pk] = "the person's profile was merged into another one"
            continue
        if notification.pk in expired:
            batch.cancel_notifications[notification.pk] = "expired: the deadline passed before the reminder went out"
            continue
        if notification.pk in resolved:
            batch.cancel_notifications[notification.pk] = resolved[notification.pk]
            continue
        if notification.scheduled_for > now:
            batch.defer.append((row, notification.scheduled_for))
            continue
        if quiet and (allowed := windows.next_allowed(now=now, tz_name=row.tz)) > now:
            batch.defer.append((row, allowed))
            continue
        if limits:
            until = rate_limited_until(sent_at=recent[row.person_id], now=now, limits=limits)
            if until is not None:
                if consents is None:
                    consents = consents_for(r.person_id for r in rows)
                taken = {row.channel}
                if _next_channel(row, consents=consents, taken=taken):
                    batch.cancel_deliveries.append((row, f"rate limit for {channel} reached; next channel used"))
                    batch.fallback_from.append(row)
                else:
                    batch.defer.append((row, windows.next_allowed(now=until, tz_name=row.tz)))
                continue
        address = getattr(person, CONTACT_FIELDS[channel]) if channel in CONTACT_FIELDS else ""
        if channel in CONTACT_FIELDS and not address:
            batch.fail.append((row, f"permanent: the person has no {CONTACT_FIELDS[channel]} any more"))
            continue
        try:
            text = render_notification(
                book=book,
                kind_key=notification.kind,
                rule_key=notification.rule_key,
                channel=channel,
                person=person,
                context=notification.context or {},
                due_on=notification.due_on,
                broadcast_id=notification.broadcast_id,
                local_today=local_today[row.pk],
            )
        except MissingTemplate as error:
            batch.fail.append((row, f"permanent: {error}"))
            continue
        if limits:
            recent[row.person_id].append(now)  # a second message to the same person in this batch counts
        batch.to_send.append(
            (
                row,
                OutgoingMessage(
                    delivery_id=row.pk,
                    notification_id=notification.pk,
                    person_id=person.pk,
                    idempotency_key=row.idempotency_key,
                    kind=notification.kind,
                    language=text.language,
                    subject=text.subject,
                    body=text.body,
                    address=address,
                ),
            )
        )
    return batch


RELEASE = {"locked_by": "", "locked_until": None}


def _record(
    *,
    batch: _Batch,
    results: list[SendResult],
    claim: _Claim,
    now: datetime.datetime,
    result: DispatchResult,
) -> None:
    """Write every outcome of the batch; called inside one transaction."""
    sent_rows = {row.pk: (row, message) for row, message in batch.to_send}
    sent_by_language: dict[str, list[int]] = defaultdict(list)
    with_provider_ids: list[Delivery] = []
    for outcome in results:
        row, message = sent_rows[outcome.delivery_id]
        if outcome.error is None:
            if outcome.provider_message_id:
                row.status, row.sent_at, row.language = DeliveryStatus.SENT, now, message.language
                row.provider_message_id, row.updated_at = outcome.provider_message_id, now
                row.locked_by, row.locked_until = "", None
                with_provider_ids.append(row)
            else:
                sent_by_language[message.language].append(row.pk)
        elif outcome.error.permanent or row.attempts >= conf.max_attempts():
            prefix = "permanent" if outcome.error.permanent else f"gave up after {row.attempts} attempts"
            batch.fail.append((row, f"{prefix}: {outcome.error}"))
        else:
            claim.rows().filter(pk=row.pk).update(
                status=DeliveryStatus.QUEUED,
                attempts=row.attempts,
                next_attempt_at=now + conf.backoff(row.attempts),
                last_error=f"attempt {row.attempts}: {outcome.error}"[:2000],
                updated_at=now,
                **RELEASE,
            )
            result.retried += 1
    for code, ids in sent_by_language.items():
        result.sent += (
            claim.rows()
            .filter(pk__in=ids)
            .update(
                status=DeliveryStatus.SENT, sent_at=now, language=code, updated_at=now, **claim.counted(), **RELEASE
            )
        )
    if with_provider_ids:
        claim.rows().bulk_update(
            with_provider_ids,
            ["status", "attempts", "sent_at", "language", "provider_message_id", "updated_at", "locked_by",
             "locked_until"],
        )  # fmt: skip
        result.sent += len(with_provider_ids)

    sent_notification_ids = {sent_rows[o.delivery_id][0].notification_id for o in results if o.error is None}
    if sent_notification_ids:
        Notification.objects.filter(pk__in=sent_notification_ids, status=NotificationStatus.QUEUED).update(
            status=NotificationStatus.SENT, updated_at=now
        )

    for row, reason in batch.cancel_deliveries:
        result.cancelled += (
            claim.rows()
            .filter(pk=row.pk)
            .update(
                status=DeliveryStatus.CANCELLED, cancel_reason=reason[:200], finished_at=now, updated_at=now, **RELEASE
            )
        )
    if batch.cancel_notifications:
        result.cancelled += notifications_cancel(reasons=batch.cancel_notifications, now=now)

    deferred_at: dict[datetime.datetime, list[int]] = defaultdict(list)
    for row, moment in batch.defer:
        deferred_at[moment].append(row.pk)
    for moment, ids in deferred_at.items():
        result.deferred += (
            claim.rows()
            .filter(pk__in=ids)
            .update(
                status=DeliveryStatus.QUEUED, next_attempt_at=moment, updated_at=now, **claim.uncounted(), **RELEASE
            )
        )

    failed_notifications: set[int] = set()
    for row, error in batch.fail:
        if (
            claim.rows()
            .filter(pk=row.pk)
            .update(
                status=DeliveryStatus.FAILED,
                attempts=row.attempts,
                last_error=error[:2000],
                finished_at=now,
                updated_at=now,
                **RELEASE,
            )
        ):
            result.failed += 1
            batch.fallback_from.append(row)
            failed_notifications.add(row.notification_id)
    result.fallbacks += _open_fallbacks(batch.fallback_from, now=now)
    if failed_notifications:
        # Failed on every channel: no delivery of it is still queued, in flight or sent.
        Notification.objects.filter(pk__in=failed_notifications, status=NotificationStatus.QUEUED).exclude(
            deliveries__status__in=[
                DeliveryStatus.QUEUED,
                DeliveryStatus.SENDING,
                DeliveryStatus.SENT,
                DeliveryStatus.DELIVERED,
            ]
        ).update(status=NotificationStatus.FAILED, updated_at=now)


def _open_fallbacks(rows: Sequence[Delivery], *, now: datetime.datetime) -> int:
    """A delivery on the next consented channel for each of `rows` that has one (idempotent)."""
    if not rows:
        return 0
    consents = consents_for(row.person_id for row in rows)
    taken: dict[int, set[str]] = defaultdict(set)
    for notification_id, channel in Delivery.objects.filter(
        notification_id__in={row.notification_id for row in rows}
    ).values_list("notification_id", "channel"):
        taken[notification_id].add(channel)
    created = []
    for row in rows:
        channel = _next_channel(row, consents=consents, taken=taken[row.notification_id])
        if channel is None:
            continue
        taken[row.notification_id].add(channel)
        created.append(
            Delivery(
                notification_id=row.notification_id,
                person_id=row.person_id,
                channel=channel,
                next_attempt_at=now,
                fallback_from_id=row.pk,
                created_at=now,
                updated_at=now,
            )
        )
    Delivery.objects.bulk_create(created, ignore_conflicts=True)
    return len(created)


def notifications_cancel(*, reasons: dict[int, str], now: datetime.datetime | None = None) -> int:
    """Cancel notifications (id -> reason) and every delivery of theirs not yet sent."""
    now = now or timezone.now()
    by_reason: dict[str, list[int]] = defaultdict(list)
    for notification_id, reason in reasons.items():
        by_reason[reason[:200]].append(notification_id)
    cancelled = 0
    for reason, ids in by_reason.items():
        Notification.objects.filter(pk__in=ids).exclude(status=NotificationStatus.CANCELLED).update(
            status=NotificationStatus.CANCELLED, cancelled_at=now, cancel_reason=reason, updated_at=now
        )
        cancelled += Delivery.objects.filter(
            notification_id__in=ids, status__in=[DeliveryStatus.QUEUED, DeliveryStatus.SENDING]
        ).update(status=DeliveryStatus.CANCELLED, cancel_reason=reason, finished_at=now, updated_at=now, **RELEASE)
    return cancelled


def _process(
    *,
    channel: str,
    rows: list[Delivery],
    claim: _Claim,
    now: datetime.datetime,
    transport: Transport,
    windows: SendWindows,
) -> DispatchResult:
    """Re-check, send and record one batch. For a transactional transport the caller's transaction
    holds the rows; otherwise they are leased and the provider is called outside any transaction."""
    result = DispatchResult(claimed=len(rows))
    if not rows:
        return result
    book = TemplateBook(
        kinds={row.notification.kind for row in rows},
        broadcast_ids={row.notification.broadcast_id for row in rows if row.notification.broadcast_id},
    )
    batch = _recheck(rows, channel=channel, now=now, windows=windows, book=book)
    messages = [message for _row, message in batch.to_send]
    results = transport.send_batch(messages) if messages else []
    with transaction.atomic():
        _record(batch=batch, results=results, claim=claim, now=now, result=result)
    return result


def deliveries_dispatch(
    *,
    channel: str | None = None,
    batch_size: int | None = None,
    worker: str | None = None,
    lease_seconds: int | None = None,
    now: datetime.datetime | None = None,
    ids: Sequence[int] | None = None,
    transport: Transport | None = None,
) -> DispatchResult:
    """Claim and process one batch per channel (or of `channel`); `ids` limits it to those deliveries.

    Call it in a loop until `claimed` is 0 to drain the outbox; the task `dispatch_task` does that.
    """
    now = now or timezone.now()
    worker = worker or worker_name()
    lease = lease_seconds or conf.lease_seconds()
    windows = SendWindows.load(around=timezone.localdate(now))
    total = DispatchResult()
    for current in [channel] if channel else CHANNEL_ORDER:
        sender = transport or transport_for(current)
        limit = batch_size or conf.batch_size(current)
        if sender.transactional:
            with transaction.atomic():
                rows = _lock_due_rows(channel=current, limit=limit, now=now, ids=ids)
                total.add(
                    _process(channel=current, rows=rows, claim=_Claim(worker, leased=False), now=now,
                             transport=sender, windows=windows)
                )  # fmt: skip
            continue
        claimed = deliveries_claim(channel=current, limit=limit, worker=worker, lease_seconds=lease, now=now, ids=ids)
        if claimed:
            total.add(
                _process(channel=current, rows=_claimed_rows(claimed, worker), claim=_Claim(worker, leased=True),
                         now=now, transport=sender, windows=windows)
            )  # fmt: skip
    return total


def deliveries_sweep(*, now: datetime.datetime | None = None) -> int:
    """Re-queue deliveries whose worker died (lease expired); fail those with no attempts left."""
    now = now or timezone.now()
    stale = Delivery.objects.filter(status=DeliveryStatus.SENDING, locked_until__lt=now)  # delivery_lease_idx
    with transaction.atomic():
        spent = list(stale.filter(attempts__gte=conf.max_attempts()).select_related("notification", "person"))
        failed = Delivery.objects.filter(pk__in=[row.pk for row in spent], status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.FAILED,
            last_error="the worker holding it stopped, and no attempts are left",
            finished_at=now,
            updated_at=now,
            **RELEASE,
        )
        _open_fallbacks(spent, now=now)
        requeued = stale.update(status=DeliveryStatus.QUEUED, next_attempt_at=now, updated_at=now, **RELEASE)
    if failed or requeued:
        logger.warning("sweep: %s deliveries re-queued, %s failed after a lost worker", requeued, failed)
    return failed + requeued


@transaction.atomic
def delivery_receipt_record(
    *, channel: str, provider_message_id: str, delivered: bool, payload: dict[str, Any], permanent: bool = True
) -> Delivery | None:
    """A provider's delivery receipt: `delivered`, or a failure that opens the next channel.

    Idempotent: a receipt already recorded is ignored; receipts for unknown ids return None.
    """
    delivery = (
        Delivery.objects.select_for_update()
        .select_related("notification", "person")
        .filter(channel=channel, provider_message_id=provider_message_id)  # delivery_provider_id_idx
        .first()
    )
    if delivery is None:
        return None
    if payload in delivery.receipts:
        return delivery
    now = timezone.now()
    delivery.receipts = [*delivery.receipts, payload]
    fields = ["receipts", "updated_at"]
    if delivery.status == DeliveryStatus.SENT:
        if delivered:
            delivery.status, delivery.finished_at = DeliveryStatus.DELIVERED, now
            fields += ["status", "finished_at"]
        elif permanent:
            delivery.status, delivery.finished_at = DeliveryStatus.FAILED, now
            delivery.last_error = f"provider receipt: {payload}"[:2000]
            fields += ["status", "finished_at", "last_error"]
    delivery.updated_at = now
    delivery.save(update_fields=fields)
    if delivery.status == DeliveryStatus.FAILED:
        _open_fallbacks([delivery], now=now)
    return delivery


def pending_channels(*, ids: Sequence[int]) -> list[str]:
    """The channels of the given deliveries that are still queued (for `deliveries_send_task`)."""
    channels = set(Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.QUEUED).values_list("channel", flat=True))
    return [channel for channel in CHANNEL_ORDER if channel in channels]
