"""Staff decisions on the review queue: a record scored between the thresholds against a person.

Accepting links the record to the person (`record_attach`, kind "accept"). Rejecting says "two
different people"; once no other candidate of the record is pending, the record founds a new person
(kind "new_person"). Every decision keeps who, when and why on the candidate and in the LinkDecision
log; a rejected pair stays in the table, so the linker can tell a reviewed pair from a new one.

The page staff decide on reads through `candidate_comparison` (a selector, kept beside the
decisions it serves): the record against the person, field by field, with the linker's per-field
levels and weights.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from linkage.decisions import record_attach
from linkage.merge import check_record_can_move
from linkage.models import LinkDecision, MatchCandidate
from profiles.models import IdentityDocument, Person, SourceRecord
from profiles.selectors import record_link_of, records_of_person, source_record_person_id
from profiles.services import person_create

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

_CYRILLIC = re.compile(r"[\u0400-\u04FF]")


@transaction.atomic
def candidate_accept(*, candidate: MatchCandidate, user: AbstractBaseUser, note: str) -> MatchCandidate:
    """The record and the person are one individual: link them, and close the record's other candidates."""
    note = _required_note(note)
    candidate = _pending_candidate_lock(candidate)
    # The candidate's person may have been merged away while the candidate waited.
    person = person_surviving(person=candidate.person)
    check_record_can_move(record=candidate.record, person=person)
    _decide(candidate, status=MatchCandidate.Status.ACCEPTED, user=user, note=note)
    record_attach(
        record=candidate.record,
        person=person,
        kind=LinkDecision.Kind.ACCEPT,
        score=candidate.score,
        reason=candidate.explanation,
        user=user,
        note=note,
    )
    # A record belongs to one person: the other people it was compared with are not it.
    others = MatchCandidate.objects.select_for_update().filter(
        record_id=candidate.record_id, status=MatchCandidate.Status.PENDING
    )
    closing_note = f"Closed when candidate {candidate.pk} was accepted (record linked to person {person.pk}): {note}"
    for other in others:
        _decide(other, status=MatchCandidate.Status.REJECTED, user=user, note=closing_note)
        _log_reject(other, user=user, note=closing_note)
    return candidate


@transaction.atomic
def candidate_reject(*, candidate: MatchCandidate, user: AbstractBaseUser, note: str) -> MatchCandidate:
    """The record and the person are different people. With no candidate left, the record is a new person."""
    note = _required_note(note)
    candidate = _pending_candidate_lock(candidate)
    _decide(candidate, status=MatchCandidate.Status.REJECTED, user=user, note=note)
    _log_reject(candidate, user=user, note=note)

    record = SourceRecord.objects.select_for_update().get(pk=candidate.record_id)
    still_pending = MatchCandidate.objects.filter(record=record, status=MatchCandidate.Status.PENDING).exists()
    unlinked = source_record_person_id(record_id=record.pk) is None
    if unlinked and not still_pending and record_can_found_person(record=record):
        record_attach(
            record=record,
            person=person_create_from_record(record=record),
            kind=LinkDecision.Kind.NEW_PERSON,
            user=user,
            note=f"No candidate left after rejecting candidate {candidate.pk}: {note}",
        )
    # A record without a birth date, sex or citizenship cannot found a profile: it stays unlinked
    # for the linker to try again when more of the person's records arrive.
    return candidate


def person_surviving(*, person: Person) -> Person:
    """The profile that holds `person`'s records now: `person`, or the end of its merged_into chain."""
    seen = {person.pk}
    while person.merged_into_id is not None:
        person = Person.objects.get(pk=person.merged_into_id)
        if person.pk in seen:  # a cycle cannot be built through person_merge; refuse rather than loop
            raise ValidationError("Merge chain of person %(person)s loops.", params={"person": person.pk})
        seen.add(person.pk)
    return person


def record_can_found_person(*, record: SourceRecord) -> bool:
    """A Person needs a surname, a birth date, a sex and a citizenship."""
    return bool(record.surname and record.birth_date and record.sex and record.citizenship_id)


def person_create_from_record(*, record: SourceRecord) -> Person:
    """A new profile with the record's identity as its canonical values, in the record's script."""
    if not record_can_found_person(record=record):
        raise ValidationError(
            "Record %(record)s lacks a surname, birth date, sex or citizenship: it cannot found a profile.",
            code="record_incomplete",
            params={"record": str(record)},
        )
    if _CYRILLIC.search(f"{record.surname}{record.given_names}"):
        names = {
            "cyrillic_surname": record.surname,
            "cyrillic_given_names": record.given_names,
            "cyrillic_patronymic": record.patronymic,
        }
    else:
        # A Latin patronymic (`BAHODIR O'G'LI`) has no canonical column; it stays on the record
        # and in the person's name keys.
        names = {"latin_surname": record.surname, "latin_given_names": record.given_names}
    return person_create(
        birth_date=record.birth_date,  # type: ignore[arg-type]  # checked above
        sex=record.sex,
        citizenship=record.citizenship,  # type: ignore[arg-type]
        phone=record.phone,
        **names,
    )


