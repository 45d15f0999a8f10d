"""Provenance of a profile: which agency said what, and when; conflicts between sources for staff.

`person_provenance` (a selector) reads a person's agency records, documents, registrations and
crossings in a fixed number of queries and groups every value by what it says, listing each agency
record that said it. Conflicts are flagged, not resolved: a staff member reads them and sends the
conflict back to the agency that can fix it as a data-quality case (`data_quality_case_open`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from linkage.models import DataQualityCase
from profiles.models import BorderCrossing, IdentityDocument, MigrationRegistration, Person, SourceRecord

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

_CYRILLIC = re.compile(r"[\u0400-\u04FF]")


class Field:
    """The values a profile's provenance lists, in display order."""

    NAME_LATIN = "name_latin"
    NAME_CYRILLIC = "name_cyrillic"
    BIRTH_DATE = "birth_date"
    SEX = "sex"
    CITIZENSHIP = "citizenship"
    DOCUMENT = "document"
    PHONE = "phone"
    TAX_ID = "tax_id"
    ADDRESS = "address"

    LABELS = {
        NAME_LATIN: "Name (Latin script)",
        NAME_CYRILLIC: "Name (Cyrillic script)",
        BIRTH_DATE: "Birth date",
        SEX: "Sex",
        CITIZENSHIP: "Citizenship",
        DOCUMENT: "Identity document",
        PHONE: "Phone",
        TAX_ID: "Tax id (INN)",
        ADDRESS: "Address (registration)",
    }


class ConflictKind:
    BIRTH_DATE = "birth_date_conflict"
    SEX = "sex_conflict"
    EXIT_WITH_OPEN_REGISTRATION = "exit_with_open_registration"
    DOCUMENT_BIRTH_DATES = "document_birth_date_conflict"


@dataclass(frozen=True)
class Source:
    """One statement of a value: by which agency system, in which record, received when.

    `system` is empty for a value staff typed in (an identity document added on the person's page).
    """

    system: str
    system_name: str
    record_id: int | None
    source_record_id: str
    received_at: dt.datetime


@dataclass
class Value:
    field: str
    value: str
    sources: list[Source] = field(default_factory=list)

    @property
    def systems(self) -> list[str]:
        return sorted({source.system for source in self.sources if source.system})

    @property
    def first_received_at(self) -> dt.datetime:
        return min(source.received_at for source in self.sources)


@dataclass(frozen=True)
class Conflict:
    """A disagreement between sources. `records` groups the record ids by the value each stated;
    `suggested_record_ids` are the likeliest wrong ones (the less attested side), to send back."""

    kind: str
    description: str
    records: dict[str, list[int]]
    suggested_record_ids: list[int]
    systems: list[str]

    @property
    def record_ids(self) -> list[int]:
        return sorted({record_id for ids in self.records.values() for record_id in ids})


@dataclass
class PersonProvenance:
    person: Person
    values: dict[str, list[Value]]
    conflicts: list[Conflict]

    def rows(self) -> list[tuple[str, list[Value]]]:
        """(label, values) in display order, for a template."""
        return [(Field.LABELS[name], self.values[name]) for name in Field.LABELS if self.values.get(name)]


# --- The selector ---------------------------------------------------------------------------


