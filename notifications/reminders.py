"""The daily reminder scan: set-based SQL from the profile's facts to the outbox.

For each active `ReminderSchedule`, one query selects the deadlines that fall in the reminder
window (`on` .. `on` + the largest offset) straight from the profile tables, and one
`INSERT ... SELECT ... ON CONFLICT (idempotency_key) DO NOTHING` turns them into notifications;
two more insert the inbox and the first consented external delivery of everything this run
created. The statements are the same on PostgreSQL and SQLite apart from date arithmetic and JSON
(`outbox.Sql`), so the developer setup runs exactly what production runs.

Which offset fires: the smallest configured offset that is not below the days left. With offsets
10, 5, 3, 1 a deadline 4 days away gets its "5 days" reminder; a missed day of scanning therefore
sends the latest step only, never a burst of old ones, and a scan run twice inserts nothing new.

The same deadline queries, restricted to a batch of persons, are the dispatcher's re-check right
before sending (`reminders_resolved`): a reminder whose deadline no longer exists or moved (the
payment arrived, the document was renewed, the stay ended) is cancelled, not sent.

The scan reads these columns of other apps' tables (a read-only dependency, kept here in one
place): profiles Person (id, merged_into, citizenship, phone, email), Permit (person, kind,
status, valid_from, valid_to), PatentPayment (permit, paid_until), IdentityDocument (person,
document_type, expires_on), Stay (person, entered_on, exited_on), MigrationRegistration (person,
region, valid_to, closed_on); reference Country (iso3, regime) and Region (code, timezone).
"""

from __future__ import annotations

import datetime
import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from legal.selectors import RuleNotInForce, production_calendar_get, rule_version_in_force
from legal.status import anchor_due_table, rule_book_get
from notifications.models import Notification, NotificationStatus, ReminderSchedule, ReminderSource, ScanRun
from notifications.outbox import Sql, outbox_insert_deliveries, table
from notifications.registry import DEADLINE_REMINDER
from profiles.models import (
    BorderCrossing,
    IdentityDocument,
    MigrationRegistration,
    PatentPayment,
    Permit,
    Person,
    Stay,
)
from reference.models import Country

logger = logging.getLogger(__name__)
# Permits that give a visa-free person a basis to stay beyond the 90-day limit (DOMAIN.md S2).
STAY_EXTENDING_PERMITS = ("patent", "work_permit", "eaeu_worker", "student", "rvp", "vnzh", "visa")


# --- Deadline sources ------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineQuery:
    """SELECT person_id, subject_id, rule_key, due_on, label FROM ... (one row per deadline)."""

    sql: str
    params: list[Any]
    label_variable: str | None = None


@dataclass(frozen=True)
class Window:
    on: datetime.date
    lo: datetime.date
    hi: datetime.date
    cached: bool = False  # the dispatcher's re-check may reuse rule computations (anchor_due_map)


def _person_filter(column: str, person_ids: Sequence[int] | None, sql: Sql) -> tuple[str, list[Any]]:
    if person_ids is None:
        return "", []
    return f" AND {column} IN ({sql.placeholders(person_ids) or 'NULL'})", list(person_ids)


_ANCHOR_CACHE: dict[tuple[str, datetime.date, datetime.date], tuple[float, dict[datetime.date, datetime.date]]] = {}
ANCHOR_CACHE_SECONDS = 600


def anchor_due_map(
    *, rule_key: str, lo: datetime.date, hi: datetime.date, cached: bool = False
) -> dict[datetime.date, datetime.date]:
    """Anchor dates whose deadline under `rule_key` falls in lo..hi, with that deadline.

    The legal app counts the period (`legal.status.anchor_due_table`: calendar or working days,
    months, rolling to a working day, the version in force on each anchor); there are only as many
    distinct anchors as days in the window, so the count runs in Python and the SQL gets a small
    table of dates. The
    dispatcher's re-check asks for the same few windows in every batch: `cached` keeps them for
    ten minutes (a new rule version reaches the re-check within that; the scan never caches).
    """
    key = (rule_key, lo, hi)
    if cached and (hit := _ANCHOR_CACHE.get(key)) and time.monotonic() - hit[0] < ANCHOR_CACHE_SECONDS:
        return hit[1]
    mapping = _anchor_due_map(rule_key=rule_key, lo=lo, hi=hi)
    if cached:
        if len(_ANCHOR_CACHE) > 256:
            _ANCHOR_CACHE.clear()
        _ANCHOR_CACHE[key] = (time.monotonic(), mapping)
    return mapping


