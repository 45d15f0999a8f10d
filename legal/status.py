"""The per-person status engine: on a given day, the legal basis of the stay, the permitted-until
date, the days used against the stay limit in force, and the next deadlines, each with the rule
version and the facts that produced it ("why").

Consumers: the notifications app (the daily scan is set-based SQL; it reuses `deadline_rules`,
`RuleBook` and `anchor_due_table` from here), the cabinet, and the staff view in
`legal.status_admin`.

Choices a lawyer should know about:
* **Which version of a rule.** A deadline is counted under the version in force on its anchor date
  (the day of entry, arrival, patent issue, last paid day, anniversary...): the law in force when the
  fact happened governs it, a later change never moves the deadline of an earlier event, and a status
  computed for a past day is reproducible. The stay limit is the one exception, by design of
  `legal.selectors.stay_calculation_get`: the version in force on `on` measures the whole history.
* **Facts as of `on`.** Only facts dated on or before `on` count (a payment made later, a patent
  issued later), so the status of a past day is what the engine would have said that day.
* **Bases in order of strength**: ВНЖ, РВП, patent (paid through the day, no grace), EAEU worker
  (contract), student, work permit, visa, then the visa-free stay limit. Days spent on a basis also
  count towards the visa-free limit (the conservative reading); when a basis lapses and the limit is
  already used up, the overstay starts the day after the basis ended, not on day 91.
* Every number comes from `RuleVersion` rows. The only dates that are not rule arithmetic are fact
  dates used as they are: a passport's expiry and a permit's validity end (keys in `FACT_DEADLINES`).

Query budget: 1 (rules) + 7 (the person and their facts) + 2 (production calendar), whatever the
volume of facts. Pass `rules=` to share one `RuleBook` across many persons, and `calendar=` (a
calendar of every year, as `law_snapshot_get` keeps one per process) to skip the calendar's queries.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from django.db import models
from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from legal.counting import ProductionCalendar, add_months, period_end
from legal.models import (
    Anchor,
    CalendarDay,
    CalendarYear,
    CitizenshipGroup,
    DutyHolder,
    Rule,
    RuleVersion,
    StayWindow,
    Unit,
)
from legal.models import PersonStatus as RuleStatus
from legal.selectors import production_calendar_get, stay_limit_from_version
from legal.stay import ROLLING_WINDOW_DAYS, StayPeriod, StayResult, stay_calculate
from migrant_platform.fingerprint import RowSet, rows_fingerprint
from profiles.models import (
    DocumentType,
    EmploymentContract,
    IdentityDocument,
    MigrationRegistration,
    PatentPayment,
    Permit,
    Person,
    Stay,
    VisitPurpose,
)
from reference.models import Country

ONE_DAY = datetime.timedelta(days=1)
STAY_RULE_KEY = "stay.visa_free"
REGISTRATION_GENERAL_KEY = "reg.general"
REGISTRATION_EXEMPTION_PREFIX = "reg.exempt."
# Deadlines that are a fact's own date, not rule arithmetic; no Rule row backs them. A document's
# key is DOC_EXPIRY_KEY + "." + its type (doc.expiry.passport), as the notification scan names it.
DOC_EXPIRY_KEY = "doc.expiry"
PERMIT_END_KEY = "exit.permit_end"
FACT_DEADLINES = {
    DOC_EXPIRY_KEY: gettext_lazy("Identity document expires"),
    PERMIT_END_KEY: gettext_lazy("The permit that the stay rests on ends"),
}
ANNUAL_NOTICE_KEYS = {Permit.Kind.RVP: "rvp.annual", Permit.Kind.VNZH: "vnzh.annual"}
EXPIRING_DOCUMENTS = frozenset({DocumentType.FOREIGN_PASSPORT, DocumentType.RVP, DocumentType.VNZH})
# How far ahead any deadline reaches from `on` (patent term, anniversary + 2 months, birthday + 1
# month), so that one calendar load covers every count.
CALENDAR_HORIZON_MONTHS = 15


class BasisKind(models.TextChoices):
    VNZH = "vnzh", gettext_lazy("Residence permit (ВНЖ)")
    RVP = "rvp", gettext_lazy("Temporary residence permit (РВП)")
    PATENT = "patent", gettext_lazy("Patent, paid through the day")
    EAEU_WORKER = "eaeu_worker", gettext_lazy("EAEU worker under a contract")
    STUDENT = "student", gettext_lazy("Full-time study")
    WORK_PERMIT = "work_permit", gettext_lazy("Work permit")
    VISA = "visa", gettext_lazy("Visa")
    VISA_FREE = "visa_free", gettext_lazy("Visa-free temporary stay")
    OVERSTAY = "overstay", gettext_lazy("No legal basis: overstay")
    NONE = "none", gettext_lazy("No stay, or no basis recorded")


# Strongest first; the values are `Permit.Kind` values too.
BASIS_PRECEDENCE = (
    BasisKind.VNZH,
    BasisKind.RVP,
    BasisKind.PATENT,
    BasisKind.EAEU_WORKER,
    BasisKind.STUDENT,
    BasisKind.WORK_PERMIT,
    BasisKind.VISA,
)
RESIDENT_BASES = frozenset({BasisKind.VNZH, BasisKind.RVP})
# Temporary bases whose end is a date on the permit (or contract): the person must leave by then.
PERMIT_EXIT_BASES = frozenset({BasisKind.EAEU_WORKER, BasisKind.STUDENT, BasisKind.WORK_PERMIT, BasisKind.VISA})

# What to do, by rule key or by the key's first part; the message registry for deadlines.
ACTIONS = {
    "reg": gettext_lazy("Make sure the host files the notification of arrival with MVD (MFC, post or Gosuslugi)."),
    "patent.apply": gettext_lazy("Apply for a patent at the MVD migration centre."),
    "patent.pay": gettext_lazy(
        "Pay the fixed advance income tax for the next period; it must be credited by this day (no grace)."
    ),
    "patent.max": gettext_lazy("The patent reaches its 12-month limit: have it reissued in time, or leave Russia."),
    "patent.reissue": gettext_lazy("Apply to the MVD body that issued the patent for its reissue."),
    "patent.contract_copy": gettext_lazy("Give MVD a copy of the labour or civil-law contract."),
    "bio": gettext_lazy("Pass fingerprinting, photographing and the medical examination."),
    "rvp.annual": gettext_lazy("Notify MVD that you still live in Russia (annual notice, with income documents)."),
    "vnzh.annual": gettext_lazy("Notify MVD that you still live in Russia (annual notice)."),
    "vnzh.replace_age": gettext_lazy("Replace the residence permit card after the birthday."),
    DOC_EXPIRY_KEY: gettext_lazy(
        "Renew the document; the registration and permits tied to the old one must be re-filed."
    ),
    PERMIT_END_KEY: gettext_lazy("Leave Russia by this day, or obtain another legal basis for the stay."),
    STAY_RULE_KEY: gettext_lazy("Leave Russia by this day, or obtain another legal basis for the stay."),
}


class FactRef(NamedTuple):
    """A row that a status or deadline rests on, e.g. ("profiles.Permit", 12)."""

    model: str
    id: int


@dataclass(frozen=True)
class Deadline:
    rule_key: str
    title: str
    due_on: datetime.date
    action: str
    why: str
    facts: tuple[FactRef, ...]
    rule_version_id: int | None
    needs_legal_confirmation: bool
    duty_holder: str = DutyHolder.FOREIGNER
    overdue: bool = False  # the due day has passed and the facts show the duty is still unmet
    calendar_verified: bool = True  # False: counted on a calendar year not checked against its decree


@dataclass(frozen=True)
class Basis:
    kind: str  # BasisKind
    why: str
    facts: tuple[FactRef, ...] = ()
    rule_key: str = ""
    rule_version_id: int | None = None


@dataclass(frozen=True)
class PersonStatus:
    person_id: int
    on: datetime.date
    in_russia: bool
    legal_basis: Basis
    # The last lawful day: the end of the basis, or the visa-free limit's latest exit when that is
    # later (a visa-free citizen keeps those days); under OVERSTAY the last lawful day that passed.
    # None when the basis is indefinite (ВНЖ, an open-ended EAEU contract) or there is none (NONE).
    permitted_until: datetime.date | None
    days_used: int | None  # None: the visa-free stay limit does not apply to this person or basis
    days_limit: int | None
    overstay_days: int
    stay_rule_version_id: int | None
    deadlines: tuple[Deadline, ...]


# --- Rules --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleBook:
    """Every version of every rule, loaded once; `in_force` answers as `rule_version_in_force` does."""

    versions: Mapping[str, tuple[RuleVersion, ...]]

    def in_force(self, key: str, on: datetime.date) -> RuleVersion | None:
        for version in reversed(self.versions.get(key, ())):
            if version.in_force_on(on):
                return version
        return None

    def keys_starting(self, prefix: str) -> list[str]:
        return sorted(key for key in self.versions if key.startswith(prefix))


def rule_book_get() -> RuleBook:
    """All rule versions with their rules, in one query (a few dozen rows: the law, not the people)."""
    versions: dict[str, list[RuleVersion]] = {}
    for version in RuleVersion.objects.select_related("rule").order_by("rule__key", "valid_from"):
        versions.setdefault(version.rule.key, []).append(version)
    return RuleBook(versions={key: tuple(rows) for key, rows in versions.items()})


# Every row the rule book and the production calendar are read from.
LAW_ROW_SETS = (RowSet(Rule), RowSet(RuleVersion), RowSet(CalendarYear), RowSet(CalendarDay))


@dataclass(frozen=True)
class LawSnapshot:
    """The rule book and the production calendar of every shipped year, as of one state of the law data."""

    fingerprint: str  # of LAW_ROW_SETS: changes with any edit of a rule, a version or a calendar day
    rules: RuleBook
    calendar: ProductionCalendar


_law_snapshot: LawSnapshot | None = None


def law_snapshot_get(*, fingerprint: str = "") -> LawSnapshot:
    """The law as it stands now, in one query while it is unchanged (the fingerprint of its rows).

    Kept per process and rebuilt (3 more queries) when any rule, version or calendar row changed, in
    this process or any other: there is nothing to invalidate, so an officer's edit in the admin
    counts on the very next request of every worker. A caller that has just read the fingerprint of
    LAW_ROW_SETS (with its own in one query) passes it.
    """
    global _law_snapshot
    fingerprint = fingerprint or rows_fingerprint(LAW_ROW_SETS)
    snapshot = _law_snapshot
    if snapshot is None or snapshot.fingerprint != fingerprint:
        years = list(CalendarYear.objects.values_list("year", flat=True))
        calendar = (
            production_calendar_get(start=datetime.date(min(years), 1, 1), end=datetime.date(max(years), 12, 31))
            if years
            else ProductionCalendar()
        )
        snapshot = _law_snapshot = LawSnapshot(fingerprint=fingerprint, rules=rule_book_get(), calendar=calendar)
    return snapshot


def rule_applies(*, version: RuleVersion, country: Country, statuses: Iterable[str]) -> bool:
    """Whether a version's citizenship and status conditions cover this person."""
    if version.citizenships and country.iso3 not in version.citizenships:
        return False
    group, regime = version.citizenship_group, country.regime
    if group == CitizenshipGroup.VISA_FREE_ALL and not country.is_visa_free:
        return False
    # The other groups are named after the `Country.regime` they take.
    if group in (CitizenshipGroup.EAEU, CitizenshipGroup.VISA_FREE, CitizenshipGroup.VISA) and regime != group:
        return False
    return version.applies_to_status == RuleStatus.ANY or version.applies_to_status in set(statuses)


