"""Turn a linked source record into the facts it states (crossing, registration, permit, payment...).

Called by the linker once a record is attached to a person (`linkage.decisions.record_attach`).
The record's payload is parsed again with the same rules that accepted it (as of the day it was
received), and each fact is written through the profile's own services, which validate it.

Idempotent: a record's facts are created once. A patent payment that arrives before its patent
creates nothing yet; it is materialized when the patent record is.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from employers.models import Organization
from employers.services import organization_create
from exchange.parsing import (
    ParsedRecord,
    RecordType,
    ReferenceIndex,
    person_document_of_columns,
    person_document_parse,
    record_parse,
    record_type_of,
)
from exchange.selectors import reference_index_load
from migrant_platform.bulk import tuples_insert_new
from profiles.models import (
    BorderCrossing,
    EmploymentContract,
    IdentityDocument,
    MigrationRegistration,
    PatentPayment,
    Permit,
    Person,
    RecordLink,
    SourceRecord,
)
from profiles.selectors import record_link_of
from profiles.services import (
    border_crossing_record,
    employment_contract_record,
    identity_document_add,
    patent_payment_record,
    permit_record,
    registration_record,
)
from reference.models import Country, Region

logger = logging.getLogger(__name__)

FACT_MODELS: tuple[type[models.Model], ...] = (
    IdentityDocument,
    BorderCrossing,
    MigrationRegistration,
    Permit,
    PatentPayment,
    EmploymentContract,
)


class FactMaterializationError(Exception):
    """The record can no longer be read (its reference data changed since it was accepted)."""


@transaction.atomic
def record_facts_materialize(
    *, record: SourceRecord, person: Person, ref: ReferenceIndex | None = None
) -> list[models.Model]:
    """Create the facts `record` states for `person`, or return the ones created before.

    `ref` may be passed by a caller that materializes many records, to load reference data once.
    """
    link = record_link_of(record)
    if link is None or link.person_id != person.pk:
        raise ValueError(f"Record {record.pk} is not linked to person {person.pk}; link it first.")
    # Serializes two materializations of one record (a linker retry racing a reviewer's accept).
    SourceRecord.objects.select_for_update().filter(pk=record.pk).first()
    existing = _facts_of(record)
    if existing:
        return existing

    ref = ref or reference_index_load()
    parsed = _parse(record, ref)
    facts: list[models.Model] = []
    document = _identity_document(parsed, record=record, person=person)
    if document is not None:
        facts.append(document)
    facts += _MATERIALIZERS[parsed.record_type](parsed, record=record, person=person, ref=ref)
    return facts


@dataclass
class BulkOutcome:
    facts_created: int = 0
    failed: list[int] = field(default_factory=list)
    # Persons that received border crossings: only their stays need rebuilding.
    persons_with_crossings: set[int] = field(default_factory=set)


def records_facts_materialize_bulk(
    *, record_ids: list[int], chunk_size: int = 2_000, stated: Mapping[int, StatedDocument] | None = None
) -> BulkOutcome:
    """The facts of many newly linked records, a chunk at a time (the one-pass linker's write path).

    Records that state only a person (most of a large identity file) can add only an identity
    document: those are written set-based, one existence query and one insert per run of such
    records, with the same get-or-create rule as `record_facts_materialize` (an existing document is
    kept; the earliest record states it). Every other record goes through `record_facts_materialize`,
    whose rules depend on the person's earlier facts (closing a registration, payments waiting for
    their patent). A record that fails is logged and counted; it stays linked and keeps its payload.

    `stated` holds what the caller read already of records it has just linked from pending (so they
    have no facts yet) and that state only a document's type and number (`STATED_DOCUMENT_SQL`):
    those are not read again.
    """
    ref = reference_index_load()
    outcome = BulkOutcome()
    stated = stated or {}
    for start in range(0, len(record_ids), chunk_size):
        with transaction.atomic():
            _bulk_chunk(record_ids[start : start + chunk_size], ref, outcome, stated)
    return outcome


class StatedDocument(NamedTuple):
    """A newly linked person record whose columns hold all its document: its person, its document's
    type, the number as sent and normalized, and its citizenship (the issuing country by default)."""

    person_id: int
    document_type: str
    number_raw: str
    number: str
    citizenship: str | None


def _bulk_rows(chunk: list[int], stated: Mapping[int, StatedDocument]) -> list[tuple]:
    """The chunk's rows as `_linked_without_facts` gives them, in id order; the ones in `stated` from
    memory (system and arrival date are read only for a payload's parse, which they do not need)."""
    if not stated:
        return _linked_without_facts(chunk)
    known = [
        (pk, s.person_id, None, "", None, s.citizenship, (s.document_type, s.number_raw, s.number))
        for pk in chunk
        if (s := stated.get(pk)) is not None
    ]
    unknown = [pk for pk in chunk if pk not in stated]
    if not unknown:
        return known
    return sorted(known + _linked_without_facts(unknown), key=lambda row: row[0])


def _bulk_chunk(
    chunk: list[int], ref: ReferenceIndex, outcome: BulkOutcome, stated: Mapping[int, StatedDocument]
) -> None:
    documents: dict[tuple[str, str, str], tuple] = {}
    now = timezone.now()
    for record_id, person_id, payload, system, received_on, citizenship, columns in _bulk_rows(chunk, stated):
        if columns is not None or record_type_of(payload) == RecordType.PERSON:
            if columns is not None:
                document_type, number_raw, number = columns
                document = person_document_of_columns(
                    document_type=document_type, number_raw=number_raw, number=number, citizenship=citizenship
                )
            else:
                try:
                    document = person_document_parse(payload, ref=ref, citizenship=citizenship, today=received_on)
                except ValueError:
                    logger.exception("Facts of record %s (%s) could not be materialized", record_id, system)
                    outcome.failed.append(record_id)
                    continue
            if document is None or not document.country:
                continue
            # Most records repeat a document an earlier one of the chunk stated: its row is built once.
            key = (document.document_type, document.country, document.number)
            if key not in documents:
                # Parsed by the rules that accepted the record; the table's constraints stand behind them.
                documents[key] = (
                    person_id,
                    record_id,
                    document.document_type,
                    document.country,
                    document.number_raw.strip(),
                    document.number,
                    document.issued_on,
                    document.expires_on,
                    now,
                )
            continue
        # Earlier records' documents first, so that the earliest record states a shared document.
        outcome.facts_created += _documents_write(documents)
        documents = {}
        record = SourceRecord.objects.select_related("link__person").get(pk=record_id)
        try:
            with transaction.atomic():
                facts = record_facts_materialize(record=record, person=record.link.person, ref=ref)
        except Exception:
            logger.exception("Facts of record %s could not be materialized", record.pk)
            outcome.failed.append(record.pk)
            continue
        outcome.facts_created += len(facts)
        if any(isinstance(fact, BorderCrossing) for fact in facts):
            outcome.persons_with_crossings.add(record.link.person_id)
    outcome.facts_created += _documents_write(documents)


# A person record whose document columns hold no more than a type and a number (most of a large
# identity file): its document is all in the record's own normalized columns, and its payload is not
# read back. Anything else (a country, a date, a number sent as a JSON number, a record type spelled
# with spaces) goes through the parse of the payload, which decides every case.
# `{r}` is the records table's alias.
_STATES_ONLY_ITS_COLUMNS = (
    "COALESCE({r}.payload ->> 'record_type', '') = ANY(%s) "
    "AND COALESCE({r}.payload ->> 'document_country', '') = '' "
    "AND COALESCE({r}.payload ->> 'document_issued_on', '') = '' "
    "AND COALESCE({r}.payload ->> 'document_expires_on', '') = '' "
    "AND ({r}.document_number = '' OR jsonb_typeof({r}.payload -> 'document_number') = 'string')"
)
# The spellings of a person record's type that need no stripping (the parse accepts any case).
_PERSON_SPELLINGS = ["", RecordType.PERSON, RecordType.PERSON.upper()]


def stated_document_sql(alias: str) -> tuple[str, list[Any]]:
    """PostgreSQL: the document number as sent ('' for none) of the record `alias` when it is a
    person record whose columns hold all its document, else NULL; with its parameters. A reader of
    newly linked records selects it to build their `StatedDocument`s."""
    condition = _STATES_ONLY_ITS_COLUMNS.format(r=alias)
    return (
        f"CASE WHEN {condition} THEN COALESCE({alias}.payload ->> 'document_number', '') END",
        [_PERSON_SPELLINGS],
    )


def _linked_without_facts(chunk: list[int]) -> list[tuple]:
    """(pk, person_id, payload, source_system_id, received_on, citizenship_id, columns) of the chunk's
    linked records that have no facts yet, by id; `received_on` is the local date the record arrived
    (the "today" its rows were validated against). On PostgreSQL a person record that states only a
    document type and number comes with `columns` (its document type, the number as sent and
    normalized) and no payload; every other record with its payload and `columns` None. Plain rows,
    not model instances: most records of a large file state only a person; a record with facts is
    read whole by the caller."""
    # The records of one delivery share their arrival time: its local date is worked out once.
    day_of: dict[Any, dt.date] = {}
    if connection.vendor != "postgresql":
        done: set[int] = set()
        for model in FACT_MODELS:
            done |= set(model.objects.filter(source_record_id__in=chunk).values_list("source_record_id", flat=True))
        rows = (
            SourceRecord.objects.filter(pk__in=chunk, link__isnull=False)
            .exclude(pk__in=done)
            .order_by("id")
            .values_list("pk", "link__person_id", "payload", "source_system_id", "received_at", "citizenship_id")
        )
        return [
            (
                pk,
                person_id,
                payload,
                system,
                day_of.get(at) or day_of.setdefault(at, timezone.localdate(at)),
                country,
                None,
            )
            for pk, person_id, payload, system, at, country in rows
        ]
    # One statement with the ids as an array: seven IN lists of thousands of ids cost more to build
    # and to parse than to run. The arrival date comes as text in the current time zone (as
    # timezone.localdate would give it), cheaper to load than a timestamp. Names come from the models.
    records = SourceRecord._meta
    # Each fact table is read within the chunk's id range only: else the planner hashed the whole
    # identity document table for every chunk, and it grows with the file (a million records: 500
    # chunks, each reading up to 100,000 rows).
    no_facts = " ".join(
        f"AND NOT EXISTS (SELECT 1 FROM {model._meta.db_table} f "  # noqa: S608
        f"WHERE f.source_record_id = r.id AND f.source_record_id BETWEEN %s AND %s)"
        for model in FACT_MODELS
    )
    payload = SourceRecord.payload.field
    only_columns = _STATES_ONLY_ITS_COLUMNS.format(r="r")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.id, l.person_id, r.{records.get_field('source_system').column}, "  # noqa: S608
            f"to_char(r.received_at AT TIME ZONE %s, 'YYYY-MM-DD'), r.{records.get_field('citizenship').column}, "
            f"c.only_columns, r.document_type, r.payload ->> 'document_number', r.document_number, "
            f"CASE WHEN c.only_columns THEN NULL ELSE r.payload END "
            f"FROM {records.db_table} r JOIN {RecordLink._meta.db_table} l ON l.record_id = r.id "
            f"CROSS JOIN LATERAL (SELECT {only_columns} AS only_columns) c "
            f"WHERE r.id = ANY(%s) {no_facts} ORDER BY r.id",
            [
                timezone.get_current_timezone_name(),
                _PERSON_SPELLINGS,
                chunk,
                *[min(chunk), max(chunk)] * len(FACT_MODELS),
            ],
        )
        return [
            (
                pk,
                person_id,
                None if only_columns else payload.from_db_value(value, None, connection),
                system,
                day_of.get(day) or day_of.setdefault(day, dt.date.fromisoformat(day)),
                citizenship,
                (document_type, number_raw or "", number) if only_columns else None,
            )
            for pk, person_id, system, day, citizenship, only_columns, document_type, number_raw, number, value in (
                cursor.fetchall()
            )
        ]


