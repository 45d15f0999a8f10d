"""Reads of the cabinet: the account's own profile, the home page, the claim's matching, account phones.

Every read of a person's data here starts from the signed-in user (`person_get_for_user`), so a
user can only ever see the profile they claimed.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language

from cabinet import labels
from cabinet.models import OPEN_CLAIM_STATUSES, AccountPhone, ClaimRequest, ContactChannel
from migrant_platform.fingerprint import rows_fingerprints
from profiles.models import (
    BorderCrossing,
    DocumentType,
    EmploymentContract,
    IdentityDocument,
    MigrationRegistration,
    PatentPayment,
    Permit,
    Person,
    RecordLink,
    SourceRecord,
)
from profiles.names import normalize_document_number

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

logger = logging.getLogger(__name__)

# How many rows of each kind the home page lists (the query count stays the same whatever the volume).
HOME_LIST_LIMIT = 10
HOME_DEADLINE_LIMIT = 6
HOME_INBOX_LIMIT = 5
# Deadlines further ahead than this are not "what to do next" (an anniversary a year away).
DEADLINE_HORIZON_DAYS = 400


# --- The account's profile ---------------------------------------------------------------------------


def person_get_for_user(*, user: AbstractBaseUser) -> Person | None:
    """The profile this account claimed, or None. The only way cabinet code reaches a Person."""
    if not getattr(user, "is_authenticated", False):
        return None
    # Person.user is one-to-one (a unique index): one indexed lookup.
    return Person.objects.select_related("citizenship").filter(user=user, merged_into__isnull=True).first()


def claim_request_open_for_user(*, user: AbstractBaseUser) -> ClaimRequest | None:
    """The account's open claim request (at most one: claim_one_open_per_user), for the code page."""
    return ClaimRequest.objects.filter(user=user, status__in=OPEN_CLAIM_STATUSES).first()


def claim_request_latest_for_user(*, user: AbstractBaseUser) -> ClaimRequest | None:
    return ClaimRequest.objects.filter(user=user).order_by("-created_at", "-id").first()


# --- Account phones (allauth's phone login, through cabinet.adapter) -------------------------------------


def account_phone_get(*, user: AbstractBaseUser) -> AccountPhone | None:
    return AccountPhone.objects.filter(user=user).first()


def user_get_by_phone(*, phone: str) -> AbstractBaseUser | None:
    row = AccountPhone.objects.select_related("user").filter(phone=phone, user__is_active=True).first()
    return row.user if row else None


# --- Claim: matching evidence and the contact on file -------------------------------------------------


def claim_candidate_find(*, passport_number: str, birth_date: dt.date, secondary_number: str) -> Person | None:
    """The one unclaimed profile with this passport and birth date (and secondary document when it has any).

    `passport_number` and `secondary_number` are normalized (profiles.names.normalize_document_number).
    A profile absorbed by a merge stands for its survivor. None when nothing, or more than one
    profile, matches: an ambiguous match is a data-quality case for staff, not a claim.
    """
    if len(passport_number) < 4:
        return None
    # document_number_idx and source_record_document_idx.
    ids = set(
        IdentityDocument.objects.filter(
            document_type=DocumentType.FOREIGN_PASSPORT, number_normalized=passport_number
        ).values_list("person_id", flat=True)
    )
    ids.update(
        RecordLink.objects.filter(
            record__document_number=passport_number, record__document_type=DocumentType.FOREIGN_PASSPORT
        ).values_list("person_id", flat=True)
    )
    if not ids:
        return None
    candidates = {
        person.merged_into_id or person.pk for person in Person.objects.filter(pk__in=ids).only("pk", "merged_into")
    }
    people = list(
        Person.objects.filter(pk__in=candidates, merged_into__isnull=True, birth_date=birth_date, user__isnull=True)
    )
    if len(people) != 1:
        return None
    person = people[0]
    known = secondary_numbers_on_file(person=person)
    if known and secondary_number not in known:
        return None
    return person


def secondary_numbers_on_file(*, person: Person) -> set[str]:
    """Normalized migration card and patent numbers the registry holds for the person."""
    numbers = set(
        BorderCrossing.objects.filter(person=person)
        .exclude(migration_card_number="")
        .values_list("migration_card_number", flat=True)
    )
    numbers.update(
        IdentityDocument.objects.filter(person=person, document_type=DocumentType.MIGRATION_CARD).values_list(
            "number", flat=True
        )
    )
    numbers.update(
        Permit.objects.filter(person=person, kind=Permit.Kind.PATENT)
        .exclude(number="")
        .values_list("number", flat=True)
    )
    return {normalized for normalized in (normalize_document_number(n) for n in numbers) if normalized}


