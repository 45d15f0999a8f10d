"""Legal scenarios of the status engine, rule by rule, with their boundary days.

Dates were counted by hand on the shipped production calendar (../shared/DOMAIN.md §5); each row
says what it checks. Every status computed here must also explain itself: each deadline names its
rule version and facts, and its `why` names the anchor day.
"""

from __future__ import annotations

import datetime

import pytest

from legal.models import Rule, RuleVersion
from legal.services import rule_version_supersede
from legal.status import PERMIT_END_KEY, BasisKind, PersonStatus, person_status
from legal.tests.test_status import contract, d, due, passport, patent, pay, permit, person, register, travel
from profiles.models import Permit

pytestmark = pytest.mark.django_db


def status_of(who, on: str) -> PersonStatus:
    status = person_status(person=who, on=d(on))
    for deadline in status.deadlines:
        assert deadline.why and deadline.facts and deadline.title and deadline.action, deadline
        assert any(ref.model.startswith("profiles.") for ref in deadline.facts), deadline
        if deadline.rule_version_id is not None:
            version = RuleVersion.objects.get(pk=deadline.rule_version_id)
            assert version.rule.key == deadline.rule_key and version.rule.key in deadline.why
    assert status.legal_basis.why
    return status


# --- Registration at the place of stay -------------------------------------------------------------


@pytest.mark.parametrize(
    ("citizenship", "entry", "key", "expected"),
    [
        ("UZB", "2025-03-03", "reg.exempt.UZ", "2025-03-18"),  # 15 days from entry
        ("TJK", "2025-03-03", "reg.exempt.TJ", "2025-03-18"),
        ("KAZ", "2025-03-03", "reg.exempt.KZ", "2025-04-02"),  # 30 сутки from entry
        ("ARM", "2025-03-03", "reg.exempt.AM", "2025-04-02"),
        ("KGZ", "2025-03-03", "reg.exempt.KG", "2025-04-02"),
        ("BLR", "2025-03-03", "reg.exempt.BY", "2025-04-02"),
        ("AZE", "2025-03-03", "reg.general", "2025-03-12"),  # 7 working days from arrival
        ("MDA", "2025-03-03", "reg.general", "2025-03-12"),
        ("DEU", "2025-03-03", "reg.general", "2025-03-12"),  # visa nationals too
        ("UZB", "2022-06-03", "reg.general", "2022-06-14"),  # the day before the UZ agreement took effect
        ("UZB", "2022-06-04", "reg.exempt.UZ", "2022-06-19"),  # its first day
    ],
    ids=[
        "uzbek citizens are exempt for 15 days from entry",
        "tajik citizens are exempt for 15 days from entry",
        "kazakh citizens are exempt for 30 days",
        "armenian citizens are exempt for 30 days",
        "kyrgyz citizens are exempt for 30 days",
        "belarusian citizens are exempt for 30 days until a lawyer confirms 90",
        "azerbaijani citizens are registered within 7 working days of arrival",
        "moldovan citizens follow the general rule",
        "visa nationals follow the general rule",
        "an uzbek entering before the agreement follows the general rule",
        "an uzbek entering on the agreement's first day is exempt",
    ],
)
def test_the_registration_deadline_follows_the_citizenship(citizenship, entry, key, expected):
    who = travel(person(citizenship), (entry, None))
    status = status_of(who, (d(entry) + datetime.timedelta(days=1)).isoformat())
    registration = [x for x in status.deadlines if x.rule_key.startswith("reg.")]
    assert [(x.rule_key, x.due_on) for x in registration] == [(key, d(expected))]
    assert registration[0].duty_holder == "host"


def test_a_deadline_counted_on_a_calendar_year_not_shipped_needs_confirmation():
    who = travel(person("UZB"), ("2022-06-03", None))
    (registration,) = [x for x in status_of(who, "2022-06-04").deadlines if x.rule_key == "reg.general"]
    # 2022 is not in the shipped calendar: a plain week is counted (13.06.2022 was a holiday), flagged.
    assert not registration.calendar_verified and registration.needs_legal_confirmation


