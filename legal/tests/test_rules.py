"""Rules as versioned data: the shipped rows, choosing the version in force, and refusing overlaps."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from legal.models import Rule, RuleVersion
from legal.selectors import RuleNotInForce, rule_version_in_force
from legal.services import rule_version_create, rule_version_supersede

D = datetime.date
pytestmark = pytest.mark.django_db

DOMAIN_KEYS = {
    "reg.general", "reg.hotel", "reg.exempt.TJ", "reg.exempt.UZ", "reg.exempt.KZ", "reg.exempt.AM",
    "reg.exempt.KG", "reg.exempt.EAEU_worker", "reg.exempt.BY", "reg.exempt.HQS", "stay.visa_free",
    "patent.apply", "patent.contract_copy", "patent.pay", "patent.max", "patent.reissue", "bio.work",
    "bio.nonwork", "med.repeat", "employer.notice.start", "employer.notice.end", "school.notice",
    "eaeu.new_contract", "rvp.annual", "vnzh.annual", "vnzh.replace_age", "exit.shortened", "exit.annulled",
    "rkl.report", "ban.overstay",
}  # fmt: skip


@pytest.fixture
def rule() -> Rule:
    return Rule.objects.create(key="test.rule", title="A test rule", legal_source="—")


def version(rule: Rule, valid_from: datetime.date, valid_to: datetime.date | None = None) -> RuleVersion:
    return rule_version_create(
        rule=rule,
        valid_from=valid_from,
        valid_to=valid_to,
        anchor="entry",
        offset_amount=7,
        offset_unit="working_days",
        summary="Seven working days.",
        citation="—",
    )


def test_the_domain_table_ships_as_rules_each_in_force_with_a_source():
    on = D(2026, 2, 1)
    assert set(Rule.objects.values_list("key", flat=True)) >= DOMAIN_KEYS
    for key in DOMAIN_KEYS:
        current = rule_version_in_force(key=key, on=on)
        assert current.citation and current.rule.legal_source, key
        current.full_clean()
    # R10 (geolocation app) is out of scope for the platform.
    assert not Rule.objects.filter(key__startswith="amina").exists()


def test_the_stay_limit_changes_from_90_in_180_to_90_per_calendar_year_on_1_january_2025():
    before = rule_version_in_force(key="stay.visa_free", on=D(2024, 12, 31))
    after = rule_version_in_force(key="stay.visa_free", on=D(2025, 1, 1))
    assert (before.window, before.limit_days, before.continuous_limit_days) == ("rolling_180", 90, None)
    assert (after.window, after.limit_days, after.continuous_limit_days) == ("calendar_year", 90, 90)
    assert "05.02.2025" in after.note
    assert after.rule.needs_legal_confirmation


def test_a_rule_without_a_version_on_the_date_is_not_in_force():
    with pytest.raises(RuleNotInForce):
        rule_version_in_force(key="reg.exempt.UZ", on=D(2022, 6, 3))
    assert rule_version_in_force(key="reg.exempt.UZ", on=D(2022, 6, 4)).offset_amount == 15
    with pytest.raises(RuleNotInForce):
        rule_version_in_force(key="no.such_rule", on=D(2025, 1, 1))


def test_it_rejects_a_version_that_overlaps_another(rule):
    version(rule, D(2025, 1, 1), D(2025, 12, 31))
    for start, end in [(D(2025, 12, 31), None), (D(2024, 6, 1), D(2025, 1, 1)), (D(2025, 3, 1), D(2025, 4, 1))]:
        with pytest.raises(ValidationError) as error:
            version(rule, start, end)
        assert "valid_from" in error.value.message_dict
    version(rule, D(2026, 1, 1))
    version(rule, D(2024, 1, 1), D(2024, 12, 31))
    assert rule.versions.count() == 3


def test_an_open_ended_version_overlaps_every_later_one(rule):
    version(rule, D(2025, 1, 1))
    with pytest.raises(ValidationError):
        version(rule, D(2030, 1, 1), D(2030, 12, 31))


def test_superseding_ends_the_open_version_the_day_before(rule):
    first = version(rule, D(2025, 1, 1))
    rule_version_supersede(
        rule=rule, valid_from=D(2026, 3, 1), anchor="entry", offset_amount=10, offset_unit="working_days",
        summary="Ten working days.", citation="—",
    )  # fmt: skip
    first.refresh_from_db()
    assert first.valid_to == D(2026, 2, 28)
    assert rule_version_in_force(key="test.rule", on=D(2026, 2, 28)).offset_amount == 7
    assert rule_version_in_force(key="test.rule", on=D(2026, 3, 1)).offset_amount == 10
    with pytest.raises(ValidationError):
        rule_version_supersede(rule=rule, valid_from=D(2026, 3, 1), anchor="entry", summary="—", citation="—")


def test_the_database_refuses_reversed_periods_duplicate_starts_and_two_open_versions(rule):
    def raw(valid_from, valid_to=None):
        with transaction.atomic():
            RuleVersion.objects.create(
                rule=rule, valid_from=valid_from, valid_to=valid_to, anchor="entry", summary="—", citation="—"
            )

    raw(D(2025, 1, 1))
    for args in [(D(2024, 2, 1), D(2024, 1, 1)), (D(2025, 1, 1), D(2025, 2, 1)), (D(2026, 1, 1),)]:
        with pytest.raises(IntegrityError):
            raw(*args)
    with pytest.raises(IntegrityError), transaction.atomic():
        RuleVersion.objects.create(
            rule=rule, valid_from=D(2020, 1, 1), valid_to=D(2020, 2, 1), anchor="entry", offset_amount=3,
            summary="—", citation="—",
        )  # fmt: skip


def test_rule_parameters_outside_the_columns_are_checked(rule):
    with pytest.raises(ValidationError) as error:
        rule_version_create(
            rule=rule, valid_from=D(2025, 1, 1), anchor="entry", summary="—", citation="—",
            extra={"remind_days_before": [10, "x"], "colour": "red"}, citizenships=["UZ"],
        )  # fmt: skip
    assert set(error.value.message_dict) == {"extra", "citizenships"}