def _anchor_due_map(*, rule_key: str, lo: datetime.date, hi: datetime.date) -> dict[datetime.date, datetime.date]:
    rules = rule_book_get()  # one query: the law, not the people
    version = rules.in_force(rule_key, lo) or rules.in_force(rule_key, hi)
    if version is None:
        return {}
    # How far an anchor can lie from its deadline: months of 31 days, working days at most 2 per day,
    # plus a month of holidays.
    amount = abs(version.offset_amount or 0)
    span = datetime.timedelta(days=amount * (31 if version.offset_unit == "months" else 2) + 31)
    calendar = production_calendar_get(start=lo - span, end=hi + span)
    anchors = [lo - span + datetime.timedelta(days=day) for day in range((hi - lo + 2 * span).days + 1)]
    table = anchor_due_table(rule_key=rule_key, anchors=anchors, rules=rules, calendar=calendar)
    return {anchor: due for anchor, (due, _version_id) in table.items() if lo <= due <= hi}


def _anchored(
    anchor_column: str, rule_key: str, window: Window, sql: Sql
) -> tuple[str, str, list[Any], list[Any]] | None:
    """(due expression, anchor filter, due params, filter params) for a rule-anchored deadline."""
    if not rule_key:
        return anchor_column, f"{anchor_column} BETWEEN %s AND %s", [], [sql.date(window.lo), sql.date(window.hi)]
    mapping = anchor_due_map(rule_key=rule_key, lo=window.lo, hi=window.hi, cached=window.cached)
    if not mapping:
        return None
    shifts = {(due - anchor).days for anchor, due in mapping.items()}
    anchors = sorted(mapping)
    if len(shifts) == 1:  # the usual case (calendar days): a plain range on the anchor column
        shift = shifts.pop()
        due_sql = anchor_column if shift == 0 else sql.plus_days(anchor_column, str(int(shift)))
        return due_sql, f"{anchor_column} BETWEEN %s AND %s", [], [sql.date(anchors[0]), sql.date(anchors[-1])]
    cases = " ".join("WHEN %s THEN %s" for _ in anchors)
    due_params = [value for anchor in anchors for value in (sql.date(anchor), sql.date(mapping[anchor]))]
    return (
        f"CASE {anchor_column} {cases} END",
        f"{anchor_column} IN ({sql.placeholders(anchors)})",
        due_params,
        [sql.date(anchor) for anchor in anchors],
    )


def _patent_payment(
    schedule: ReminderSchedule, window: Window, person_ids: Sequence[int] | None, sql: Sql
) -> DeadlineQuery | None:
    """The end of the paid period of each valid patent: paid_until of its latest payment (НК 227.1)."""
    anchored = _anchored("pp.paid_until", schedule.rule_key, window, sql)
    if anchored is None:
        return None
    due_sql, anchor_filter, due_params, filter_params = anchored
    people, people_params = _person_filter("pm.person_id", person_ids, sql)
    payment, permit, person = table(PatentPayment), table(Permit), table(Person)
    return DeadlineQuery(
        sql=f"""
            SELECT pm.person_id AS person_id, pm.id AS subject_id, %s AS rule_key, {due_sql} AS due_on, '' AS label
            FROM {payment} pp
            JOIN {permit} pm ON pm.id = pp.permit_id
            JOIN {person} p ON p.id = pm.person_id
            WHERE {anchor_filter} AND pm.kind = 'patent' AND pm.status = 'valid'
              AND (pm.valid_to IS NULL OR pp.paid_until < pm.valid_to)
              AND p.merged_into_id IS NULL{people}
              AND NOT EXISTS (
                  SELECT 1 FROM {payment} later
                  WHERE later.permit_id = pp.permit_id AND later.paid_until > pp.paid_until
              )
        """,  # noqa: S608 - table names from _meta, values bound
        params=[schedule.key, *due_params, *filter_params, *people_params],
    )