def person_provenance(*, person: Person) -> PersonProvenance:
    """Every value of the profile with its sources, and the conflicts between them. Six queries."""
    records = list(
        SourceRecord.objects.filter(link__person=person)
        .select_related("source_system", "citizenship")
        # The payload can be large and is not shown here.
        .defer("payload")
        .order_by("received_at", "id")
    )
    documents = list(
        IdentityDocument.objects.filter(person=person).select_related("issuing_country", "source_record__source_system")
    )
    registrations = list(
        MigrationRegistration.objects.filter(person=person)
        .select_related("region", "source_record__source_system")
        .order_by("valid_from", "id")
    )
    crossings = list(
        BorderCrossing.objects.filter(person=person)
        .select_related("source_record__source_system")
        .order_by("crossed_on", "id")
    )

    grouped: dict[str, dict[str, Value]] = defaultdict(dict)

    def add(name: str, value: str, source: Source, key: str | None = None) -> None:
        if not value:
            return
        entry = grouped[name].setdefault(key or value, Value(field=name, value=value))
        # A record stating a document also made the IdentityDocument row: one statement, listed once.
        if source.record_id is None or all(known.record_id != source.record_id for known in entry.sources):
            entry.sources.append(source)

    for record in records:
        source = _record_source(record)
        spelling = " ".join(part for part in (record.surname, record.given_names, record.patronymic) if part)
        script = Field.NAME_CYRILLIC if _CYRILLIC.search(spelling) else Field.NAME_LATIN
        # Upper case and single spaces: `Karimov  Jasur` and `KARIMOV JASUR` are one spelling.
        add(script, spelling, source, key=" ".join(spelling.upper().split()))
        add(Field.BIRTH_DATE, record.birth_date.isoformat() if record.birth_date else "", source)
        add(Field.SEX, record.sex, source)
        if record.citizenship is not None:
            add(Field.CITIZENSHIP, str(record.citizenship), source, key=record.citizenship_id)
        if record.document_number:
            kind = record.get_document_type_display() if record.document_type else "Document"
            add(
                Field.DOCUMENT,
                f"{kind} {record.document_number}",
                source,
                key=f"{record.document_type}:{record.document_number}",
            )
        add(Field.PHONE, record.phone, source)
        add(Field.TAX_ID, record.tax_id, source)
    for document in documents:
        label = f"{document.get_document_type_display()} {document.number_normalized} ({document.issuing_country_id})"
        add(Field.DOCUMENT, label, _fact_source(document), key=f"{document.document_type}:{document.number_normalized}")
    for registration in registrations:
        add(
            Field.ADDRESS,
            f"{registration.region}, {registration.address}",
            _fact_source(registration),
            key=f"{registration.region_id}:{' '.join(registration.address.upper().split())}",
        )

    conflicts = [
        *_value_conflicts(ConflictKind.BIRTH_DATE, "birth dates", records, lambda r: r.birth_date),
        *_value_conflicts(ConflictKind.SEX, "sexes", records, lambda r: r.sex),
        *_exit_with_open_registration(registrations, crossings),
        *_document_birth_date_conflicts(records, documents),
    ]
    values = {name: sorted(by_value.values(), key=lambda v: v.first_received_at) for name, by_value in grouped.items()}
    return PersonProvenance(person=person, values=values, conflicts=conflicts)


def _record_source(record: SourceRecord) -> Source:
    return Source(
        system=record.source_system_id,
        system_name=f"{record.source_system.name} ({record.source_system.agency})",
        record_id=record.pk,
        source_record_id=record.source_record_id,
        received_at=record.received_at,
    )


def _fact_source(fact: IdentityDocument | MigrationRegistration | BorderCrossing) -> Source:
    if fact.source_record_id is None:
        return Source(
            system="", system_name="entered by staff", record_id=None, source_record_id="", received_at=fact.created_at
        )
    return _record_source(fact.source_record)


# --- Conflicts ------------------------------------------------------------------------------


def _value_conflicts(kind: str, what: str, records: list[SourceRecord], value_of) -> list[Conflict]:
    by_value: dict[str, list[SourceRecord]] = defaultdict(list)
    for record in records:
        if value := value_of(record):
            by_value[str(value)].append(record)
    if len(by_value) < 2:
        return []
    return [_conflict(kind, f"Sources state {len(by_value)} different {what}", by_value)]


def _exit_with_open_registration(
    registrations: list[MigrationRegistration], crossings: list[BorderCrossing]
) -> list[Conflict]:
    """An open registration (no closed_on) while the last exit after its start has no entry after it.

    An entry on the day of the exit counts as a return (a visa run): a false alarm costs staff time,
    a missed one only delays the agency's own deregistration check.
    """
    conflicts = []
    for registration in registrations:
        if registration.closed_on is not None:
            continue
        exits = [
            c
            for c in crossings
            if c.direction == BorderCrossing.Direction.EXIT and c.crossed_on > registration.valid_from
        ]
        if not exits:
            continue
        last_exit = exits[-1]
        returned = any(
            c.direction == BorderCrossing.Direction.ENTRY and c.crossed_on >= last_exit.crossed_on for c in crossings
        )
        if returned:
            continue
        registered_by = registration.source_record.source_system_id
        exited_by = last_exit.source_record.source_system_id
        description = (
            f"Registration at {registration.address} ({registration.region_id}) "
            f"from {registration.valid_from:%d.%m.%Y} is still open ({registered_by}), "
            f"but an exit on {last_exit.crossed_on:%d.%m.%Y} at {last_exit.checkpoint} ({exited_by}) "
            "has no entry after it."
        )
        conflicts.append(
            Conflict(
                kind=ConflictKind.EXIT_WITH_OPEN_REGISTRATION,
                description=description,
                records={
                    f"open registration from {registration.valid_from:%Y-%m-%d}": [registration.source_record_id],
                    f"exit on {last_exit.crossed_on:%Y-%m-%d}": [last_exit.source_record_id],
                },
                # The registering agency deregisters; the border service's exit is the evidence.
                suggested_record_ids=[registration.source_record_id],
                systems=sorted({registered_by, exited_by}),
            )
        )
    return conflicts