def _required_note(note: str) -> str:
    note = (note or "").strip()
    if not note:
        raise ValidationError("A review decision needs a note: why are these the same or different people?")
    return note


def _pending_candidate_lock(candidate: MatchCandidate) -> MatchCandidate:
    """The candidate, locked: two reviewers deciding at once get one decision and one refusal."""
    locked = (
        MatchCandidate.objects.select_for_update(of=("self",)).select_related("record", "person").get(pk=candidate.pk)
    )
    if locked.status != MatchCandidate.Status.PENDING:
        raise ValidationError(
            "Candidate %(candidate)s was already decided (%(status)s).",
            code="candidate_decided",
            params={"candidate": locked.pk, "status": locked.get_status_display()},
        )
    return locked


def _decide(candidate: MatchCandidate, *, status: str, user: AbstractBaseUser, note: str) -> None:
    candidate.status = status
    candidate.decided_by = user  # type: ignore[assignment]
    candidate.decided_at = timezone.now()
    candidate.decision_note = note
    candidate.full_clean(exclude=["record", "person", "decided_by"])  # rows just locked or the requester
    candidate.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])


def _log_reject(candidate: MatchCandidate, *, user: AbstractBaseUser, note: str) -> None:
    LinkDecision.objects.create(
        kind=LinkDecision.Kind.REJECT,
        record_id=candidate.record_id,
        person_id=candidate.person_id,
        score=candidate.score,
        reason=note,
        decided_by=user,
    )


# --- The side-by-side comparison (a selector for the review page) ----------------------------


@dataclass(frozen=True)
class ExplanationRow:
    """One compared field of a candidate's explanation, with its tone for colour: the sign of its weight."""

    field: str
    level: str
    weight: float | None
    detail: str

    @property
    def tone(self) -> str:
        if self.weight is None or self.weight == 0 or self.level == "missing":
            return "neutral"
        return "agree" if self.weight > 0 else "disagree"


def explanation_rows(explanation: Any) -> list[ExplanationRow]:
    """The per-field levels and weights of a linker explanation, whatever its exact shape.

    The linker (`linkage.model.explain`) writes `{field: {"level", "weight", "a", "b"}, ..., "summary": ...}`;
    `{"fields": {...}}` and `{"fields": [{"field": ...}, ...]}` are read too. Keys that are not
    per-field (summary, totals, guard) are skipped.
    """
    if not isinstance(explanation, dict):
        return []
    fields: Any = explanation.get("fields", explanation.get("comparisons", explanation))
    items: list[tuple[str, Any]]
    if isinstance(fields, dict):
        items = list(fields.items())
    elif isinstance(fields, list):
        items = [(str(item.get("field", item.get("name", ""))), item) for item in fields if isinstance(item, dict)]
    else:
        return []
    rows = []
    for name, value in items:
        if not isinstance(value, dict) or not ({"level", "weight", "agreement"} & value.keys()):
            continue
        weight = value.get("weight", value.get("log_weight"))
        try:
            weight = None if weight is None else float(weight)
        except (TypeError, ValueError):
            weight = None
        detail = value.get("detail", value.get("note", ""))
        if not detail and ("a" in value or "b" in value):  # linkage.model.explain: the two values compared
            detail = f"{value.get('a') or '—'} ↔ {value.get('b') or '—'}"
        rows.append(
            ExplanationRow(
                field=name, level=str(value.get("level", value.get("agreement", ""))), weight=weight, detail=str(detail)
            )
        )
    return rows


# One compared field in a summary line of `linkage.model._explanation_common`:
# "surname (translit_equal +6.1)" or "given_names (exact +1.2, frequent name)".
_SUMMARY_FIELD = re.compile(r"(\w+) \((\w+) ([+-]\d+(?:\.\d+)?)(, frequent name)?\)")


def link_reason_rows(*, record: SourceRecord) -> list[ExplanationRow]:
    """The record's link, field by field: the level, the weight and the two values compared.

    A link the linker made stores its summary and the matched record (`linkage.model.link_reason`):
    the levels and weights are read from the summary, the values from the two records (write-once,
    so they are the values that were compared). A link a reviewer accepted stores the candidate's
    full explanation, values included, and is read as it is.
    """
    link = record_link_of(record)
    reason = link.reason if link is not None and isinstance(link.reason, dict) else {}
    rows = explanation_rows(reason)
    if rows:
        return rows
    summary = str(reason.get("summary", ""))
    compared = summary.split("; probability", 1)[0]
    matched_id = reason.get("matched_record")
    matched = SourceRecord.objects.filter(pk=matched_id).first() if isinstance(matched_id, int) else None
    rows = []
    for name, level, weight, frequent in _SUMMARY_FIELD.findall(compared):
        detail = f"{_record_value(record, name) or '—'} ↔ {_record_value(matched, name) or '—'}" if matched else ""
        if frequent:
            detail = f"{detail} (frequent name)" if detail else "frequent name"
        rows.append(ExplanationRow(field=name, level=level, weight=float(weight), detail=detail))
    return rows