@pytest.mark.parametrize(
    ("arrival", "expected"),
    [
        ("2025-03-03", "2025-03-12"),
        ("2025-04-29", "2025-05-14"),  # skips 01–04.05 and 08–11.05
        ("2025-06-05", "2025-06-18"),  # skips 12–15.06
        ("2025-10-23", "2025-11-01"),  # Saturday 01.11.2025 was a working day
        ("2025-10-27", "2025-11-06"),  # skips 02–04.11
        ("2025-12-29", "2026-01-19"),  # skips 31.12.2025–11.01.2026
    ],
    ids=[
        "an ordinary week",
        "the May holidays move it past both long weekends",
        "russia day moves it past the long weekend",
        "a transferred working saturday counts as a working day",
        "unity day moves it past the long weekend",
        "the new year holidays move it into the third week of january",
    ],
)
def test_seven_working_days_follow_the_production_calendar(arrival, expected):
    who = travel(person("AZE"), (arrival, None))
    assert due(status_of(who, arrival), "reg.general") == d(expected)


def test_a_recorded_registration_ends_the_duty_and_a_missing_one_becomes_overdue():
    unregistered = travel(person("AZE"), ("2025-03-03", None))
    (late,) = [x for x in status_of(unregistered, "2025-03-20").deadlines if x.rule_key == "reg.general"]
    assert late.overdue and late.due_on == d("2025-03-12")
    assert "2025-03-03" in late.why and "No registration" in late.why
    registered = travel(person("AZE"), ("2025-03-03", None))
    register(registered, "2025-03-04")
    assert due(status_of(registered, "2025-03-20"), "reg.general") is None


def test_a_registration_from_an_earlier_stay_does_not_count_for_the_new_one():
    who = travel(person("AZE"), ("2025-01-10", "2025-02-10"), ("2025-03-03", None))
    register(who, "2025-01-11")
    assert due(status_of(who, "2025-03-04"), "reg.general") == d("2025-03-12")


def test_a_new_version_in_the_middle_of_a_stay_leaves_earlier_arrivals_under_the_old_one():
    rule = Rule.objects.get(key="reg.general")
    old = RuleVersion.objects.get(rule=rule, valid_to__isnull=True)
    new = rule_version_supersede(
        rule=rule, valid_from=d("2025-06-01"), anchor="arrival", offset_amount=5, offset_unit="working_days",
        applies_to_status="temporary_stay", summary="Within 5 working days of arrival.", citation="test amendment",
    )  # fmt: skip
    before = travel(person("AZE"), ("2025-05-28", None))
    after = travel(person("AZE"), ("2025-06-02", None))
    early, late = (
        next(x for x in status_of(who, "2025-06-03").deadlines if x.rule_key == "reg.general")
        for who in (before, after)
    )
    # 29.05, 30.05, 02.06 ... 06.06 is the 7th working day; 03.06 ... 09.06 the 5th.
    assert (early.due_on, early.rule_version_id) == (d("2025-06-06"), old.pk)
    assert (late.due_on, late.rule_version_id) == (d("2025-06-09"), new.pk)
    assert "version in force from 2025-06-01" in late.why


# --- Stay limit (115-ФЗ ст. 5 п. 1) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stays", "on", "basis", "days_used", "permitted_until", "overstay"),
    [
        ([("2025-03-01", None)], "2025-05-29", "visa_free", 90, "2025-05-29", 0),
        ([("2025-03-01", None)], "2025-05-30", "overstay", 91, "2025-05-29", 1),
        ([("2025-01-01", "2025-03-30"), ("2025-12-30", None)], "2025-12-30", "visa_free", 90, "2025-12-30", 0),
        ([("2025-01-01", "2025-03-29"), ("2025-12-30", None)], "2025-12-30", "visa_free", 89, "2026-03-29", 0),
        ([("2025-11-15", None)], "2026-01-10", "visa_free", 10, "2026-02-12", 0),
        ([("2024-01-01", None)], "2024-03-30", "visa_free", 90, "2024-03-30", 0),
        ([("2024-01-01", None)], "2024-03-31", "overstay", 91, "2024-03-30", 1),
        ([("2024-08-01", "2024-09-28"), ("2024-12-01", None)], "2024-12-31", "visa_free", 90, "2024-12-31", 0),
        ([("2024-08-01", "2024-09-28"), ("2024-12-01", None)], "2025-01-01", "visa_free", 1, "2025-02-28", 0),
    ],
    ids=[
        "day 90 of a stay is lawful",
        "day 91 is one day of overstay",
        "with 89 days used the year-end cap stops the stay on 31 december",
        "with 88 days used the stay crosses the new year until the continuous limit",
        "a stay across the new year counts only the new year's days but stays continuous",
        "under 90 in 180, 29 february 2024 counts: day 90 is 30 march",
        "under 90 in 180, day 91 of a stay through february 2024 is an overstay",
        "on 31 december 2024 the 90 in 180 rule counts the autumn stay",
        "on 1 january 2025 the calendar-year rule counts only 2025",
    ],
)
def test_the_visa_free_stay_limit(stays, on, basis, days_used, permitted_until, overstay):
    who = travel(person("UZB"), *stays)
    status = status_of(who, on)
    assert (status.legal_basis.kind, status.days_used, status.days_limit) == (basis, days_used, 90)
    assert (status.permitted_until, status.overstay_days) == (d(permitted_until), overstay)
    version = RuleVersion.objects.get(pk=status.stay_rule_version_id)
    assert version.window == ("rolling_180" if d(on).year < 2025 else "calendar_year")
    (leave,) = [x for x in status.deadlines if x.rule_key == "stay.visa_free"]
    assert (leave.due_on, leave.overdue) == (d(permitted_until), overstay > 0)


