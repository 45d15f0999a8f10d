"""Pages of the e-services: the catalog, a service's form with its draft, and the person's applications.

Every page but the certificate verification needs a signed-in account that has claimed its profile;
applications are fetched through `application_get_for_user`, which answers 404 for anyone else's.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from profiles.mrz import MrzError
from services import certificates
from services.forms import RespondForm, ServiceForm, WithdrawForm, draft_data, mrz_answers, mrz_messages
from services.selectors import (
    CORRECTION_SERVICE,
    application_answers,
    application_draft_get,
    application_get_for_user,
    application_list_for_person,
    application_timeline,
    certificate_get,
    correction_initial,
    service_catalog,
    service_form_initial,
    service_get_active,
)
from services.services import (
    application_draft_save,
    application_respond,
    application_submit,
    application_withdraw,
)
from services.uploads import EXTENSIONS, upload_check
from services.workflow import NEXT_STEP, WITH_OFFICER, Actor, State, TransitionNotAllowed, targets_for


def person_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, with a claimed profile; `request.person` is that Person."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        person = getattr(request.user, "person", None)
        if person is None:
            try:
                claim_url = reverse("cabinet:claim")
            except NoReverseMatch:
                claim_url = ""
            return render(request, "services/no_profile.html", {"claim_url": claim_url}, status=403)
        request.person = person  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


@person_required
@require_GET
def catalog(request: HttpRequest) -> HttpResponse:
    return render(request, "services/catalog.html", {"services": service_catalog()})


def _form_kwargs(request: HttpRequest, service: Any) -> tuple[dict[str, Any], Any]:
    person = request.person  # type: ignore[attr-defined]
    draft = application_draft_get(person=person, service=service)
    return {
        "service": service,
        "prefilled": service_form_initial(person=person, service=service),
        "attached": {document.field_name: document for document in draft.documents.all()} if draft else {},
        "birth_date": person.birth_date,
    }, draft


@person_required
@never_cache
@require_http_methods(["GET", "POST"])
def service_form(request: HttpRequest, code: str) -> HttpResponse:
    service = service_get_active(code=code)
    kwargs, draft = _form_kwargs(request, service)
    person = request.person  # type: ignore[attr-defined]
    if request.method == "GET":
        initial = dict(draft.data) if draft else {}
        if service.code == CORRECTION_SERVICE and request.GET.get("field"):
            initial.update(correction_initial(person=person, path=request.GET["field"]))
        return _render_form(request, ServiceForm(initial=initial, **kwargs), draft)

    form = ServiceForm(request.POST, request.FILES, **kwargs)
    if request.POST.get("action") != "submit":
        return _save_draft(request, form, service)
    if form.is_valid():
        try:
            application = application_submit(
                user=request.user, person=person, service=service, data=form.typed_data(), files=form.uploads()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Application %(reference)s is submitted.") % {"reference": application.reference}
            )
            return redirect("services:application_detail", application_id=application.public_id)
    # Keep what was typed even when the submission fails.
    application_draft_save(
        user=request.user, person=person, service=service, data=draft_data(service=service, data=form.data)
    )
    return _render_form(request, form, draft, status=400)


def _save_draft(request: HttpRequest, form: ServiceForm, service: Any) -> HttpResponse:
    """The no-JS "Save draft" and "Fill from MRZ" buttons: save what is typed (and good files), then show it."""
    person = request.person  # type: ignore[attr-defined]
    uploads = {}
    for name, upload in form.uploads().items():
        try:
            upload_check(upload)
        except ValidationError as error:
            messages.error(request, f"{form.fields[name].label}: {' '.join(error.messages)}")
        else:
            uploads[name] = upload
    draft = application_draft_save(
        user=request.user,
        person=person,
        service=service,
        data=draft_data(service=service, data=form.data),
        files=uploads,
    )
    if form.mrz_errors:
        kwargs, draft = _form_kwargs(request, service)
        unbound = ServiceForm(initial=dict(draft.data), **kwargs)
        return _render_form(request, unbound, draft, mrz_errors=form.mrz_errors, status=400)
    if form.mrz_filled:
        messages.success(request, _("The passport fields are filled from the MRZ; its check digits are correct."))
    else:
        messages.success(request, _("Draft saved."))
    return redirect("services:service_form", code=service.code)


def _render_form(
    request: HttpRequest, form: ServiceForm, draft: Any, *, status: int = 200, **extra: Any
) -> HttpResponse:
    context = {
        "service": form.service,
        "form": form,
        "draft": draft,
        "correction_code": CORRECTION_SERVICE,
        "mrz_errors": [],
        **extra,
    }
    return render(request, "services/service_form.html", context, status=status)


@person_required
@require_POST
def draft_save(request: HttpRequest, code: str) -> JsonResponse:
    """The autosave endpoint: the form's typed values every few seconds (files go with the buttons)."""
    service = service_get_active(code=code)
    draft = application_draft_save(
        user=request.user,
        person=request.person,  # type: ignore[attr-defined]
        service=service,
        data=draft_data(service=service, data=request.POST),
    )
    saved = timezone.localtime(draft.updated_at)
    return JsonResponse(
        {"saved_at": saved.isoformat(), "message": _("Draft saved at %(time)s") % {"time": formats.time_format(saved)}}
    )


