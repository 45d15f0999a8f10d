"""The message registry: every kind of notification the platform sends, declared once in code.

A kind says which variables its templates may use, whether the law requires the notice (then a
person cannot switch it off on a channel they have), and the channels it goes out on: the inbox
always, then the external channels in fallback order. Templates (`NotificationTemplate`) hold the
texts; a template that uses a variable its kind does not declare cannot be saved.

Adding a kind: add it here with its variables and examples (the admin preview uses them), ship a
Russian and an English template in a data migration, and call `notify_event` from the app that
knows the event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

INBOX, EMAIL, SMS = "inbox", "email", "sms"

# Filled from the person at render time, never stored in a notification's context: a corrected
# name or language reaches every message still queued.
PERSON_VARIABLES: Mapping[str, str] = {
    "person_name": "The person's name as the registry knows it (Cyrillic, else Latin).",
}


@dataclass(frozen=True)
class MessageKind:
    key: str
    title: str
    variables: Mapping[str, str]  # name -> what it holds; dates are formatted DD.MM.YYYY
    examples: Mapping[str, str]
    legally_required: bool = False
    channels: tuple[str, ...] = (INBOX, SMS, EMAIL)
    date_variables: frozenset[str] = field(default_factory=frozenset)

    @property
    def allowed_variables(self) -> frozenset[str]:
        return frozenset(self.variables) | frozenset(PERSON_VARIABLES)

    @property
    def external_channels(self) -> tuple[str, ...]:
        return tuple(channel for channel in self.channels if channel != INBOX)


DEADLINE_REMINDER = MessageKind(
    key="deadline.reminder",
    title="Deadline reminder",
    variables={
        "due_on": "The last day to act.",
        "days_left": "Whole days from the person's local today to the deadline (0 on the day).",
        "offset_days": "The reminder step that fired (e.g. 10, 5, 3, 1 days before).",
        "document_type": "For document expiry: the document's type code (passport, rvp, vnzh).",
    },
    examples={"due_on": "2026-03-09", "days_left": "5", "offset_days": "5", "document_type": "passport"},
    date_variables=frozenset({"due_on"}),
)

APPLICATION_DECISION = MessageKind(
    key="application.decision",
    title="Decision on an application",
    variables={
        "application_number": "The application's number.",
        "service_name": "The e-service applied for.",
        "decision": "approved / refused / returned.",
        "decided_on": "Date of the decision.",
        "reason": "The reason given (for a refusal or return).",
    },
    examples={
        "application_number": "A-2026-000123",
        "service_name": "Patent",
        "decision": "approved",
        "decided_on": "2026-02-10",
        "reason": "",
    },
    legally_required=True,
    date_variables=frozenset({"decided_on"}),
)

STATUS_CHANGED = MessageKind(
    key="status.changed",
    title="Legal status changed",
    variables={
        "status_label": "The new status, in plain words.",
        "effective_on": "From when it applies.",
        "details": "What the person has to do now, if anything.",
    },
    examples={"status_label": "Patent holder", "effective_on": "2026-02-10", "details": ""},
    legally_required=True,
    date_variables=frozenset({"effective_on"}),
)

REGISTRATION_RECORDED = MessageKind(
    key="registration.recorded",
    title="Registration at the place of stay recorded",
    variables={
        "address": "The registered address.",
        "region_name": "The region of the address.",
        "valid_from": "Registered from.",
        "valid_to": "Registered until.",
    },
    examples={
        "address": "Moscow, Tverskaya 1",
        "region_name": "Москва",
        "valid_from": "2026-02-10",
        "valid_to": "2026-05-10",
    },
    date_variables=frozenset({"valid_from", "valid_to"}),
)

BROADCAST = MessageKind(
    key="broadcast",
    title="Announcement",
    variables={},
    examples={},
)

KINDS: Mapping[str, MessageKind] = {
    kind.key: kind
    for kind in (DEADLINE_REMINDER, APPLICATION_DECISION, STATUS_CHANGED, REGISTRATION_RECORDED, BROADCAST)
}
KIND_CHOICES = [(kind.key, kind.title) for kind in KINDS.values()]


def kind_get(key: str) -> MessageKind:
    try:
        return KINDS[key]
    except KeyError:
        raise LookupError(f"Unknown notification kind {key!r}; known: {', '.join(sorted(KINDS))}.") from None
