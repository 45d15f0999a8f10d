"""Reads of the notifications app: the cabinet inbox, broadcast segments, previews."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from notifications.models import Broadcast, InboxMessage, ReminderSchedule
from notifications.registry import DEADLINE_REMINDER, kind_get
from notifications.reminders import Window, deadlines_query, schedule_offsets
from profiles.models import MigrationRegistration, Permit, Person

# --- The cabinet inbox ----------------------------------------------------------------------------


def person_for_user(*, user: Any) -> Person | None:
    """The profile an authenticated cabinet user claimed, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Person.objects.filter(user=user, merged_into__isnull=True).first()


def inbox_messages(*, person: Person) -> QuerySet[InboxMessage]:
    return InboxMessage.objects.filter(person=person).order_by("-created_at", "-id")  # inbox_person_idx


def inbox_unread_count(*, person: Person) -> int:
    return InboxMessage.objects.filter(person=person, read_at__isnull=True).count()  # inbox_unread_idx


def inbox_message_get_for_user(*, user: Any, message_id: int) -> InboxMessage:
    """The message if it is in the user's own inbox; 404 otherwise (no hint that it exists)."""
    person = person_for_user(user=user)
    if person is None:
        raise PermissionDenied
    message = InboxMessage.objects.filter(pk=message_id, person=person).first()
    if message is None:
        raise Http404
    return message


# --- Broadcast segments -------------------------------------------------------------------------------


def _years_ago(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a non-leap year
        return day.replace(year=day.year - years, day=28)


def broadcast_recipients(*, broadcast: Broadcast, on: datetime.date) -> QuerySet[Person]:
    """Everyone the broadcast reaches on `on`: one queryset, used for the count and the fan-out."""
    people = Person.objects.filter(merged_into__isnull=True)
    if broadcast.citizenships:
        people = people.filter(citizenship_id__in=broadcast.citizenships)
    if broadcast.languages:
        people = people.filter(preferred_language__in=broadcast.languages)
    if broadcast.regions:
        people = people.filter(
            id__in=MigrationRegistration.objects.filter(region_id__in=broadcast.regions, closed_on__isnull=True).values(
                "person_id"
            )  # registration_open_region_idx
        )
    if broadcast.statuses:
        people = people.filter(
            id__in=Permit.objects.filter(
                Q(valid_to__isnull=True) | Q(valid_to__gte=on),  # permit_kind_valid_to_idx
                kind__in=broadcast.statuses,
                status=Permit.Status.VALID,
                valid_from__lte=on,
            ).values("person_id")
        )
    if broadcast.age_min is not None:
        people = people.filter(birth_date__lte=_years_ago(on, broadcast.age_min))
    if broadcast.age_max is not None:
        # Still age_max on `on`: born after the day they would turn age_max + 1.
        people = people.filter(birth_date__gt=_years_ago(on, broadcast.age_max + 1))
    return people


def broadcast_recipients_by_language(*, broadcast: Broadcast, on: datetime.date) -> dict[str, int]:
    rows = (
        broadcast_recipients(broadcast=broadcast, on=on)
        .values("preferred_language")
        .annotate(count=Count("id"))
        .order_by("preferred_language")
    )
    return {row["preferred_language"]: row["count"] for row in rows}


# --- Previews -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonDeadline:
    rule_key: str
    due_on: datetime.date
    subject_id: int
    label: str


def person_reminder_deadlines(*, person_id: int, on: datetime.date) -> list[PersonDeadline]:
    """The person's deadlines the reminder schedules would remind of, soonest first (one query per schedule)."""
    found: list[PersonDeadline] = []
    for schedule in ReminderSchedule.objects.filter(is_active=True).order_by("key"):
        offsets = schedule_offsets(schedule, on=on)
        if not offsets:
            continue
        window = Window(on=on, lo=on, hi=on + datetime.timedelta(days=max(offsets)))
        query = deadlines_query(schedule, window=window, person_ids=[person_id])
        if query is None:
            continue
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT d.rule_key, d.due_on, d.subject_id, d.label FROM ({query.sql}) d "  # noqa: S608 - table names from _meta, values bound
                "WHERE d.due_on BETWEEN %s AND %s",
                [
                    *query.params,
                    connection.ops.adapt_datefield_value(window.lo),
                    connection.ops.adapt_datefield_value(window.hi),
                ],
            )
            for rule_key, due_on, subject_id, label in cursor.fetchall():
                due = due_on if isinstance(due_on, datetime.date) else datetime.date.fromisoformat(due_on)
                found.append(PersonDeadline(rule_key=rule_key, due_on=due, subject_id=subject_id, label=label))
    return sorted(found, key=lambda deadline: deadline.due_on)


def template_preview_context(
    *, kind_key: str, variant: str, person: Person, on: datetime.date
) -> tuple[dict[str, Any], datetime.date | None]:
    """Variables for previewing a template with a real person: their own upcoming deadline of the
    template's rule when they have one, the registry's examples for everything else."""
    kind = kind_get(kind_key)
    context: dict[str, Any] = dict(kind.examples)
    due_on = None
    if kind.key == DEADLINE_REMINDER.key:
        deadlines = person_reminder_deadlines(person_id=person.pk, on=on)
        matching = [
            d for d in deadlines if not variant or d.rule_key == variant or d.rule_key.startswith(variant + ".")
        ]
        if matching:
            due_on = matching[0].due_on
            if matching[0].label:
                context["document_type"] = matching[0].label
        else:
            due_on = datetime.date.fromisoformat(kind.examples["due_on"])
    return context, due_on
