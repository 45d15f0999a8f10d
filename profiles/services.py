"""Writes to the digital profile: persons, their documents, agency records and the facts they state.

Every function here is keyword-only, atomic and validates with `full_clean()` before writing, so a
caller (the linker, the demo seeder, the admin) gets a ValidationError with the model's own message
instead of an IntegrityError from the database.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypedDict

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from employers.models import Organization
from profiles.models import (
    BorderCrossing,
    EmploymentContract,
    IdentityDocument,
    Language,
    MigrationRegistration,
    PatentPayment,
    Permit,
    Person,
    PersonNameKey,
    RecordLink,
    SourceRecord,
    Stay,
)
from profiles.names import name_keys, normalize_document_number, normalize_phone
from reference.models import Country, Region, SourceSystem


def _phone_for_storage(phone: str) -> str:
    """E.164 when the input is recognizably a phone; otherwise as typed, so full_clean names the problem."""
    if not phone:
        return ""
    return normalize_phone(phone) or phone.strip()


# --- Persons ------------------------------------------------------------------------------


@transaction.atomic
def person_create(
    *,
    birth_date: dt.date,
    sex: str,
    citizenship: Country,
    latin_surname: str = "",
    latin_given_names: str = "",
    cyrillic_surname: str = "",
    cyrillic_given_names: str = "",
    cyrillic_patronymic: str = "",
    preferred_language: str = Language.RUSSIAN,
    phone: str = "",
    email: str = "",
) -> Person:
    person = Person(
        latin_surname=latin_surname.strip(),
        latin_given_names=latin_given_names.strip(),
        cyrillic_surname=cyrillic_surname.strip(),
        cyrillic_given_names=cyrillic_given_names.strip(),
        cyrillic_patronymic=cyrillic_patronymic.strip(),
        birth_date=birth_date,
        sex=sex,
        citizenship=citizenship,
        preferred_language=preferred_language,
        phone=_phone_for_storage(phone),
        email=email.strip(),
    )
    person.full_clean()
    person.save()
    person_refresh_name_keys(person=person)
    return person


class PersonChanges(TypedDict, total=False):
    latin_surname: str
    latin_given_names: str
    cyrillic_surname: str
    cyrillic_given_names: str
    cyrillic_patronymic: str
    birth_date: dt.date
    sex: str
    citizenship: Country
    preferred_language: str
    phone: str
    email: str


@transaction.atomic
def person_update(*, person: Person, changes: PersonChanges) -> Person:
    """Correct canonical values (a staff data-quality step); name keys follow the names."""
    for name, value in changes.items():
        if name == "phone":
            value = _phone_for_storage(str(value))
        setattr(person, name, value)
    person.full_clean()
    person.save()
    person_refresh_name_keys(person=person)
    return person


@transaction.atomic
def person_refresh_name_keys(*, person: Person) -> set[str]:
    """Make PersonNameKey hold exactly the keys of the canonical names and of every linked record.

    Search (`profiles.selectors.person_search`) and blocking read only these rows, so a spelling
    that reaches the person through any agency record becomes findable here.
    """
    spellings: list[str] = [
        person.latin_surname,
        person.latin_given_names,
        person.cyrillic_surname,
        person.cyrillic_given_names,
        person.cyrillic_patronymic,
    ]
    for surname, given_names, patronymic in SourceRecord.objects.filter(link__person=person).values_list(
        "surname", "given_names", "patronymic"
    ):
        spellings += [surname, given_names, patronymic]
    # Keys longer than the column would fail the insert; a 100-letter single name word is noise.
    keys = {key for key in name_keys(*spellings) if len(key) <= PersonNameKey._meta.get_field("key").max_length}

    existing = set(PersonNameKey.objects.filter(person=person).values_list("key", flat=True))
    if stale := existing - keys:
        PersonNameKey.objects.filter(person=person, key__in=stale).delete()
    if missing := keys - existing:
        PersonNameKey.objects.bulk_create(
            [PersonNameKey(person=person, key=key) for key in sorted(missing)], ignore_conflicts=True
        )
    return keys


# --- Identity documents -------------------------------------------------------------------


def identity_document_build(
    *,
    person: Person,
    document_type: str,
    issuing_country: Country,
    number: str,
    issued_on: dt.date | None = None,
    expires_on: dt.date | None = None,
    source_record: SourceRecord | None = None,
) -> IdentityDocument:
    """An unsaved, validated document: what `identity_document_add` writes (and a form can check)."""
    document = IdentityDocument(
        person=person,
        source_record=source_record,
        document_type=document_type,
        issuing_country=issuing_country,
        number=number.strip(),
        number_normalized=normalize_document_number(number),
        issued_on=issued_on,
        expires_on=expires_on,
    )
    document.full_clean()
    return document


@transaction.atomic
def identity_document_add(
    *,
    person: Person,
    document_type: str,
    issuing_country: Country,
    number: str,
    issued_on: dt.date | None = None,
    expires_on: dt.date | None = None,
    source_record: SourceRecord | None = None,
) -> IdentityDocument:
    """Add a document; `AA 123-45 67` and `aa1234567` are the same document number."""
    document = identity_document_build(
        person=person,
        document_type=document_type,
        issuing_country=issuing_country,
        number=number,
        issued_on=issued_on,
        expires_on=expires_on,
        source_record=source_record,
    )
    document.save()
    return document


# --- Source records -----------------------------------------------------------------------


def _as_stored(payload: dict[str, Any]) -> Any:
    """The payload as the JSON column will give it back (tuples become lists, dates strings)."""
    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder))


@transaction.atomic
def source_record_receive(
    *,
    source_system: SourceSystem,
    source_record_id: str,
    payload: dict[str, Any],
    received_at: dt.datetime | None = None,
    supersedes: SourceRecord | None = None,
    surname: str = "",
    given_names: str = "",
    patronymic: str = "",
    birth_date: dt.date | None = None,
    sex: str = "",
    citizenship: Country | None = None,
    document_type: str = "",
    document_number: str = "",
    phone: str = "",
    tax_id: str = "",
) -> SourceRecord:
    """Store an agency record verbatim. Idempotent: a re-delivery of the same record returns the stored one.

    The verbatim columns are write-once (a database trigger), so a record id that comes back with a
    different payload is refused: the agency must send its correction as a new record that
    `supersedes` the old one.
    """
    payload = _as_stored(payload)
    existing = SourceRecord.objects.filter(source_system=source_system, source_record_id=source_record_id).first()
    if existing is not None:
        return _same_record_or_refuse(existing, payload)

    record = SourceRecord(
        source_system=source_system,
        source_record_id=source_record_id.strip(),
        received_at=received_at or timezone.now(),
        payload=payload,
        supersedes=supersedes,
        surname=surname.strip(),
        given_names=given_names.strip(),
        patronymic=patronymic.strip(),
        birth_date=birth_date,
        sex=sex,
        citizenship=citizenship,
        document_type=document_type,
        document_number=normalize_document_number(document_number),
        phone=normalize_phone(phone),
        tax_id=tax_id.strip(),
    )
    record.full_clean()
    try:
        # A savepoint: a concurrent delivery of the same record may win the race between our
        # lookup and this insert; the unique constraint then tells us, and we answer as above.
        with transaction.atomic():
            record.save()
    except IntegrityError:
        existing = SourceRecord.objects.get(source_system=source_system, source_record_id=source_record_id)
        return _same_record_or_refuse(existing, payload)
    return record


def _same_record_or_refuse(existing: SourceRecord, payload: Any) -> SourceRecord:
    if existing.payload == payload:
        return existing
    raise ValidationError(
        "Record %(system)s:%(id)s was already received with a different payload. Source records are "
        "write-once: send the correction as a new record with `supersedes` pointing to this one.",
        code="source_record_changed",
        params={"system": existing.source_system_id, "id": existing.source_record_id},
    )


@transaction.atomic
def source_record_link(
    *, record: SourceRecord, person: Person, score: float | None = None, reason: dict[str, Any] | None = None
) -> SourceRecord:
    """Attach a record to a person, or move it to another (by the linker or by staff), and make its
    spellings searchable. The record itself is not written: it is write-once; its link is
    `record.link` after this."""
    link = RecordLink(record=record, person=person, score=score, reason=reason or {}, linked_at=timezone.now())
    link.full_clean(validate_unique=False)  # the record's existing link, if any, is replaced
    link.save()  # an UPDATE of the record's link, or an INSERT when it has none
    person_refresh_name_keys(person=person)
    return record


# --- Facts stated by source records --------------------------------------------------------


@transaction.atomic
def border_crossing_record(
    *,
    person: Person,
    source_record: SourceRecord,
    direction: str,
    crossed_on: dt.date,
    checkpoint: str,
    purpose: str = "",
    migration_card_number: str = "",
) -> BorderCrossing:
    """Record a crossing. Stays are derived: call `person_rebuild_stays` once the batch is in."""
    crossing = BorderCrossing(
        person=person,
        source_record=source_record,
        direction=direction,
        crossed_on=crossed_on,
        checkpoint=checkpoint.strip(),
        purpose=purpose,
        migration_card_number=migration_card_number.strip(),
    )
    crossing.full_clean()
    crossing.save()
    return crossing


@dataclass(frozen=True)
class StayConflict:
    """A crossing that could not be paired, kept out of the stays and reported for review."""

    crossing_id: int
    crossed_on: dt.date
    direction: str
    reason: str


@dataclass
class StayRebuild:
    stays: list[Stay] = field(default_factory=list)
    conflicts: list[StayConflict] = field(default_factory=list)


def _crossings_in_travel_order(crossings: list[BorderCrossing]) -> list[BorderCrossing]:
    """Order by date; within one day, whichever direction continues the journey comes first.

    A visa run (exit and re-entry the same day) and a day trip (entry and exit the same day) have
    the same dates; only the state before the day tells which crossing happened first.
    """
    ordered: list[BorderCrossing] = []
    inside = False
    by_day: dict[dt.date, list[BorderCrossing]] = {}
    for crossing in sorted(crossings, key=lambda c: (c.crossed_on, c.pk)):
        by_day.setdefault(crossing.crossed_on, []).append(crossing)
    for day in sorted(by_day):
        pending = by_day[day]
        while pending:
            wanted = BorderCrossing.Direction.EXIT if inside else BorderCrossing.Direction.ENTRY
            crossing = next((c for c in pending if c.direction == wanted), pending[0])
            pending.remove(crossing)
            ordered.append(crossing)
            inside = crossing.direction == BorderCrossing.Direction.ENTRY
    return ordered


@transaction.atomic
def person_rebuild_stays(*, person: Person) -> StayRebuild:
    """Derive the person's stays from their border crossings, replacing the previous derivation.

    Each entry is paired with the next exit. An exit with no entry before it, and an entry followed
    by another entry (its exit is missing), are left out and returned as conflicts; the later
    entry starts the stay, so there is at most one open stay: the last entry without an exit.
    """
    # Serialize rebuilds of one person: two concurrent rebuilds would both delete and insert.
    Person.objects.select_for_update().filter(pk=person.pk).first()
    crossings = _crossings_in_travel_order(list(BorderCrossing.objects.filter(person=person)))

    result = StayRebuild()
    open_entry: BorderCrossing | None = None
    for crossing in crossings:
        if crossing.direction == BorderCrossing.Direction.ENTRY:
            if open_entry is not None:
                result.conflicts.append(
                    StayConflict(
                        crossing_id=open_entry.pk,
                        crossed_on=open_entry.crossed_on,
                        direction=open_entry.direction,
                        reason=f"Followed by another entry on {crossing.crossed_on:%Y-%m-%d}: its exit is missing.",
                    )
                )
            open_entry = crossing
        elif open_entry is None:
            result.conflicts.append(
                StayConflict(
                    crossing_id=crossing.pk,
                    crossed_on=crossing.crossed_on,
                    direction=crossing.direction,
                    reason="Exit with no entry before it.",
                )
            )
        else:
            result.stays.append(
                Stay(
                    person=person,
                    entry=open_entry,
                    exit=crossing,
                    entered_on=open_entry.crossed_on,
                    exited_on=crossing.crossed_on,
                )
            )
            open_entry = None
    if open_entry is not None:
        result.stays.append(Stay(person=person, entry=open_entry, entered_on=open_entry.crossed_on))

    # Stays are derived, not typed in: the pairing above guarantees exit >= entry and one open stay,
    # and the database constraints stand behind it, so no per-row full_clean (4 queries a row).
    Stay.objects.filter(person=person).delete()
    result.stays = Stay.objects.bulk_create(result.stays)
    return result


@transaction.atomic
def registration_record(
    *,
    person: Person,
    source_record: SourceRecord,
    region: Region,
    address: str,
    arrived_on: dt.date,
    valid_from: dt.date,
    valid_to: dt.date,
    host_organization: Organization | None = None,
    host_person_name: str = "",
    purpose: str = "",
) -> MigrationRegistration:
    """Record a registration at the place of stay; it replaces the currently open one.

    The open registration is closed on the day the new one begins (arrival, or its validity start
    if that is earlier). A registration that begins before the open one is a late-arriving
    historical record: it is stored already closed, and the open one stays open.
    """
    # Lock the person so two registrations arriving together cannot both see "no open one".
    Person.objects.select_for_update().filter(pk=person.pk).first()
    registration = MigrationRegistration(
        person=person,
        source_record=source_record,
        region=region,
        address=address.strip(),
        host_organization=host_organization,
        host_person_name=host_person_name.strip(),
        purpose=purpose,
        arrived_on=arrived_on,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    starts_on = min(arrived_on, valid_from)
    current = MigrationRegistration.objects.filter(person=person, closed_on__isnull=True).first()
    if current is not None:
        if valid_from < current.valid_from:
            registration.closed_on = current.valid_from
        else:
            current.closed_on = max(starts_on, current.valid_from)
            current.full_clean()
            current.save(update_fields=["closed_on"])
    registration.full_clean()
    registration.save()
    return registration


@transaction.atomic
def permit_record(
    *,
    person: Person,
    source_record: SourceRecord,
    kind: str,
    issued_on: dt.date,
    valid_from: dt.date,
    valid_to: dt.date | None,
    number: str = "",
    region: Region | None = None,
    profession: str = "",
    status: str = Permit.Status.VALID,
) -> Permit:
    permit = Permit(
        person=person,
        source_record=source_record,
        kind=kind,
        number=number.strip(),
        region=region,
        profession=profession.strip(),
        issued_on=issued_on,
        valid_from=valid_from,
        valid_to=valid_to,
        status=status,
    )
    permit.full_clean()
    permit.save()
    return permit


@transaction.atomic
def patent_payment_record(
    *,
    permit: Permit,
    source_record: SourceRecord,
    paid_on: dt.date,
    amount: Decimal,
    months: int,
    period_from: dt.date,
    paid_until: dt.date,
    receipt_number: str,
) -> PatentPayment:
    if permit.kind != Permit.Kind.PATENT:
        raise ValidationError("Only a patent is extended by fixed advance payments.", code="not_a_patent")
    payment = PatentPayment(
        person_id=permit.person_id,
        source_record=source_record,
        permit=permit,
        paid_on=paid_on,
        amount=amount,
        months=months,
        period_from=period_from,
        paid_until=paid_until,
        receipt_number=receipt_number.strip(),
    )
    payment.full_clean()
    payment.save()
    return payment


@transaction.atomic
def employment_contract_record(
    *,
    person: Person,
    source_record: SourceRecord,
    employer: Organization,
    position: str,
    work_region: Region,
    concluded_on: dt.date,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    terminated_on: dt.date | None = None,
    kind: str = EmploymentContract.Kind.LABOR,
    status: str = EmploymentContract.Status.CONCLUDED,
) -> EmploymentContract:
    contract = EmploymentContract(
        person=person,
        source_record=source_record,
        employer=employer,
        kind=kind,
        position=position.strip(),
        work_region=work_region,
        concluded_on=concluded_on,
        starts_on=starts_on,
        ends_on=ends_on,
        terminated_on=terminated_on,
        status=status,
    )
    contract.full_clean()
    contract.save()
    return contract