def _document_expiry(
    schedule: ReminderSchedule, window: Window, person_ids: Sequence[int] | None, sql: Sql
) -> DeadlineQuery | None:
    """expires_on of each person's latest document of each listed type (a renewal supersedes it)."""
    types = list(schedule.parameters.get("document_types") or [])
    if not types:
        return None
    people, people_params = _person_filter("d.person_id", person_ids, sql)
    document, person = table(IdentityDocument), table(Person)
    return DeadlineQuery(
        sql=f"""
            SELECT d.person_id AS person_id, d.id AS subject_id, %s || '.' || d.document_type AS rule_key,
                   d.expires_on AS due_on, d.document_type AS label
            FROM {document} d
            JOIN {person} p ON p.id = d.person_id
            WHERE d.expires_on BETWEEN %s AND %s AND d.document_type IN ({sql.placeholders(types)})
              AND p.merged_into_id IS NULL{people}
              AND NOT EXISTS (
                  SELECT 1 FROM {document} newer
                  WHERE newer.person_id = d.person_id AND newer.document_type = d.document_type
                    AND newer.id <> d.id AND (newer.expires_on IS NULL OR newer.expires_on > d.expires_on)
              )
        """,  # noqa: S608 - table names from _meta, values bound
        params=[schedule.key, sql.date(window.lo), sql.date(window.hi), *types, *people_params],
        label_variable="document_type",
    )


def _stay_end(
    schedule: ReminderSchedule, window: Window, person_ids: Sequence[int] | None, sql: Sql
) -> DeadlineQuery | None:
    """The last lawful day of a visa-free person's open stay with no permit extending it.

    Under the version of `stay.visa_free` in force on the day: the continuous limit from the entry
    and, for a calendar-year window, the days left in the year after the closed stays of that year.
    This is the common case of the status engine's `latest_exit`, as SQL; the engine stays the
    authority for a person's page.
    """
    try:
        version = rule_version_in_force(key=schedule.rule_key or "stay.visa_free", on=window.on)
    except RuleNotInForce:
        return None
    limit = version.limit_days or 0
    continuous = version.continuous_limit_days or limit
    if not continuous:
        return None
    jan1, dec31 = datetime.date(window.on.year, 1, 1), datetime.date(window.on.year, 12, 31)
    stay, person, country, permit = table(Stay), table(Person), table(Country), table(Permit)
    people, people_params = _person_filter("s.person_id", person_ids, sql)
    people_u, people_u_params = _person_filter("s2.person_id", person_ids, sql)  # the re-check: only the batch
    cont_end = sql.plus_days("s.entered_on", str(continuous - 1))
    year_params: list[Any] = []
    if version.window == "calendar_year" and limit:
        used = sql.days_between(sql.least("s2.exited_on", "%s"), sql.greatest("s2.entered_on", "%s")) + " + 1"
        year_cap = sql.plus_days(sql.greatest("s.entered_on", "%s"), f"{limit - 1} - COALESCE(u.used, 0)")
        year_join = f"""
            LEFT JOIN (
                SELECT s2.person_id, SUM({used}) AS used FROM {stay} s2
                WHERE s2.exited_on IS NOT NULL AND s2.exited_on >= %s AND s2.entered_on <= %s{people_u}
                GROUP BY s2.person_id
            ) u ON u.person_id = s.person_id"""  # noqa: S608 - table names from _meta, values bound
        year_params = [sql.date(dec31), sql.date(jan1), sql.date(jan1), sql.date(dec31), *people_u_params]
        year_cap_params = [sql.date(jan1)]
    else:
        year_cap, year_join, year_cap_params = "NULL", "", []
    regimes = [Country.MigrationRegime.EAEU, Country.MigrationRegime.VISA_FREE]
    inner = f"""
        SELECT s.person_id AS person_id, s.id AS subject_id, {cont_end} AS cont_end, {year_cap} AS year_cap
        FROM {stay} s
        JOIN {person} p ON p.id = s.person_id
        JOIN {country} c ON c.iso3 = p.citizenship{year_join}
        WHERE s.exited_on IS NULL AND c.regime IN (%s, %s) AND p.merged_into_id IS NULL{people}
          AND NOT EXISTS (
              SELECT 1 FROM {permit} pm
              WHERE pm.person_id = s.person_id AND pm.status = 'valid'
                AND pm.kind IN ({sql.placeholders(STAY_EXTENDING_PERMITS)})
                AND pm.valid_from <= %s AND (pm.valid_to IS NULL OR pm.valid_to >= %s)
          )
    """  # noqa: S608 - table names from _meta, values bound
    inner_params = [
        *year_cap_params,
        *year_params,
        *regimes,
        *people_params,
        *STAY_EXTENDING_PERMITS,
        sql.date(window.on),
        sql.date(window.on),
    ]
    return DeadlineQuery(
        sql=f"""
            SELECT x.person_id, x.subject_id, %s AS rule_key,
                   CASE WHEN x.year_cap IS NOT NULL AND x.year_cap <= %s AND x.year_cap < x.cont_end
                        THEN x.year_cap ELSE x.cont_end END AS due_on,
                   '' AS label
            FROM ({inner}) x
        """,  # noqa: S608 - table names from _meta, values bound
        params=[schedule.key, sql.date(dec31), *inner_params],
    )


