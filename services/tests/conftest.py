"""Fixtures of the e-services tests: the personas (an applicant, another applicant, an officer), a
profile built through `profiles.services`, a fixed signing key and private storage under tmp."""

from __future__ import annotations

import base64
import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from profiles.models import BorderCrossing, Permit, Person
from profiles.services import (
    border_crossing_record,
    employment_contract_record,
    identity_document_add,
    patent_payment_record,
)
from profiles.tests.factories import (
    country,
    make_organization,
    make_permit,
    make_person,
    make_record,
    make_registration,
    region,
)
from services.models import ServiceDefinition

TODAY = timezone.localdate()
# The ICAO 9303 specimen passport (Anna Maria Eriksson, Utopia); a real-looking Uzbek passport would do too.
MRZ_LINE_1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
MRZ_LINE_2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
MRZ_BIRTH_DATE = dt.date(1974, 8, 12)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"%" * 64
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    # A fixed key: tests never generate one into the developer's var/; uploads go under tmp.
    settings.CERTIFICATE_SIGNING_KEY = base64.b64encode(bytes(range(32))).decode()
    settings.VAR_DIR = tmp_path


def upload(name: str = "scan.pdf", content: bytes = PDF, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def service(code: str) -> ServiceDefinition:
    return ServiceDefinition.objects.get(code=code)


def claim(person: Person, user: Any) -> Person:
    """Link the account to the profile (the cabinet's claim flow does this after its checks)."""
    Person.objects.filter(pk=person.pk).update(user=user)
    person.refresh_from_db()
    return person


@pytest.fixture
def applicant(django_user_model):
    return django_user_model.objects.create_user(username="applicant", email="a@example.org", password="pw-123456789")


@pytest.fixture
def outsider(django_user_model):
    """Another migrant with a claimed profile of their own."""
    user = django_user_model.objects.create_user(username="outsider", email="o@example.org", password="pw-123456789")
    claim(make_person(latin_surname="OTHER", latin_given_names="PERSON"), user)
    return user


def full_profile(**person_fields: Any) -> Person:
    """A patent worker in Moscow with every fact the prefill paths read."""
    person = make_person(
        latin_surname="KARIMOV",
        latin_given_names="ALISHER",
        cyrillic_surname="Каримов",
        cyrillic_given_names="Алишер",
        cyrillic_patronymic="Бахтиёрович",
        phone="+998901234567",
        email="karimov@example.org",
        **person_fields,
    )
    identity_document_add(
        person=person,
        document_type="passport",
        issuing_country=country("UZB"),
        number="FA 1234567",
        issued_on=TODAY - dt.timedelta(days=400),
        expires_on=TODAY + dt.timedelta(days=3000),
    )
    identity_document_add(
        person=person,
        document_type="migration_card",
        issuing_country=country("RUS"),
        number="4617 123456",
        issued_on=TODAY - dt.timedelta(days=100),
    )
    border_crossing_record(
        person=person,
        source_record=make_record(system="BORDER", person=person),
        direction=BorderCrossing.Direction.ENTRY,
        crossed_on=TODAY - dt.timedelta(days=100),
        checkpoint="Sheremetyevo",
        purpose="work",
        migration_card_number="4617123456",
    )
    make_registration(person, region_code="77", valid_from=TODAY - dt.timedelta(days=95),
                      valid_to=TODAY + dt.timedelta(days=200))  # fmt: skip
    patent = make_permit(
        person,
        valid_from=TODAY - dt.timedelta(days=90),
        valid_to=TODAY + dt.timedelta(days=275),
        number="77 2400012345",
        profession="Builder",
    )
    patent_payment_record(
        permit=patent,
        source_record=make_record(system="FNS", person=person),
        paid_on=TODAY - dt.timedelta(days=91),
        amount=Decimal("25000.00"),
        months=3,
        period_from=TODAY - dt.timedelta(days=90),
        paid_until=TODAY + dt.timedelta(days=20),
        receipt_number=f"UIN{next(_numbers):010d}",
    )
    employment_contract_record(
        person=person,
        source_record=make_record(system="EMPLOYER", person=person),
        employer=make_organization(name="OOO Stroy Moscow"),
        position="Builder",
        work_region=region("77"),
        concluded_on=TODAY - dt.timedelta(days=80),
        starts_on=TODAY - dt.timedelta(days=80),
    )
    return person


@pytest.fixture
def karimov(applicant) -> Person:
    return claim(full_profile(), applicant)


@pytest.fixture
def resident(applicant) -> Person:
    """An RVP holder with nothing else on record."""
    person = claim(make_person(latin_surname="RESIDENT", latin_given_names="RVP"), applicant)
    make_permit(person, kind=Permit.Kind.RVP, valid_from=TODAY - dt.timedelta(days=300), number="RVP-0012345",
                valid_to=TODAY + dt.timedelta(days=800), region=None)  # fmt: skip
    return person