def _documents_write(documents: dict[tuple[str, str, str], tuple]) -> int:
    """Insert the documents (rows in IdentityDocument.INSERT_COLUMNS order) not stored yet; returns how many were
    new. A document stored before, by this run or another, keeps its first record (the unique
    constraint on type, country and number decides, also against a concurrent link)."""
    return tuples_insert_new(IdentityDocument, IdentityDocument.INSERT_COLUMNS, list(documents.values()))


def _facts_of(record: SourceRecord) -> list[models.Model]:
    return [fact for model in FACT_MODELS for fact in model.objects.filter(source_record=record)]


def _parse(record: SourceRecord, ref: ReferenceIndex) -> ParsedRecord:
    return _parse_payload(
        record.payload, system=record.source_system_id, received_at=record.received_at, ref=ref, label=str(record)
    )


def _parse_payload(
    payload: dict, *, system: str, received_at: dt.datetime, ref: ReferenceIndex, label: str
) -> ParsedRecord:
    parsed, errors = record_parse(payload, ref=ref, default_source_system=system, today=timezone.localdate(received_at))
    if parsed is None:
        raise FactMaterializationError(f"Record {label} no longer parses: {errors}")
    return parsed


def _identity_document(parsed: ParsedRecord, *, record: SourceRecord, person: Person) -> IdentityDocument | None:
    """Get or create the document by (type, issuing country, number); None if it existed already."""
    if not parsed.document_number or not parsed.document_country:
        return None
    lookup = {
        "document_type": parsed.document_type,
        "issuing_country_id": parsed.document_country,
        "number_normalized": parsed.document_number,
    }
    found = IdentityDocument.objects.filter(**lookup).first()
    if found is None:
        try:
            with transaction.atomic():  # a concurrent link of another record may add the same document
                return identity_document_add(
                    person=person,
                    document_type=parsed.document_type,
                    issuing_country=Country.objects.get(pk=parsed.document_country),
                    number=parsed.document_number_raw,
                    issued_on=parsed.document_issued_on,
                    expires_on=parsed.document_expires_on,
                    source_record=record,
                )
        except IntegrityError:
            found = IdentityDocument.objects.get(**lookup)
    if found.person_id != person.pk:
        logger.warning(
            "record %s: document %s belongs to person %s, not %s", record.pk, found, found.person_id, person.pk
        )
    return None


