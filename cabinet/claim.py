"""Claim your profile: link a cabinet account to its registry Person by evidence and a one-time code.

The flow (views: `cabinet.views.claim_start`, `claim_verify`):

1. The person types their passport number, birth date and, if they have one, a migration card or
   patent number. `claim_start` looks for exactly one unclaimed profile with that passport and birth
   date (and, when the profile has migration cards or patents on record, one of those numbers).
2. Matched with a phone or email on file (the profile's own, or a phone from a linked agency record):
   a 6-digit code goes there. Matched with no contact: the request waits for an officer, who checks
   the passport in person and confirms it from the admin (`claim_confirm_in_person`). Not matched:
   nothing is sent.
3. **The three cases look the same to the person**: the same page, the same words ("if the data match
   our records, we have sent a code to the contact on file; otherwise visit an office"), the same
   status code, and the same work on the server (a request row, a code row, an attempt row, one task
   enqueued), so neither the answer nor its timing tells whether a passport number is in the registry.
   The contact is sent by a task after commit, so the SMS provider's latency is not in the response.
4. `claim_code_verify` accepts the code once, within 10 minutes, in at most 5 tries; then links
   `Person.user` (a one-to-one column: the database refuses a second account on a profile).

Codes are never stored. A code is derived from its row's random salt with the secret key
(`salted_hmac`); the row keeps the salt and a keyed hash of the code. The sending task derives the
code again from the salt, so the queue carries only the request id.

Limits (cache windows, `cabinet.ratelimit`): evidence submissions per account and per address, code
entries per account and per address. Every submission is also an append-only `ClaimAttempt` row.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from cabinet import ratelimit
from cabinet.models import (
    OPEN_CLAIM_STATUSES,
    ClaimAttempt,
    ClaimAttemptKind,
    ClaimCode,
    ClaimOutcome,
    ClaimRequest,
    ClaimStatus,
    ClaimVia,
    ContactChannel,
)
from cabinet.selectors import ContactOnFile, claim_candidate_find, contact_on_file
from profiles.models import Person
from profiles.names import normalize_document_number

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

logger = logging.getLogger(__name__)

CODE_DIGITS = 6
CODE_TTL = dt.timedelta(minutes=10)
CODE_MAX_ATTEMPTS = 5
TASK_GROUP = "cabinet"


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def start_limits() -> tuple[ratelimit.Limit, ...]:
    hour = 60 * 60
    return (
        ratelimit.Limit("claim_start_user", _setting("CABINET_CLAIM_STARTS_PER_HOUR_PER_ACCOUNT", 5), hour),
        ratelimit.Limit("claim_start_ip", _setting("CABINET_CLAIM_STARTS_PER_HOUR_PER_IP", 20), hour),
    )


def verify_limits() -> tuple[ratelimit.Limit, ...]:
    hour = 60 * 60
    return (
        ratelimit.Limit("claim_verify_user", _setting("CABINET_CLAIM_CODES_PER_HOUR_PER_ACCOUNT", 15), hour),
        ratelimit.Limit("claim_verify_ip", _setting("CABINET_CLAIM_CODES_PER_HOUR_PER_IP", 60), hour),
    )


class ClaimRateLimited(Exception):
    """Too many submissions from this account or address; try again later."""


class ClaimConflict(Exception):
    """The profile was linked to another account meanwhile, or this account already has one."""


@dataclass(frozen=True)
class ClaimEvidence:
    passport_number: str
    birth_date: dt.date
    secondary_number: str = ""

    @property
    def passport_normalized(self) -> str:
        return normalize_document_number(self.passport_number)

    @property
    def secondary_normalized(self) -> str:
        return normalize_document_number(self.secondary_number)


@dataclass(frozen=True)
class VerifyResult:
    confirmed: bool
    claim_request: ClaimRequest
    # The request can take no more codes (tries used up, or it is closed): the person starts again.
    exhausted: bool = False


# --- Codes ------------------------------------------------------------------------------------------


def _code_from_salt(salt: str) -> str:
    digest = salted_hmac("cabinet.claim.code", salt, algorithm="sha256").hexdigest()
    return str(int(digest, 16) % 10**CODE_DIGITS).zfill(CODE_DIGITS)


def _code_hash(salt: str, code: str) -> str:
    return salted_hmac("cabinet.claim.code-hash", f"{salt}:{code}", algorithm="sha256").hexdigest()


def claim_code_reveal(*, code: ClaimCode) -> str:
    """The code of a row, for the sending task only (derived again from the salt; never stored)."""
    return _code_from_salt(code.salt)


def _evidence_digest(evidence: ClaimEvidence) -> str:
    return salted_hmac("cabinet.claim.evidence", evidence.passport_normalized, algorithm="sha256").hexdigest()


def _attempt_record(
    *,
    user: AbstractBaseUser,
    ip: str | None,
    kind: str,
    outcome: str,
    claim_request: ClaimRequest | None = None,
    evidence_digest: str = "",
) -> ClaimAttempt:
    attempt = ClaimAttempt(
        user=user,
        ip_address=ip or None,
        kind=kind,
        outcome=outcome,
        claim_request=claim_request,
        evidence_digest=evidence_digest,
    )
    # The user and the request are rows this request just resolved: skip their existence queries.
    attempt.full_clean(exclude=["user", "claim_request"])
    attempt.save()
    return attempt


# --- Start ------------------------------------------------------------------------------------------


def check_claim_start(*, user: AbstractBaseUser, ip: str | None) -> None:
    """Count the submission against the limits; ClaimRateLimited (and an audit row) when spent."""
    allowed = all([ratelimit.hit(limit, subject) for limit, subject in zip(start_limits(), (user.pk, ip), strict=True)])
    if not allowed:
        _attempt_record(user=user, ip=ip, kind=ClaimAttemptKind.START, outcome=ClaimOutcome.RATE_LIMITED)
        raise ClaimRateLimited


def claim_start(*, user: AbstractBaseUser, evidence: ClaimEvidence, ip: str | None) -> ClaimRequest:
    """Check the limits, then open a claim request for the evidence (see the module doc for the cases)."""
    check_claim_start(user=user, ip=ip)
    return do_claim_start(user=user, evidence=evidence, ip=ip)


@transaction.atomic
def do_claim_start(*, user: AbstractBaseUser, evidence: ClaimEvidence, ip: str | None) -> ClaimRequest:
    now = timezone.now()
    ClaimRequest.objects.filter(user=user, status__in=OPEN_CLAIM_STATUSES).update(
        status=ClaimStatus.SUPERSEDED, updated_at=now
    )
    person = claim_candidate_find(
        passport_number=evidence.passport_normalized,
        birth_date=evidence.birth_date,
        secondary_number=evidence.secondary_normalized,
    )
    contact: ContactOnFile | None = contact_on_file(person=person) if person is not None else None
    if person is None:
        status, outcome = ClaimStatus.UNMATCHED, ClaimOutcome.NO_MATCH
    elif contact is None:
        status, outcome = ClaimStatus.AWAITING_OFFICER, ClaimOutcome.NO_CONTACT
    else:
        status, outcome = ClaimStatus.CODE_SENT, ClaimOutcome.CODE_SENT

    claim_request = ClaimRequest(
        user=user,
        person=person,
        status=status,
        passport_number=evidence.passport_normalized[:40],
        birth_date=evidence.birth_date,
        secondary_number=evidence.secondary_normalized[:40],
        channel=contact.channel if contact else "",
        contact_masked=contact.masked if contact else "",
    )
    claim_request.full_clean(exclude=["user", "person"], validate_constraints=False)
    claim_request.save()
    # Every case gets a code row (unsent unless matched with a contact): the same writes whatever matched.
    _code_create(claim_request=claim_request, now=now)
    _attempt_record(
        user=user,
        ip=ip,
        kind=ClaimAttemptKind.START,
        outcome=outcome,
        claim_request=claim_request,
        evidence_digest=_evidence_digest(evidence),
    )
    request_id = claim_request.pk
    transaction.on_commit(lambda: _enqueue_send(request_id))
    return claim_request


def _code_create(*, claim_request: ClaimRequest, now: dt.datetime) -> ClaimCode:
    salt = secrets.token_hex(16)
    code = ClaimCode(
        claim_request=claim_request,
        salt=salt,
        code_hash=_code_hash(salt, _code_from_salt(salt)),
        expires_at=now + CODE_TTL,
        max_attempts=CODE_MAX_ATTEMPTS,
        created_at=now,
    )
    code.save()
    return code


def _enqueue_send(claim_request_id: int) -> None:
    from django_q.tasks import async_task

    async_task("cabinet.tasks.claim_code_send_task", claim_request_id, group=TASK_GROUP)


# --- Sending (the task's body) ------------------------------------------------------------------------


def claim_code_send(*, claim_request_id: int) -> bool:
    """Send the request's current code to the contact on file; True when something was sent.

    Idempotent: a code already sent, used or expired is not sent again, and requests without a
    contact (unmatched, awaiting an officer) send nothing.
    """
    from cabinet import notify  # the texts, in the person's language

    with transaction.atomic():
        claim_request = (
            ClaimRequest.objects.select_for_update(of=("self",))
            .select_related("person")
            .filter(pk=claim_request_id)
            .first()
        )
        if claim_request is None or claim_request.status != ClaimStatus.CODE_SENT or claim_request.person is None:
            return False
        code = claim_request.codes.filter(used_at__isnull=True, sent_at__isnull=True).first()
        if code is None or code.expires_at <= timezone.now():
            return False
        contact = contact_on_file(person=claim_request.person)
        if contact is None or contact.channel != claim_request.channel:
            logger.warning("Claim %s: the contact on file changed before the code was sent.", claim_request.pk)
            return False
        code.sent_at = timezone.now()
        code.save(update_fields=["sent_at"])
    # Sent outside the transaction: a provider's latency never holds the row lock. When the provider
    # refuses, the code is marked unsent again and the error re-raised, so django-q2 retries the task.
    try:
        notify.claim_code_deliver(
            person=claim_request.person,
            contact=contact,
            code=claim_code_reveal(code=code),
            reference=f"claim-{code.pk}",
        )
    except Exception:
        ClaimCode.objects.filter(pk=code.pk, used_at__isnull=True).update(sent_at=None)
        raise
    return True


# --- Verify -----------------------------------------------------------------------------------------


def check_claim_verify(*, user: AbstractBaseUser, ip: str | None, claim_request: ClaimRequest | None) -> None:
    allowed = all(
        [ratelimit.hit(limit, subject) for limit, subject in zip(verify_limits(), (user.pk, ip), strict=True)]
    )
    if not allowed:
        _attempt_record(
            user=user,
            ip=ip,
            kind=ClaimAttemptKind.VERIFY,
            outcome=ClaimOutcome.RATE_LIMITED,
            claim_request=claim_request,
        )
        raise ClaimRateLimited


def claim_code_verify(
    *, user: AbstractBaseUser, claim_request: ClaimRequest, code: str, ip: str | None
) -> VerifyResult:
    check_claim_verify(user=user, ip=ip, claim_request=claim_request)
    return do_claim_code_verify(user=user, claim_request=claim_request, code=code, ip=ip)


@transaction.atomic
def do_claim_code_verify(
    *, user: AbstractBaseUser, claim_request: ClaimRequest, code: str, ip: str | None
) -> VerifyResult:
    # Row locks: two tabs entering codes at once count their tries one after the other.
    claim_request = ClaimRequest.objects.select_for_update().get(pk=claim_request.pk, user=user)
    row = claim_request.codes.select_for_update().filter(used_at__isnull=True).first()
    now = timezone.now()
    typed = "".join(ch for ch in code if ch.isdigit())
    usable = (
        claim_request.status in OPEN_CLAIM_STATUSES
        and row is not None
        and row.expires_at > now
        and row.attempts < row.max_attempts
    )
    # The comparison runs for every request, matched or not (the same work either way).
    matches = row is not None and hmac.compare_digest(_code_hash(row.salt, typed), row.code_hash)
    if usable and matches and claim_request.status == ClaimStatus.CODE_SENT:
        assert row is not None and claim_request.person is not None
        claim_request.person = person_claim_link(person=claim_request.person, user=user)
        row.used_at = now
        row.save(update_fields=["used_at"])
        _confirm(claim_request=claim_request, via=ClaimVia.CODE, now=now)
        _attempt_record(
            user=user, ip=ip, kind=ClaimAttemptKind.VERIFY, outcome=ClaimOutcome.CONFIRMED, claim_request=claim_request
        )
        return VerifyResult(confirmed=True, claim_request=claim_request)

    exhausted = not usable
    if row is not None and usable:
        row.attempts += 1
        row.save(update_fields=["attempts"])
        exhausted = row.attempts >= row.max_attempts
    # Every open request fails alike once its tries are used up, whatever matched (one waiting for an officer
    # too: otherwise the code page would stay open for it alone, telling that the passport is on file).
    if exhausted and claim_request.status in OPEN_CLAIM_STATUSES:
        claim_request.status = ClaimStatus.FAILED
        claim_request.save(update_fields=["status", "updated_at"])
    _attempt_record(
        user=user, ip=ip, kind=ClaimAttemptKind.VERIFY, outcome=ClaimOutcome.CODE_WRONG, claim_request=claim_request
    )
    return VerifyResult(confirmed=False, claim_request=claim_request, exhausted=exhausted)


def _confirm(*, claim_request: ClaimRequest, via: str, now: dt.datetime, officer: Any = None, note: str = "") -> None:
    claim_request.status = ClaimStatus.CONFIRMED
    claim_request.confirmed_at = now
    claim_request.confirmed_via = via
    claim_request.confirmed_by = officer
    if note:
        claim_request.officer_note = note.strip()[:300]
    claim_request.full_clean(exclude=["user", "person", "confirmed_by"], validate_constraints=False)
    claim_request.save()


@transaction.atomic
def person_claim_link(*, person: Person, user: AbstractBaseUser) -> Person:
    """Set Person.user; ClaimConflict when the profile or the account is already linked."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.user_id is not None or person.merged_into_id is not None:
        raise ClaimConflict
    if Person.objects.filter(user=user).exists():
        raise ClaimConflict
    person.user = user
    try:
        person.full_clean()
    except ValidationError as error:
        raise ClaimConflict from error
    person.save(update_fields=["user", "updated_at"])
    return person