# --- Patent ----------------------------------------------------------------------------------------------


@pytest.fixture
def patent_holder():
    """Entered for work on 01.09.2025 (visa-free days run out on 29.11.2025), patent from 01.10.2025
    paid month by month through January 2026."""
    who = travel(person("UZB"), ("2025-09-01", None), purpose="work")
    register(who, "2025-09-02")
    permit_ = patent(
        who, "2025-10-01",
        [("2025-09-29", "2025-10-01", "2025-10-31"), ("2025-10-30", "2025-11-01", "2025-11-30"),
         ("2025-11-28", "2025-12-01", "2025-12-31"), ("2025-12-29", "2026-01-01", "2026-01-31")],
    )  # fmt: skip
    return who, permit_


@pytest.mark.parametrize(
    ("on", "basis", "permitted_until", "pay_due", "overstay"),
    [
        ("2025-09-15", "visa_free", "2025-11-29", None, 0),
        ("2025-12-20", "patent", "2025-12-31", "2025-12-31", 0),
        ("2026-01-05", "patent", "2026-01-31", "2026-01-31", 0),
        ("2026-01-31", "patent", "2026-01-31", "2026-01-31", 0),
        ("2026-02-03", "overstay", "2026-01-31", None, 3),
    ],
    ids=[
        "before the patent the stay rests on the visa-free days",
        "the patent holds the stay until the paid day",
        "each payment moves the permitted day",
        "the last paid day is still lawful",
        "without the next payment the patent lapses and the overstay counts from the day after",
    ],
)
def test_a_patent_holders_basis_follows_the_paid_days(patent_holder, on, basis, permitted_until, pay_due, overstay):
    who, _permit = patent_holder
    status = status_of(who, on)
    assert (status.legal_basis.kind, status.permitted_until, status.overstay_days) == (
        basis, d(permitted_until), overstay,
    )  # fmt: skip
    assert due(status, "patent.pay") == (d(pay_due) if pay_due else None)
    if basis == BasisKind.PATENT:  # the payment rule, in force on the last paid day
        assert RuleVersion.objects.get(pk=status.legal_basis.rule_version_id).rule.key == "patent.pay"
    assert status.days_used is not None and status.days_limit == 90  # still counted, the basis covers it


def test_a_late_payment_does_not_revive_a_lapsed_patent(patent_holder):
    who, permit_ = patent_holder
    pay(permit_, "2026-02-02", "2026-02-01", "2026-02-28")
    status = status_of(who, "2026-02-03")
    assert (status.legal_basis.kind, status.overstay_days) == (BasisKind.OVERSTAY, 3)
    assert "2026-01-31" in status.legal_basis.why


def test_the_patent_deadlines_of_the_worked_example_in_the_domain_notes():
    # DOMAIN.md §3: issued 10.02.2026, paid 10.02–09.03.2026.
    who = travel(person("UZB"), ("2026-01-20", None), purpose="work")
    register(who, "2026-01-21")
    patent(who, "2026-02-10", [("2026-02-09", "2026-02-10", "2026-03-09")])
    status = status_of(who, "2026-02-11")
    deadlines = {x.rule_key: x for x in status.deadlines}
    assert deadlines["patent.pay"].due_on == d("2026-03-09")  # a non-working Monday, and no move (P4)
    assert deadlines["patent.contract_copy"].due_on == d("2026-04-10")
    assert deadlines["patent.max"].due_on == d("2027-02-10")
    # 10 working days before 10.02.2027, on the 2027 calendar that has no decree yet: flagged.
    reissue = deadlines["patent.reissue"]
    assert reissue.due_on == d("2027-01-27") and not reissue.calendar_verified and reissue.needs_legal_confirmation
    assert "patent.apply" not in deadlines and "bio.work" not in deadlines  # done with the application
    assert [x.due_on for x in status.deadlines] == sorted(x.due_on for x in status.deadlines)


