"""Test data built through the real services, on the reference data shipped by the migrations."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from employers.models import Organization
from employers.services import organization_create
from employers.validators import inn_with_check_digits, ogrn_with_check_digit
from profiles.models import BorderCrossing, MigrationRegistration, Permit, Person, RecordLink, SourceRecord
from profiles.services import (
    border_crossing_record,
    permit_record,
    person_create,
    registration_record,
    source_record_link,
    source_record_receive,
)
from reference.models import Country, Region, SourceSystem

_sequence = itertools.count(1)


def country(iso3: str = "UZB") -> Country:
    return Country.objects.get(iso3=iso3)


def region(code: str = "77") -> Region:
    return Region.objects.get(code=code)


def make_person(**overrides: Any) -> Person:
    fields: dict[str, Any] = {
        "latin_surname": "TESTOV",
        "latin_given_names": "TEST",
        "birth_date": dt.date(1990, 5, 17),
        "sex": "M",
        "citizenship": country(overrides.pop("citizenship_iso3", "UZB")),
    }
    fields.update(overrides)
    return person_create(**fields)


def make_record(*, system: str = "BORDER", person: Person | None = None, **fields: Any) -> SourceRecord:
    number = next(_sequence)
    fields.setdefault("source_record_id", f"{system}-{number}")
    fields.setdefault("payload", {"id": fields["source_record_id"], "n": number})
    record = source_record_receive(source_system=SourceSystem.objects.get(code=system), **fields)
    if person is not None:
        record = source_record_link(record=record, person=person, score=1.0, reason={"rule": "test"})
    return record


def link_of(record: SourceRecord) -> RecordLink | None:
    """The record's link as stored now, with its person (None while the record is unlinked)."""
    return RecordLink.objects.select_related("person").filter(record_id=record.pk).first()


def linked_person(record: SourceRecord) -> Person | None:
    """The person the record is linked to now, read from the database."""
    link = link_of(record)
    return link.person if link else None


def make_organization(**overrides: Any) -> Organization:
    number = next(_sequence)
    fields: dict[str, Any] = {
        "kind": Organization.Kind.LEGAL_ENTITY,
        "name": f"OOO Stroy {number}",
        "inn": inn_with_check_digits(f"77{number:07d}"),
        "ogrn": ogrn_with_check_digit(f"1027700{number:05d}"),
        "region": region("77"),
    }
    fields.update(overrides)
    return organization_create(**fields)


def make_crossing(person: Person, direction: str, crossed_on: dt.date) -> BorderCrossing:
    return border_crossing_record(
        person=person,
        source_record=make_record(system="BORDER", person=person),
        direction=direction,
        crossed_on=crossed_on,
        checkpoint="Sheremetyevo",
        purpose="work" if direction == BorderCrossing.Direction.ENTRY else "",
    )


def make_registration(
    person: Person, *, region_code: str = "77", valid_from: dt.date, valid_to: dt.date | None = None
) -> MigrationRegistration:
    return registration_record(
        person=person,
        source_record=make_record(system="MIGREG", person=person),
        region=region(region_code),
        address="Moscow, Tverskaya 1",
        host_person_name="Ivanov Ivan",
        arrived_on=valid_from,
        valid_from=valid_from,
        valid_to=valid_to or valid_from + dt.timedelta(days=90),
    )


def make_permit(person: Person, *, kind: str = Permit.Kind.PATENT, valid_from: dt.date, **fields: Any) -> Permit:
    fields.setdefault("valid_to", valid_from + dt.timedelta(days=365))
    fields.setdefault("region", region("77") if kind == Permit.Kind.PATENT else None)
    fields.setdefault("number", f"{kind[:2].upper()}{next(_sequence):07d}")
    return permit_record(
        person=person,
        source_record=make_record(system="PATENT", person=person),
        kind=kind,
        issued_on=valid_from,
        valid_from=valid_from,
        **fields,
    )