def version_due(
    *, version: RuleVersion, anchor: datetime.date, calendar: ProductionCalendar
) -> tuple[datetime.date, bool]:
    """The last day of the version's period from `anchor`, and whether every calendar year it was
    counted on is verified. As `legal.selectors.rule_deadline`, with the version already chosen."""
    if version.offset_amount is None or not version.offset_unit:
        return anchor, True
    due = period_end(
        anchor=anchor,
        amount=version.offset_amount,
        unit=version.offset_unit,
        roll_forward=version.roll_forward,
        calendar=calendar,
    )
    if not (version.roll_forward or version.offset_unit == Unit.WORKING_DAYS):
        return due, True
    years = range(min(anchor, due).year, max(anchor, due).year + 1)
    return due, calendar.is_verified_for(datetime.date(year, 1, 1) for year in years)


def anchor_due_table(
    *, rule_key: str, anchors: Iterable[datetime.date], rules: RuleBook, calendar: ProductionCalendar
) -> dict[datetime.date, tuple[datetime.date, int]]:
    """anchor date -> (due date, rule version id) under the version in force on each anchor.

    For set-based scans: compute the table for the range of anchor dates once, then select the rows
    whose anchor column is one of the dates due on the day of interest. Anchors with no version in
    force are left out.
    """
    table: dict[datetime.date, tuple[datetime.date, int]] = {}
    for anchor in anchors:
        version = rules.in_force(rule_key, anchor)
        if version is not None and version.offset_unit:
            table[anchor] = (version_due(version=version, anchor=anchor, calendar=calendar)[0], version.pk)
    return table