def test_a_patent_whose_record_states_the_paid_day_as_its_end_still_shows_the_next_payment():
    # Agency feeds (and the demo population) write the paid-through day into Permit.valid_to.
    who = travel(person("UZB"), ("2026-01-20", None), purpose="work")
    patent(who, "2026-02-10", [("2026-02-09", "2026-02-10", "2026-03-09")], valid_to=d("2026-03-09"))
    status = status_of(who, "2026-02-11")
    assert (due(status, "patent.pay"), due(status, "patent.max")) == (d("2026-03-09"), d("2027-02-10"))


def test_a_patent_with_no_payment_recorded_is_taken_as_valid_as_stated_on_it():
    who = travel(person("UZB"), ("2025-09-01", None), purpose="work")
    patent(who, "2025-10-01", valid_to=d("2026-01-31"))
    status = status_of(who, "2026-01-10")
    assert (status.legal_basis.kind, status.permitted_until) == (BasisKind.PATENT, d("2026-01-31"))
    assert "No payment is recorded" in status.legal_basis.why
    assert due(status, "patent.pay") == d("2026-01-31")


def test_a_patent_that_lapses_early_falls_back_to_the_visa_free_days():
    who = travel(person("UZB"), ("2026-01-12", None), purpose="work")
    patent(who, "2026-02-02", [("2026-01-30", "2026-02-02", "2026-03-01")])
    holding = status_of(who, "2026-02-15")
    # The visa-free days (until 11.04) outlast the paid month: the later of the two is lawful.
    assert (holding.legal_basis.kind, holding.permitted_until) == (BasisKind.PATENT, d("2026-04-11"))
    lapsed = status_of(who, "2026-03-05")
    assert (lapsed.legal_basis.kind, lapsed.permitted_until, lapsed.days_used) == (
        BasisKind.VISA_FREE, d("2026-04-11"), 53,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("citizenship", "entry", "purpose", "expected"),
    [
        ("UZB", "2025-03-03", "work", "2025-04-02"),
        ("UZB", "2025-12-02", "work", "2026-01-12"),  # 01.01.2026 is a holiday: next working day
        ("UZB", "2025-10-02", "work", "2025-11-01"),  # Saturday 01.11.2025 was a working day
        ("UZB", "2025-10-05", "work", "2025-11-05"),  # 04.11 is a holiday
        ("UZB", "2025-03-03", "tourism", None),
        ("KAZ", "2025-03-03", "work", None),  # EAEU citizens need no patent
        ("DEU", "2025-03-03", "work", None),  # visa nationals work on a work permit
    ],
    ids=[
        "a patent is applied for within 30 days of entry for work",
        "a last day on the new year holidays moves to the first working day",
        "a last day on a transferred working saturday stays",
        "a last day on unity day moves to the next day",
        "no patent is due after an entry for tourism",
        "no patent is due for an eaeu citizen",
        "no patent is due for a visa national",
    ],
)
def test_the_patent_application_deadline(citizenship, entry, purpose, expected):
    who = travel(person(citizenship), (entry, None), purpose=purpose)
    status = status_of(who, entry)
    assert due(status, "patent.apply") == (d(expected) if expected else None)


def test_a_missed_patent_application_stays_on_the_list_as_overdue():
    who = travel(person("UZB"), ("2025-03-03", None), purpose="work")
    (apply,) = [x for x in status_of(who, "2025-04-10").deadlines if x.rule_key == "patent.apply"]
    assert apply.overdue and "No patent" in apply.why


# --- Fingerprinting and medical examination --------------------------------------------------------


def test_fingerprinting_is_due_30_days_after_an_entry_for_work():
    who = travel(person("UZB"), ("2025-03-03", None), purpose="work")
    assert due(status_of(who, "2025-03-04"), "bio.work") == d("2025-04-02")


