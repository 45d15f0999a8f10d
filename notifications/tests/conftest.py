"""Fixtures of the notification tests: persons with facts built through the profile services, a fixed
clock, and the in-memory SMS adapter."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest

from notifications.transports import MemorySmsAdapter
from profiles.models import BorderCrossing, IdentityDocument, PatentPayment, Permit, Person
from profiles.services import (
    border_crossing_record,
    identity_document_add,
    patent_payment_record,
    person_rebuild_stays,
)
from profiles.tests.factories import country, make_permit, make_person, make_record, make_registration

UTC = dt.UTC
# Monday 2 March 2026, 12:00 in Moscow: a working day, inside every zone's window from Kaliningrad to Omsk.
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TODAY = dt.date(2026, 3, 2)
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _memory_sms(settings):
    settings.NOTIFICATIONS_SMS_ADAPTER = "memory"
    MemorySmsAdapter.reset()
    yield
    MemorySmsAdapter.reset()


def person_with(
    *, phone: str = "", email: str = "", language: str = "ru", region: str | None = "77", **fields: Any
) -> Person:
    """A person with contacts and, unless `region` is None, an open registration there."""
    person = make_person(phone=phone, email=email, preferred_language=language, **fields)
    if region is not None:
        make_registration(person, region_code=region, valid_from=TODAY - dt.timedelta(days=20),
                          valid_to=TODAY + dt.timedelta(days=200))  # fmt: skip
    return person


def patent_paid_until(person: Person, paid_until: dt.date, *, valid_from: dt.date | None = None) -> Permit:
    valid_from = valid_from or paid_until - dt.timedelta(days=60)
    permit = make_permit(person, valid_from=valid_from, valid_to=valid_from + dt.timedelta(days=365))
    pay(permit, paid_until=paid_until, period_from=valid_from)
    return permit


def pay(permit: Permit, *, paid_until: dt.date, period_from: dt.date | None = None) -> PatentPayment:
    return patent_payment_record(
        permit=permit,
        source_record=make_record(system="FNS", person=permit.person),
        paid_on=(period_from or paid_until) - dt.timedelta(days=1),
        amount=Decimal("8000.00"),
        months=1,
        period_from=period_from or paid_until - dt.timedelta(days=29),
        paid_until=paid_until,
        receipt_number=f"R{next(_numbers):08d}",
    )


def document(person: Person, *, expires_on: dt.date, document_type: str = "passport") -> IdentityDocument:
    return identity_document_add(
        person=person,
        document_type=document_type,
        issuing_country=country("UZB"),
        number=f"FA{next(_numbers):07d}",
        issued_on=expires_on - dt.timedelta(days=3650),
        expires_on=expires_on,
    )


def crossing(person: Person, direction: str, on: dt.date) -> BorderCrossing:
    result = border_crossing_record(
        person=person,
        source_record=make_record(system="BORDER", person=person),
        direction=direction,
        crossed_on=on,
        checkpoint="Sheremetyevo",
        purpose="work" if direction == BorderCrossing.Direction.ENTRY else "",
    )
    person_rebuild_stays(person=person)
    return result