def _document_birth_date_conflicts(records: list[SourceRecord], documents: list[IdentityDocument]) -> list[Conflict]:
    """One document number stated with different birth dates, by any record in the registry.

    One query on source_record_document_idx: the numbers are the person's own (a few), and other
    persons' records with the same number are exactly what a stolen or mistyped passport looks like.
    """
    numbers = {record.document_number for record in records if record.document_number}
    numbers |= {document.number_normalized for document in documents}
    if not numbers:
        return []
    by_number: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    systems: dict[int, str] = {}
    for record_id, number, birth_date, system in (
        SourceRecord.objects.filter(document_number__in=numbers, birth_date__isnull=False)
        .order_by("id")
        .values_list("id", "document_number", "birth_date", "source_system_id")
    ):
        by_number[number][birth_date.isoformat()].append(record_id)
        systems[record_id] = system
    conflicts = []
    for number, by_birth_date in sorted(by_number.items()):
        if len(by_birth_date) < 2:
            continue
        conflicts.append(
            _conflict(
                ConflictKind.DOCUMENT_BIRTH_DATES,
                f"Document {number} is stated with {len(by_birth_date)} different birth dates",
                by_birth_date,
                system_of=systems,
            )
        )
    return conflicts


def _conflict(kind: str, description: str, by_value: dict, *, system_of: dict[int, str] | None = None) -> Conflict:
    """A conflict between values; the records of the least attested values are suggested for a case."""
    records = {
        value: [item if isinstance(item, int) else item.pk for item in items]
        for value, items in sorted(by_value.items())
    }
    if system_of is None:
        system_of = {record.pk: record.source_system_id for items in by_value.values() for record in items}
    most = max(len(ids) for ids in records.values())
    majority = [value for value, ids in records.items() if len(ids) == most]
    # With a clear majority, the others are suspect; on a tie every side is.
    suspects = [value for value in records if value not in majority] if len(majority) == 1 else list(records)
    parts = [f"{value} ({', '.join(sorted({system_of[i] for i in ids}))})" for value, ids in records.items()]
    return Conflict(
        kind=kind,
        description=f"{description}: {'; '.join(parts)}.",
        records=records,
        suggested_record_ids=sorted(i for value in suspects for i in records[value]),
        systems=sorted(set(system_of[i] for ids in records.values() for i in ids)),
    )


# --- Data-quality cases ----------------------------------------------------------------------


@transaction.atomic
def data_quality_case_open(
    *,
    person: Person,
    kind: str,
    description: str,
    records: Iterable[SourceRecord],
    user: AbstractBaseUser,
) -> list[DataQualityCase]:
    """Send a conflict back to the agency (or agencies) whose records state it: one case a source system.

    An unresolved case of the same kind for the same person and system gets the new records added
    instead of a second case, so re-sending a conflict does not pile up cases at the agency.
    """
    description = (description or "").strip()
    kind = (kind or "").strip()
    records = list(records)
    if not records:
        raise ValidationError("Choose the record(s) whose source agency should correct the conflict.")
    if not description or not kind:
        raise ValidationError("A data-quality case needs a kind and a description.")
    by_system: dict[str, list[SourceRecord]] = defaultdict(list)
    for record in records:
        by_system[record.source_system_id].append(record)

    cases = []
    for system, system_records in sorted(by_system.items()):
        case = (
            DataQualityCase.objects.select_for_update()
            .filter(person=person, source_system_id=system, kind=kind)
            .exclude(status=DataQualityCase.Status.RESOLVED)
            .first()
        )
        if case is None:
            case = DataQualityCase(
                person=person, source_system_id=system, kind=kind, description=description, created_by=user
            )
            case.full_clean(exclude=["person", "source_system", "created_by"])
            case.save()
        case.records.add(*system_records)
        cases.append(case)
    return cases


@transaction.atomic
def data_quality_case_mark_sent(*, case: DataQualityCase, user: AbstractBaseUser) -> DataQualityCase:
    """The case went to the source agency; `user` is who sent it."""
    case = DataQualityCase.objects.select_for_update().get(pk=case.pk)
    if case.status != DataQualityCase.Status.OPEN:
        raise ValidationError("Only an open case can be sent; case %(case)s is %(status)s.", params=_params(case))
    case.status = DataQualityCase.Status.SENT
    case.sent_at = timezone.now()
    case.sent_by = user
    case.save(update_fields=["status", "sent_at", "sent_by"])
    return case


@transaction.atomic
def data_quality_case_mark_resolved(*, case: DataQualityCase, user: AbstractBaseUser) -> DataQualityCase:
    """The agency corrected its data (a correcting record arrives as a new, superseding record)."""
    case = DataQualityCase.objects.select_for_update().get(pk=case.pk)
    if case.status == DataQualityCase.Status.RESOLVED:
        raise ValidationError("Case %(case)s is already %(status)s.", params=_params(case))
    case.status = DataQualityCase.Status.RESOLVED
    case.resolved_at = timezone.now()
    case.resolved_by = user
    case.save(update_fields=["status", "resolved_at", "resolved_by"])
    return case


def _params(case: DataQualityCase) -> dict[str, object]:
    return {"case": case.pk, "status": case.get_status_display().lower()}
