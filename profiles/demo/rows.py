"""The rows of a chunk of people: one tuple per database row, in each table's column order.

Ids come from the caller (`ids(model, count)`), reserved before the rows are built, so a fact can
carry its person's and its record's ids without a round trip. A profile's PersonNameKey rows are the
`profiles.names.name_keys` of its canonical names and of every record linked to it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from django.db import models

from profiles.demo.bundle import PersonBundle
from profiles.models import (
    BorderCrossing,
    EmploymentContract,
    IdentityDocument,
    MigrationRegistration,
    PatentPayment,
    Permit,
    Person,
    PersonNameKey,
    RecordLink,
    SourceRecord,
    Stay,
)
from profiles.names import name_keys

LINK_METHOD = "demo_seed"

# Each table's columns (attnames) in the order the row tuples carry them; a test checks that
# they are exactly the model's concrete fields, so a new model field cannot be silently left out.
TABLES: tuple[tuple[type[models.Model], tuple[str, ...]], ...] = (
    (
        Person,
        (
            "id",
            "public_id",
            "latin_surname",
            "latin_given_names",
            "cyrillic_surname",
            "cyrillic_given_names",
            "cyrillic_patronymic",
            "birth_date",
            "sex",
            "citizenship_id",
            "preferred_language",
            "phone",
            "email",
            "user_id",
            "merged_into_id",
            "created_at",
            "updated_at",
        ),
    ),
    (
        SourceRecord,
        (
            "id",
            "source_system_id",
            "source_record_id",
            "received_at",
            "payload",
            "supersedes_id",
            *SourceRecord.IDENTITY_FIELDS,
        ),
    ),
    (RecordLink, ("record_id", "person_id", "score", "reason", "linked_at")),
    (
        IdentityDocument,
        ("id", *IdentityDocument.INSERT_COLUMNS),
    ),
    (
        BorderCrossing,
        (
            "id",
            "person_id",
            "source_record_id",
            "created_at",
            "direction",
            "crossed_on",
            "checkpoint",
            "purpose",
            "migration_card_number",
        ),
    ),
    (Stay, ("id", "person_id", "entry_id", "exit_id", "entered_on", "exited_on")),
    (
        MigrationRegistration,
        (
            "id",
            "person_id",
            "source_record_id",
            "created_at",
            "region_id",
            "address",
            "host_organization_id",
            "host_person_name",
            "purpose",
            "arrived_on",
            "valid_from",
            "valid_to",
            "closed_on",
        ),
    ),
    (
        Permit,
        (
            "id",
            "person_id",
            "source_record_id",
            "created_at",
            "kind",
            "number",
            "region_id",
            "profession",
            "issued_on",
            "valid_from",
            "valid_to",
            "status",
        ),
    ),
    (
        PatentPayment,
        (
            "id",
            "person_id",
            "source_record_id",
            "created_at",
            "permit_id",
            "paid_on",
            "amount",
            "months",
            "period_from",
            "paid_until",
            "receipt_number",
        ),
    ),
    (
        EmploymentContract,
        (
            "id",
            "person_id",
            "source_record_id",
            "created_at",
            "employer_id",
            "kind",
            "position",
            "work_region_id",
            "concluded_on",
            "starts_on",
            "ends_on",
            "terminated_on",
            "status",
        ),
    ),
    (PersonNameKey, ("id", "person_id", "key")),
)
COLUMNS = {model: columns for model, columns in TABLES}
_NAME_KEY_MAX_LENGTH = PersonNameKey._meta.get_field("key").max_length


# --- Building ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=1 << 17)
def _keys_of(text: str) -> frozenset[str]:
    """`profiles.names.name_keys` of one spelling, cached: a million people share a few thousand names."""
    return frozenset(key for key in name_keys(text) if len(key) <= _NAME_KEY_MAX_LENGTH)


def chunk_rows(
    bundles: Sequence[PersonBundle],
    *,
    organization_ids: dict[int, int],
    ids: Callable[[type[models.Model], int], list[int]],
    now: dt.datetime,
) -> dict[type[models.Model], list[tuple[Any, ...]]]:
    """The rows of every table for these bundles, with ids from `ids(model, count)`."""
    counts, name_keys_by_bundle = _row_counts(bundles)
    pools = {model: iter(ids(model, count)) for model, count in counts.items() if count}
    rows: dict[type[models.Model], list[tuple[Any, ...]]] = {model: [] for model, _ in TABLES}
    persons, records, documents = rows[Person], rows[SourceRecord], rows[IdentityDocument]
    links = rows[RecordLink]
    crossings, stays, registrations = rows[BorderCrossing], rows[Stay], rows[MigrationRegistration]
    permits, payments, contracts, keys = (
        rows[Permit],
        rows[PatentPayment],
        rows[EmploymentContract],
        rows[PersonNameKey],
    )
    next_person = pools.get(Person, iter(())).__next__
    next_record = pools.get(SourceRecord, iter(())).__next__
    next_key = pools.get(PersonNameKey, iter(())).__next__

    for bundle, profile_keys in zip(bundles, name_keys_by_bundle, strict=True):
        profile_ids = [next_person() for _ in bundle.profiles]
        for profile, person_id in zip(bundle.profiles, profile_ids, strict=True):
            persons.append(
                (
                    person_id,
                    profile.public_id,
                    profile.latin_surname,
                    profile.latin_given_names,
                    profile.cyrillic_surname,
                    profile.cyrillic_given_names,
                    profile.cyrillic_patronymic,
                    profile.birth_date,
                    profile.sex,
                    profile.citizenship,
                    profile.preferred_language,
                    profile.phone,
                    profile.email,
                    None,
                    None,
                    now,
                    now,
                )
            )
        record_ids = []
        for record in bundle.records:
            record_id = next_record()
            record_ids.append(record_id)
            if record.profile is not None:
                links.append(
                    (
                        record_id,
                        profile_ids[record.profile],
                        1.0,
                        {"method": LINK_METHOD, "note": record.note or "linked when the demo was seeded"},
                        record.received_at + dt.timedelta(minutes=1),
                    )
                )
            records.append(
                (
                    record_id,
                    record.system,
                    record.source_record_id,
                    record.received_at,
                    record.payload,
                    None,
                    record.surname,
                    record.given_names,
                    record.patronymic,
                    record.birth_date,
                    record.sex,
                    record.citizenship,
                    record.document_type,
                    record.document_number,
                    record.phone,
                    record.tax_id,
                )
            )

        def linked(fact_record: int, bundle: PersonBundle = bundle) -> bool:
            return bundle.records[fact_record].profile is not None

        for document in bundle.documents:
            if document.profile is None or document.record is None:
                continue
            documents.append(
                (
                    pools[IdentityDocument].__next__(),
                    profile_ids[document.profile],
                    record_ids[document.record],
                    document.document_type,
                    document.issuing_country,
                    document.number,
                    document.number_normalized,
                    document.issued_on,
                    document.expires_on,
                    now,
                )
            )
        crossing_ids: dict[int, int] = {}
        for position, crossing in enumerate(bundle.crossings):
            if not linked(crossing.record):
                continue
            crossing_id = crossing_ids[position] = pools[BorderCrossing].__next__()
            crossings.append(
                (
                    crossing_id,
                    profile_ids[bundle.records[crossing.record].profile],
                    record_ids[crossing.record],
                    now,
                    crossing.direction,
                    crossing.crossed_on,
                    crossing.checkpoint,
                    crossing.purpose,
                    crossing.migration_card_number,
                )
            )
        for stay in bundle.stays:
            stays.append(
                (
                    pools[Stay].__next__(),
                    profile_ids[stay.profile],
                    crossing_ids[stay.entry],
                    None if stay.exit is None else crossing_ids[stay.exit],
                    stay.entered_on,
                    stay.exited_on,
                )
            )
        for registration in bundle.registrations:
            if not linked(registration.record):
                continue
            host = registration.host_organization
            registrations.append(
                (
                    pools[MigrationRegistration].__next__(),
                    profile_ids[bundle.records[registration.record].profile],
                    record_ids[registration.record],
                    now,
                    registration.region,
                    registration.address,
                    None if host is None else organization_ids[host],
                    registration.host_person_name,
                    registration.purpose,
                    registration.arrived_on,
                    registration.valid_from,
                    registration.valid_to,
                    registration.closed_on,
                )
            )
        permit_ids: dict[int, int] = {}
        for position, permit in enumerate(bundle.permits):
            if not linked(permit.record):
                continue
            permit_id = permit_ids[position] = pools[Permit].__next__()
            permits.append(
                (
                    permit_id,
                    profile_ids[bundle.records[permit.record].profile],
                    record_ids[permit.record],
                    now,
                    permit.kind,
                    permit.number,
                    permit.region,
                    permit.profession,
                    permit.issued_on,
                    permit.valid_from,
                    permit.valid_to,
                    permit.status,
                )
            )
        for payment in bundle.payments:
            if not linked(payment.record):
                continue
            payments.append(
                (
                    pools[PatentPayment].__next__(),
                    profile_ids[bundle.records[payment.record].profile],
                    record_ids[payment.record],
                    now,
                    permit_ids[payment.permit],
                    payment.paid_on,
                    payment.amount,
                    payment.months,
                    payment.period_from,
                    payment.paid_until,
                    payment.receipt_number,
                )
            )
        for contract in bundle.contracts:
            if not linked(contract.record):
                continue
            contracts.append(
                (
                    pools[EmploymentContract].__next__(),
                    profile_ids[bundle.records[contract.record].profile],
                    record_ids[contract.record],
                    now,
                    organization_ids[contract.employer],
                    contract.kind,
                    contract.position,
                    contract.work_region,
                    contract.concluded_on,
                    contract.starts_on,
                    contract.ends_on,
                    contract.terminated_on,
                    contract.status,
                )
            )
        for person_id, person_keys in zip(profile_ids, profile_keys, strict=True):
            keys.extend((next_key(), person_id, key) for key in person_keys)
    return rows


def _profile_keys(spellings: set[str]) -> set[str]:
    keys: set[str] = set()
    for spelling in spellings:
        if spelling:
            keys |= _keys_of(spelling)
    return keys


def _row_counts(bundles: Sequence[PersonBundle]) -> tuple[dict[type[models.Model], int], list[list[list[str]]]]:
    """Rows per table, so ids can be reserved before building them; and each profile's name keys.

    A profile's keys cover its canonical names and the spelling of every record linked to it.
    """
    counts: Counter[type[models.Model]] = Counter()
    keys_by_bundle = []
    for bundle in bundles:
        linked = [record.profile is not None for record in bundle.records]
        counts[Person] += len(bundle.profiles)
        counts[SourceRecord] += len(bundle.records)
        counts[IdentityDocument] += sum(1 for d in bundle.documents if d.profile is not None and d.record is not None)
        counts[BorderCrossing] += sum(1 for c in bundle.crossings if linked[c.record])
        counts[Stay] += len(bundle.stays)
        counts[MigrationRegistration] += sum(1 for r in bundle.registrations if linked[r.record])
        counts[Permit] += sum(1 for p in bundle.permits if linked[p.record])
        counts[PatentPayment] += sum(1 for p in bundle.payments if linked[p.record])
        counts[EmploymentContract] += sum(1 for c in bundle.contracts if linked[c.record])
        spellings: list[set[str]] = [
            {p.latin_surname, p.latin_given_names, p.cyrillic_surname, p.cyrillic_given_names, p.cyrillic_patronymic}
            for p in bundle.profiles
        ]
        for record in bundle.records:
            if record.profile is not None:
                spellings[record.profile].update((record.surname, record.given_names, record.patronymic))
        profile_keys = [sorted(_profile_keys(profile_spellings)) for profile_spellings in spellings]
        counts[PersonNameKey] += sum(len(keys) for keys in profile_keys)
        keys_by_bundle.append(profile_keys)
    return counts, keys_by_bundle
