"""Texts for a batch of deliveries: the best template per person and the variables it may use.

Language order: the person's preferred language, then Russian, then English. Within a language the
most specific template wins: the exact rule variant (`doc.expiry.passport`), its parents
(`doc.expiry`), the kind's generic text; a channel-specific text before the any-channel one.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from notifications.models import BroadcastText, NotificationTemplate
from notifications.registry import DEADLINE_REMINDER, MessageKind, kind_get
from notifications.templating import display_value, render_text
from profiles.models import Language

FALLBACK_LANGUAGES = (Language.RUSSIAN, Language.ENGLISH)
CYRILLIC_LANGUAGES = frozenset({Language.RUSSIAN, Language.TAJIK, Language.KYRGYZ})


class MissingTemplate(LookupError):
    """No text for the kind in the person's language, Russian or English."""


def language_order(preferred: str) -> list[str]:
    order = [preferred, *FALLBACK_LANGUAGES]
    return list(dict.fromkeys(language for language in order if language))


def variant_order(rule_key: str) -> list[str]:
    """doc.expiry.passport -> [doc.expiry.passport, doc.expiry, ""]."""
    parts = rule_key.split(".") if rule_key else []
    return [".".join(parts[:end]) for end in range(len(parts), 1, -1)] + [""]


def person_display_name(person: Any, language: str) -> str:
    cyrillic = f"{person.cyrillic_given_names} {person.cyrillic_surname}".strip()
    latin = f"{person.latin_given_names} {person.latin_surname}".strip().title()
    if language in CYRILLIC_LANGUAGES:
        return cyrillic or latin
    return latin or cyrillic


@dataclass(frozen=True)
class RenderedText:
    language: str
    subject: str
    body: str


class TemplateBook:
    """Every template of the given kinds and every text of the given broadcasts, loaded in two queries."""

    def __init__(self, *, kinds: Iterable[str], broadcast_ids: Iterable[int] = ()) -> None:
        self.templates: dict[tuple[str, str, str, str], NotificationTemplate] = {
            (t.kind, t.variant, t.language, t.channel): t
            for t in NotificationTemplate.objects.filter(kind__in=set(kinds))
        }
        broadcast_ids = set(broadcast_ids)
        self.broadcast_texts: dict[tuple[int, str], BroadcastText] = (
            {(t.broadcast_id, t.language): t for t in BroadcastText.objects.filter(broadcast_id__in=broadcast_ids)}
            if broadcast_ids
            else {}
        )

    def template_for(self, *, kind: str, rule_key: str, language: str, channel: str) -> NotificationTemplate:
        for candidate_language in language_order(language):
            for variant in variant_order(rule_key):
                for candidate_channel in (channel, ""):
                    template = self.templates.get((kind, variant, candidate_language, candidate_channel))
                    if template is not None:
                        return template
        raise MissingTemplate(f"no {kind} template for {rule_key or 'any rule'} in {language_order(language)}")

    def broadcast_text_for(self, *, broadcast_id: int, language: str) -> BroadcastText:
        for candidate in language_order(language):
            text = self.broadcast_texts.get((broadcast_id, candidate))
            if text is not None:
                return text
        raise MissingTemplate(f"broadcast {broadcast_id} has no text in {language_order(language)}")


def message_variables(
    *,
    kind: MessageKind,
    person: Any,
    language: str,
    context: Mapping[str, Any],
    local_today: datetime.date,
    due_on: Any,
) -> dict[str, Any]:
    values: dict[str, Any] = dict.fromkeys(kind.allowed_variables, "")
    values.update({name: value for name, value in context.items() if name in kind.variables})
    values["person_name"] = person_display_name(person, language)
    if kind.key == DEADLINE_REMINDER.key and due_on is not None:
        due = due_on if isinstance(due_on, datetime.date) else datetime.date.fromisoformat(str(due_on))
        values["due_on"] = due
        values["days_left"] = max(0, (due - local_today).days)
    return {name: display_value(value, is_date=name in kind.date_variables) for name, value in values.items()}


def render_notification(
    *,
    book: TemplateBook,
    kind_key: str,
    rule_key: str,
    channel: str,
    person: Any,
    context: Mapping[str, Any],
    due_on: Any,
    broadcast_id: int | None,
    local_today: datetime.date,
) -> RenderedText:
    kind = kind_get(kind_key)
    if broadcast_id is not None:
        source: Any = book.broadcast_text_for(broadcast_id=broadcast_id, language=person.preferred_language)
    else:
        source = book.template_for(
            kind=kind_key, rule_key=rule_key, language=person.preferred_language, channel=channel
        )
    variables = message_variables(
        kind=kind, person=person, language=source.language, context=context, local_today=local_today, due_on=due_on
    )
    subject = render_text(source.subject, variables) if source.subject else kind.title
    return RenderedText(language=source.language, subject=subject, body=render_text(source.body, variables))