@person_required
@require_POST
def mrz_read(request: HttpRequest, code: str) -> JsonResponse:
    """Read the MRZ typed in the form (JS): the document fields to fill, or what failed."""
    service = service_get_active(code=code)
    person = request.person  # type: ignore[attr-defined]
    try:
        fields = mrz_answers(
            service=service,
            text=request.POST.get("mrz", ""),
            locked=set(service_form_initial(person=person, service=service)),
            birth_date=person.birth_date,
        )
    except MrzError as error:
        return JsonResponse({"errors": mrz_messages(error)}, status=400)
    return JsonResponse({"fields": fields, "message": _("The passport fields are filled from the MRZ.")})


@person_required
@require_GET
def application_list(request: HttpRequest) -> HttpResponse:
    applications = application_list_for_person(person=request.person)  # type: ignore[attr-defined]
    return render(request, "services/application_list.html", {"applications": applications})


@person_required
@require_GET
def application_detail(request: HttpRequest, application_id: Any) -> HttpResponse:
    application = application_get_for_user(user=request.user, application_id=application_id)
    context = {
        "application": application,
        "answers": application_answers(application=application),
        "timeline": application_timeline(application=application),
        "next_step": NEXT_STEP[application.state],
        "documents": list(application.documents.all()),
        "certificate": getattr(application, "certificate", None) if application.state == State.APPROVED else None,
        "withdraw_form": WithdrawForm(),
        "can_withdraw": State.WITHDRAWN in targets_for(source=application.state, actor=Actor.APPLICANT),
        "sla_running": application.state in WITH_OFFICER,
    }
    return render(request, "services/application_detail.html", context)


@person_required
@require_POST
def application_withdraw_view(request: HttpRequest, application_id: Any) -> HttpResponse:
    application = application_get_for_user(user=request.user, application_id=application_id)
    form = WithdrawForm(request.POST)
    try:
        if form.is_valid():
            application_withdraw(user=request.user, application=application, reason=form.cleaned_data["reason"])
            messages.success(request, _("The application is withdrawn."))
    except TransitionNotAllowed:
        messages.error(request, _("This application can no longer be withdrawn."))
    if application.state == State.WITHDRAWN and not application.reference:
        return redirect("services:application_list")
    return redirect("services:application_detail", application_id=application.public_id)


@person_required
@require_http_methods(["GET", "POST"])
def application_respond_view(request: HttpRequest, application_id: Any) -> HttpResponse:
    application = application_get_for_user(user=request.user, application_id=application_id)
    if application.state != State.MORE_INFO_NEEDED:
        return redirect("services:application_detail", application_id=application.public_id)
    form = RespondForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            application_respond(
                user=request.user, application=application, note=form.cleaned_data["note"], files=form.uploads()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your answer is sent to the officer."))
            return redirect("services:application_detail", application_id=application.public_id)
    return render(request, "services/application_respond.html", {"application": application, "form": form})


@person_required
@require_GET
def application_document(request: HttpRequest, application_id: Any, document_id: int) -> FileResponse:
    application = application_get_for_user(user=request.user, application_id=application_id)
    document = application.documents.filter(pk=document_id).first()
    if document is None:
        raise Http404("No such document.")
    return document_response(document)


def document_response(document: Any) -> FileResponse:
    """The stored file with the type read from its content and a name ending in the matching extension."""
    stem = document.original_name.rsplit(".", 1)[0] or "document"
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=f"{stem}.{EXTENSIONS[document.content_type]}",
        content_type=document.content_type,
    )


@person_required
@require_GET
def certificate_pdf(request: HttpRequest, application_id: Any) -> HttpResponse:
    application = application_get_for_user(user=request.user, application_id=application_id)
    certificate = getattr(application, "certificate", None)
    if certificate is None:
        raise Http404("No certificate for this application.")
    verify_url = request.build_absolute_uri(reverse("services:certificate_verify")) + f"?token={certificate.token}"
    body = certificates.certificate_pdf(
        statement=certificate.statement,
        reference=application.reference,
        verify_url=verify_url,
        public_key_url=request.build_absolute_uri(reverse("services:certificate_public_key")),
    )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="status-{application.reference}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def certificate_public_key(request: HttpRequest) -> HttpResponse:
    """The platform's Ed25519 public key (PEM), for verifying certificates offline."""
    response = HttpResponse(certificates.public_key_pem(), content_type="application/x-pem-file; charset=us-ascii")
    response["X-Key-Id"] = certificates.key_id()
    response["Access-Control-Allow-Origin"] = "*"
    return response


@never_cache
@require_GET
def certificate_verify(request: HttpRequest) -> HttpResponse:
    """Anyone (a landlord, an employer) checks a certificate: valid, expired or invalid."""
    token = request.GET.get("token", "").strip()
    verification = certificates.token_verify(token) if token else None
    on_record = None
    if verification is not None and verification.statement is not None:
        on_record = certificate_get(certificate_id=verification.statement.get("cid"))
        if on_record is None or on_record.token != token:
            # Signed with our key yet never issued here: treat as forged (a leaked key), never as valid.
            verification = certificates.Verification(certificates.INVALID, problem="not issued by this platform")
    statement = verification.statement if verification else None
    context = {
        "token": token,
        "verification": verification,
        "statement": statement,
        "dates": certificates.statement_dates(statement) if statement else {},
        "basis_label": _basis_label(statement.get("basis", "")) if statement else "",
        "key_id": certificates.key_id(),
    }
    return render(request, "services/certificate_verify.html", context)


def _basis_label(kind: str) -> str:
    try:
        from legal.status import BasisKind

        return str(BasisKind(kind).label)
    except (ImportError, ValueError):
        return kind
