"""Legal rules as versioned data, and the production calendar that working-day deadlines count on.

A change in the law is a new `RuleVersion` from a date, never an edit of the numbers of a version
that past computations used. The numbers come from ../shared/DOMAIN.md; each rule carries its
source and how well it was verified, and staff see "needs legal confirmation" until a lawyer marks
it verified.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

RULE_KEY_PATTERN = r"^[a-z][a-z0-9_]*(\.[A-Za-z0-9_]+)+$"
ISO3_PATTERN = re.compile(r"^[A-Z]{3}$")


class Verification(models.TextChoices):
    """The legend of DOMAIN.md: how far the rule and its numbers were confirmed in a source."""

    VERIFIED = "verified", _("Verified")
    PARTIAL = "partial", _("Partially verified")
    UNVERIFIED = "unverified", _("Unverified")
    PENDING_BILL = "pending_bill", _("Pending bill (not law)")


class DutyHolder(models.TextChoices):
    """Who must act before the deadline: decides whom a reminder goes to."""

    FOREIGNER = "foreigner", _("The foreign citizen")
    HOST = "host", _("The host (receiving party)")
    HOTEL = "hotel", _("A hotel or similar host")
    EMPLOYER = "employer", _("The employer or customer")
    SCHOOL = "school", _("The school or university")


class Anchor(models.TextChoices):
    """The fact a period is counted from (the period starts on the next day, ГК ст. 191)."""

    ENTRY = "entry", _("Entry into Russia")
    ARRIVAL = "arrival", _("Arrival at the place of stay")
    PATENT_ISSUE = "patent_issue", _("Issue of the patent")
    PATENT_TERM_END = "patent_term_end", _("End of the 12-month patent term")
    PAID_PERIOD_END = "paid_period_end", _("Last day of the paid patent period")
    MEDICAL_EXPIRY = "medical_expiry", _("Expiry of the medical documents")
    CONTRACT_CONCLUDED = "contract_concluded", _("Conclusion of the contract")
    CONTRACT_TERMINATED = "contract_terminated", _("Termination of the contract")
    EXPULSION_ORDER = "expulsion_order", _("Expulsion order of the school")
    PERMIT_ANNIVERSARY = "permit_anniversary", _("Anniversary of receiving the permit")
    BIRTHDAY = "birthday", _("Birthday")
    DECISION_SERVED = "decision_served", _("A decision was served")
    RKL_REPORT = "rkl_report", _("Inclusion in the register or the last report")
    LEGAL_STAY_END = "legal_stay_end", _("End of the lawful stay")


class Unit(models.TextChoices):
    CALENDAR_DAYS = "calendar_days", _("Calendar days")
    WORKING_DAYS = "working_days", _("Working days (production calendar)")
    MONTHS = "months", _("Months (ГК ст. 192)")


class CitizenshipGroup(models.TextChoices):
    """Groups built on `reference.Country.regime`; `visa_free` there excludes the EAEU."""

    ANY = "any", _("Any citizenship")
    VISA_FREE_ALL = "visa_free_all", _("Visa-free, EAEU included")
    EAEU = "eaeu", _("EAEU member states")
    VISA_FREE = "visa_free", _("Visa-free, outside the EAEU")
    VISA = "visa", _("Visa nationals")


class PersonStatus(models.TextChoices):
    ANY = "any", _("Any status")
    TEMPORARY_STAY = "temporary_stay", _("Temporary stay")
    WORK = "work", _("Arrived for work")
    NON_WORK = "non_work", _("Arrived not for work, staying over 90 days")
    PATENT = "patent", _("Patent holder")
    EAEU_WORKER = "eaeu_worker", _("EAEU worker")
    STUDENT = "student", _("Full-time student")
    HQS = "hqs", _("Highly qualified specialist (ВКС)")
    RVP = "rvp", _("Temporary residence permit (РВП)")
    VNZH = "vnzh", _("Residence permit (ВНЖ)")
    RKL = "rkl", _("In the controlled-persons register (РКЛ)")


class StayWindow(models.TextChoices):
    """How the total stay limit is measured."""

    CALENDAR_YEAR = "calendar_year", _("Per calendar year")
    ROLLING_180 = "rolling_180", _("In any 180-day period")


class Rule(models.Model):
    """One legal obligation or limit, identified by a stable key that code looks up."""

    key = models.CharField(
        max_length=60, unique=True, help_text=_("Stable identifier used by code, e.g. reg.general or reg.exempt.UZ.")
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    duty_holder = models.CharField(max_length=10, choices=DutyHolder.choices, default=DutyHolder.FOREIGNER)
    legal_source = models.CharField(max_length=500, help_text=_("Legal basis, e.g. 109-ФЗ ст. 20 ч. 3."))
    source_urls = models.TextField(blank=True, help_text=_("Where the rule was found, one address per line."))
    verification = models.CharField(max_length=12, choices=Verification.choices, default=Verification.UNVERIFIED)
    verification_note = models.CharField(max_length=500, blank=True, help_text=_("What exactly is unconfirmed."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(
                condition=Q(key__regex=RULE_KEY_PATTERN),
                name="legal_rule_key_format",
                violation_error_message=_("A rule key is dotted lower-case words, e.g. reg.exempt.UZ."),
            ),
            models.CheckConstraint(
                condition=Q(verification__in=Verification.values), name="legal_rule_verification_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def needs_legal_confirmation(self) -> bool:
        return self.verification != Verification.VERIFIED


# Keys `RuleVersion.extra` may hold, with a check of each value's shape. Parameters every rule has are
# columns; these are the few that only one or two rules need.
def _is_int_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, int) and not isinstance(item, bool) for item in value)


def _is_ban_tiers(value: Any) -> bool:
    if not isinstance(value, list) or not value:
        return False
    for tier in value:
        if not isinstance(tier, dict) or set(tier) != {"over_days", "up_to_days", "ban_years"}:
            return False
        if not isinstance(tier["over_days"], int) or not isinstance(tier["ban_years"], int):
            return False
        if tier["up_to_days"] is not None and not isinstance(tier["up_to_days"], int):
            return False
    return True


EXTRA_PARAMETERS = {
    "remind_days_before": _is_int_list,
    "ages": _is_int_list,
    "ban_tiers": _is_ban_tiers,
}


class RuleVersion(models.Model):
    """The parameters of a rule in force from `valid_from` to `valid_to` (inclusive; empty = still in force).

    Versions of one rule never overlap: the database refuses a reversed period, two versions from the
    same day and two open-ended versions; `legal.services.rule_version_create` refuses the rest.
    """

    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="versions")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True, help_text=_("Last day in force; empty while in force."))
    anchor = models.CharField(max_length=20, choices=Anchor.choices)
    offset_amount = models.SmallIntegerField(
        null=True, blank=True, help_text=_("Length of the period; negative means before the anchor.")
    )
    offset_unit = models.CharField(max_length=13, choices=Unit.choices, blank=True)
    roll_forward = models.BooleanField(
        default=False,
        help_text=_(
            "A last day that is not a working day moves to the next working day (ГК ст. 193). "
            "Off for stay limits, which count calendar days."
        ),
    )
    citizenship_group = models.CharField(max_length=13, choices=CitizenshipGroup.choices, default=CitizenshipGroup.ANY)
    citizenships = models.JSONField(
        default=list, blank=True, help_text=_('ISO alpha-3 codes the version is limited to, e.g. ["UZB"].')
    )
    applies_to_status = models.CharField(max_length=14, choices=PersonStatus.choices, default=PersonStatus.ANY)
    limit_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Stay limits: the most days of presence in the window.")
    )
    window = models.CharField(max_length=13, choices=StayWindow.choices, blank=True)
    continuous_limit_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Stay limits: the longest continuous stay, if limited.")
    )
    extra = models.JSONField(default=dict, blank=True, help_text=_("Rule-specific parameters, see EXTRA_PARAMETERS."))
    summary = models.CharField(max_length=300, help_text=_("The rule in one plain sentence."))
    citation = models.CharField(
        max_length=500, help_text=_("The wording in force, e.g. 115-ФЗ ст. 5 п. 1 ред. 260-ФЗ.")
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["rule__key", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="legal_rule_version_period_not_reversed",
                violation_error_message=_("A version cannot end before it starts."),
            ),
            models.UniqueConstraint(
                fields=["rule", "valid_from"],
                name="legal_rule_version_unique_start",
                violation_error_message=_("This rule already has a version starting on this day."),
            ),
            # Also the index `rule_version_in_force` uses: (rule_id, valid_from).
            models.UniqueConstraint(
                fields=["rule"],
                condition=Q(valid_to__isnull=True),
                name="legal_rule_version_one_open",
                violation_error_message=_("Only one version of a rule can be open-ended."),
            ),
            models.CheckConstraint(
                condition=(Q(offset_unit="") & Q(offset_amount__isnull=True))
                | (~Q(offset_unit="") & Q(offset_amount__isnull=False)),
                name="legal_rule_version_offset_has_unit",
                violation_error_message=_("A period needs both an amount and a unit."),
            ),
            models.CheckConstraint(
                condition=(Q(window="") & Q(limit_days__isnull=True)) | (~Q(window="") & Q(limit_days__gt=0)),
                name="legal_rule_version_limit_has_window",
                violation_error_message=_("A stay limit needs both a number of days and a window."),
            ),
            models.CheckConstraint(
                condition=Q(continuous_limit_days__isnull=True) | (Q(continuous_limit_days__gt=0) & ~Q(window="")),
                name="legal_rule_version_continuous_limit_positive",
                violation_error_message=_("A continuous limit is positive and belongs to a stay limit."),
            ),
            models.CheckConstraint(condition=Q(anchor__in=Anchor.values), name="legal_rule_version_anchor_valid"),
            models.CheckConstraint(
                condition=Q(offset_unit="") | Q(offset_unit__in=Unit.values), name="legal_rule_version_unit_valid"
            ),
            models.CheckConstraint(
                condition=Q(window="") | Q(window__in=StayWindow.values), name="legal_rule_version_window_valid"
            ),
        ]

    def __str__(self) -> str:
        key = self.rule.key if self.rule_id else "?"
        return f"{key} {self.valid_from} – {self.valid_to or '…'}"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if not isinstance(self.citizenships, list) or not all(
            isinstance(code, str) and ISO3_PATTERN.match(code) for code in self.citizenships
        ):
            errors.setdefault("citizenships", []).append(_('A list of ISO alpha-3 codes, e.g. ["UZB", "TJK"].'))
        if not isinstance(self.extra, dict):
            errors.setdefault("extra", []).append(_("An object of named parameters."))
        else:
            for name, value in self.extra.items():
                check = EXTRA_PARAMETERS.get(name)
                if check is None:
                    errors.setdefault("extra", []).append(
                        _("Unknown parameter %(name)s; known: %(known)s.")
                        % {"name": name, "known": ", ".join(sorted(EXTRA_PARAMETERS))}
                    )
                elif not check(value):
                    errors.setdefault("extra", []).append(_("Parameter %(name)s has the wrong shape.") % {"name": name})
        if errors:
            raise ValidationError(errors)

    def in_force_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class CalendarYear(models.Model):
    """A year of the federal production calendar (5-day week) and the decree it was checked against."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    decree = models.CharField(
        max_length=300, blank=True, help_text=_("The Government decree on transfers of days off for this year.")
    )
    is_verified = models.BooleanField(
        default=False, help_text=_("The days below were checked against the published decree.")
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100), name="legal_calendar_year_plausible"
            ),
        ]

    def __str__(self) -> str:
        return str(self.year)


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Non-working holiday (ТК ст. 112)")
    DAY_OFF = "day_off", _("Day off moved from a weekend")
    WORKING = "working", _("Working day moved from a weekend")
    SHORT = "short", _("Shortened pre-holiday working day")


class CalendarDay(models.Model):
    """A date that differs from the plain Monday-to-Friday week. Saturdays and Sundays are days off
    unless a row makes them working."""

    date = models.DateField(unique=True)
    year = models.ForeignKey(CalendarYear, on_delete=models.CASCADE, related_name="days", db_column="year")
    kind = models.CharField(max_length=7, choices=DayKind.choices)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=DayKind.values), name="legal_calendar_day_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"

    @property
    def is_working(self) -> bool:
        return self.kind in (DayKind.WORKING, DayKind.SHORT)

    def clean(self) -> None:
        if self.date and self.year_id and self.date.year != self.year_id:
            message = _("The date is not in the calendar year %(year)s.") % {"year": self.year_id}
            raise ValidationError({"date": message})
        if self.date and self.kind == DayKind.WORKING and self.date.weekday() < 5:
            raise ValidationError({"kind": _("Only a Saturday or Sunday can be made a working day.")})
        if self.date and self.kind == DayKind.DAY_OFF and self.date.weekday() >= 5:
            raise ValidationError({"kind": _("A weekend day is already a day off.")})
