"""Writes of the legal app. Rule versions change only through here (the admin included), because
"versions of one rule never overlap" spans rows and the database alone cannot hold it everywhere."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from legal.models import Rule, RuleVersion

ONE_DAY = datetime.timedelta(days=1)


def rule_version_overlapping(
    *, rule_id: int, valid_from: datetime.date, valid_to: datetime.date | None, exclude_id: int | None = None
) -> RuleVersion | None:
    """Another version of the rule whose period shares at least one day with `valid_from`..`valid_to`."""
    others = RuleVersion.objects.filter(rule_id=rule_id).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
    if valid_to is not None:
        others = others.filter(valid_from__lte=valid_to)
    if exclude_id is not None:
        others = others.exclude(pk=exclude_id)
    return others.order_by("valid_from").first()


def check_rule_version_no_overlap(*, version: RuleVersion) -> None:
    """Raise a ValidationError (on valid_from) naming the version `version` would overlap."""
    if version.rule_id is None or version.valid_from is None:
        return
    other = rule_version_overlapping(
        rule_id=version.rule_id, valid_from=version.valid_from, valid_to=version.valid_to, exclude_id=version.pk
    )
    if other is not None:
        raise ValidationError(
            {
                "valid_from": _("The period overlaps the version in force %(start)s – %(end)s; end that version first.")
                % {"start": other.valid_from, "end": other.valid_to or "…"}
            }
        )


@transaction.atomic
def rule_version_save(*, version: RuleVersion) -> RuleVersion:
    """Validate and save a new or changed version of a rule.

    The rule row is locked first: two editors adding versions of one rule at the same time would
    otherwise both pass the overlap check (PostgreSQL; SQLite serializes writers anyway).
    """
    Rule.objects.select_for_update().filter(pk=version.rule_id).first()
    check_rule_version_no_overlap(version=version)
    version.full_clean()
    version.save()
    return version


def rule_version_create(*, rule: Rule, valid_from: datetime.date, **parameters: Any) -> RuleVersion:
    """A new version of `rule` from `valid_from`; `parameters` are RuleVersion fields
    (anchor, offset_amount, offset_unit, summary, citation, valid_to, ...)."""
    return rule_version_save(version=RuleVersion(rule=rule, valid_from=valid_from, **parameters))


@transaction.atomic
def rule_version_supersede(*, rule: Rule, valid_from: datetime.date, **parameters: Any) -> RuleVersion:
    """The law changed from `valid_from`: end the open version the day before and add the new one."""
    Rule.objects.select_for_update().filter(pk=rule.pk).first()
    current = RuleVersion.objects.filter(rule=rule, valid_to__isnull=True).first()
    if current is not None:
        if current.valid_from >= valid_from:
            raise ValidationError(
                {
                    "valid_from": _("The new version must start after the current one (from %(start)s).")
                    % {"start": current.valid_from}
                }
            )
        current.valid_to = valid_from - ONE_DAY
        rule_version_save(version=current)
    return rule_version_create(rule=rule, valid_from=valid_from, **parameters)
