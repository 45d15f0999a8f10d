"""Notification outbox, templates and deliveries (issue 4: status engine and notifications).

The lifecycle, in the order rows are written:

* `Notification` is the logical message to one person (a reminder of one deadline at one offset, an
  event, one person's copy of a broadcast). Its `idempotency_key` is unique, so the daily scan, an
  event retried by its caller or a broadcast sent twice never creates a second one.
* `Delivery` is the transactional outbox: one row per channel, written in the same transaction as
  the notification and only then enqueued by id. Unique per (notification, channel), it carries the
  issue's key "(person, rule, deadline, offset, channel)" (`Delivery.idempotency_key`). The
  dispatcher claims due rows under a lease, sends them, and retries with backoff until a terminal
  state; a trigger refuses to move a delivery out of `delivered`, `failed` or `cancelled`.
* `InboxMessage` is what the cabinet shows; it is written by the inbox transport, once per delivery.

Templates, per-person channel preferences, reminder schedules and staff broadcasts are the data the
pipeline reads. Texts of message kinds live in `notifications.registry`.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from notifications.registry import KIND_CHOICES, KINDS
from notifications.templating import template_problems
from profiles.models import Language

# Hard ceiling the database holds; the configured limit (settings.NOTIFICATIONS_MAX_ATTEMPTS) is lower.
MAX_ATTEMPTS_CEILING = 25
KEY_MAX_LENGTH = 200


class Channel(models.TextChoices):
    INBOX = "inbox", _("In-app inbox")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


# Without a ChannelPreference row a channel counts as consented when the person has the contact
# (an opt-out model: the contacts come from the person's own filings). The inbox cannot be switched off.
DEFAULT_CONSENT = {Channel.INBOX: True, Channel.EMAIL: True, Channel.SMS: True}


# --- Templates ------------------------------------------------------------------------------


class NotificationTemplate(models.Model):
    """The text of one message kind in one language, for one channel or (blank) for any.

    `variant` narrows a kind to one legal rule (`patent.pay`, `doc.expiry`): a reminder uses the
    most specific variant that exists in the best language (person's language, then ru, then en).
    """

    kind = models.CharField(max_length=40, choices=KIND_CHOICES)
    variant = models.CharField(
        max_length=60,
        blank=True,
        help_text=_("A rule key (patent.pay, doc.expiry, ...) for a text specific to it; empty for any."),
    )
    language = models.CharField(max_length=2, choices=Language.choices)
    channel = models.CharField(max_length=5, choices=Channel.choices, blank=True, help_text=_("Empty: any channel."))
    subject = models.CharField(max_length=200, blank=True, help_text=_("Email subject and inbox title."))
    body = models.TextField(help_text=_("Django template syntax: {{ variable }}, filters, {% if %}."))
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["kind", "variant", "language", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "variant", "language", "channel"],
                name="notification_template_unique",
                violation_error_message=_("A template for this kind, variant, language and channel already exists."),
            ),
            models.CheckConstraint(
                condition=Q(language__in=Language.values), name="notification_template_language_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel="") | Q(channel__in=Channel.values), name="notification_template_channel_valid"
            ),
            models.CheckConstraint(condition=Q(body__regex=r"\S"), name="notification_template_body_required"),
        ]

    def __str__(self) -> str:
        variant = f" [{self.variant}]" if self.variant else ""
        return f"{self.kind}{variant} · {self.language} · {self.channel or 'any channel'}"

    def clean(self) -> None:
        kind = KINDS.get(self.kind)
        if kind is None:
            raise ValidationError({"kind": _("Unknown message kind.")})
        errors: dict[str, list[str]] = {}
        for field in ("subject", "body"):
            problems = template_problems(getattr(self, field) or "", allowed=kind.allowed_variables)
            if problems:
                errors[field] = problems
        if errors:
            raise ValidationError(errors)


# --- Preferences and schedules ----------------------------------------------------------------


class ChannelPreference(models.Model):
    """A person's choice for one channel. No row: `DEFAULT_CONSENT`. Legally required notices ignore
    an opt-out (the channel still needs a phone or an email to exist)."""

    person = models.ForeignKey("profiles.Person", on_delete=models.CASCADE, related_name="channel_preferences")
    channel = models.CharField(max_length=5, choices=Channel.choices)
    enabled = models.BooleanField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["person", "channel"]
        constraints = [
            # Also the index the scan's LEFT JOIN uses: (person_id, channel).
            models.UniqueConstraint(fields=["person", "channel"], name="channel_preference_unique"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="channel_preference_channel_valid"),
            models.CheckConstraint(
                condition=~Q(channel=Channel.INBOX) | Q(enabled=True),
                name="channel_preference_inbox_always_on",
                violation_error_message=_("The inbox cannot be switched off."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.channel}: {'on' if self.enabled else 'off'}"


class ReminderSource(models.TextChoices):
    """Where a reminder's deadline comes from: each is one set-based query in `notifications.reminders`."""

    PATENT_PAYMENT = "patent_payment", _("Patent: end of the paid period (latest payment per patent)")
    DOCUMENT_EXPIRY = "document_expiry", _("Identity document expiry (latest document of each type)")
    STAY_END = "stay_end", _("Visa-free stay: last lawful day of the open stay")
    REGISTRATION_END = "registration_end", _("Registration at the place of stay: registered-until date")


class ReminderSchedule(models.Model):
    """When reminders of one kind of deadline go out: the offsets (days before the deadline) are data.

    An empty `offsets` takes `remind_days_before` from the legal rule version in force (patent.pay
    ships with −10, −5, −3, −1 there).
    """

    key = models.CharField(
        max_length=60, unique=True, help_text=_("The rule part of the idempotency key, e.g. patent.pay.")
    )
    source = models.CharField(max_length=20, choices=ReminderSource.choices)
    rule_key = models.CharField(
        max_length=60, blank=True, help_text=_("The legal rule (legal.Rule.key) the deadline follows, if any.")
    )
    offsets = models.JSONField(
        default=list, blank=True, help_text=_("Days before the deadline, e.g. [30, 14, 7, 3, 1]. Empty: from the rule.")
    )
    parameters = models.JSONField(
        default=dict, blank=True, help_text=_('Source parameters, e.g. {"document_types": ["passport"]}.')
    )
    is_active = models.BooleanField(default=True)
    note = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=ReminderSource.values), name="reminder_schedule_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(key__regex=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$"),
                name="reminder_schedule_key_format",
                violation_error_message=_("A dotted lower-case key, e.g. patent.pay."),
            ),
        ]

    def __str__(self) -> str:
        return self.key

    def clean(self) -> None:
        errors: dict[str, str] = {}
        offsets = self.offsets
        if not isinstance(offsets, list) or not all(
            isinstance(day, int) and not isinstance(day, bool) and 0 < day <= 366 for day in offsets
        ):
            errors["offsets"] = _("A list of whole days between 1 and 366, e.g. [30, 14, 7, 3, 1].")
        elif len(set(offsets)) != len(offsets):
            errors["offsets"] = _("Each offset once.")
        if not isinstance(self.parameters, dict):
            errors["parameters"] = _("An object of named parameters.")
        elif self.source == ReminderSource.DOCUMENT_EXPIRY:
            types = self.parameters.get("document_types")
            if not isinstance(types, list) or not types or not all(isinstance(t, str) for t in types):
                errors["parameters"] = _('Document expiry needs {"document_types": ["passport", ...]}.')
        if self.rule_key:
            from legal.models import Rule  # the legal app owns rules; only their existence is checked here

            if not Rule.objects.filter(key=self.rule_key).exists():
                errors["rule_key"] = _("No legal rule has this key.")
        if errors:
            raise ValidationError(errors)


