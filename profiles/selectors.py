"""Reads of the digital profile: person search and the subqueries behind the staff list filters.

Written for a registry of about a million persons on PostgreSQL: every lookup here lands on an
index (named next to it), and nothing counts or scans the whole person table.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Q, QuerySet
from django.utils import timezone

from migrant_platform.fingerprint import RowSet, rows_fingerprint
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
from profiles.names import name_key, normalize_document_number, normalize_phone

_WORD_SEPARATORS = re.compile(r"[\s,;]+|-")
_PHONE_CHARACTERS = re.compile(r"^[\d\s()+\-.]+$")
# Shorter keys would match a large part of the registry; a search needs at least two letters a word.
MIN_NAME_KEY_LENGTH = 2
# `AA1` would match too many documents for an exact lookup to be what the officer meant.
MIN_DOCUMENT_NUMBER_LENGTH = 4


def person_get(*, person_id: int) -> Person | None:
    return Person.objects.filter(pk=person_id).first()


def person_search(*, queryset: QuerySet[Person], term: str) -> QuerySet[Person]:
    """Persons in `queryset` matching what an officer typed in the one search box.

    - A term with a digit is a document number or a phone: `АА 123-45 67` (Cyrillic look-alikes,
      spaces and dashes tolerated) finds passport AA1234567 on an identity document or a linked
      source record; `8 916 123-45-67` or `+7 (916) 123 45 67` finds phone +79161234567.
    - Otherwise it is a name in any script: each word is folded by `name_key` and must be the
      prefix of one of the person's PersonNameKey rows (all words must match), so `Каримов`,
      `KARIMOV` and `QARIMOV` find the same people.

    The result filters by primary key only, so it never duplicates rows.
    """
    term = term.strip()
    if not term:
        return queryset
    if any(char.isdigit() for char in term):
        return queryset.filter(pk__in=_person_ids_by_number(term))
    keys = [key for key in (name_key(word) for word in _WORD_SEPARATORS.split(term)) if len(key) >= MIN_NAME_KEY_LENGTH]
    if not keys:
        return queryset.none()
    for key in dict.fromkeys(keys):
        # `key LIKE 'KARIM%'` uses the varchar_pattern_ops index person_name_key_idx.
        queryset = queryset.filter(pk__in=PersonNameKey.objects.filter(key__startswith=key).values("person_id"))
    return queryset


def _person_ids_by_number(term: str) -> set[int]:
    """Ids of persons with this document number or phone: a few exact, indexed lookups.

    Resolved to ids first rather than OR-ed into the person query, where PostgreSQL would scan
    every person to evaluate the OR.
    """
    ids: set[int] = set()
    number = normalize_document_number(term)
    if len(number) >= MIN_DOCUMENT_NUMBER_LENGTH:
        # document_number_idx and source_record_document_idx.
        ids.update(IdentityDocument.objects.filter(number_normalized=number).values_list("person_id", flat=True))
        ids.update(RecordLink.objects.filter(record__document_number=number).values_list("person_id", flat=True))
    if _PHONE_CHARACTERS.match(term) and (phone := normalize_phone(term)):
        # The repeated `phone <> ''` lets PostgreSQL use the partial index person_phone_idx.
        ids.update(Person.objects.filter(Q(phone=phone) & ~Q(phone="")).values_list("pk", flat=True))
    return ids


def person_ids_with_open_registration(*, region_code: str) -> QuerySet[MigrationRegistration]:
    """Persons whose current (open) registration is in the region; partial index registration_open_region_idx."""
    return MigrationRegistration.objects.filter(region_id=region_code, closed_on__isnull=True).values("person_id")


def person_ids_with_valid_permit(*, kind: str, on: dt.date | None = None) -> QuerySet[Permit]:
    """Persons holding a permit of `kind` that is in force on the day (today by default)."""
    on = on or timezone.localdate()
    return Permit.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on),  # permit_kind_valid_to_idx (kind, valid_to)
        kind=kind,
        status=Permit.Status.VALID,
        valid_from__lte=on,
    ).values("person_id")


def source_record_person_id(*, record_id: object) -> int | None:
    """The person a source record is linked to, or None (unlinked or no such record)."""
    return RecordLink.objects.filter(record_id=record_id).values_list("person_id", flat=True).first()


def record_link_of(record: SourceRecord) -> RecordLink | None:
    """The record's link, or None while it is not linked (read with the record by select_related("link"))."""
    try:
        return record.link
    except RecordLink.DoesNotExist:
        return None


def records_of_person(person: object) -> QuerySet[SourceRecord]:
    """The agency records linked to a person (`person` an instance or a primary key)."""
    return SourceRecord.objects.filter(link__person=person)


# The person's own row and every fact the status engine and the cabinet read, by person_id (each
# table has an index on it).
PERSON_FACT_ROW_SETS = (
    RowSet(Person, "id"),
    RowSet(Stay, "person_id"),
    RowSet(BorderCrossing, "person_id"),
    RowSet(Permit, "person_id"),
    RowSet(PatentPayment, "person_id"),
    RowSet(MigrationRegistration, "person_id"),
    RowSet(IdentityDocument, "person_id"),
    RowSet(EmploymentContract, "person_id"),
)


def person_facts_fingerprint(*, person_id: int) -> str:
    """A digest of the person's row and facts (one query): equal digests, equal data.

    A merge or an unmerge moves facts between persons, so it changes both persons' digests.
    """
    return rows_fingerprint(PERSON_FACT_ROW_SETS, person_id)
