"""Template helpers of the cabinet pages."""

from __future__ import annotations

from django import template

from cabinet import labels

register = template.Library()


@register.filter
def choice_label(value: str, kind: str) -> str:
    """{{ permit.kind|choice_label:"permit_kind" }}: the translated label of a registry choice."""
    return labels.label(kind, value)