def _registration_end(
    schedule: ReminderSchedule, window: Window, person_ids: Sequence[int] | None, sql: Sql
) -> DeadlineQuery | None:
    """The registered-until date of each open registration at the place of stay."""
    people, people_params = _person_filter("r.person_id", person_ids, sql)
    registration, person = table(MigrationRegistration), table(Person)
    return DeadlineQuery(
        sql=f"""
            SELECT r.person_id AS person_id, r.id AS subject_id, %s AS rule_key, r.valid_to AS due_on, '' AS label
            FROM {registration} r
            JOIN {person} p ON p.id = r.person_id
            WHERE r.closed_on IS NULL AND r.valid_to BETWEEN %s AND %s AND p.merged_into_id IS NULL{people}
        """,  # noqa: S608 - table names from _meta, values bound
        params=[schedule.key, sql.date(window.lo), sql.date(window.hi), *people_params],
    )


SOURCES = {
    ReminderSource.PATENT_PAYMENT: _patent_payment,
    ReminderSource.DOCUMENT_EXPIRY: _document_expiry,
    ReminderSource.STAY_END: _stay_end,
    ReminderSource.REGISTRATION_END: _registration_end,
}

# Why a reminder is cancelled when its deadline is gone at send time, per source.
RESOLVED_REASONS = {
    ReminderSource.PATENT_PAYMENT: "resolved: the patent payment arrived or the patent ended",
    ReminderSource.DOCUMENT_EXPIRY: "resolved: a newer document was recorded",
    ReminderSource.STAY_END: "resolved: the stay ended or a permit now extends it",
    ReminderSource.REGISTRATION_END: "resolved: the registration was renewed or closed",
}


def schedule_offsets(schedule: ReminderSchedule, *, on: datetime.date) -> list[int]:
    """The schedule's offsets, or the legal rule's `remind_days_before` when it has none."""
    offsets = list(schedule.offsets or [])
    if not offsets and schedule.rule_key:
        try:
            version = rule_version_in_force(key=schedule.rule_key, on=on)
        except RuleNotInForce:
            return []
        offsets = list(version.extra.get("remind_days_before") or [])
    return sorted({int(day) for day in offsets if int(day) > 0})


def deadlines_query(
    schedule: ReminderSchedule, *, window: Window, person_ids: Sequence[int] | None = None
) -> DeadlineQuery | None:
    return SOURCES[schedule.source](schedule, window, person_ids, Sql())


