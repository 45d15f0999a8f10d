"""Merge two profiles found to be one person, undo a merge, and move one wrongly linked record.

A merge deletes nothing. The absorbed profile stays with `merged_into` set; its records, documents
and facts move to the survivor, and the `PersonMerge` row says exactly which ones moved, so that
`person_unmerge` restores the state before the merge: the same rows on the same persons, the same
canonical values, and the name keys and stays derived again from them.

The merge is set-based (one UPDATE a table) rather than one `record_attach` a record: it does what
`record_attach` does (facts move with their records, name keys and stays of both persons are
rebuilt, a LinkDecision is logged for every record), but keeps each record's link score, reason and
time, which say how the record came to its profile and are needed unchanged after an unmerge.

The survivor's canonical values are not changed by a merge: staff correct them on the person's page
(`profiles.services.person_update`). Changing them here would make an unmerge of one merge in a
chain (A←B, A←C; undo B) undo part of the other.

`PersonMerge.absorbed_snapshot` holds, besides the absorbed person's fields, the few side effects a
merge has to make to keep the profile's invariants, so the unmerge can undo them:

    {
        "person": {field attname: value, ...},   # the absorbed Person row before the merge
        "stray_facts": {"profiles.BorderCrossing": [ids], ...},   # facts of the absorbed person
                                                  # stated by a record not linked to it
        "closed_registration": {"id": 12, "closed_on": "2024-03-01"} | None,
        "moved_user_id": 7 | None,                # the cabinet account that moved to the survivor
    }
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any, TypedDict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone

from linkage.decisions import FACT_MODELS, record_attach
from linkage.models import LinkDecision, PersonMerge
from profiles.models import IdentityDocument, MigrationRegistration, Person, RecordLink, SourceRecord
from profiles.selectors import source_record_person_id
from profiles.services import person_rebuild_stays, person_refresh_name_keys

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

# Facts proper: IdentityDocument is in FACT_MODELS too, but documents are tracked by id in the merge.
FACTS: tuple[type[Model], ...] = tuple(model for model in FACT_MODELS if model is not IdentityDocument)


class ClosedRegistration(TypedDict):
    id: int
    closed_on: str


class MergeSnapshot(TypedDict):
    person: dict[str, Any]
    stray_facts: dict[str, list[int]]
    closed_registration: ClosedRegistration | None
    moved_user_id: int | None


# --- Merge --------------------------------------------------------------------------------


def merge_conflicts(*, survivor: Person, absorbed: Person) -> list[str]:
    """Why these two profiles may well be two people; a merge over these needs `force=True`."""
    conflicts = []
    if survivor.sex != absorbed.sex:
        conflicts.append(f"different sex ({survivor.sex} and {absorbed.sex})")
    if survivor.citizenship_id != absorbed.citizenship_id:
        conflicts.append(f"different citizenship ({survivor.citizenship_id} and {absorbed.citizenship_id})")
    if survivor.user_id is not None and absorbed.user_id is not None:
        conflicts.append("both profiles are claimed by a cabinet account (the absorbed one keeps its account)")
    return conflicts


@transaction.atomic
def person_merge(
    *, survivor: Person, absorbed: Person, user: AbstractBaseUser, reason: str, force: bool = False
) -> PersonMerge:
    """Merge `absorbed` into `survivor`: its records, documents and facts move; nothing is deleted."""
    reason = _required_reason(reason, what="A merge")
    if survivor.pk == absorbed.pk:
        raise ValidationError("A person cannot be merged into themself.", code="merge_self")
    survivor, absorbed = _lock_pair(survivor.pk, absorbed.pk)
    if survivor.merged_into_id is not None:
        raise ValidationError(
            "Person %(survivor)s was merged into person %(target)s: merge into that person instead.",
            code="merge_into_absorbed",
            params={"survivor": survivor.pk, "target": survivor.merged_into_id},
        )
    if absorbed.merged_into_id is not None:
        raise ValidationError(
            "Person %(absorbed)s was already merged into person %(target)s.",
            code="merge_already_absorbed",
            params={"absorbed": absorbed.pk, "target": absorbed.merged_into_id},
        )
    conflicts = merge_conflicts(survivor=survivor, absorbed=absorbed)
    if conflicts and not force:
        raise ValidationError(
            "These profiles look like two people: %(conflicts)s. Merge anyway only with force and a reason.",
            code="merge_conflict",
            params={"conflicts": "; ".join(conflicts)},
        )

    record_ids = list(RecordLink.objects.filter(person=absorbed).order_by("pk").values_list("pk", flat=True))
    document_ids = list(IdentityDocument.objects.filter(person=absorbed).order_by("pk").values_list("pk", flat=True))
    snapshot = MergeSnapshot(
        person=_person_fields(absorbed),
        # Facts normally follow their record; one stated by a record of another person would not
        # come back with the records on unmerge, so it is remembered by id.
        stray_facts={
            model._meta.label: ids
            for model in FACTS
            if (
                ids := list(
                    model.objects.filter(person=absorbed)  # type: ignore[attr-defined]
                    .exclude(source_record__link__person=absorbed)
                    .values_list("pk", flat=True)
                )
            )
        },
        closed_registration=_close_one_of_two_open_registrations(survivor=survivor, absorbed=absorbed),
        moved_user_id=None,
    )

    # Only the link's person moves: its score, reason and time say how the record reached its profile.
    RecordLink.objects.filter(pk__in=record_ids).update(person=survivor)
    for model in FACTS:
        model.objects.filter(person=absorbed).update(person=survivor)  # type: ignore[attr-defined]
    IdentityDocument.objects.filter(pk__in=document_ids).update(person=survivor)
    if absorbed.user_id is not None and survivor.user_id is None:
        # The cabinet account follows the profile that now holds the person's records.
        snapshot["moved_user_id"] = absorbed.user_id
        Person.objects.filter(pk=absorbed.pk).update(user=None)
        Person.objects.filter(pk=survivor.pk).update(user_id=absorbed.user_id)
    Person.objects.filter(pk=absorbed.pk).update(merged_into=survivor)

    # The losing side first: a Stay is one-to-one with its entry crossing, so the absorbed person's
    # stays must be gone before the survivor's are derived from the same crossings.
    _rederive(losing=absorbed, gaining=survivor)

    merge = PersonMerge(
        survivor=survivor,
        absorbed=absorbed,
        reason=reason,
        merged_by=user,
        moved_record_ids=record_ids,
        moved_document_ids=document_ids,
        absorbed_snapshot=snapshot,
    )
    # An empty list is a valid "nothing moved" (a profile without records); the model's JSON fields
    # are not blank=True, so their blank check is skipped here.
    merge.full_clean()
    merge.save()
    _log(
        kind=LinkDecision.Kind.MERGE,
        person=survivor,
        other_person=absorbed,
        record_ids=record_ids,
        reason=f"Merge {merge.pk}: {reason}" + (f" (forced over: {'; '.join(conflicts)})" if conflicts else ""),
        user=user,
    )
    return merge


# --- Unmerge ------------------------------------------------------------------------------


@transaction.atomic
def person_unmerge(*, merge: PersonMerge, user: AbstractBaseUser, reason: str) -> PersonMerge:
    """Undo `merge`: exactly what moved moves back, and the absorbed profile is restored.

    Records that staff moved to a third person since the merge (`record_move`) stay where staff put
    them; records that reached the survivor otherwise stay with the survivor.
    """
    reason = _required_reason(reason, what="An unmerge")
    merge = PersonMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.unmerged_at is not None:
        raise ValidationError("Merge %(merge)s was already undone.", code="unmerge_twice", params={"merge": merge.pk})
    survivor, absorbed = _lock_pair(merge.survivor_id, merge.absorbed_id)
    if survivor.merged_into_id is not None:
        later = PersonMerge.objects.filter(absorbed=survivor, unmerged_at__isnull=True).values_list("pk", flat=True)
        raise ValidationError(
            "Person %(survivor)s was since merged into person %(target)s: undo that merge (%(later)s) first.",
            code="unmerge_survivor_absorbed",
            params={"survivor": survivor.pk, "target": survivor.merged_into_id, "later": ", ".join(map(str, later))},
        )
    snapshot: MergeSnapshot = merge.absorbed_snapshot  # type: ignore[assignment]

    record_ids = list(
        RecordLink.objects.filter(pk__in=merge.moved_record_ids, person=survivor)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    elsewhere = sorted(set(merge.moved_record_ids) - set(record_ids))
    RecordLink.objects.filter(pk__in=record_ids).update(person=absorbed)
    for model in FACTS:
        stray = snapshot.get("stray_facts", {}).get(model._meta.label, [])
        model.objects.filter(  # type: ignore[attr-defined]
            Q(source_record_id__in=record_ids) | Q(pk__in=stray), person=survivor
        ).update(person=absorbed)
    IdentityDocument.objects.filter(
        Q(pk__in=merge.moved_document_ids) | Q(source_record_id__in=record_ids), person=survivor
    ).update(person=absorbed)
    _reopen_registration(snapshot.get("closed_registration"))

    fields = _person_fields_parse(snapshot["person"])
    moved_user_id = snapshot.get("moved_user_id")
    if moved_user_id is not None and survivor.user_id == moved_user_id:
        Person.objects.filter(pk=survivor.pk).update(user=None)
    if (
        fields.get("user_id") is not None
        and Person.objects.filter(user_id=fields["user_id"]).exclude(pk=absorbed.pk).exists()
    ):
        fields["user_id"] = None  # the account claimed another profile since: it keeps that one
    Person.objects.filter(pk=absorbed.pk).update(**fields)
    absorbed.refresh_from_db()

    _rederive(losing=survivor, gaining=absorbed)

    merge.unmerged_by = user  # type: ignore[assignment]
    merge.unmerged_at = timezone.now()
    merge.unmerge_reason = reason
    merge.full_clean()
    merge.save(update_fields=["unmerged_by", "unmerged_at", "unmerge_reason"])
    note = f"Unmerge of merge {merge.pk}: {reason}"
    if elsewhere:
        note += f" (records {', '.join(map(str, elsewhere))} were moved by staff since the merge and stay there)"
    _log(
        kind=LinkDecision.Kind.UNMERGE,
        person=absorbed,
        other_person=survivor,
        record_ids=record_ids,
        reason=note,
        user=user,
    )
    return merge


# --- Moving one record ----------------------------------------------------------------------


@transaction.atomic
def record_move(*, record: SourceRecord, person: Person | None, user: AbstractBaseUser, reason: str) -> SourceRecord:
    """Split a wrongly linked record off to `person`, or to a new person made from it (`person=None`).

    Its facts follow it (`record_attach`), and both persons' name keys and stays are derived again.
    """
    from linkage.review import person_create_from_record  # review builds new persons the same way

    reason = _required_reason(reason, what="Moving a record")
    record = SourceRecord.objects.select_for_update().get(pk=record.pk)
    if person is None:
        person = person_create_from_record(record=record)
    else:
        person = Person.objects.select_for_update().get(pk=person.pk)
        if person.merged_into_id is not None:
            raise ValidationError(
                "Person %(person)s was merged into person %(target)s: move the record there instead.",
                code="move_to_absorbed",
                params={"person": person.pk, "target": person.merged_into_id},
            )
        if person.pk == source_record_person_id(record_id=record.pk):
            raise ValidationError("The record is already linked to this person.", code="move_same_person")
        check_record_can_move(record=record, person=person)
    return record_attach(
        record=record,
        person=person,
        kind=LinkDecision.Kind.RELINK,
        reason={"decision": LinkDecision.Kind.RELINK, "note": reason},
        user=user,
        note=reason,
    )


def check_record_can_move(*, record: SourceRecord, person: Person) -> None:
    """Refuse a move `record_attach` would fail on: its facts follow it, and a person has one open registration."""
    linked_to = source_record_person_id(record_id=record.pk)
    if (
        linked_to is not None
        and linked_to != person.pk
        and MigrationRegistration.objects.filter(source_record=record, closed_on__isnull=True).exists()
        and MigrationRegistration.objects.filter(person=person, closed_on__isnull=True).exists()
    ):
        raise ValidationError(
            "Record %(record)s states an open registration and person %(person)s has one already: a person has one "
            "open registration at a time. Send the conflict to the registering agency instead.",
            code="move_two_open_registrations",
            params={"record": str(record), "person": person.pk},
        )


# --- Helpers ------------------------------------------------------------------------------


def _required_reason(reason: str, *, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(f"{what} needs a reason.", code="reason_required")
    return reason


def _lock_pair(first_id: int, second_id: int) -> tuple[Person, Person]:
    """Both persons, locked in id order: two merges of one pair from opposite sides cannot deadlock."""
    locked = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[first_id, second_id]).order_by("pk")}
    return locked[first_id], locked[second_id]


def _person_fields(person: Person) -> dict[str, Any]:
    """The row as JSON, keyed by column attname; times at full precision (DjangoJSONEncoder would
    cut them to milliseconds, and the unmerge must give back the very values)."""
    values = {}
    for field in Person._meta.concrete_fields:
        value = getattr(person, field.attname)
        if isinstance(value, dt.date | uuid.UUID):  # datetime is a date too
            value = value.isoformat() if isinstance(value, dt.date) else str(value)
        values[field.attname] = value
    del values["id"]
    return values


def _person_fields_parse(stored: dict[str, Any]) -> dict[str, Any]:
    fields = {field.attname: field for field in Person._meta.concrete_fields}
    return {name: fields[name].to_python(value) for name, value in stored.items() if name in fields}


def _close_one_of_two_open_registrations(*, survivor: Person, absorbed: Person) -> ClosedRegistration | None:
    """A person has one open registration at a time: if both profiles have one, close the older one.

    Same rule as `profiles.services.registration_record`: the older one closes when the newer one
    begins. Returned so the unmerge can reopen it.
    """
    open_ones = list(
        MigrationRegistration.objects.filter(person__in=[survivor, absorbed], closed_on__isnull=True).order_by(
            "valid_from", "id"
        )
    )
    if len(open_ones) < 2:
        return None
    older, newer = open_ones
    closed_on = max(min(newer.arrived_on, newer.valid_from), older.valid_from)
    MigrationRegistration.objects.filter(pk=older.pk).update(closed_on=closed_on)
    return ClosedRegistration(id=older.pk, closed_on=closed_on.isoformat())


def _reopen_registration(closed: ClosedRegistration | None) -> None:
    if closed is None:
        return
    registration = MigrationRegistration.objects.filter(pk=closed["id"]).first()
    if registration is None or registration.closed_on != dt.date.fromisoformat(closed["closed_on"]):
        return  # changed since the merge: a later registration closed it for real
    if MigrationRegistration.objects.filter(person_id=registration.person_id, closed_on__isnull=True).exists():
        return  # the person registered elsewhere since: this one stays closed
    MigrationRegistration.objects.filter(pk=registration.pk).update(closed_on=None)


def _rederive(*, losing: Person, gaining: Person) -> None:
    person_rebuild_stays(person=losing)
    person_rebuild_stays(person=gaining)
    person_refresh_name_keys(person=losing)
    person_refresh_name_keys(person=gaining)


def _log(
    *, kind: str, person: Person, other_person: Person, record_ids: list[int], reason: str, user: AbstractBaseUser
) -> None:
    """One decision for the merge or unmerge itself, and one a moved record for the record's history."""
    decisions = [LinkDecision(kind=kind, person=person, other_person=other_person, reason=reason, decided_by=user)]
    decisions += [
        LinkDecision(
            kind=kind, record_id=record_id, person=person, other_person=other_person, reason=reason, decided_by=user
        )
        for record_id in record_ids
    ]
    LinkDecision.objects.bulk_create(decisions, batch_size=500)
