"""The migrant-facing cabinet: an account's phone number, and the claim that links an account to its Person.

* `AccountPhone` is where allauth's phone login keeps the number (through `cabinet.adapter`): the
  default user model has no phone column.
* `ClaimRequest` is one attempt to link the signed-in account to a registry profile with evidence
  (passport number, birth date, and a migration card or patent number when the profile has one). It
  is created for every attempt, matched or not, so that the answer and the work done never reveal
  whether a passport number is in the registry.
* `ClaimCode` is the one-time code sent to a contact the agency already had on file. Only its keyed
  hash is stored; the sending task derives the code again from the row's salt (see `cabinet.claim`).
* `ClaimAttempt` is the append-only audit trail of claim submissions, which the rate limits also count.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from profiles.models import PHONE_E164


class AccountPhone(models.Model):
    """The phone number of a cabinet account, as allauth's phone login stores it (E.164)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_phone")
    phone = models.CharField(max_length=16, unique=True, help_text="E.164, e.g. +998901234567")
    verified = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "account phone"
        constraints = [
            models.CheckConstraint(
                condition=Q(phone__regex=PHONE_E164),
                name="account_phone_e164",
                violation_error_message="Phone must be in E.164 form, e.g. +998901234567.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.phone}{'' if self.verified else ' (unverified)'}"


class ClaimStatus(models.TextChoices):
    # Open: the account may still enter a code (an unmatched request looks the same to the person).
    UNMATCHED = "unmatched", "Evidence matched no claimable profile"
    CODE_SENT = "code_sent", "Code sent to the contact on file"
    AWAITING_OFFICER = "awaiting_officer", "No contact on file: awaiting an officer"
    # Closed.
    CONFIRMED = "confirmed", "Confirmed: profile linked"
    FAILED = "failed", "Failed: too many wrong codes"
    SUPERSEDED = "superseded", "Superseded by a newer request"


OPEN_CLAIM_STATUSES = (ClaimStatus.UNMATCHED, ClaimStatus.CODE_SENT, ClaimStatus.AWAITING_OFFICER)


class ClaimVia(models.TextChoices):
    CODE = "code", "One-time code"
    OFFICER = "officer", "Officer, in person"


class ContactChannel(models.TextChoices):
    SMS = "sms", "SMS"
    EMAIL = "email", "Email"


class ClaimRequest(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="claim_requests")
    # The profile the evidence matched; empty when it matched none (the person is never told which).
    person = models.ForeignKey(
        "profiles.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="claim_requests"
    )
    status = models.CharField(max_length=16, choices=ClaimStatus.choices)
    # The evidence as typed, normalized (passport and card numbers: profiles.names.normalize_document_number).
    passport_number = models.CharField(max_length=40)
    birth_date = models.DateField()
    secondary_number = models.CharField(max_length=40, blank=True, help_text="Migration card or patent number.")
    channel = models.CharField(max_length=5, choices=ContactChannel.choices, blank=True)
    contact_masked = models.CharField(max_length=80, blank=True, help_text="As shown to the person.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_via = models.CharField(max_length=7, choices=ClaimVia.choices, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The officer who checked the passport in person.",
    )
    officer_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The officer queue: admin list filtered by status, oldest first.
            models.Index(fields=["status", "created_at"], name="claim_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ClaimStatus.values), name="claim_status_valid"),
            models.CheckConstraint(
                condition=Q(person__isnull=False)
                | Q(status__in=[ClaimStatus.UNMATCHED, ClaimStatus.FAILED, ClaimStatus.SUPERSEDED]),
                name="claim_matched_has_person",
                violation_error_message="Only an unmatched claim request (open or closed) may lack a person.",
            ),
            models.CheckConstraint(
                condition=~Q(status=ClaimStatus.UNMATCHED) | Q(person__isnull=True),
                name="claim_unmatched_has_no_person",
            ),
            models.CheckConstraint(
                condition=~Q(status=ClaimStatus.CODE_SENT) | ~Q(channel=""),
                name="claim_code_sent_has_channel",
                violation_error_message="A code is sent through a channel.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=ClaimStatus.CONFIRMED, confirmed_at__isnull=False)
                    & ~Q(confirmed_via="")
                    & (~Q(confirmed_via=ClaimVia.OFFICER) | Q(confirmed_by__isnull=False))
                )
                | (~Q(status=ClaimStatus.CONFIRMED) & Q(confirmed_at__isnull=True, confirmed_via="")),
                name="claim_confirmation_complete",
                violation_error_message="A confirmed claim has its time and way (and officer, in person).",
            ),
            # One open request per account: a new one supersedes the old (cabinet.claim.claim_start).
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status__in=OPEN_CLAIM_STATUSES),
                name="claim_one_open_per_user",
                violation_error_message="This account already has an open claim request.",
            ),
        ]

    def __str__(self) -> str:
        return f"Claim #{self.pk} by user {self.user_id}: {self.get_status_display()}"


class ClaimCode(models.Model):
    """A one-time code of a claim request: 10 minutes, 5 tries, used once."""

    claim_request = models.ForeignKey(ClaimRequest, on_delete=models.CASCADE, related_name="codes")
    salt = models.CharField(max_length=32, help_text="Random; the code is derived from it with the secret key.")
    code_hash = models.CharField(max_length=64, help_text="HMAC-SHA256 of the code; the code itself is not stored.")
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=5)
    sent_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(attempts__lte=F("max_attempts")), name="claim_code_attempts_bounded"),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="claim_code_expires_after_creation"
            ),
            models.UniqueConstraint(fields=["salt"], name="claim_code_salt_unique"),
        ]

    def __str__(self) -> str:
        return f"Code of claim #{self.claim_request_id} (expires {self.expires_at:%Y-%m-%d %H:%M})"


class ClaimAttemptKind(models.TextChoices):
    START = "start", "Evidence submitted"
    VERIFY = "verify", "Code entered"


class ClaimOutcome(models.TextChoices):
    CODE_SENT = "code_sent", "Matched; code sent"
    NO_CONTACT = "no_contact", "Matched; no contact on file (to an officer)"
    NO_MATCH = "no_match", "No claimable profile matched"
    RATE_LIMITED = "rate_limited", "Refused: rate limit"
    CODE_WRONG = "code_wrong", "Wrong or expired code"
    CONFIRMED = "confirmed", "Code right; profile linked"


class ClaimAttempt(models.Model):
    """Append-only audit of claim submissions (who, from where, what was concluded)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="claim_attempts")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    kind = models.CharField(max_length=6, choices=ClaimAttemptKind.choices)
    outcome = models.CharField(max_length=12, choices=ClaimOutcome.choices)
    claim_request = models.ForeignKey(
        ClaimRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="attempts"
    )
    # A keyed hash of the passport number typed: correlates attempts on one number without storing it twice.
    evidence_digest = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "created_at"], name="claim_attempt_user_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ClaimAttemptKind.values), name="claim_attempt_kind_valid"),
            models.CheckConstraint(condition=Q(outcome__in=ClaimOutcome.values), name="claim_attempt_outcome_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} user {self.user_id} {self.kind}: {self.outcome}"