# --- The scan ------------------------------------------------------------------------------------


@dataclass
class ScheduleScan:
    key: str
    offsets: list[int]
    notifications: int = 0
    seconds: float = 0.0
    skipped: str = ""


@dataclass
class ScanResult:
    on: datetime.date
    run_id: int
    schedules: list[ScheduleScan] = field(default_factory=list)
    notifications: int = 0
    deliveries: int = 0
    deliveries_seconds: float = 0.0
    seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["on"] = self.on.isoformat()
        return data


def _insert_notifications(
    schedule: ReminderSchedule, offsets: list[int], query: DeadlineQuery, window: Window, run: ScanRun, sql: Sql
) -> int:
    now = sql.when(run.started_at)
    # The active offset: the smallest one not below the days left (see the module docstring).
    steps = " ".join("WHEN d.due_on <= %s THEN %s" for _ in offsets)
    step_params = [value for day in offsets for value in (sql.date(window.on + datetime.timedelta(days=day)), day)]
    empty = sql.json_literal("{}")
    context = (
        f"CASE WHEN x.label = '' THEN {empty} ELSE {sql.json_pair(query.label_variable, 'x.label')} END"
        if query.label_variable
        else empty
    )
    key = (
        f"'reminder:' || x.person_id || ':' || x.rule_key || ':' || {sql.date_text('x.due_on')} || ':' || x.offset_days"
    )
    statement = f"""
        INSERT INTO {table(Notification)} (
            person_id, kind, idempotency_key, rule_key, due_on, offset_days, subject_id, context,
            status, scheduled_for, cancel_reason, scan_run_id, created_at, updated_at
        )
        SELECT x.person_id, %s, {key}, x.rule_key, x.due_on, x.offset_days, x.subject_id, {context},
               %s, %s, '', %s, %s, %s
        FROM (
            SELECT d.*, CASE {steps} END AS offset_days
            FROM ({query.sql}) d
            WHERE d.due_on BETWEEN %s AND %s
        ) x
        WHERE true
        ON CONFLICT (idempotency_key) DO NOTHING
    """  # noqa: S608 - table names from _meta, values bound
    params = [
        DEADLINE_REMINDER.key,
        NotificationStatus.QUEUED,
        now,
        run.pk,
        now,
        now,
        *step_params,
        *query.params,
        sql.date(window.lo),
        sql.date(window.hi),
    ]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return max(cursor.rowcount, 0)


def reminders_scan(*, on: datetime.date, now: datetime.datetime | None = None) -> ScanResult:
    """Create the reminders due on `on` for every active schedule; idempotent (run it twice: nothing new).

    All schedules commit together with their deliveries: a scan killed half-way leaves nothing, and
    its re-run creates everything. The dispatcher is enqueued once the rows are committed.
    """
    started = time.monotonic()
    now = now or timezone.now()
    sql = Sql()
    with transaction.atomic():
        run = ScanRun.objects.create(on=on, started_at=now)
        result = ScanResult(on=on, run_id=run.pk)
        for schedule in ReminderSchedule.objects.filter(is_active=True).order_by("key"):
            begun = time.monotonic()
            offsets = schedule_offsets(schedule, on=on)
            entry = ScheduleScan(key=schedule.key, offsets=offsets)
            result.schedules.append(entry)
            if not offsets:
                entry.skipped = "no offsets (neither on the schedule nor on the rule in force)"
                continue
            window = Window(on=on, lo=on, hi=on + datetime.timedelta(days=offsets[-1]))
            query = deadlines_query(schedule, window=window)
            if query is None:
                entry.skipped = "no deadlines can fall in the window (rule not in force or nothing to select)"
                continue
            entry.notifications = _insert_notifications(schedule, offsets, query, window, run, sql)
            entry.seconds = round(time.monotonic() - begun, 3)
            result.notifications += entry.notifications
        begun = time.monotonic()
        result.deliveries = (
            outbox_insert_deliveries(
                kind=DEADLINE_REMINDER, where="n.scan_run_id = %s", params=[run.pk], now=now, external=True
            )
            if result.notifications
            else 0
        )
        result.deliveries_seconds = round(time.monotonic() - begun, 3)
        result.seconds = round(time.monotonic() - started, 3)
        ScanRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), result=result.as_json())
        if result.deliveries:
            from notifications.tasks import enqueue_dispatch

            transaction.on_commit(enqueue_dispatch)
    logger.info("reminders_scan on %s: %s notifications, %s deliveries", on, result.notifications, result.deliveries)
    return result