@dataclass(frozen=True)
class DeadlineSource:
    """Where a deadline's anchor date lives, for generating the scan's SQL."""

    rule_key: str  # a key, or a family prefix ending in "."
    anchor: str  # legal.models.Anchor, or "" for a fact's own date
    model: str
    field: str
    rows: str  # which rows, in words


def deadline_rules() -> tuple[DeadlineSource, ...]:
    """The deadlines `person_status` produces and the column each is counted from."""
    return (
        DeadlineSource(REGISTRATION_GENERAL_KEY, Anchor.ARRIVAL, "profiles.Stay", "entered_on",
                       "open stay with no registration since entry; arrival taken as the entry day"),
        DeadlineSource(REGISTRATION_EXEMPTION_PREFIX, Anchor.ENTRY, "profiles.Stay", "entered_on",
                       "as reg.general, for citizenships and statuses the version names; the latest exemption wins"),
        DeadlineSource("patent.apply", Anchor.ENTRY, "profiles.Stay", "entered_on",
                       "entry with purpose work, visa-free outside the EAEU, no patent since entry"),
        DeadlineSource("bio.work", Anchor.ENTRY, "profiles.Stay", "entered_on",
                       "entry with purpose work, no patent since entry, not a resident"),
        DeadlineSource("bio.nonwork", Anchor.ENTRY, "profiles.Stay", "entered_on",
                       "entry with another stated purpose, lawfully present on the due day, not a resident"),
        DeadlineSource("patent.pay", Anchor.PAID_PERIOD_END, "profiles.PatentPayment", "paid_until",
                       "the last of an unbroken chain of on-time payments of a valid patent, before its term ends"),
        DeadlineSource("patent.max", Anchor.PATENT_ISSUE, "profiles.Permit", "issued_on", "valid patent"),
        DeadlineSource("patent.contract_copy", Anchor.PATENT_ISSUE, "profiles.Permit", "issued_on", "valid patent"),
        DeadlineSource("patent.reissue", Anchor.PATENT_TERM_END, "profiles.Permit", "issued_on",
                       "valid patent; the anchor is patent.max counted from issue"),
        DeadlineSource("rvp.annual", Anchor.PERMIT_ANNIVERSARY, "profiles.Permit", "issued_on",
                       "valid РВП; each anniversary before its end"),
        DeadlineSource("vnzh.annual", Anchor.PERMIT_ANNIVERSARY, "profiles.Permit", "issued_on",
                       "valid ВНЖ; each anniversary"),
        DeadlineSource("vnzh.replace_age", Anchor.BIRTHDAY, "profiles.Person", "birth_date",
                       "valid ВНЖ issued before the birthday of an age in extra.ages"),
        DeadlineSource(f"{DOC_EXPIRY_KEY}.", "", "profiles.IdentityDocument", "expires_on",
                       "latest passport, РВП and ВНЖ document of each type"),
        DeadlineSource(STAY_RULE_KEY, Anchor.ENTRY, "profiles.Stay", "entered_on",
                       "visa-free stay: the latest lawful exit of the stay calculation (not a fixed offset)"),
        DeadlineSource(PERMIT_END_KEY, "", "profiles.Permit", "valid_to",
                       "in Russia on a visa, work permit, study or EAEU contract"),
    )  # fmt: skip


# --- Facts --------------------------------------------------------------------------------------


def _ref(row: models.Model) -> FactRef:
    return FactRef(row._meta.label, row.pk)


