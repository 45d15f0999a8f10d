"""The one write path that attaches a source record to a person.

Used by the automatic linker, by reviewers accepting a candidate, and by merge/unmerge, so that
every attachment moves or materializes the record's facts, refreshes search keys and stays, and
leaves a LinkDecision row behind.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from linkage.models import LinkDecision
from profiles.models import (
    BorderCrossing,
    EmploymentContract,
    IdentityDocument,
    MigrationRegistration,
    PatentPayment,
    Permit,
    Person,
    SourceRecord,
)
from profiles.selectors import source_record_person_id
from profiles.services import person_rebuild_stays, person_refresh_name_keys, source_record_link

# Every fact table keyed by source_record; moving a record moves these rows with it.
FACT_MODELS = (BorderCrossing, MigrationRegistration, Permit, PatentPayment, EmploymentContract, IdentityDocument)


def record_has_facts(*, record: SourceRecord) -> bool:
    return any(model.objects.filter(source_record=record).exists() for model in FACT_MODELS)


@transaction.atomic
def record_attach(
    *,
    record: SourceRecord,
    person: Person,
    kind: str,
    score: float | None = None,
    reason: dict[str, Any] | None = None,
    user=None,
    note: str = "",
) -> SourceRecord:
    """Link `record` to `person`; if it was linked elsewhere, its facts follow it."""
    previous_person_id = source_record_person_id(record_id=record.pk)
    source_record_link(record=record, person=person, score=score, reason=reason)
    if previous_person_id is not None and previous_person_id != person.pk:
        for model in FACT_MODELS:
            model.objects.filter(source_record=record).update(person=person)
        previous = Person.objects.get(pk=previous_person_id)
        person_refresh_name_keys(person=previous)
        person_rebuild_stays(person=previous)
    elif not record_has_facts(record=record):
        from exchange.facts import record_facts_materialize

        record_facts_materialize(record=record, person=person)
    person_rebuild_stays(person=person)
    LinkDecision.objects.create(
        kind=kind,
        record=record,
        person=person,
        other_person_id=previous_person_id if previous_person_id != person.pk else None,
        score=score,
        reason=note or (reason or {}).get("summary", ""),
        decided_by=user,
    )
    return record
