"""Content fingerprints: any insert, update or delete of a covered row changes the digest; others do not."""

from __future__ import annotations

import datetime as dt

import pytest

from migrant_platform.fingerprint import RowSet, rows_fingerprint
from profiles.models import IdentityDocument, Person
from profiles.selectors import person_facts_fingerprint
from profiles.services import identity_document_add
from profiles.tests.factories import country, make_person

pytestmark = pytest.mark.django_db


def add_passport(person: Person, number: str) -> None:
    identity_document_add(
        person=person, document_type="passport", issuing_country=country("UZB"), number=number,
        issued_on=dt.date(2020, 1, 1), expires_on=dt.date(2030, 1, 1),
    )  # fmt: skip


def test_a_persons_fingerprint_changes_with_each_insert_update_and_delete_of_their_facts():
    person = make_person()
    initial = person_facts_fingerprint(person_id=person.pk)

    add_passport(person, "FA1234567")
    inserted = person_facts_fingerprint(person_id=person.pk)
    IdentityDocument.objects.filter(person=person).update(expires_on=dt.date(2031, 1, 1))  # no save(), no signal
    updated = person_facts_fingerprint(person_id=person.pk)
    IdentityDocument.objects.filter(person=person).delete()
    deleted = person_facts_fingerprint(person_id=person.pk)

    assert len({initial, inserted, updated}) == 3
    assert deleted == initial  # the same data again: the same digest
    assert person_facts_fingerprint(person_id=person.pk) == deleted  # stable while nothing changes


def test_a_persons_fingerprint_ignores_other_peoples_facts():
    person, other = make_person(), make_person()
    before = person_facts_fingerprint(person_id=person.pk)

    add_passport(other, "FA7654321")

    assert person_facts_fingerprint(person_id=person.pk) == before
    assert person_facts_fingerprint(person_id=other.pk) != before


def test_a_whole_table_fingerprint_covers_every_row():
    rows = (RowSet(IdentityDocument),)
    empty = rows_fingerprint(rows)
    add_passport(make_person(), "FA0000001")

    assert rows_fingerprint(rows) != empty