# --- The re-check before sending --------------------------------------------------------------------


def _schedule_for(rule_key: str, schedules: Iterable[ReminderSchedule]) -> ReminderSchedule | None:
    """The schedule a reminder came from: its key is the rule key or a prefix of it (doc.expiry.*)."""
    best = None
    for schedule in schedules:
        if (rule_key == schedule.key or rule_key.startswith(schedule.key + ".")) and (
            best is None or len(schedule.key) > len(best.key)
        ):
            best = schedule
    return best


def reminders_resolved(notifications: Sequence[Notification], *, today: datetime.date) -> dict[int, str]:
    """Reminders (of the batch) whose condition is gone: notification id -> cancel reason.

    Re-runs each schedule's deadline query for the batch's persons only, and looks for an exit from
    Russia recorded on or after the day the reminder was created.
    """
    reminders = [n for n in notifications if n.kind == DEADLINE_REMINDER.key and n.due_on is not None]
    if not reminders:
        return {}
    reasons: dict[int, str] = {}
    schedules = list(ReminderSchedule.objects.all())
    by_schedule: dict[int, list[Notification]] = defaultdict(list)
    schedule_by_id = {}
    for notification in reminders:
        schedule = _schedule_for(notification.rule_key, schedules)
        if schedule is not None:
            by_schedule[schedule.pk].append(notification)
            schedule_by_id[schedule.pk] = schedule
    for schedule_id, group in by_schedule.items():
        schedule = schedule_by_id[schedule_id]
        latest_due = max(n.due_on for n in group if n.due_on is not None)
        window = Window(on=today, lo=min(today, *(n.due_on for n in group)), hi=latest_due, cached=True)
        person_ids = sorted({n.person_id for n in group})
        query = deadlines_query(schedule, window=window, person_ids=person_ids)
        current: set[tuple[int, str, datetime.date]] = set()
        if query is not None:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT d.person_id, d.rule_key, d.due_on FROM ({query.sql}) d WHERE d.due_on BETWEEN %s AND %s",  # noqa: S608 - table names from _meta, values bound
                    [*query.params, Sql().date(window.lo), Sql().date(window.hi)],
                )
                for person_id, rule_key, due_on in cursor.fetchall():
                    due = due_on if isinstance(due_on, datetime.date) else datetime.date.fromisoformat(due_on)
                    current.add((person_id, rule_key, due))
        for notification in group:
            if (notification.person_id, notification.rule_key, notification.due_on) not in current:
                reasons[notification.pk] = RESOLVED_REASONS[schedule.source]

    pending = [n for n in reminders if n.pk not in reasons]
    if pending:
        earliest = min(timezone.localdate(n.created_at) for n in pending)
        latest_crossing: dict[int, tuple[datetime.date, str]] = {}
        crossings = (
            BorderCrossing.objects.filter(person_id__in={n.person_id for n in pending}, crossed_on__gte=earliest)
            .order_by("person_id", "crossed_on", "id")
            .values_list("person_id", "crossed_on", "direction")
        )
        for person_id, crossed_on, direction in crossings:
            latest_crossing[person_id] = (crossed_on, direction)  # ordered: the last one wins
        for notification in pending:
            crossing = latest_crossing.get(notification.person_id)
            if (
                crossing is not None
                and crossing[1] == BorderCrossing.Direction.EXIT
                and crossing[0] >= timezone.localdate(notification.created_at)
            ):
                reasons[notification.pk] = f"resolved: the person left Russia on {crossing[0]:%d.%m.%Y}"
    return reasons
