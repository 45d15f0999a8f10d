"""The status engine as a whole: its query budget, its facts-as-of-the-day view, the helpers the
notification scan reuses, and the staff view. The legal scenarios are in test_status_scenarios.py.

The builders below write through the real profile services; the scenario tests import them.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import RequestFactory

from audit.admin_mixins import purpose_state
from audit.models import AccessLog
from legal.models import Rule
from legal.selectors import production_calendar_get
from legal.status import (
    FACT_DEADLINES,
    BasisKind,
    anchor_due_table,
    deadline_rules,
    person_status,
    person_status_as_dict,
    rule_book_get,
)
from legal.status_admin import person_status_view
from profiles.models import BorderCrossing, DocumentType, Permit, Person
from profiles.services import (
    border_crossing_record,
    employment_contract_record,
    identity_document_add,
    patent_payment_record,
    person_rebuild_stays,
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

pytestmark = pytest.mark.django_db
ENTRY, EXIT = BorderCrossing.Direction.ENTRY, BorderCrossing.Direction.EXIT


def d(day: str) -> datetime.date:
    return datetime.date.fromisoformat(day)


# --- Builders (through the real services) --------------------------------------------------------


def person(citizenship: str = "UZB", **fields) -> Person:
    return make_person(citizenship_iso3=citizenship, **fields)


def travel(who: Person, *stays: tuple[str, str | None], purpose: str = "tourism") -> Person:
    """Record the crossings of each (entry, exit or None) stay, then derive the stays once."""
    for entry, exit_ in stays:
        _cross(who, ENTRY, d(entry), purpose)
        if exit_ is not None:
            _cross(who, EXIT, d(exit_), "")
    person_rebuild_stays(person=who)
    return who


def _cross(who: Person, direction: str, day: datetime.date, purpose: str) -> None:
    border_crossing_record(
        person=who,
        source_record=make_record(system="BORDER", person=who),
        direction=direction,
        crossed_on=day,
        checkpoint="Domodedovo",
        purpose=purpose,
    )


def register(who: Person, arrived_on: str):
    return make_registration(who, valid_from=d(arrived_on))


def patent(who: Person, issued_on: str, payments: Sequence[tuple[str, str, str]] = (), **fields) -> Permit:
    """A patent and its payments as (paid_on, period_from, paid_until)."""
    permit = make_permit(who, kind=Permit.Kind.PATENT, valid_from=d(issued_on), **fields)
    for paid_on, period_from, paid_until in payments:
        pay(permit, paid_on, period_from, paid_until)
    return permit


def pay(permit: Permit, paid_on: str, period_from: str, paid_until: str):
    return patent_payment_record(
        permit=permit,
        source_record=make_record(system="FNS", person=permit.person),
        paid_on=d(paid_on),
        amount=Decimal("10000.00"),
        months=1,
        period_from=d(period_from),
        paid_until=d(paid_until),
        receipt_number=f"R-{permit.pk}-{period_from}-{paid_on}",
    )


def permit(who: Person, kind: str, valid_from: str, valid_to: str | None) -> Permit:
    return make_permit(who, kind=kind, valid_from=d(valid_from), valid_to=d(valid_to) if valid_to else None)


def contract(who: Person, concluded_on: str, ends_on: str | None = None):
    return employment_contract_record(
        person=who,
        source_record=make_record(system="EMPLOYER", person=who),
        employer=make_organization(),
        position="Welder",
        work_region=region("77"),
        concluded_on=d(concluded_on),
        starts_on=d(concluded_on),
        ends_on=d(ends_on) if ends_on else None,
    )


def passport(who: Person, expires_on: str, number: str = "FA1234567", issued_on: str = "2020-01-01"):
    return identity_document_add(
        person=who,
        document_type=DocumentType.FOREIGN_PASSPORT,
        issuing_country=who.citizenship,
        number=number,
        issued_on=d(issued_on),
        expires_on=d(expires_on),
    )


def due(status, key: str) -> datetime.date | None:
    """The due day of the status's deadline with this key (None if it has none)."""
    found = [deadline.due_on for deadline in status.deadlines if deadline.rule_key == key]
    assert len(found) <= 1, found
    return found[0] if found else None


# --- Query budget --------------------------------------------------------------------------------


def busy_person() -> Person:
    """Years of shuttle trips, several patents with monthly payments, registrations, documents."""
    who = person()
    trips = [(f"2023-{m:02d}-01", f"2023-{m:02d}-10") for m in range(1, 13)]
    trips += [(f"2024-{m:02d}-01", f"2024-{m:02d}-10") for m in range(1, 13)]
    travel(who, *trips, ("2025-01-05", None), purpose="work")
    for year in (2023, 2024):
        for m in (1, 6):
            register(who, f"{year}-{m:02d}-02")
    first = patent(who, "2023-02-01", valid_to=d("2024-01-31"))
    for m in range(2, 12):
        pay(first, f"2023-{m:02d}-01", f"2023-{m:02d}-01", f"2023-{m:02d}-28")
    current = patent(who, "2025-02-01", valid_to=d("2026-01-31"))
    pay(current, "2025-01-31", "2025-02-01", "2025-02-28")
    pay(current, "2025-02-25", "2025-03-01", "2025-03-31")
    passport(who, "2026-01-01", number="FA0000001")
    passport(who, "2031-01-01", number="FA0000002", issued_on="2021-01-01")
    return who