def _organization(*, inn: str, name: str, region_code: str) -> Organization:
    """Get or create by INN (validated by the employers service). 10 digits: a legal entity; 12: an entrepreneur."""
    found = Organization.objects.filter(inn=inn).first()
    if found is not None:
        return found
    kind = Organization.Kind.LEGAL_ENTITY if len(inn) == 10 else Organization.Kind.ENTREPRENEUR
    try:
        with transaction.atomic():
            return organization_create(kind=kind, name=name, inn=inn, region=Region.objects.get(pk=region_code))
    except IntegrityError:
        return Organization.objects.get(inn=inn)


def _person_only(parsed: ParsedRecord, *, record: SourceRecord, person: Person, ref: ReferenceIndex) -> list:
    return []


def _border_crossing(parsed: ParsedRecord, *, record: SourceRecord, person: Person, ref: ReferenceIndex) -> list:
    facts = parsed.facts
    return [
        border_crossing_record(
            person=person,
            source_record=record,
            direction=facts["direction"],
            crossed_on=facts["crossed_on"],
            checkpoint=facts["checkpoint"],
            purpose=facts["purpose"],
            migration_card_number=facts["migration_card_number"],
        )
    ]


def _registration(parsed: ParsedRecord, *, record: SourceRecord, person: Person, ref: ReferenceIndex) -> list:
    facts = parsed.facts
    host = None
    if facts["host_inn"]:
        host = _organization(inn=facts["host_inn"], name=facts["host_name"], region_code=facts["region_code"])
    # registration_record closes the person's open registration (or stores a late, older one closed).
    return [
        registration_record(
            person=person,
            source_record=record,
            region=Region.objects.get(pk=facts["region_code"]),
            address=facts["address"],
            arrived_on=facts["arrived_on"],
            valid_from=facts["valid_from"],
            valid_to=facts["valid_to"],
            host_organization=host,
            host_person_name="" if host else facts["host_name"],
            purpose=facts["purpose"],
        )
    ]