def test_fingerprinting_is_due_90_days_after_another_entry_only_for_someone_who_may_stay_that_long():
    tourist = travel(person("UZB"), ("2025-08-25", None), purpose="tourism")
    assert due(status_of(tourist, "2025-08-26"), "bio.nonwork") is None  # must leave by day 90
    student = travel(person("CHN"), ("2025-08-25", None), purpose="study")
    permit(student, Permit.Kind.STUDENT, "2025-08-20", "2026-06-30")
    status = status_of(student, "2025-08-26")
    assert due(status, "bio.nonwork") == d("2025-11-24")  # 23.11.2025 is a Sunday
    assert (status.legal_basis.kind, status.permitted_until) == (BasisKind.STUDENT, d("2026-06-30"))
    assert due(status, PERMIT_END_KEY) == d("2026-06-30")
    assert status.days_used is None  # a visa national: the visa-free limit does not apply


# --- EAEU workers, residents -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ends_on", "permitted_until"),
    [("2026-06-30", "2026-06-30"), (None, None)],
    ids=["a fixed-term contract holds the stay to its end", "an open-ended contract holds it indefinitely"],
)
def test_an_eaeu_worker_stays_for_the_term_of_the_contract(ends_on, permitted_until):
    who = travel(person("KAZ"), ("2025-09-01", None), purpose="work")
    register(who, "2025-09-20")
    contract(who, "2025-09-05", ends_on)
    status = status_of(who, "2026-01-20")  # long past 90 days of continuous stay
    assert status.legal_basis.kind == BasisKind.EAEU_WORKER
    assert status.permitted_until == (d(permitted_until) if permitted_until else None)
    assert (status.overstay_days, status.days_used) == (0, 20)
    assert due(status, PERMIT_END_KEY) == (d(permitted_until) if permitted_until else None)
    assert due(status, "patent.apply") is None


def test_a_residence_permit_is_indefinite_with_an_annual_notice_and_a_card_replacement_at_20():
    who = travel(person("UZB", birth_date=d("2006-03-15")), ("2024-01-01", None))
    permit(who, Permit.Kind.VNZH, "2023-04-10", None)
    status = status_of(who, "2026-02-01")
    assert (status.legal_basis.kind, status.permitted_until) == (BasisKind.VNZH, None)
    assert (status.days_used, status.days_limit, status.overstay_days) == (None, None, 0)
    assert [(x.rule_key, x.due_on) for x in status.deadlines] == [
        ("vnzh.replace_age", d("2026-04-15")),  # turns 20 on 15.03.2026, one month
        ("vnzh.annual", d("2026-06-10")),  # third anniversary 10.04.2026 + 2 months
    ]


def test_the_annual_notice_of_a_temporary_residence_permit_moves_off_a_sunday():
    who = travel(person("TJK"), ("2024-05-01", None))
    permit(who, Permit.Kind.RVP, "2024-05-20", "2027-05-19")
    status = status_of(who, "2025-06-01")
    assert status.legal_basis.kind == BasisKind.RVP and status.permitted_until == d("2027-05-19")
    assert due(status, "rvp.annual") == d("2025-07-21")  # 20.07.2025 is a Sunday
    assert due(status, "reg.exempt.TJ") is None  # residents register at their residence instead


# --- Documents, overstay without a limit -------------------------------------------------------------------


def test_a_passport_expiry_is_a_deadline_that_needs_legal_confirmation():
    who = travel(person("AZE"), ("2025-03-03", None))
    passport(who, "2025-04-30")
    (expiry,) = [x for x in status_of(who, "2025-03-04").deadlines if x.rule_key == "doc.expiry.passport"]
    assert expiry.due_on == d("2025-04-30") and expiry.needs_legal_confirmation and "FA1234567" in expiry.why
    passport(who, "2035-04-30", number="FA7654321", issued_on="2025-04-01")
    assert due(status_of(who, "2025-04-02"), "doc.expiry.passport") == d("2035-04-30")


def test_a_visa_national_whose_visa_ended_overstays_from_the_next_day():
    who = travel(person("DEU"), ("2025-03-01", None), purpose="business")
    permit(who, Permit.Kind.VISA, "2025-02-20", "2025-05-20")
    status = status_of(who, "2025-05-25")
    assert (status.legal_basis.kind, status.permitted_until, status.overstay_days) == (
        BasisKind.OVERSTAY, d("2025-05-20"), 5,
    )  # fmt: skip
    (leave,) = [x for x in status.deadlines if x.rule_key == PERMIT_END_KEY]
    assert leave.overdue and "2025-05-20" in leave.why