def _person_facts(*, person_id: int, on: datetime.date, stays_from: datetime.date) -> Person:
    """The person with the facts dated on or before `on`: 7 queries."""
    return (
        Person.objects.select_related("citizenship")
        .prefetch_related(
            Prefetch(
                "stays",
                queryset=Stay.objects.filter(entered_on__lte=on)
                .filter(Q(exited_on__isnull=True) | Q(exited_on__gte=stays_from))
                .select_related("entry")
                .order_by("entered_on", "pk"),
            ),
            Prefetch(
                "permits",
                queryset=Permit.objects.filter(issued_on__lte=on, status=Permit.Status.VALID)
                .prefetch_related(Prefetch("payments", queryset=PatentPayment.objects.filter(paid_on__lte=on)))
                .order_by("valid_from", "pk"),
            ),
            Prefetch(
                "migrationregistrations",
                queryset=MigrationRegistration.objects.filter(valid_from__lte=on).order_by("valid_from", "pk"),
            ),
            Prefetch(
                "documents",
                queryset=IdentityDocument.objects.filter(Q(issued_on__isnull=True) | Q(issued_on__lte=on)).order_by(
                    "expires_on", "pk"
                ),
            ),
            Prefetch(
                "employmentcontracts",
                queryset=EmploymentContract.objects.filter(concluded_on__lte=on).order_by("starts_on", "pk"),
            ),
        )
        .get(pk=person_id)
    )