def _permit(parsed: ParsedRecord, *, record: SourceRecord, person: Person, ref: ReferenceIndex) -> list:
    facts = parsed.facts
    kind = Permit.Kind.PATENT if parsed.record_type == RecordType.PATENT else facts["permit_kind"]
    found = Permit.objects.filter(kind=kind, number=facts["permit_number"]).first()
    if found is not None:
        # Another system reported the same permit first; it is one fact, not two.
        if found.person_id != person.pk:
            logger.warning("record %s: %s belongs to person %s, not %s", record.pk, found, found.person_id, person.pk)
        return []
    permit = permit_record(
        person=person,
        source_record=record,
        kind=kind,
        number=facts["permit_number"],
        region=Region.objects.get(pk=facts["region_code"]) if facts["region_code"] else None,
        profession=facts.get("profession", ""),
        issued_on=facts["issued_on"],
        valid_from=facts["valid_from"],
        valid_to=facts["valid_to"],
    )
    if kind == Permit.Kind.PATENT:
        _payments_waiting_for(permit, person=person, ref=ref)
    return [permit]


def _patent_payment(parsed: ParsedRecord, *, record: SourceRecord, person: Person, ref: ReferenceIndex) -> list:
    facts = parsed.facts
    if PatentPayment.objects.filter(receipt_number=facts["receipt_number"]).exists():
        return []  # the same receipt reported by another record
    permit = Permit.objects.filter(kind=Permit.Kind.PATENT, number=facts["permit_number"]).first()
    if permit is None:
        logger.info(
            "record %s: patent %s is not known yet; the payment waits for it", record.pk, facts["permit_number"]
        )
        return []
    if permit.person_id != person.pk:
        logger.warning(
            "record %s: patent %s belongs to person %s, not %s", record.pk, permit, permit.person_id, person.pk
        )
        return []
    return [
        patent_payment_record(
            permit=permit,
            source_record=record,
            paid_on=facts["paid_on"],
            amount=facts["amount"],
            months=facts["months"],
            period_from=facts["period_from"],
            paid_until=facts["paid_until"],
            receipt_number=facts["receipt_number"],
        )
    ]