class ScanRun(models.Model):
    """One run of the daily reminder scan: when, for which day, and what it created (per schedule)."""

    on = models.DateField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"scan for {self.on} at {self.started_at:%Y-%m-%d %H:%M}"


# --- The outbox ---------------------------------------------------------------------------------


class NotificationStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent (on at least one channel)")
    FAILED = "failed", _("Failed on every channel")
    CANCELLED = "cancelled", _("Cancelled")


class Notification(models.Model):
    """One logical message to one person. Written by the scan, `notify_event` or a broadcast fan-out."""

    person = models.ForeignKey("profiles.Person", on_delete=models.PROTECT, related_name="notifications")
    kind = models.CharField(max_length=40, choices=KIND_CHOICES)
    idempotency_key = models.CharField(max_length=KEY_MAX_LENGTH, unique=True)
    # Reminders: the deadline the message is about, so that the dispatcher can re-check it.
    rule_key = models.CharField(max_length=60, blank=True)
    due_on = models.DateField(null=True, blank=True)
    offset_days = models.SmallIntegerField(null=True, blank=True)
    subject_id = models.BigIntegerField(
        null=True, blank=True, help_text=_("The fact the deadline comes from (a permit, document, stay, ...).")
    )
    context = models.JSONField(default=dict, blank=True, help_text=_("Template variables known when it was created."))
    status = models.CharField(max_length=9, choices=NotificationStatus.choices, default=NotificationStatus.QUEUED)
    scheduled_for = models.DateTimeField(help_text=_("Not sent before this moment."))
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    # Bookkeeping only (which run created it; the scan's delivery insert selects by it): indexed, unconstrained.
    scan_run = models.ForeignKey(
        ScanRun, null=True, blank=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    broadcast = models.ForeignKey(
        "Broadcast", null=True, blank=True, on_delete=models.PROTECT, related_name="notifications", db_index=False
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["person", "-created_at"], name="notification_person_idx"),
            # The broadcast fan-out's delivery insert selects its own rows through this.
            models.Index(fields=["broadcast"], name="notification_broadcast_idx", condition=Q(broadcast__isnull=False)),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=NotificationStatus.values), name="notification_status_valid"),
            models.CheckConstraint(
                condition=(
                    Q(status=NotificationStatus.CANCELLED) & Q(cancelled_at__isnull=False) & ~Q(cancel_reason="")
                )
                | (~Q(status=NotificationStatus.CANCELLED) & Q(cancelled_at__isnull=True)),
                name="notification_cancel_has_reason",
                violation_error_message=_("A cancelled notification records when and why; only it does."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="deadline.reminder")
                | (Q(due_on__isnull=False) & Q(offset_days__isnull=False) & ~Q(rule_key="")),
                name="notification_reminder_has_deadline",
                violation_error_message=_("A reminder names its rule, deadline and offset."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → person {self.person_id} ({self.status})"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending (claimed by a worker)")
    SENT = "sent", _("Sent (accepted by the channel)")
    DELIVERED = "delivered", _("Delivered (receipt from the provider)")
    FAILED = "failed", _("Failed (technical failure)")
    CANCELLED = "cancelled", _("Cancelled")


TERMINAL_DELIVERY_STATUSES = (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED, DeliveryStatus.CANCELLED)


class Delivery(models.Model):
    """One notification on one channel: the outbox row the dispatcher works from."""

    notification = models.ForeignKey(Notification, on_delete=models.PROTECT, related_name="deliveries")
    # Denormalized from the notification (which holds the foreign key): per-person rate limits count on
    # (person, channel, sent_at). No constraint of its own: the scan inserts half a million deliveries a day
    # and a second referential check per row is a fifth of that insert.
    person = models.ForeignKey(
        "profiles.Person", on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )
    channel = models.CharField(max_length=5, choices=Channel.choices)
    status = models.CharField(max_length=9, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text=_("Send attempts so far (claims that reached a channel).")
    )
    next_attempt_at = models.DateTimeField(help_text=_("Not claimed before this moment (backoff, quiet hours)."))
    locked_by = models.CharField(max_length=80, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True)
    receipts = models.JSONField(default=list, blank=True, help_text=_("Provider receipts, oldest first."))
    language = models.CharField(max_length=2, blank=True, help_text=_("Language of the text that was sent."))
    fallback_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "deliveries"
        indexes = [
            # The dispatcher's claim: WHERE status = 'queued' AND channel = %s AND next_attempt_at <= now.
            models.Index(fields=["channel", "next_attempt_at"], name="delivery_due_idx", condition=Q(status="queued")),
            # The sweeper: WHERE status = 'sending' AND locked_until < now.
            models.Index(fields=["locked_until"], name="delivery_lease_idx", condition=Q(status="sending")),
            # Rate limits: messages sent to one person on one channel in the last month.
            models.Index(
                fields=["person", "channel", "sent_at"], name="delivery_rate_idx", condition=Q(sent_at__isnull=False)
            ),
            # Provider receipts name the provider's message id.
            models.Index(
                fields=["provider_message_id"], name="delivery_provider_id_idx", condition=~Q(provider_message_id="")
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_one_per_channel"),
            models.CheckConstraint(condition=Q(status__in=DeliveryStatus.values), name="delivery_status_valid"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="delivery_channel_valid"),
            models.CheckConstraint(
                condition=Q(attempts__gte=0) & Q(attempts__lte=MAX_ATTEMPTS_CEILING), name="delivery_attempts_bounded"
            ),
            models.CheckConstraint(
                condition=(Q(status=DeliveryStatus.SENDING) & Q(locked_until__isnull=False) & ~Q(locked_by=""))
                | (~Q(status=DeliveryStatus.SENDING) & Q(locked_until__isnull=True) & Q(locked_by="")),
                name="delivery_lease_only_while_sending",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[DeliveryStatus.SENT, DeliveryStatus.DELIVERED]) | Q(sent_at__isnull=False),
                name="delivery_sent_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status=DeliveryStatus.FAILED) | ~Q(last_error=""), name="delivery_failure_has_error"
            ),
            models.CheckConstraint(
                condition=~Q(status=DeliveryStatus.CANCELLED) | ~Q(cancel_reason=""),
                name="delivery_cancel_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[DeliveryStatus.QUEUED, DeliveryStatus.SENDING, DeliveryStatus.SENT])
                | Q(finished_at__isnull=False),
                name="delivery_terminal_has_finish_time",
            ),
            models.CheckConstraint(condition=~Q(fallback_from=F("id")), name="delivery_not_its_own_fallback"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} for notification {self.notification_id} ({self.status})"

    @property
    def idempotency_key(self) -> str:
        """The issue's key per (person, rule, deadline, offset, channel): the notification's key (unique)
        and the channel, unique together by `delivery_one_per_channel`. Providers get it to deduplicate."""
        return f"{self.notification.idempotency_key}:{self.channel}"


class InboxMessage(models.Model):
    """A message in the person's cabinet inbox; written once per inbox delivery."""

    # person and notification are copies of the delivery's (which has the foreign keys), kept for the
    # cabinet's query; no constraints of their own, so that an inbox insert checks one reference, not three.
    person = models.ForeignKey(
        "profiles.Person",
        on_delete=models.DO_NOTHING,
        related_name="inbox_messages",
        db_index=False,
        db_constraint=False,
    )
    delivery = models.OneToOneField(Delivery, on_delete=models.PROTECT, related_name="inbox_message")
    notification = models.ForeignKey(
        Notification, on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )
    kind = models.CharField(max_length=40, choices=KIND_CHOICES)
    language = models.CharField(max_length=2)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The cabinet's list: WHERE person_id = %s ORDER BY created_at DESC.
            models.Index(fields=["person", "-created_at"], name="inbox_person_idx"),
            models.Index(fields=["person"], name="inbox_unread_idx", condition=Q(read_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return self.subject


# --- Broadcasts ----------------------------------------------------------------------------------


class BroadcastState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting a second approver")
    APPROVED = "approved", _("Approved (sends at the scheduled time)")
    SENT = "sent", _("Sent (fanned out to the outbox)")
    CANCELLED = "cancelled", _("Cancelled")


class SegmentStatus(models.TextChoices):
    """Statuses a broadcast can target: a permit of this kind in force on the day of sending."""

    PATENT = "patent", _("Patent holder")
    WORK_PERMIT = "work_permit", _("Work permit holder")
    EAEU_WORKER = "eaeu_worker", _("EAEU worker")
    STUDENT = "student", _("Full-time student")
    RVP = "rvp", _("Temporary residence permit (РВП)")
    VNZH = "vnzh", _("Residence permit (ВНЖ)")
    VISA = "visa", _("Visa holder")


class Broadcast(models.Model):
    """A staff message to a segment of persons, with per-language texts, a schedule and, above
    `settings.NOTIFICATIONS_BROADCAST_APPROVAL_THRESHOLD` recipients, a second approver."""

    title = models.CharField(max_length=200, help_text=_("For staff; not shown to recipients."))
    # The segment. Empty lists mean "any".
    citizenships = models.JSONField(default=list, blank=True, help_text=_('ISO alpha-3 codes, e.g. ["UZB", "TJK"].'))
    regions = models.JSONField(
        default=list, blank=True, help_text=_('Region codes of the open registration, e.g. ["77"].')
    )
    statuses = models.JSONField(default=list, blank=True, help_text=_('Permit kinds in force, e.g. ["patent"].'))
    languages = models.JSONField(default=list, blank=True, help_text=_('Preferred languages, e.g. ["uz", "tg"].'))
    age_min = models.PositiveSmallIntegerField(null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(null=True, blank=True)
    inbox_only = models.BooleanField(default=True, help_text=_("Off: also SMS or email to those who consented."))
    scheduled_at = models.DateTimeField(help_text=_("Not sent before this moment."))
    state = models.CharField(max_length=9, choices=BroadcastState.choices, default=BroadcastState.DRAFT)
    recipient_count = models.PositiveIntegerField(null=True, blank=True, help_text=_("Counted when submitted."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_count = models.PositiveIntegerField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-scheduled_at"]
        permissions = [("approve_broadcast", "Can approve a broadcast as the second officer")]
        indexes = [models.Index(fields=["scheduled_at"], name="broadcast_due_idx", condition=Q(state="approved"))]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=BroadcastState.values), name="broadcast_state_valid"),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("created_by")),
                name="broadcast_approver_differs_from_creator",
                violation_error_message=_("The second approver must be another officer."),
            ),
            models.CheckConstraint(
                condition=Q(age_min__isnull=True) | Q(age_max__isnull=True) | Q(age_min__lte=F("age_max")),
                name="broadcast_age_band_ordered",
                violation_error_message=_("The lower age is above the upper age."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=[BroadcastState.DRAFT, BroadcastState.CANCELLED])
                | Q(recipient_count__isnull=False, submitted_at__isnull=False),
                name="broadcast_submitted_has_count",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=[BroadcastState.APPROVED, BroadcastState.SENT]) | Q(approved_at__isnull=False),
                name="broadcast_approved_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state=BroadcastState.SENT) | Q(sent_at__isnull=False, sent_count__isnull=False),
                name="broadcast_sent_has_count",
            ),
            models.CheckConstraint(
                condition=~Q(state=BroadcastState.CANCELLED) | ~Q(cancel_reason=""), name="broadcast_cancel_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_state_display()})"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        checks = {
            "citizenships": (r"^[A-Z]{3}$", _('ISO alpha-3 codes, e.g. ["UZB"].')),
            "regions": (r"^[0-9]{2}$", _('Two-digit region codes, e.g. ["77", "50"].')),
        }
        for field, (pattern, message) in checks.items():
            value = getattr(self, field)
            if not isinstance(value, list) or not all(isinstance(v, str) and re.match(pattern, v) for v in value):
                errors[field] = message
        if not isinstance(self.statuses, list) or not set(self.statuses) <= set(SegmentStatus.values):
            errors["statuses"] = _("Known statuses: %(known)s.") % {"known": ", ".join(SegmentStatus.values)}
        if not isinstance(self.languages, list) or not set(self.languages) <= set(Language.values):
            errors["languages"] = _("Known languages: %(known)s.") % {"known": ", ".join(Language.values)}
        if errors:
            raise ValidationError(errors)


class BroadcastText(models.Model):
    """The broadcast in one language. Russian is required: it is the fallback for everyone else."""

    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(max_length=2, choices=Language.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField()

    class Meta:
        ordering = ["broadcast", "language"]
        constraints = [
            models.UniqueConstraint(fields=["broadcast", "language"], name="broadcast_text_one_per_language"),
            models.CheckConstraint(condition=Q(language__in=Language.values), name="broadcast_text_language_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.broadcast_id} {self.language}"

    def clean(self) -> None:
        allowed = KINDS["broadcast"].allowed_variables
        errors = {
            field: problems
            for field in ("subject", "body")
            if (problems := template_problems(getattr(self, field) or "", allowed=allowed))
        }
        if errors:
            raise ValidationError(errors)