@dataclass(frozen=True)
class _Cover:
    """A period a basis covers: from `start` to `end` inclusive (None: indefinite)."""

    kind: str
    start: datetime.date
    end: datetime.date | None
    why: str
    facts: tuple[FactRef, ...]
    rule_key: str = ""
    version: RuleVersion | None = None

    def covers(self, day: datetime.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class _Patent:
    permit: Permit
    paid_through: datetime.date | None
    chain: tuple[PatentPayment, ...]
    term_end: datetime.date  # the permit's end, or patent.max from issue if earlier
    max_version: RuleVersion | None
    pay_version: RuleVersion | None  # patent.pay in force on the last paid day

    def in_force(self, on: datetime.date) -> bool:
        return self.paid_through is not None and self.permit.valid_from <= on <= min(self.paid_through, self.term_end)


def _paid_through(payments: Sequence[PatentPayment]) -> tuple[datetime.date | None, tuple[PatentPayment, ...]]:
    """The last day of the unbroken chain of on-time payments (НК 227.1; P4: no grace).

    A payment made after the last paid day, or one leaving a gap, does not revive a patent that
    ended the day after its last paid day.
    """
    paid_through: datetime.date | None = None
    chain: list[PatentPayment] = []
    for payment in sorted(payments, key=lambda p: (p.period_from, p.paid_on, p.pk)):
        if paid_through is not None and (
            payment.paid_on > paid_through or payment.period_from > paid_through + ONE_DAY
        ):
            break
        paid_through = payment.paid_until if paid_through is None else max(paid_through, payment.paid_until)
        chain.append(payment)
    return paid_through, tuple(chain)


def _patent(permit: Permit, rules: RuleBook, calendar: ProductionCalendar) -> _Patent:
    """A patent's paid days and term.

    The term is patent.max counted from issue, not `Permit.valid_to`: agency feeds (and the demo
    population) state a patent's validity as its paid-through day, which for a past `on` is a fact
    from the future. `valid_to` is used only for a patent with no payment recorded (the tax feed
    may lag), as the validity the patent record states.
    """
    paid_through, chain = _paid_through(list(permit.payments.all()))
    if not chain:
        paid_through = permit.valid_to
    max_version = rules.in_force("patent.max", permit.issued_on)
    if max_version is not None and max_version.offset_unit:
        term_end = version_due(version=max_version, anchor=permit.issued_on, calendar=calendar)[0]
    else:
        term_end = permit.valid_to or permit.issued_on
    pay_version = rules.in_force("patent.pay", paid_through) if paid_through else None
    return _Patent(permit, paid_through, chain, term_end, max_version, pay_version)


def _contract_end(contract: EmploymentContract) -> datetime.date | None:
    ends = [day for day in (contract.ends_on, contract.terminated_on) if day is not None]
    return min(ends) if ends else None


def _covers(person: Person, patents: Mapping[int, _Patent], is_eaeu: bool) -> list[_Cover]:
    covers: list[_Cover] = []
    for permit in person.permits.all():
        if permit.kind == Permit.Kind.PATENT:
            patent = patents[permit.pk]
            if patent.paid_through is None:
                continue
            end = min(patent.paid_through, patent.term_end)
            why = _("Patent %(number)s issued on %(issued)s, paid through %(paid)s; its term ends on %(term)s.") % {
                "number": permit.number or f"#{permit.pk}",
                "issued": permit.issued_on,
                "paid": patent.paid_through,
                "term": patent.term_end,
            }
            if not patent.chain:
                why += " " + _("No payment is recorded: the validity stated on the patent is used.")
            facts = (_ref(permit), *(_ref(p) for p in patent.chain))
            covers.append(
                _Cover(BasisKind.PATENT, permit.valid_from, end, why, facts, "patent.pay", patent.pay_version)
            )
        else:
            why = _("%(kind)s %(number)s valid from %(start)s until %(end)s.") % {
                "kind": permit.get_kind_display(),
                "number": permit.number or f"#{permit.pk}",
                "start": permit.valid_from,
                "end": permit.valid_to or _("no end date"),
            }
            covers.append(_Cover(BasisKind(permit.kind), permit.valid_from, permit.valid_to, why, (_ref(permit),)))
    if is_eaeu:  # EAEU Treaty art. 97 p. 5: the stay lasts as long as the contract.
        for contract in person.employmentcontracts.all():
            end = _contract_end(contract)
            why = _("Citizen of an EAEU state with a contract concluded on %(concluded)s, until %(end)s.") % {
                "concluded": contract.concluded_on,
                "end": end or _("no end date"),
            }
            covers.append(_Cover(BasisKind.EAEU_WORKER, contract.concluded_on, end, why, (_ref(contract),)))
    return covers


def _stay_lookback(version: RuleVersion | None, on: datetime.date) -> datetime.date:
    """The earliest day of presence the stay limit in force on `on` can still count."""
    if version is None or not version.window:
        return on
    if version.window == StayWindow.CALENDAR_YEAR:
        return datetime.date(on.year, 1, 1)
    return on - datetime.timedelta(days=ROLLING_WINDOW_DAYS[StayWindow(version.window)] - 1)


def _window_text(version: RuleVersion, on: datetime.date) -> str:
    if version.window == StayWindow.CALENDAR_YEAR:
        return _("the calendar year %(year)s") % {"year": on.year}
    return _("the %(days)s days ending on %(on)s") % {"days": ROLLING_WINDOW_DAYS[StayWindow(version.window)], "on": on}


def _rule_text(version: RuleVersion) -> str:
    return _("Rule %(key)s (%(citation)s; version in force from %(start)s): %(summary)s") % {
        "key": version.rule.key,
        "summary": version.summary,
        "citation": version.citation,
        "start": version.valid_from,
    }


# --- The engine ---------------------------------------------------------------------------------


@dataclass
class _Context:
    person: Person
    on: datetime.date
    rules: RuleBook
    calendar: ProductionCalendar
    basis: str
    statuses: frozenset[str]
    stay: Stay | None  # the stay `on` falls in
    stay_continues: bool  # that stay goes on after `on` (no exit on or before `on`)
    registered: MigrationRegistration | None  # a registration made during that stay
    patent_since_entry: bool
    permitted_until: datetime.date | None
    deadlines: list[Deadline]

    def add(
        self,
        *,
        version: RuleVersion,
        anchor: datetime.date,
        anchor_text: str,
        facts: Sequence[FactRef],
        overdue_allowed: bool = False,
    ) -> Deadline | None:
        """Count the version's period from `anchor`; keep the deadline if it is still ahead, or
        overdue and `overdue_allowed` (the facts show the duty unmet)."""
        due, verified = version_due(version=version, anchor=anchor, calendar=self.calendar)
        if due < self.on and not overdue_allowed:
            return None
        deadline = Deadline(
            rule_key=version.rule.key,
            title=version.rule.title,
            due_on=due,
            action=_action(version.rule.key),
            why=f"{anchor_text} {_rule_text(version)}",
            facts=tuple(facts),
            rule_version_id=version.pk,
            needs_legal_confirmation=version.rule.needs_legal_confirmation or not verified,
            duty_holder=version.rule.duty_holder,
            overdue=due < self.on,
            calendar_verified=verified,
        )
        self.deadlines.append(deadline)
        return deadline

    def applicable(self, key: str, anchor: datetime.date) -> RuleVersion | None:
        version = self.rules.in_force(key, anchor)
        if version is None or not version.offset_unit:
            return None
        if not rule_applies(version=version, country=self.person.citizenship, statuses=self.statuses):
            return None
        return version


def _action(key: str) -> str:
    """The action of the key, or of its longest prefix that has one (reg.exempt.UZ -> reg)."""
    parts = key.split(".")
    for size in range(len(parts), 0, -1):
        if (action := ACTIONS.get(".".join(parts[:size]))) is not None:
            return str(action)
    return ""


def person_status(
    *,
    person: Person,
    on: datetime.date,
    rules: RuleBook | None = None,
    calendar: ProductionCalendar | None = None,
) -> PersonStatus:
    """The person's legal status on `on` and the deadlines ahead (and unmet ones passed).

    `calendar`, when given, must cover every year the data has (a `LawSnapshot`'s does): counts that
    reach a year it lacks treat that year as a plain five-day week. Given neither, the process's
    `LawSnapshot` serves both (one query while the law is unchanged).
    """
    if rules is None and calendar is None:
        law = law_snapshot_get()
        rules, calendar = law.rules, law.calendar
    rules = rules or rule_book_get()
    stay_version = rules.in_force(STAY_RULE_KEY, on)
    person = _person_facts(person_id=person.pk, on=on, stays_from=_stay_lookback(stay_version, on))
    country = person.citizenship
    stays = list(person.stays.all())
    current = next((s for s in reversed(stays) if s.exited_on is None or s.exited_on >= on), None)
    in_russia = current is not None
    stay_continues = current is not None and (current.exited_on is None or current.exited_on > on)

    # One calendar load covers every count: from the earliest anchor to the horizon after `on`.
    patent_rows = [p for p in person.permits.all() if p.kind == Permit.Kind.PATENT]
    anchors = [on, *([current.entered_on] if current else []), *(p.issued_on for p in patent_rows)]
    if calendar is None:
        calendar = production_calendar_get(start=min(anchors) - ONE_DAY, end=add_months(on, CALENDAR_HORIZON_MONTHS))
    patents = {p.pk: _patent(p, rules, calendar) for p in patent_rows}
    covers = _covers(person, patents, country.is_eaeu)
    in_force = [c for c in covers if c.covers(on)]
    cover = min(in_force, key=lambda c: BASIS_PRECEDENCE.index(BasisKind(c.kind))) if in_force else None

    # The visa-free stay limit, measured by the version in force on `on` over the stays up to `on`.
    calc: StayResult | None = None
    if stay_version is not None and country.regime != Country.MigrationRegime.DOMESTIC:
        limit_applies = rule_applies(version=stay_version, country=country, statuses=[RuleStatus.TEMPORARY_STAY])
        if limit_applies and not (cover is not None and cover.kind in RESIDENT_BASES):
            periods = [
                StayPeriod(entry=s.entered_on, exit=s.exited_on if s.exited_on and s.exited_on <= on else None)
                for s in stays
            ]
            calc = stay_calculate(stays=periods, on=on, limit=stay_limit_from_version(stay_version))

    basis, permitted_until, overstay = _basis(
        country=country, on=on, current=current, cover=cover, covers=covers, calc=calc, stay_version=stay_version
    )

    purpose = current.entry.purpose if current is not None else ""
    statuses = {RuleStatus.ANY, *((basis.kind,) if basis.kind in RuleStatus.values else ())}
    if basis.kind not in RESIDENT_BASES:
        statuses.add(RuleStatus.TEMPORARY_STAY)
    if purpose == VisitPurpose.WORK:
        statuses.add(RuleStatus.WORK)
    elif purpose:
        statuses.add(RuleStatus.NON_WORK)

    context = _Context(
        person=person,
        on=on,
        rules=rules,
        calendar=calendar,
        basis=basis.kind,
        statuses=frozenset(statuses),
        stay=current,
        stay_continues=stay_continues,
        registered=next(
            (r for r in person.migrationregistrations.all() if current and r.arrived_on >= current.entered_on), None
        ),
        patent_since_entry=current is not None
        and any(p.permit.issued_on >= current.entered_on for p in patents.values()),
        permitted_until=permitted_until,
        deadlines=[],
    )
    if country.regime != Country.MigrationRegime.DOMESTIC:
        _stay_deadlines(context)
        _patent_deadlines(context, [patent for patent in patents.values() if patent.in_force(on)])
        _resident_deadlines(context)
        _document_deadlines(context)
        _exit_deadline(context, basis=basis, cover=cover, calc=calc, stay_version=stay_version)

    counted = calc is not None and stay_version is not None
    return PersonStatus(
        person_id=person.pk,
        on=on,
        in_russia=in_russia,
        legal_basis=basis,
        permitted_until=permitted_until,
        days_used=calc.days_used if calc is not None else None,
        days_limit=stay_version.limit_days if counted and stay_version else None,
        overstay_days=overstay,
        stay_rule_version_id=stay_version.pk if counted and stay_version else None,
        deadlines=tuple(sorted(context.deadlines, key=lambda d: (d.due_on, d.rule_key))),
    )


def _basis(
    *,
    country: Country,
    on: datetime.date,
    current: Stay | None,
    cover: _Cover | None,
    covers: Sequence[_Cover],
    calc: StayResult | None,
    stay_version: RuleVersion | None,
) -> tuple[Basis, datetime.date | None, int]:
    """The basis on `on`, the last lawful day on it and the days of overstay."""
    if country.regime == Country.MigrationRegime.DOMESTIC:
        return Basis(BasisKind.NONE, _("A citizen of Russia: migration rules do not apply.")), None, 0
    stay_facts = (_ref(current), _ref(current.entry)) if current is not None else ()
    if cover is not None:
        until = cover.end
        why = cover.why
        # A visa-free citizen may also rely on the stay limit when it lasts longer than the basis.
        lawful_exit = calc.latest_exit if calc is not None and calc.overstay_days == 0 else None
        if current is not None and until is not None and lawful_exit is not None and lawful_exit > until:
            until = lawful_exit
            why += " " + _("The visa-free stay limit allows the stay until %(day)s, later than the basis.") % {
                "day": lawful_exit
            }
        version_id = cover.version.pk if cover.version else None
        return Basis(cover.kind, why, cover.facts + stay_facts, cover.rule_key, version_id), until, 0
    if current is None:
        return Basis(BasisKind.NONE, _("Not in Russia on %(on)s and no permit in force.") % {"on": on}), None, 0

    entered = _("Entered Russia on %(entry)s.") % {"entry": current.entered_on}
    # The last day a basis that has ended covered during this stay: the overstay starts after it.
    ended = [c for c in covers if c.end is not None and current.entered_on <= c.end < on]
    last_cover = max(ended, key=lambda c: c.end or on) if ended else None
    ended_facts, ended_text = (), ""
    if last_cover is not None:
        ended_facts = last_cover.facts
        ended_text = " " + _("The last basis ended on %(end)s: %(why)s") % {
            "end": last_cover.end,
            "why": last_cover.why,
        }
    if calc is not None and stay_version is not None:
        counted = _("%(used)s of %(limit)s days used in %(window)s.") % {
            "used": calc.days_used,
            "limit": stay_version.limit_days,
            "window": _window_text(stay_version, on),
        }
        if calc.overstay_days == 0:
            why = f"{entered} {counted} " + _("Visa-free stay lawful until %(day)s.") % {"day": calc.latest_exit}
            basis = Basis(BasisKind.VISA_FREE, why, stay_facts, STAY_RULE_KEY, stay_version.pk)
            return basis, calc.latest_exit, 0
        lawful = [day for day in (calc.latest_exit, last_cover.end if last_cover else None) if day is not None]
        last_lawful = max(lawful) if lawful else None
        overstay = (on - last_lawful).days if last_lawful else calc.overstay_days
        why = f"{entered} {counted}{ended_text} " + _("No legal basis since %(day)s: %(days)s days of overstay.") % {
            "day": (last_lawful + ONE_DAY) if last_lawful else current.entered_on,
            "days": overstay,
        }
        basis = Basis(BasisKind.OVERSTAY, why, stay_facts + ended_facts, STAY_RULE_KEY, stay_version.pk)
        return basis, last_lawful, overstay
    if last_cover is not None and last_cover.end is not None:
        overstay = (on - last_cover.end).days
        why = f"{entered}{ended_text} " + _("No legal basis since %(day)s: %(days)s days of overstay.") % {
            "day": last_cover.end + ONE_DAY,
            "days": overstay,
        }
        return Basis(BasisKind.OVERSTAY, why, stay_facts + ended_facts), last_cover.end, overstay
    why = f"{entered} " + _("No visa or permit is recorded for this stay: check the documents.")
    return Basis(BasisKind.NONE, why, stay_facts), None, 0


def _stay_deadlines(context: _Context) -> None:
    """Registration, patent application, fingerprinting and medical examination: counted from the
    entry of the stay `on` falls in, while it goes on."""
    stay = context.stay
    if stay is None or not context.stay_continues or context.basis in RESIDENT_BASES:
        return
    entry = stay.entered_on
    entry_facts = (_ref(stay), _ref(stay.entry))
    entered = _("Entered Russia on %(entry)s (purpose: %(purpose)s).") % {
        "entry": entry,
        "purpose": stay.entry.get_purpose_display() or _("not stated"),
    }

    if context.registered is None:
        # The exemption the person may rely on is the one that lasts longest; without one, the
        # general rule counts from arrival, taken as the entry day (no later arrival is recorded).
        best: tuple[datetime.date, RuleVersion] | None = None
        for key in context.rules.keys_starting(REGISTRATION_EXEMPTION_PREFIX):
            version = context.applicable(key, entry)
            if version is not None and version.anchor in (Anchor.ENTRY, Anchor.ARRIVAL):
                due = version_due(version=version, anchor=entry, calendar=context.calendar)[0]
                if best is None or due > best[0]:
                    best = (due, version)
        version = best[1] if best else context.applicable(REGISTRATION_GENERAL_KEY, entry)
        if version is not None:
            text = entered + " " + _("No registration at the place of stay is recorded since.")
            if version.anchor == Anchor.ARRIVAL:
                text += " " + _("Arrival at the place of stay is taken as the day of entry.")
            context.add(version=version, anchor=entry, anchor_text=text, facts=entry_facts, overdue_allowed=True)

    if RuleStatus.WORK in context.statuses and not context.patent_since_entry and context.basis != BasisKind.PATENT:
        version = context.applicable("patent.apply", entry)
        if version is not None:
            text = entered + " " + _("No patent is recorded since.")
            context.add(version=version, anchor=entry, anchor_text=text, facts=entry_facts, overdue_allowed=True)

    if not context.patent_since_entry:  # the patent application includes both
        for key in ("bio.work", "bio.nonwork"):
            version = context.applicable(key, entry)
            if version is None:
                continue
            due = version_due(version=version, anchor=entry, calendar=context.calendar)[0]
            # Only a duty for someone who may still lawfully be here on the due day (B3: "staying
            # over 90 days"): a visa-free visitor who must leave before it has no such duty.
            until = context.permitted_until
            indefinite = until is None and context.basis not in (BasisKind.NONE, BasisKind.OVERSTAY)
            if not indefinite and (until is None or until < due):
                continue
            context.add(version=version, anchor=entry, anchor_text=entered, facts=entry_facts)


def _patent_deadlines(context: _Context, patents: Sequence[_Patent]) -> None:
    """Payment, contract copy, 12-month limit and reissue of a patent in force on `on`."""
    for patent in patents:
        permit = patent.permit
        issued = _("Patent %(number)s issued on %(issued)s.") % {
            "number": permit.number or f"#{permit.pk}",
            "issued": permit.issued_on,
        }
        facts = (_ref(permit),)
        for key in ("patent.contract_copy", "patent.max"):
            version = context.applicable(key, permit.issued_on)
            if version is not None:
                context.add(version=version, anchor=permit.issued_on, anchor_text=issued, facts=facts)
        if patent.max_version is not None:
            version = context.applicable("patent.reissue", patent.term_end)
            if version is not None:
                text = issued + " " + _("Its 12-month term ends on %(term)s.") % {"term": patent.term_end}
                context.add(version=version, anchor=patent.term_end, anchor_text=text, facts=facts)
        if patent.paid_through is not None and patent.paid_through < patent.term_end:
            version = context.applicable("patent.pay", patent.paid_through)
            if version is not None:
                if patent.chain:
                    paid = _("Paid through %(paid)s (last payment on %(paid_on)s, receipt %(receipt)s).") % {
                        "paid": patent.paid_through,
                        "paid_on": patent.chain[-1].paid_on,
                        "receipt": patent.chain[-1].receipt_number,
                    }
                else:
                    paid = _("Valid until %(paid)s as stated on the patent; no payment is recorded.") % {
                        "paid": patent.paid_through
                    }
                context.add(
                    version=version,
                    anchor=patent.paid_through,
                    anchor_text=f"{issued} {paid}",
                    facts=(*facts, *(_ref(p) for p in patent.chain)),
                )


def _resident_deadlines(context: _Context) -> None:
    """The annual notice of РВП and ВНЖ holders (each anniversary), and the ВНЖ card at 14/20/45."""
    on = context.on
    for permit in context.person.permits.all():
        key = ANNUAL_NOTICE_KEYS.get(permit.kind)
        if key is None or not (permit.valid_from <= on and (permit.valid_to is None or on <= permit.valid_to)):
            continue
        # The first anniversary whose notice period has not ended yet: starting from the one in the
        # year before `on`, three tries always reach it.
        years = max(1, on.year - permit.issued_on.year - 1)
        for _attempt in range(3):
            anniversary = add_months(permit.issued_on, 12 * years)
            if permit.valid_to is not None and anniversary >= permit.valid_to:
                break
            version = context.applicable(key, anniversary)
            if version is not None:
                text = _("%(kind)s received on %(issued)s; anniversary no. %(n)s on %(anniversary)s.") % {
                    "kind": permit.get_kind_display(),
                    "issued": permit.issued_on,
                    "n": years,
                    "anniversary": anniversary,
                }
                if context.add(version=version, anchor=anniversary, anchor_text=text, facts=(_ref(permit),)):
                    break
            years += 1
        if permit.kind == Permit.Kind.VNZH:
            _vnzh_age_deadline(context, permit)


def _vnzh_age_deadline(context: _Context, permit: Permit) -> None:
    """The next card replacement within the calendar horizon (a birthday decades ahead is not "next")."""
    key, birth = "vnzh.replace_age", context.person.birth_date
    horizon = add_months(context.on, CALENDAR_HORIZON_MONTHS - 2)
    ages = {age for version in context.rules.versions.get(key, ()) for age in version.extra.get("ages", [])}
    for age in sorted(ages):
        birthday = add_months(birth, 12 * age)
        if birthday <= permit.issued_on or birthday > horizon:
            continue
        version = context.applicable(key, birthday)
        if version is None or age not in version.extra.get("ages", []):
            continue
        text = _("Born on %(birth)s: turns %(age)s on %(birthday)s; residence permit issued on %(issued)s.") % {
            "birth": birth,
            "age": age,
            "birthday": birthday,
            "issued": permit.issued_on,
        }
        if context.add(version=version, anchor=birthday, anchor_text=text, facts=(_ref(permit),)):
            return


def _document_deadlines(context: _Context) -> None:
    """Expiry of the latest passport, РВП and ВНЖ document (reminder offsets are the scan's)."""
    latest: dict[str, IdentityDocument] = {}
    for document in context.person.documents.all():  # ordered by expiry
        if document.expires_on is not None and document.document_type in EXPIRING_DOCUMENTS:
            latest[document.document_type] = document
    for document in latest.values():
        due = document.expires_on
        assert due is not None
        # An expired passport stays a duty while the person is here; an expired РВП/ВНЖ card shows
        # in the basis instead.
        if due < context.on and (document.document_type != DocumentType.FOREIGN_PASSPORT or context.stay is None):
            continue
        why = _("%(type)s %(number)s (%(country)s) is valid until %(day)s; no later one is recorded.") % {
            "type": document.get_document_type_display(),
            "number": document.number,
            "country": document.issuing_country_id,
            "day": due,
        }
        context.deadlines.append(
            Deadline(
                rule_key=f"{DOC_EXPIRY_KEY}.{document.document_type}",
                title=str(FACT_DEADLINES[DOC_EXPIRY_KEY]),
                due_on=due,
                action=_action(DOC_EXPIRY_KEY),
                why=why,
                facts=(_ref(document),),
                rule_version_id=None,
                needs_legal_confirmation=True,  # V5: no federal rule found, only practice
                overdue=due < context.on,
            )
        )


def _exit_deadline(
    context: _Context,
    *,
    basis: Basis,
    cover: _Cover | None,
    calc: StayResult | None,
    stay_version: RuleVersion | None,
) -> None:
    """Leave by the last lawful day of a temporary stay (overdue when it already passed)."""
    due = context.permitted_until
    if context.stay is None or not context.stay_continues or due is None:
        return
    if basis.kind in (BasisKind.VISA_FREE, BasisKind.OVERSTAY) and calc is not None and stay_version is not None:
        context.deadlines.append(
            Deadline(
                rule_key=STAY_RULE_KEY,
                title=stay_version.rule.title,
                due_on=due,
                action=_action(STAY_RULE_KEY),
                why=f"{basis.why} {_rule_text(stay_version)}",
                facts=basis.facts,
                rule_version_id=stay_version.pk,
                needs_legal_confirmation=stay_version.rule.needs_legal_confirmation,
                overdue=due < context.on,
            )
        )
    elif basis.kind in PERMIT_EXIT_BASES or basis.kind == BasisKind.OVERSTAY:
        context.deadlines.append(
            Deadline(
                rule_key=PERMIT_END_KEY,
                title=str(FACT_DEADLINES[PERMIT_END_KEY]),
                due_on=due,
                action=_action(PERMIT_END_KEY),
                why=basis.why,
                facts=basis.facts,
                rule_version_id=None,
                needs_legal_confirmation=False,
                overdue=due < context.on,
            )
        )


# --- Serialization ------------------------------------------------------------------------------


def person_status_as_dict(status: PersonStatus) -> dict:
    """JSON-ready form for the staff view, the cabinet and API snapshots."""

    def day(value: datetime.date | None) -> str | None:
        return value.isoformat() if value else None

    def refs(facts: Iterable[FactRef]) -> list[dict]:
        return [{"model": ref.model, "id": ref.id} for ref in facts]

    basis = status.legal_basis
    return {
        "person_id": status.person_id,
        "on": day(status.on),
        "in_russia": status.in_russia,
        "legal_basis": {
            "kind": basis.kind,
            "label": str(BasisKind(basis.kind).label),
            "why": basis.why,
            "facts": refs(basis.facts),
            "rule_key": basis.rule_key,
            "rule_version_id": basis.rule_version_id,
        },
        "permitted_until": day(status.permitted_until),
        "days_used": status.days_used,
        "days_limit": status.days_limit,
        "overstay_days": status.overstay_days,
        "stay_rule_version_id": status.stay_rule_version_id,
        "deadlines": [
            {
                "rule_key": d.rule_key,
                "title": d.title,
                "due_on": day(d.due_on),
                "action": d.action,
                "why": d.why,
                "facts": refs(d.facts),
                "rule_version_id": d.rule_version_id,
                "needs_legal_confirmation": d.needs_legal_confirmation,
                "duty_holder": d.duty_holder,
                "overdue": d.overdue,
                "calendar_verified": d.calendar_verified,
            }
            for d in status.deadlines
        ],
    }
