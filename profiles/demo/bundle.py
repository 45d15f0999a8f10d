"""What the generator returns: plain dataclasses, no database.

Facts and documents point at the record that states them by position in `PersonBundle.records`;
organizations by their demo index (`profiles.demo.organizations.organization`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(slots=True)
class DemoOrganization:
    index: int
    kind: str
    name: str
    inn: str
    ogrn: str
    kpp: str
    region: str
    address: str


@dataclass(slots=True)
class TruePerson:
    index: int
    citizenship: str
    sex: str
    birth_date: dt.date
    category: str
    latin_surname: str
    latin_given_names: str
    cyrillic_surname: str
    cyrillic_given_names: str
    cyrillic_patronymic: str
    phone: str
    email: str
    language: str
    tax_id: str
    region: str
    # Hard cases: twin, relative:<kind>, namesake, split, renewed_passport, renamed, unlinked_record.
    tags: list[str]
    household: str  # "block:pair" shared by relatives, or ""


@dataclass(slots=True)
class DemoProfile:
    ordinal: int  # 0: the person's profile; 1: a legacy duplicate of it
    public_id: uuid.UUID
    latin_surname: str
    latin_given_names: str
    cyrillic_surname: str
    cyrillic_given_names: str
    cyrillic_patronymic: str
    birth_date: dt.date
    sex: str
    citizenship: str
    preferred_language: str
    phone: str
    email: str


@dataclass(slots=True)
class DemoRecord:
    system: str
    source_record_id: str
    person_index: int  # ground truth
    profile: int | None  # which DemoProfile it is linked to; None: awaiting the linker
    received_at: dt.datetime
    payload: dict[str, Any]
    surname: str
    given_names: str
    patronymic: str
    birth_date: dt.date | None
    sex: str
    citizenship: str | None
    document_type: str
    document_number: str
    phone: str
    tax_id: str
    note: str
    document: int | None = None  # the identity document this record states (position in documents)


@dataclass(slots=True)
class DemoDocument:
    document_type: str
    issuing_country: str
    number: str
    number_normalized: str
    issued_on: dt.date | None
    expires_on: dt.date | None
    record: int | None = None  # the earliest linked record that states it
    profile: int | None = None


@dataclass(slots=True)
class DemoCrossing:
    record: int
    direction: str
    crossed_on: dt.date
    checkpoint: str
    purpose: str
    migration_card_number: str


@dataclass(slots=True)
class DemoStay:
    profile: int
    entry: int  # position in crossings
    exit: int | None
    entered_on: dt.date
    exited_on: dt.date | None


@dataclass(slots=True)
class DemoRegistration:
    record: int
    region: str
    address: str
    host_organization: int | None  # organization index
    host_person_name: str
    purpose: str
    arrived_on: dt.date
    valid_from: dt.date
    valid_to: dt.date
    closed_on: dt.date | None


@dataclass(slots=True)
class DemoPermit:
    record: int
    kind: str
    number: str
    region: str | None
    profession: str
    issued_on: dt.date
    valid_from: dt.date
    valid_to: dt.date | None
    status: str


@dataclass(slots=True)
class DemoPayment:
    record: int
    permit: int  # position in permits
    paid_on: dt.date
    amount: Decimal
    months: int
    period_from: dt.date
    paid_until: dt.date
    receipt_number: str


@dataclass(slots=True)
class DemoContract:
    record: int
    employer: int  # organization index
    kind: str
    position: str
    work_region: str
    concluded_on: dt.date
    starts_on: dt.date
    ends_on: dt.date | None
    terminated_on: dt.date | None
    status: str


@dataclass(slots=True)
class PersonBundle:
    person: TruePerson
    profiles: list[DemoProfile] = field(default_factory=list)
    records: list[DemoRecord] = field(default_factory=list)
    documents: list[DemoDocument] = field(default_factory=list)
    crossings: list[DemoCrossing] = field(default_factory=list)
    stays: list[DemoStay] = field(default_factory=list)
    registrations: list[DemoRegistration] = field(default_factory=list)
    permits: list[DemoPermit] = field(default_factory=list)
    payments: list[DemoPayment] = field(default_factory=list)
    contracts: list[DemoContract] = field(default_factory=list)

    def profile_of(self, record: int) -> int | None:
        """The profile a fact belongs to: its record's; None while the record awaits the linker."""
        return self.records[record].profile
