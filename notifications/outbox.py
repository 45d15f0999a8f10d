"""Set-based writes to the outbox shared by the reminder scan and the broadcast fan-out.

The statements are the same on PostgreSQL and SQLite (both have `INSERT ... SELECT ... ON CONFLICT
DO NOTHING`); `_Sql` spells the few expressions that differ and adapts parameters the way Django's
own fields store them (SQLite keeps datetimes as UTC text, compared as text).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from notifications import conf
from notifications.models import DEFAULT_CONSENT, ChannelPreference, Delivery, DeliveryStatus, Notification
from notifications.quiet_hours import SendWindows
from notifications.registry import INBOX, MessageKind
from profiles.models import MigrationRegistration, Person
from reference.models import Region

CONTACT_COLUMNS = {"sms": "phone", "email": "email"}


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


class Sql:
    """The few expressions PostgreSQL and SQLite spell differently, and parameter adaptation."""

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"

    def plus_days(self, date_sql: str, days_sql: str) -> str:
        if self.postgres:  # date + integer; SUM() gives bigint, which has no such operator
            return f"(({date_sql}) + CAST(({days_sql}) AS INTEGER))"
        return f"date(julianday({date_sql}) + ({days_sql}))"

    def days_between(self, later: str, earlier: str) -> str:
        if self.postgres:
            return f"(({later}) - ({earlier}))"
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"

    def greatest(self, a: str, b: str) -> str:
        return f"GREATEST({a}, {b})" if self.postgres else f"max({a}, {b})"

    def least(self, a: str, b: str) -> str:
        return f"LEAST({a}, {b})" if self.postgres else f"min({a}, {b})"

    def date_text(self, date_sql: str) -> str:
        return f"to_char({date_sql}, 'YYYY-MM-DD')" if self.postgres else f"({date_sql})"

    def json_pair(self, key: str, value_sql: str) -> str:
        function = "jsonb_build_object" if self.postgres else "json_object"
        return f"{function}('{key}', {value_sql})"

    def json_literal(self, text: str) -> str:
        return f"CAST('{text}' AS jsonb)" if self.postgres else f"'{text}'"

    def date(self, value: datetime.date) -> Any:
        return connection.ops.adapt_datefield_value(value)

    def when(self, value: datetime.datetime) -> Any:
        return connection.ops.adapt_datetimefield_value(value)

    @staticmethod
    def placeholders(values: Sequence[Any]) -> str:
        return ", ".join(["%s"] * len(values))


def window_starts(now: datetime.datetime) -> dict[str, datetime.datetime]:
    """For each time zone in use: `now` if it is inside the sending window there, else the next start."""
    zones = set(Region.objects.values_list("timezone", flat=True)) | {conf.default_timezone()}
    windows = SendWindows.load(around=timezone.localdate(now))
    return {zone: windows.next_allowed(now=now, tz_name=zone) for zone in zones}


def outbox_insert_deliveries(
    *, kind: MessageKind, where: str, params: Sequence[Any], now: datetime.datetime, external: bool
) -> int:
    """Deliveries for the notifications `where` selects (a condition on `n`): the inbox for each, and
    with `external` the first of the kind's external channels the person has a contact for and has
    not opted out of (legally required kinds ignore the opt-out). An external delivery waits for
    the start of the sending window in the person's time zone. Idempotent: ON CONFLICT DO NOTHING
    on (notification, channel)."""
    sql = Sql()
    notification, delivery, person = table(Notification), table(Delivery), table(Person)
    registration, region, preference = table(MigrationRegistration), table(Region), table(ChannelPreference)
    columns = """notification_id, person_id, channel, status, attempts, next_attempt_at, locked_by,
                 last_error, provider_message_id, receipts, language, cancel_reason, created_at, updated_at"""
    tail = f"%s, 0, {{next_at}}, '', '', '', {sql.json_literal('[]')}, '', '', %s, %s"
    stamp = sql.when(now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {delivery} ({columns})
            SELECT n.id, n.person_id, %s, {tail.format(next_at="%s")}
            FROM {notification} n WHERE {where}
            ON CONFLICT DO NOTHING
            """,  # noqa: S608 - table names from _meta, values bound
            [INBOX, DeliveryStatus.QUEUED, stamp, stamp, stamp, *params],
        )
        created = max(cursor.rowcount, 0)
        channels = kind.external_channels if external else ()
        if not channels:
            return created

        joins, choices, join_params = [], [], []
        for index, channel in enumerate(channels):
            alias = f"cp{index}"
            joins.append(f"LEFT JOIN {preference} {alias} ON {alias}.person_id = n.person_id AND {alias}.channel = %s")
            join_params.append(channel)
            default = "TRUE" if DEFAULT_CONSENT[channel] else "FALSE"
            consent = "TRUE" if kind.legally_required else f"COALESCE({alias}.enabled, {default})"
            choices.append(f"WHEN p.{CONTACT_COLUMNS[channel]} <> '' AND {consent} THEN '{channel}'")
        starts = window_starts(now)
        default_start = starts.pop(conf.default_timezone(), now)
        zone_cases = " ".join("WHEN %s THEN %s" for _ in starts)
        zone_params = [value for zone, start in starts.items() for value in (zone, sql.when(start))]
        next_at = f"CASE rg.timezone {zone_cases} ELSE %s END" if zone_cases else "%s"
        cursor.execute(
            f"""
            INSERT INTO {delivery} ({columns})
            SELECT c.id, c.person_id, c.channel, {tail.format(next_at="c.next_at")}
            FROM (
                SELECT n.id, n.person_id, {next_at} AS next_at,
                       CASE {" ".join(choices)} END AS channel
                FROM {notification} n
                JOIN {person} p ON p.id = n.person_id
                LEFT JOIN {registration} r ON r.person_id = n.person_id AND r.closed_on IS NULL
                LEFT JOIN {region} rg ON rg.code = r.region_id
                {" ".join(joins)}
                WHERE {where}
            ) c
            WHERE c.channel IS NOT NULL
            ON CONFLICT DO NOTHING
            """,  # noqa: S608 - table names from _meta, values bound
            [DeliveryStatus.QUEUED, stamp, stamp, *zone_params, sql.when(default_start), *join_params, *params],
        )
        created += max(cursor.rowcount, 0)
    return created