def test_the_status_costs_the_same_few_queries_for_a_new_person_and_a_busy_one(django_assert_max_num_queries):
    rules = rule_book_get()
    quiet = travel(person(), ("2025-03-01", None))
    busy = busy_person()
    # 7 for the person and their facts, 2 for the production calendar.
    for who in (quiet, busy):
        with django_assert_max_num_queries(9):
            status = person_status(person=who, on=d("2025-03-15"), rules=rules)
        assert type(status.legal_basis.kind) is BasisKind
        assert status.legal_basis.kind in (BasisKind.VISA_FREE, BasisKind.PATENT)
    # Given neither rules nor calendar, the process's law snapshot serves both: once loaded, checking
    # that the law is unchanged is one query, in place of the calendar's two.
    person_status(person=quiet, on=d("2025-03-15"))
    with django_assert_max_num_queries(8):
        person_status(person=busy, on=d("2025-03-15"))


# --- The status of a past day ----------------------------------------------------------------------


def test_facts_dated_after_the_day_do_not_count():
    # Entered for work on 01.09.2025: the visa-free days run out on 29.11.2025.
    who = travel(person(), ("2025-09-01", None), purpose="work")
    permit_ = patent(
        who, "2025-10-01", [("2025-09-29", "2025-10-01", "2025-11-30"), ("2025-11-28", "2025-12-01", "2025-12-31")]
    )
    pay(permit_, "2025-12-29", "2026-01-01", "2026-01-31")
    before = person_status(person=who, on=d("2025-09-15"))
    assert before.legal_basis.kind == BasisKind.VISA_FREE  # the patent was not issued yet
    assert due(before, "patent.apply") == d("2025-10-01")
    on_28_december = person_status(person=who, on=d("2025-12-28"))
    assert on_28_december.permitted_until == d("2025-12-31")  # the January payment was not made yet
    assert person_status(person=who, on=d("2026-01-05")).permitted_until == d("2026-01-31")


def test_a_russian_citizen_has_no_migration_status():
    who = travel(person("RUS"), ("2025-03-01", None))
    status = person_status(person=who, on=d("2025-04-01"))
    assert (status.legal_basis.kind, status.days_used, status.deadlines) == (BasisKind.NONE, None, ())


def test_someone_abroad_without_a_permit_has_no_basis_but_still_sees_the_days_used():
    who = travel(person(), ("2025-03-01", "2025-03-30"))
    status = person_status(person=who, on=d("2025-06-01"))
    assert (status.in_russia, status.legal_basis.kind, status.permitted_until) == (False, BasisKind.NONE, None)
    assert (status.days_used, status.days_limit) == (30, 90)
    assert [x.rule_key for x in status.deadlines] == []


# --- Helpers for the notification scan ------------------------------------------------------------


def test_every_deadline_source_names_a_shipped_rule_or_a_fact_date():
    keys = set(Rule.objects.values_list("key", flat=True))
    for source in deadline_rules():
        if source.rule_key.rstrip(".") in FACT_DEADLINES:
            assert source.anchor == ""
        elif source.rule_key.endswith("."):
            assert any(key.startswith(source.rule_key) for key in keys), source
        else:
            assert source.rule_key in keys, source
        assert source.model.startswith("profiles.") and source.field and source.rows


def test_the_anchor_table_gives_the_due_day_of_each_anchor_under_its_own_version():
    rules = rule_book_get()
    calendar = production_calendar_get(start=d("2025-01-01"), end=d("2026-12-31"))
    anchors = [d("2025-10-23"), d("2025-12-29"), d("2026-02-02")]
    table = anchor_due_table(rule_key="reg.general", anchors=anchors, rules=rules, calendar=calendar)
    assert {anchor: day for anchor, (day, _version) in table.items()} == {
        d("2025-10-23"): d("2025-11-01"),  # Saturday 01.11.2025 was a working day
        d("2025-12-29"): d("2026-01-19"),  # across the New Year holidays
        d("2026-02-02"): d("2026-02-11"),
    }
    assert anchor_due_table(rule_key="reg.exempt.UZ", anchors=[d("2022-06-03")], rules=rules, calendar=calendar) == {}


def test_the_status_serializes_to_json_with_its_reasons():
    who = travel(person("AZE"), ("2025-03-03", None))
    passport(who, "2027-01-31")
    data = json.loads(json.dumps(person_status_as_dict(person_status(person=who, on=d("2025-03-05")))))
    assert data["legal_basis"]["kind"] == "visa_free" and data["permitted_until"] == "2025-05-31"
    assert [x["rule_key"] for x in data["deadlines"]] == ["reg.general", "stay.visa_free", "doc.expiry.passport"]
    assert all(x["why"] and x["facts"] for x in data["deadlines"])


# --- The staff view ----------------------------------------------------------------------------------


@pytest.fixture
def officer_request(officer):
    def build(path: str):
        request = RequestFactory().get(path)
        request.user, request.session = officer, {}
        return request

    return build


def test_the_staff_view_asks_for_a_purpose_then_logs_the_read(officer_request):
    who = travel(person(), ("2025-03-01", None))
    request = officer_request("/status/?on=2025-03-10")
    assert person_status_view(request, person_id=who.pk).status_code == 302
    purpose_state(session=request.session, person_id=who.pk, purpose="application", reference="APP-1")
    response = person_status_view(request, person_id=who.pk)
    assert response.status_code == 200
    assert json.loads(response.content)["days_used"] == 10
    assert AccessLog.objects.filter(person=who, reference="APP-1").count() == 1
    bad = officer_request("/status/?on=10.03.2025")
    bad.session = request.session
    assert person_status_view(bad, person_id=who.pk).status_code == 400


def test_the_staff_view_is_closed_to_staff_without_access_to_persons(officer_request, officer):
    officer.groups.remove(Group.objects.get(name="Migration officers"))
    who = travel(person(), ("2025-03-01", None))
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        person_status_view(officer_request("/status/"), person_id=who.pk)
    assert country("UZB").is_visa_free  # the reference data the builders rely on