@dataclass(frozen=True)
class ContactOnFile:
    channel: str  # ContactChannel
    address: str
    masked: str


def contact_on_file(*, person: Person) -> ContactOnFile | None:
    """Where a claim code may go: a phone or email the agency already had, never one the account typed.

    The profile's own phone first, then the newest phone of a linked agency record, then the email.
    """
    phone = person.phone
    if not phone:
        phone = (
            SourceRecord.objects.filter(link__person=person)
            .exclude(phone="")
            .order_by("-received_at", "-id")
            .values_list("phone", flat=True)
            .first()
        ) or ""
    if phone:
        return ContactOnFile(channel=ContactChannel.SMS, address=phone, masked=phone_mask(phone))
    if person.email:
        return ContactOnFile(channel=ContactChannel.EMAIL, address=person.email, masked=email_mask(person.email))
    return None


def _groups(count: int) -> str:
    if count <= 3:
        return "*" * count
    return "*" * (count - 3) + " ***"


def phone_mask(phone: str) -> str:
    """+998901234567 -> '+998 ** *** 45 67'; +79161234567 -> '+7 *** *** 45 67'."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 8:
        return "*" * len(digits)
    country = digits[:1] if digits.startswith("7") else digits[:3]
    hidden = len(digits) - len(country) - 4
    return f"+{country} {_groups(hidden)} {digits[-4:-2]} {digits[-2:]}"


def email_mask(email: str) -> str:
    """ivanov@mail.ru -> 'i****v@mail.ru'."""
    local, _, domain = email.partition("@")
    shown = local[:1] + "*" if len(local) <= 2 else local[0] + "*" * min(len(local) - 2, 6) + local[-1]
    return f"{shown}@{domain}"


# --- The cabinet home ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineItem:
    title: str
    due_on: dt.date
    days_left: int
    action: str
    why: str
    overdue: bool
    rule_key: str


@dataclass(frozen=True)
class CabinetHome:
    person: Person
    on: dt.date
    status: Any  # legal.status.PersonStatus
    basis_kind: str = ""
    basis_label: str = ""
    basis_why: str = ""
    permitted_until: dt.date | None = None
    days_left: int | None = None
    days_used: int | None = None
    days_limit: int | None = None
    overstay_days: int = 0
    in_russia: bool = False
    deadlines: list[DeadlineItem] = field(default_factory=list)
    documents: list[IdentityDocument] = field(default_factory=list)
    registrations: list[MigrationRegistration] = field(default_factory=list)
    permits: list[Permit] = field(default_factory=list)
    payments: list[PatentPayment] = field(default_factory=list)
    contracts: list[EmploymentContract] = field(default_factory=list)
    applications: list[Any] | None = None  # None: the services app has no applications yet
    inbox: list[Any] | None = None  # None: the notifications app is not installed
    unread_count: int = 0
    # Where the page may keep its rendering of the profile part, and for how long (0: not at all).
    profile_key: str = ""
    profile_seconds: int = 0

    @property
    def is_legal(self) -> bool:
        return self.basis_kind not in ("overstay", "none", "")


def cabinet_home_get(*, user: AbstractBaseUser, on: dt.date) -> CabinetHome | None:
    """Everything the home page shows, for the signed-in user's own profile; None if they have none.

    The profile part (status, deadlines and the five fact lists) is computed once per state of the
    person's data, day, language and state of the law, and kept in the cache under a key made of the
    fingerprints of those rows (`profile_part_key`): any change to them, by any writer, changes the key,
    so a cached status is never stale. Applications and the inbox are read on every request.

    Query budget, whatever the volume of facts: 1 (person) + 1 (fingerprints of the person's data and
    of the law) + on a cache miss 7 (the status engine's facts) + 5 (fact lists, each one query with
    its joins) + 1 (applications) + 2 (inbox and unread count): 5 when cached, 17 when not, 3 more
    when the law changed since the process last read it. Asserted in cabinet/tests/test_home.py.
    """
    person = person_get_for_user(user=user)
    if person is None:
        return None
    home: dict[str, Any] = {"person": person, "on": on, **_profile_part(person=person, on=on)}
    home["applications"] = applications_for_person(person=person, limit=HOME_LIST_LIMIT)
    inbox = inbox_for_person(person=person, limit=HOME_INBOX_LIMIT)
    if inbox is not None:
        home["inbox"], home["unread_count"] = inbox
    return CabinetHome(**home)


def profile_part_key(*, person: Person, on: dt.date, facts_fingerprint: str, law_fingerprint: str) -> str:
    """The cache key of the home's profile part: what the part was computed from, nothing else."""
    return f"cabinet:home:v1:{person.pk}:{on.isoformat()}:{get_language()}:{facts_fingerprint}:{law_fingerprint}"