def _record_value(record: SourceRecord | None, name: str) -> str:
    if record is None:
        return ""
    value = record.citizenship_id if name == "citizenship" else getattr(record, name, "")
    return value.isoformat() if isinstance(value, dt.date) else str(value or "")


@dataclass(frozen=True)
class ComparedField:
    label: str
    record_value: str
    person_value: str
    explanation: ExplanationRow | None


@dataclass
class CandidateComparison:
    candidate: MatchCandidate
    record_payload: str
    fields: list[ComparedField]
    explanation: list[ExplanationRow]
    summary: str
    person_records: list[SourceRecord]
    person_record_count: int
    person_documents: list[IdentityDocument]


# Which explanation keys speak about which compared row (the linker may name them either way).
_EXPLANATION_KEYS = {
    "surname": ("surname", "last_name"),
    "given_names": ("given_names", "given_name", "first_name"),
    "patronymic": ("patronymic", "father_name"),
    "birth_date": ("birth_date", "dob"),
    "sex": ("sex",),
    "citizenship": ("citizenship",),
    "document": ("document", "document_number"),
    "phone": ("phone",),
    "tax_id": ("tax_id", "inn"),
}


def candidate_comparison(*, candidate_id: int, record_limit: int = 20) -> CandidateComparison | None:
    """The review page's data: the record against the person, in four queries whatever their size."""
    candidate = (
        MatchCandidate.objects.select_related(
            "record__source_system", "record__citizenship", "person__citizenship", "decided_by"
        )
        .filter(pk=candidate_id)
        .first()
    )
    if candidate is None:
        return None
    record, person = candidate.record, candidate.person
    person_records = list(
        records_of_person(person).select_related("source_system").order_by("-received_at", "-id")[:record_limit]
    )
    count = len(person_records)
    if count == record_limit:
        count = records_of_person(person).count()
    documents = list(IdentityDocument.objects.filter(person=person).order_by("-issued_on", "id")[:record_limit])

    # In the comparison's field order (the JSON column may come back with its keys reordered).
    order = {key: index for index, keys in enumerate(_EXPLANATION_KEYS.values()) for key in keys}
    explanation = sorted(explanation_rows(candidate.explanation), key=lambda row: order.get(row.field, len(order)))
    by_field = {row.field: row for row in explanation}

    def explained(name: str) -> ExplanationRow | None:
        return next((by_field[key] for key in _EXPLANATION_KEYS[name] if key in by_field), None)

    def both(latin: str, cyrillic: str) -> str:
        return " / ".join(value for value in (latin, cyrillic) if value)

    record_document = f"{record.get_document_type_display()} {record.document_number}" if record.document_number else ""
    person_document = ", ".join(f"{d.get_document_type_display()} {d.number_normalized}" for d in documents)
    rows = [
        ("surname", "Surname", record.surname, both(person.latin_surname, person.cyrillic_surname)),
        ("given_names", "Given names", record.given_names, both(person.latin_given_names, person.cyrillic_given_names)),
        ("patronymic", "Patronymic", record.patronymic, person.cyrillic_patronymic),
        ("birth_date", "Birth date", _date(record.birth_date), _date(person.birth_date)),
        ("sex", "Sex", record.sex, person.sex),
        ("citizenship", "Citizenship", str(record.citizenship or ""), str(person.citizenship)),
        ("document", "Document", record_document, person_document),
        ("phone", "Phone", record.phone, person.phone),
        ("tax_id", "Tax id (INN)", record.tax_id, ", ".join(sorted({r.tax_id for r in person_records if r.tax_id}))),
    ]
    summary = candidate.explanation.get("summary", "") if isinstance(candidate.explanation, dict) else ""
    return CandidateComparison(
        candidate=candidate,
        record_payload=json.dumps(record.payload, indent=2, ensure_ascii=False, sort_keys=True),
        fields=[ComparedField(label, mine, theirs, explained(name)) for name, label, mine, theirs in rows],
        explanation=explanation,
        summary=str(summary),
        person_records=person_records,
        person_record_count=count,
        person_documents=documents,
    )


def candidate_next_pending_id(*, after: MatchCandidate) -> int | None:
    """The next candidate a reviewer should see: the highest-scored pending one."""
    return (
        MatchCandidate.objects.filter(status=MatchCandidate.Status.PENDING)
        .exclude(pk=after.pk)
        .order_by("-score", "id")
        .values_list("pk", flat=True)
        .first()
    )


def _date(value: dt.date | None) -> str:
    return f"{value:%d.%m.%Y}" if value else ""
