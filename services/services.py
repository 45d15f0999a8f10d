"""Writes of the services app: drafts, uploads, submission and every move of the state machine.

Every move goes through `_move`, which locks the application row, checks the move against
`services.workflow.TRANSITIONS` for the actor, writes the new state and one `ApplicationTransition`
(timestamped, with the user and the reason) in one transaction, and notifies the applicant.
Authorization follows `check_*` then `do_*`: the public functions check who may act, then write.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from legal.selectors import add_working_days, production_calendar_get
from profiles.models import Permit, Person
from profiles.names import cyrillic_to_latin
from services import certificates
from services.models import (
    Application,
    ApplicationDocument,
    ApplicationTransition,
    DocumentStage,
    ServiceDefinition,
    StatusCertificate,
)
from services.selectors import service_form_initial
from services.uploads import upload_check
from services.workflow import Actor, State, TransitionNotAllowed, transition_get

logger = logging.getLogger(__name__)

DRAFT_VALUE_MAX_LENGTH = 5000
DECISIONS = {State.APPROVED: "approved", State.REJECTED: "refused", State.MORE_INFO_NEEDED: "returned"}


def _json(value: Any) -> Any:
    """A cleaned form value as the JSON column stores it (dates ISO, decimals as strings)."""
    if isinstance(value, str | int | float | bool | type(None)):
        return value
    return DjangoJSONEncoder().default(value)


# --- Authorization ------------------------------------------------------------------------------


def check_applicant(*, user: Any, person: Person) -> None:
    """Only the account that claimed the profile acts for the person."""
    if not getattr(user, "is_authenticated", False) or person.user_id != user.pk:
        raise PermissionDenied("Only the person who claimed this profile may act on its applications.")


def check_officer(*, user: Any) -> None:
    if not (user.is_active and user.is_staff and user.has_perm("services.change_application")):
        raise PermissionDenied("Only migration officers process applications.")


# --- The state machine --------------------------------------------------------------------------


@transaction.atomic
def _move(
    *, application: Application, target: str, actor: str, user: Any, reason: str = "", **changes: Any
) -> ApplicationTransition:
    # Lock the row: two officers pressing "approve" and "reject" together must not both succeed.
    locked = Application.objects.select_for_update().select_related("service", "person").get(pk=application.pk)
    transition = transition_get(source=locked.state, target=target, actor=actor)
    reason = reason.strip()
    if transition.reason_required and not reason:
        raise ValidationError({"reason": _("Give a reason: the applicant will read it.")})
    now = timezone.now()
    for name, value in changes.items():
        setattr(locked, name, value)
    source, locked.state = locked.state, target
    if target in (State.APPROVED, State.REJECTED):
        locked.decided_at = now
    locked.full_clean(exclude=["person", "service", "assigned_officer"])
    locked.save()
    row = ApplicationTransition(
        application=locked,
        from_state=source,
        to_state=target,
        at=now,
        by=user if getattr(user, "is_authenticated", False) else None,
        actor=actor,
        reason=reason,
    )
    row.full_clean(exclude=["application", "by"])
    row.save()
    _notify(application=locked, transition=row)
    application.refresh_from_db()
    return row


def _notify(*, application: Application, transition: ApplicationTransition) -> None:
    """Tell the applicant (inbox, then SMS/email) through the notifications app, when it is installed.

    Decisions (approve, reject, a request for information) use `application.decision`; the other moves
    use `application.status` once the notifications registry declares it. The notification is written
    in this transaction, so it exists exactly when the move does; a notification problem is logged and
    never undoes the move.
    """
    try:
        from notifications.registry import KINDS
        from notifications.services import notify_event
    except ImportError:  # pragma: no cover - the notifications app is part of the platform
        return
    kind_key = "application.decision" if transition.to_state in DECISIONS else "application.status"
    kind = KINDS.get(kind_key)
    if kind is None:
        return
    with translation.override(application.person.preferred_language):
        context = {
            "application_number": application.reference or str(application.public_id),
            "service_name": gettext(application.service.title),
            "decision": DECISIONS.get(transition.to_state, ""),
            "decided_on": timezone.localdate(transition.at).isoformat(),
            "changed_on": timezone.localdate(transition.at).isoformat(),
            "reason": transition.reason,
            "status": transition.to_state,
            "status_label": str(State(transition.to_state).label),
        }
    context = {name: value for name, value in context.items() if name in kind.variables}
    try:
        with transaction.atomic():
            notify_event(
                person_id=application.person_id,
                kind=kind_key,
                context=context,
                dedupe_key=f"application:{application.pk}:transition:{transition.pk}",
            )
    except (ValidationError, LookupError, IntegrityError):
        logger.exception("Could not notify person %s of application %s", application.person_id, application.pk)


# --- Service definitions ------------------------------------------------------------------------


@transaction.atomic
def service_definition_save(*, definition: ServiceDefinition) -> ServiceDefinition:
    """Validate the field schema (services.schema) and save; the catalog shows the change at once."""
    definition.full_clean()
    definition.save()
    return definition


# --- Drafts and uploads -------------------------------------------------------------------------


def _editable_names(service: ServiceDefinition, *, types: set[str] | None = None) -> set[str]:
    return {
        spec["name"] for spec in service.schema if spec["type"] != "file" and (types is None or spec["type"] in types)
    }


@transaction.atomic
def _draft_get_or_create(*, person: Person, service: ServiceDefinition) -> Application:
    draft = Application.objects.select_for_update().filter(person=person, service=service, state=State.DRAFT).first()
    if draft is not None:
        return draft
    try:
        # A savepoint: the autosave of a second tab may create the draft between our look-up and insert.
        with transaction.atomic():
            return Application.objects.create(person=person, service=service)
    except IntegrityError:
        return Application.objects.get(person=person, service=service, state=State.DRAFT)


@transaction.atomic
def application_document_attach(
    *, application: Application, field_name: str, upload: UploadedFile, stage: str = DocumentStage.APPLICATION
) -> ApplicationDocument:
    """Store an upload after reading its type from its content; a draft keeps one file per field."""
    checked = upload_check(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    if stage == DocumentStage.APPLICATION and application.state == State.DRAFT:
        # Replaced in a draft: the old file is no evidence of anything yet.
        for old in application.documents.filter(field_name=field_name, stage=stage):
            old.file.delete(save=False)
            old.delete()
    document = ApplicationDocument(
        application=application,
        field_name=field_name,
        stage=stage,
        original_name=(upload.name or "upload")[-200:],
        content_type=checked.content_type,
        size=checked.size,
        sha256=digest.hexdigest(),
    )
    document.file.save("upload", upload, save=False)
    # The file is on disk from here; if the row cannot be written, remove it again.
    try:
        document.full_clean(exclude=["application", "file"])
        document.save()
    except Exception:
        document.file.delete(save=False)
        raise
    return document


def check_application_draft_save(*, user: Any, person: Person, service: ServiceDefinition) -> None:
    check_applicant(user=user, person=person)
    if not service.active:
        raise ValidationError(_("This service is not offered at the moment."))


@transaction.atomic
def application_draft_save(
    *,
    user: Any,
    person: Person,
    service: ServiceDefinition,
    data: dict[str, Any],
    files: dict[str, UploadedFile] | None = None,
) -> Application:
    """Keep what the person typed so far (raw, unvalidated) and any files, in their one draft of the service."""
    check_application_draft_save(user=user, person=person, service=service)
    return do_application_draft_save(person=person, service=service, data=data, files=files or {})


def do_application_draft_save(
    *, person: Person, service: ServiceDefinition, data: dict[str, Any], files: dict[str, UploadedFile]
) -> Application:
    draft = _draft_get_or_create(person=person, service=service)
    names = _editable_names(service)
    typed = {name: str(value)[:DRAFT_VALUE_MAX_LENGTH] for name, value in data.items() if name in names}
    draft.data = {**draft.data, **typed}
    draft.save(update_fields=["data", "updated_at"])
    file_names = {spec["name"] for spec in service.schema if spec["type"] == "file"}
    for name, upload in files.items():
        if name in file_names:
            application_document_attach(application=draft, field_name=name, upload=upload)
    return draft


# --- Submission ---------------------------------------------------------------------------------


def check_application_submit(
    *, user: Any, person: Person, service: ServiceDefinition, data: dict[str, Any], file_names: set[str]
) -> dict[str, Any]:
    """Who may submit, and whether every required field has an answer (typed, from the profile, or a file).

    Returns the profile's values as they stand now, the snapshot the application keeps.
    """
    check_application_draft_save(user=user, person=person, service=service)
    prefilled = service_form_initial(person=person, service=service)
    missing = []
    for spec in service.schema:
        if not spec.get("required") or spec["type"] == "mrz":
            continue
        present = spec["name"] in file_names if spec["type"] == "file" else (
            data.get(spec["name"]) not in (None, "") or spec["name"] in prefilled
        )  # fmt: skip
        if not present:
            missing.append(spec["name"])
    if missing:
        raise ValidationError({name: _("This field is required.") for name in missing})
    return prefilled


@transaction.atomic
def application_submit(
    *,
    user: Any,
    person: Person,
    service: ServiceDefinition,
    data: dict[str, Any],
    files: dict[str, UploadedFile] | None = None,
) -> Application:
    """File the application: the typed answers, the profile snapshot, the files; a reference and a due date.

    `data` holds validated values (the form's cleaned data) of the fields the person could type; the
    prefilled fields are taken from the profile here, never from the request.
    """
    files = files or {}
    draft = Application.objects.filter(person=person, service=service, state=State.DRAFT).first()
    attached = set(draft.documents.values_list("field_name", flat=True)) if draft else set()
    prefilled = check_application_submit(
        user=user, person=person, service=service, data=data, file_names=attached | set(files)
    )
    return do_application_submit(user=user, person=person, service=service, data=data, files=files, prefilled=prefilled)


def do_application_submit(
    *,
    user: Any,
    person: Person,
    service: ServiceDefinition,
    data: dict[str, Any],
    files: dict[str, UploadedFile],
    prefilled: dict[str, Any],
) -> Application:
    draft = do_application_draft_save(person=person, service=service, data={}, files=files)
    typed_names = _editable_names(service) - set(prefilled)
    now = timezone.now()
    today = timezone.localdate(now)
    _move(
        application=draft,
        target=State.SUBMITTED,
        actor=Actor.APPLICANT,
        user=user,
        data={name: _json(value) for name, value in data.items() if name in typed_names and value not in (None, "")},
        prefilled={name: _json(value) for name, value in prefilled.items()},
        reference=f"{service.reference_prefix}-{today.year}-{draft.pk:06d}",
        submitted_at=now,
        sla_due_on=add_working_days(today, service.sla_working_days),
    )
    if service.decided_automatically:
        status_certificate_issue(application=draft)
        _move(
            application=draft,
            target=State.APPROVED,
            actor=Actor.SYSTEM,
            user=None,
            reason=gettext("Issued automatically: a statement of the facts recorded in the registry."),
        )
    return draft


# --- Applicant moves ----------------------------------------------------------------------------


def check_application_withdraw(*, user: Any, application: Application) -> None:
    check_applicant(user=user, person=application.person)
    transition_get(source=application.state, target=State.WITHDRAWN, actor=Actor.APPLICANT)


@transaction.atomic
def application_withdraw(*, user: Any, application: Application, reason: str = "") -> Application:
    check_application_withdraw(user=user, application=application)
    _move(application=application, target=State.WITHDRAWN, actor=Actor.APPLICANT, user=user, reason=reason)
    return application


def check_application_respond(*, user: Any, application: Application, note: str, files: list[UploadedFile]) -> None:
    check_applicant(user=user, person=application.person)
    transition_get(source=application.state, target=State.RESUBMITTED, actor=Actor.APPLICANT)
    if not note.strip() and not files:
        raise ValidationError({"note": _("Write what you are sending, or upload at least one document.")})


@transaction.atomic
def application_respond(
    *, user: Any, application: Application, note: str, files: list[UploadedFile] | None = None
) -> Application:
    """Answer a request for more information: documents and a note; back to the officer's queue.

    The SLA clock stopped when the officer asked; it restarts today with the working days that were left.
    """
    files = files or []
    check_application_respond(user=user, application=application, note=note, files=files)
    for upload in files:
        application_document_attach(application=application, field_name="", upload=upload, stage=DocumentStage.RESPONSE)
    reason = note.strip() or gettext("Documents sent: %(names)s") % {"names": ", ".join(f.name or "" for f in files)}
    days_left = max(application.sla_days_left or 0, 1)
    _move(
        application=application,
        target=State.RESUBMITTED,
        actor=Actor.APPLICANT,
        user=user,
        reason=reason,
        sla_due_on=add_working_days(timezone.localdate(), days_left),
        sla_days_left=None,
    )
    return application


# --- Officer moves ------------------------------------------------------------------------------


@transaction.atomic
def application_take_into_review(*, officer: Any, application: Application) -> Application:
    check_officer(user=officer)
    _move(
        application=application,
        target=State.IN_REVIEW,
        actor=Actor.OFFICER,
        user=officer,
        assigned_officer=officer,
        missing_info_note="",
    )
    return application


def _working_days_left(due: dt.date | None, today: dt.date) -> int:
    if due is None or due <= today:
        return 0
    calendar = production_calendar_get(start=today, end=due)
    return sum(1 for n in range((due - today).days) if calendar.is_working_day(today + dt.timedelta(days=n + 1)))


@transaction.atomic
def application_request_info(*, officer: Any, application: Application, note: str) -> Application:
    """Ask the applicant for more information; `note` says exactly what is missing (required)."""
    check_officer(user=officer)
    _move(
        application=application,
        target=State.MORE_INFO_NEEDED,
        actor=Actor.OFFICER,
        user=officer,
        reason=note,
        missing_info_note=note.strip(),
        sla_days_left=_working_days_left(application.sla_due_on, timezone.localdate()),
    )
    return application


@transaction.atomic
def application_reject(*, officer: Any, application: Application, reason: str) -> Application:
    check_officer(user=officer)
    _move(
        application=application,
        target=State.REJECTED,
        actor=Actor.OFFICER,
        user=officer,
        reason=reason,
        decision_reason=reason.strip(),
    )
    return application


@transaction.atomic
def application_approve(
    *,
    officer: Any,
    application: Application,
    reason: str = "",
    permit_number: str = "",
    permit_valid_to: dt.date | None = None,
) -> Application:
    """Approve. For a service that issues a permit, a permit number records the Permit fact, stated by a
    source record of this platform (PLATFORM) like any agency's."""
    check_officer(user=officer)
    kind = application.service.issues_permit_kind
    if kind and permit_number.strip():
        _permit_from_application(application=application, number=permit_number, valid_to=permit_valid_to)
    _move(
        application=application,
        target=State.APPROVED,
        actor=Actor.OFFICER,
        user=officer,
        reason=reason,
        decision_reason=reason.strip(),
    )
    if (
        application.service.code == "status-certificate"
        and not StatusCertificate.objects.filter(application=application).exists()
    ):
        status_certificate_issue(application=application)
    return application


def _permit_from_application(*, application: Application, number: str, valid_to: dt.date | None) -> Permit:
    from profiles.services import permit_record, source_record_link, source_record_receive
    from reference.models import Region, SourceSystem

    today = timezone.localdate()
    answers = {**application.prefilled, **application.data}
    region = Region.objects.filter(code=answers.get("work_region") or answers.get("patent_region") or "").first()
    if region is None and application.service.issues_permit_kind == Permit.Kind.PATENT:
        raise ValidationError({"permit_number": _("The application names no region for the patent.")})
    valid_to = valid_to or (today + dt.timedelta(days=365))
    record = source_record_receive(
        source_system=SourceSystem.objects.get(code="PLATFORM"),
        source_record_id=f"application:{application.reference}:permit",
        payload={
            "application": application.reference,
            "service": application.service.code,
            "kind": application.service.issues_permit_kind,
            "number": number.strip(),
            "region": region.code if region else "",
            "profession": answers.get("profession", ""),
            "issued_on": today.isoformat(),
            "valid_to": valid_to.isoformat(),
        },
        surname=application.person.latin_surname or application.person.cyrillic_surname,
        given_names=application.person.latin_given_names or application.person.cyrillic_given_names,
        birth_date=application.person.birth_date,
        citizenship=application.person.citizenship,
    )
    source_record_link(record=record, person=application.person, score=1.0, reason={"rule": "platform application"})
    return permit_record(
        person=application.person,
        source_record=record,
        kind=application.service.issues_permit_kind,
        number=number,
        region=region,
        profession=str(answers.get("profession", ""))[:200],
        issued_on=today,
        valid_from=today,
        valid_to=valid_to,
    )


# --- Status certificates ------------------------------------------------------------------------


def _status_statement(*, person: Person, on: dt.date) -> tuple[str, dt.date | None]:
    """(basis kind, permitted-until) from the status engine; from the permits if the engine cannot say."""
    try:
        from legal.status import person_status

        status = person_status(person=person, on=on)
        return status.legal_basis.kind, status.permitted_until
    except (ImportError, LookupError, ValueError):
        logger.exception("Status engine unavailable for person %s; falling back to permits", person.pk)
    order = [Permit.Kind.VNZH, Permit.Kind.RVP, Permit.Kind.PATENT, Permit.Kind.EAEU_WORKER, Permit.Kind.STUDENT,
             Permit.Kind.WORK_PERMIT, Permit.Kind.VISA]  # fmt: skip
    permits = [
        p for p in person.permits.filter(status=Permit.Status.VALID, valid_from__lte=on)
        if p.valid_to is None or p.valid_to >= on
    ]  # fmt: skip
    if not permits:
        return "none", None
    best = min(permits, key=lambda p: order.index(p.kind) if p.kind in order else len(order))
    return best.kind, best.valid_to


@transaction.atomic
def status_certificate_issue(*, application: Application, now: dt.datetime | None = None) -> StatusCertificate:
    """Sign the statement of status as the registry knows it now; valid for `CERTIFICATE_TTL`."""
    now = (now or timezone.now()).replace(microsecond=0)
    person = application.person
    on = timezone.localdate(now)
    basis, until = _status_statement(person=person, on=on)
    certificate = StatusCertificate(application=application, person=person, issued_at=now,
                                    expires_at=now + certificates.CERTIFICATE_TTL)  # fmt: skip
    cyrillic = " ".join(
        p for p in (person.cyrillic_surname, person.cyrillic_given_names, person.cyrillic_patronymic) if p
    )
    # The PDF prints Latin only (services.pdf): the passport spelling, else a transliteration.
    latin = f"{person.latin_surname} {person.latin_given_names}".strip() or cyrillic_to_latin(cyrillic)
    statement = {
        "v": 1,
        "kid": certificates.key_id(),
        "cid": str(certificate.certificate_id),
        "pid": str(person.public_id),
        "name": cyrillic or latin,
        "name_latin": latin,
        "dob": person.birth_date.isoformat(),
        "cit": person.citizenship_id,
        "basis": basis,
        "until": until.isoformat() if until else None,
        "on": on.isoformat(),
        "iat": int(now.timestamp()),
        "exp": int(certificate.expires_at.timestamp()),
    }
    certificate.statement = statement
    certificate.token = certificates.token_sign(statement)
    certificate.full_clean(exclude=["application", "person"])
    certificate.save()
    return certificate


__all__ = [
    "TransitionNotAllowed",
    "application_approve",
    "application_document_attach",
    "application_draft_save",
    "application_reject",
    "application_request_info",
    "application_respond",
    "application_submit",
    "application_take_into_review",
    "application_withdraw",
    "status_certificate_issue",
]