def _profile_part(*, person: Person, on: dt.date) -> dict[str, Any]:
    from legal.status import LAW_ROW_SETS, law_snapshot_get
    from profiles.selectors import PERSON_FACT_ROW_SETS

    # Both fingerprints in one round trip: the person's row and facts, and the law.
    facts, law_fingerprint = rows_fingerprints((PERSON_FACT_ROW_SETS, person.pk), (LAW_ROW_SETS, None))
    law = law_snapshot_get(fingerprint=law_fingerprint)
    seconds = settings.CABINET_HOME_CACHE_SECONDS
    key = profile_part_key(person=person, on=on, facts_fingerprint=facts, law_fingerprint=law_fingerprint)
    part = cache.get(key) if seconds else None
    if part is None:
        part = _profile_part_compute(person=person, on=on, law=law)
        if seconds:
            cache.set(key, part, seconds)
    return {**part, "profile_key": key, "profile_seconds": seconds}


def _profile_part_compute(*, person: Person, on: dt.date, law: Any) -> dict[str, Any]:
    """The status, the deadlines to show and the five fact lists (12 queries)."""
    from legal.status import person_status

    status = person_status(person=person, on=on, rules=law.rules, calendar=law.calendar)
    basis = status.legal_basis
    part: dict[str, Any] = {
        "status": status,
        "basis_kind": basis.kind,
        "basis_label": _basis_label(basis.kind),
        "basis_why": basis.why,
        "permitted_until": status.permitted_until,
        "days_left": (status.permitted_until - on).days if status.permitted_until else None,
        "days_used": status.days_used,
        "days_limit": status.days_limit,
        "overstay_days": status.overstay_days,
        "in_russia": status.in_russia,
        "deadlines": _deadlines(status=status, on=on),
    }
    limit = HOME_LIST_LIMIT
    part["documents"] = list(
        IdentityDocument.objects.filter(person=person)
        .select_related("issuing_country")
        .order_by("-issued_on", "-id")[:limit]
    )
    part["registrations"] = list(
        MigrationRegistration.objects.filter(person=person)
        .select_related("region", "host_organization")
        .order_by("-valid_from", "-id")[:limit]
    )
    part["permits"] = list(
        Permit.objects.filter(person=person).select_related("region").order_by("-valid_from", "-id")[:limit]
    )
    part["payments"] = list(
        PatentPayment.objects.filter(person=person).select_related("permit").order_by("-paid_on", "-id")[:limit]
    )
    part["contracts"] = list(
        EmploymentContract.objects.filter(person=person)
        .select_related("employer", "work_region")
        .order_by("-starts_on", "-id")[:limit]
    )
    return part


def _basis_label(kind: str) -> str:
    from legal.status import BasisKind

    try:
        return str(BasisKind(kind).label)
    except ValueError:
        return kind


def _deadlines(*, status: Any, on: dt.date) -> list[DeadlineItem]:
    """Overdue duties first, then what comes next, soonest first; only the person's own duties."""
    horizon = on + dt.timedelta(days=DEADLINE_HORIZON_DAYS)
    items = [
        DeadlineItem(
            title=labels.deadline_title(deadline.rule_key, fallback=str(deadline.title)),
            due_on=deadline.due_on,
            days_left=(deadline.due_on - on).days,
            action=str(deadline.action),
            why=str(deadline.why),
            overdue=bool(deadline.overdue),
            rule_key=deadline.rule_key,
        )
        for deadline in status.deadlines
        if (deadline.overdue or on <= deadline.due_on <= horizon)
    ]
    items.sort(key=lambda item: (not item.overdue, item.due_on, item.rule_key))
    return items[:HOME_DEADLINE_LIMIT]


def applications_for_person(*, person: Person, limit: int) -> list[Any] | None:
    """The person's latest applications from the services app, once it has them (None before)."""
    if not apps.is_installed("services"):
        return None
    try:
        from services import selectors as service_selectors
    except ImportError:
        service_selectors = None
    selector = getattr(service_selectors, "application_list_for_person", None)
    if selector is not None:
        return list(selector(person=person)[:limit])
    try:
        model = apps.get_model("services", "Application")
    except LookupError:
        return None
    if not any(f.name == "person" for f in model._meta.get_fields()):
        return None
    return list(model.objects.filter(person=person).order_by("-pk")[:limit])


def inbox_for_person(*, person: Person, limit: int) -> tuple[list[Any], int] | None:
    """(latest messages, unread count) from the notifications app's inbox; None when it is not installed."""
    if not apps.is_installed("notifications"):
        return None
    from notifications.selectors import inbox_messages, inbox_unread_count

    return list(inbox_messages(person=person)[:limit]), inbox_unread_count(person=person)