# --- Officer ----------------------------------------------------------------------------------------


def check_claim_confirm_in_person(*, officer: AbstractBaseUser, claim_request: ClaimRequest) -> None:
    """Only staff with the change permission confirm; only a matched, open request can be confirmed."""
    if not (officer.is_active and officer.is_staff and officer.has_perm("cabinet.change_claimrequest")):
        raise PermissionDenied
    if claim_request.person_id is None or claim_request.status not in (
        ClaimStatus.AWAITING_OFFICER,
        ClaimStatus.CODE_SENT,
    ):
        raise ValidationError("Only a matched, open claim request can be confirmed in person.")


@transaction.atomic
def claim_confirm_in_person(*, officer: AbstractBaseUser, claim_request: ClaimRequest, note: str = "") -> ClaimRequest:
    """The officer has seen the passport: link the profile to the account that asked."""
    claim_request = (
        ClaimRequest.objects.select_for_update(of=("self",)).select_related("person", "user").get(pk=claim_request.pk)
    )
    check_claim_confirm_in_person(officer=officer, claim_request=claim_request)
    assert claim_request.person is not None
    claim_request.person = person_claim_link(person=claim_request.person, user=claim_request.user)
    claim_request.codes.filter(used_at__isnull=True).update(used_at=timezone.now())
    _confirm(claim_request=claim_request, via=ClaimVia.OFFICER, now=timezone.now(), officer=officer, note=note)
    return claim_request


__all__ = [
    "CODE_MAX_ATTEMPTS",
    "CODE_TTL",
    "ClaimConflict",
    "ClaimEvidence",
    "ClaimRateLimited",
    "ContactChannel",
    "VerifyResult",
    "claim_code_send",
    "claim_code_verify",
    "claim_confirm_in_person",
    "claim_start",
    "person_claim_link",
]