def _payments_waiting_for(permit: Permit, *, person: Person, ref: ReferenceIndex) -> None:
    """Materialize the person's payment records that arrived before this patent."""
    candidates = SourceRecord.objects.filter(link__person=person, patentpayments__isnull=True).exclude(
        pk=permit.source_record_id
    )
    for candidate in candidates:
        if str(candidate.payload.get("record_type", "")).strip().lower() != RecordType.PATENT_PAYMENT:
            continue
        parsed = _parse(candidate, ref)
        if parsed.facts["permit_number"] == permit.number:
            _patent_payment(parsed, record=candidate, person=person, ref=ref)


def _contract(parsed: ParsedRecord, *, record: SourceRecord, person: Person, ref: ReferenceIndex) -> list:
    facts = parsed.facts
    terminated_on = facts["terminated_on"]
    return [
        employment_contract_record(
            person=person,
            source_record=record,
            employer=_organization(
                inn=facts["employer_inn"], name=facts["employer_name"], region_code=facts["region_code"]
            ),
            kind=facts["contract_kind"],
            position=facts["position"],
            work_region=Region.objects.get(pk=facts["region_code"]),
            concluded_on=facts["concluded_on"],
            starts_on=facts["starts_on"],
            ends_on=facts["ends_on"],
            terminated_on=terminated_on,
            status=EmploymentContract.Status.TERMINATED if terminated_on else EmploymentContract.Status.CONCLUDED,
        )
    ]


_MATERIALIZERS = {
    RecordType.PERSON: _person_only,
    RecordType.BORDER_CROSSING: _border_crossing,
    RecordType.REGISTRATION: _registration,
    RecordType.PATENT: _permit,
    RecordType.RESIDENCE_PERMIT: _permit,
    RecordType.PATENT_PAYMENT: _patent_payment,
    RecordType.CONTRACT: _contract,
}
