"""Custom admin pages of linkage: the side-by-side review, merge and unmerge, the re-link button and
a person's provenance.

They are not in the root URLconf: the ModelAdmins in `linkage/admin.py` register them in their
`get_urls` behind `admin_site.admin_view` (staff login, CSRF), so they share the admin's templates,
messages and permissions. Each view parses, calls one service or selector, and responds.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from audit.admin_mixins import StatedPurpose, person_access_allowed, purpose_stated, purpose_url
from audit.models import AccessLog
from audit.services import access_log_record
from linkage.merge import person_merge, person_unmerge
from linkage.models import DataQualityCase, MatchCandidate, PersonMerge
from linkage.provenance import data_quality_case_open, person_provenance
from linkage.review import candidate_accept, candidate_comparison, candidate_next_pending_id, candidate_reject
from profiles.models import Person, SourceRecord
from profiles.selectors import person_get

if TYPE_CHECKING:
    from linkage.provenance import Conflict


# --- Forms --------------------------------------------------------------------------------


class DecisionForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="Why these are the same person, or two different people. Kept in the decision log.",
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 80}))


class MergeForm(ReasonForm):
    survivor = forms.IntegerField(min_value=1, label="Surviving person (id)", help_text="Keeps its id and values.")
    absorbed = forms.IntegerField(
        min_value=1, label="Absorbed person (id)", help_text="Its records, documents and facts move to the survivor."
    )
    force = forms.BooleanField(
        required=False,
        label="Merge despite a conflict",
        help_text="Different sex or citizenship: merge only if the reason says why one of them is wrong.",
    )
    field_order = ("survivor", "absorbed", "reason", "force")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name in ("survivor", "absorbed"):
            if cleaned.get(name) and (person := person_get(person_id=cleaned[name])) is None:
                self.add_error(name, "No person with this id.")
            elif cleaned.get(name):
                cleaned[f"{name}_person"] = person
        return cleaned


class CaseOpenForm(forms.Form):
    kind = forms.CharField(max_length=DataQualityCase._meta.get_field("kind").max_length, widget=forms.HiddenInput)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 80}))
    records = forms.TypedMultipleChoiceField(
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text="The records of the agency that should correct its data; one case goes to each agency chosen.",
    )

    def __init__(self, *args: Any, records: list[SourceRecord], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(record.pk, f"{record} (received {record.received_at:%d.%m.%Y})") for record in records]
        self.fields["records"].choices = choices  # type: ignore[attr-defined]


# --- Review -------------------------------------------------------------------------------


def candidate_review(model_admin: ModelAdmin, request: HttpRequest, object_id: str, extra_context: dict | None):
    """The side-by-side comparison of a candidate, with Accept / Reject and a required note."""
    comparison = candidate_comparison(candidate_id=_int_or_404(object_id))
    if comparison is None:
        raise Http404("No such candidate.")
    candidate = comparison.candidate
    can_decide = candidate.status == MatchCandidate.Status.PENDING and model_admin.has_change_permission(request)
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        decide = {"accept": candidate_accept, "reject": candidate_reject}.get(request.POST.get("decision", ""))
        if not can_decide or decide is None:
            raise PermissionDenied
        if form.is_valid() and _call(
            form, decide, candidate=candidate, user=request.user, note=form.cleaned_data["note"]
        ):
            messages.success(request, f"Candidate {candidate.pk}: {request.POST['decision']}ed and recorded.")
            next_id = candidate_next_pending_id(after=candidate)
            args = [next_id] if next_id else []
            return HttpResponseRedirect(
                reverse(
                    "admin:linkage_matchcandidate_change" if next_id else "admin:linkage_matchcandidate_changelist",
                    args=args,
                )
            )
    context = {
        **model_admin.admin_site.each_context(request),
        **(extra_context or {}),
        "opts": model_admin.model._meta,
        "title": f"Review: record {candidate.record} against person {candidate.person_id}",
        "comparison": comparison,
        "candidate": candidate,
        "form": form,
        "can_decide": can_decide,
    }
    return TemplateResponse(request, "admin/linkage/matchcandidate/review.html", context)


# --- Merge and unmerge --------------------------------------------------------------------


def merge_form(model_admin: ModelAdmin, request: HttpRequest) -> HttpResponse:
    """Merge two persons by id, with a reason (the admin's "add" page of merges)."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    form = MergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        merge = _call(
            form,
            person_merge,
            survivor=data["survivor_person"],
            absorbed=data["absorbed_person"],
            user=request.user,
            reason=data["reason"],
            force=data["force"],
        )
        if merge is not None:
            messages.success(request, f"Person {merge.absorbed_id} merged into person {merge.survivor_id}.")
            return HttpResponseRedirect(reverse("admin:linkage_personmerge_change", args=[merge.pk]))
    return _form_page(model_admin, request, form, title="Merge two persons", submit="Merge")


def unmerge_form(model_admin: ModelAdmin, request: HttpRequest, merge_id: int) -> HttpResponse:
    """Confirm an unmerge with a reason."""
    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    merge = PersonMerge.objects.select_related("survivor", "absorbed").filter(pk=merge_id).first()
    if merge is None:
        raise Http404("No such merge.")
    form = ReasonForm(request.POST or None)
    reason = form.cleaned_data["reason"] if request.method == "POST" and form.is_valid() else None
    if reason and _call(form, person_unmerge, merge=merge, user=request.user, reason=reason):
        messages.success(request, f"Merge {merge.pk} undone: person {merge.absorbed_id} is a profile of its own again.")
        return HttpResponseRedirect(reverse("admin:linkage_personmerge_change", args=[merge.pk]))
    title = f"Undo merge {merge.pk}: split person {merge.absorbed_id} off person {merge.survivor_id}"
    return _form_page(model_admin, request, form, title=title, submit="Unmerge", merge=merge)


# --- Re-link ------------------------------------------------------------------------------


def relink_start(model_admin: ModelAdmin, request: HttpRequest) -> HttpResponse:
    """Start a full re-link (POST only) through `linkage.tasks.relink_request`, if the engine has it."""
    if request.method != "POST" or not request.user.has_perm("linkage.add_linkrun"):
        raise PermissionDenied
    request_relink = _relink_request()
    if request_relink is None:
        messages.error(request, "The re-link job is not available yet (linkage.tasks.relink_request is missing).")
    else:
        try:
            run = request_relink(user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Full re-link queued{f' as run {run.pk}' if hasattr(run, 'pk') else ''}.")
    return HttpResponseRedirect(reverse("admin:linkage_linkrun_changelist"))


def _relink_request():
    try:
        tasks = importlib.import_module("linkage.tasks")
    except ModuleNotFoundError as error:
        if error.name != "linkage.tasks":
            raise  # the module exists but is broken: that must not pass as "not available"
        return None
    request_relink = getattr(tasks, "relink_request", None)
    return request_relink if callable(request_relink) else None


# --- Provenance ---------------------------------------------------------------------------


def provenance(model_admin: ModelAdmin, request: HttpRequest, person_id: int) -> HttpResponse:
    """Which agency said what about a person, and the conflicts; purpose-bound and logged like the person page."""
    person = Person.objects.select_related("citizenship", "merged_into").filter(pk=person_id).first()
    if person is None:
        raise Http404("No such person.")
    gate = person_read_gate(request, person_id=person.pk)
    if isinstance(gate, HttpResponse):
        return gate
    result = person_provenance(person=person)
    can_open = request.user.has_perm("linkage.add_dataqualitycase")
    if request.method == "POST" and not can_open:
        raise PermissionDenied
    record_by_id = {
        record.pk: record
        for record in SourceRecord.objects.filter(pk__in={i for c in result.conflicts for i in c.record_ids})
        .select_related("source_system")
        .defer("payload")
    }
    conflicts = []
    for index, conflict in enumerate(result.conflicts):
        posted = request.method == "POST" and request.POST.get("conflict") == str(index)
        form = CaseOpenForm(
            request.POST if posted else None,
            prefix=f"c{index}",
            records=[record_by_id[i] for i in conflict.record_ids if i in record_by_id],
            initial={
                "kind": conflict.kind,
                "description": conflict.description,
                "records": conflict.suggested_record_ids,
            },
        )
        if posted and form.is_valid() and _case_open(form, request, person, conflict, record_by_id):
            return HttpResponseRedirect(request.get_full_path())
        stated_by = [(value, [record_by_id.get(i, i) for i in ids]) for value, ids in conflict.records.items()]
        conflicts.append((conflict, stated_by, form))
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": f"Provenance of {person}",
        "person": person,
        "provenance": result,
        "conflicts": conflicts,
        "cases": DataQualityCase.objects.filter(person=person).select_related("source_system").order_by("-id")[:50],
        "can_open": can_open,
        "stated_purpose": gate,
    }
    return TemplateResponse(request, "admin/linkage/provenance.html", context)


def _case_open(
    form: CaseOpenForm, request: HttpRequest, person: Person, conflict: Conflict, record_by_id: dict[int, SourceRecord]
) -> bool:
    if form.cleaned_data["kind"] != conflict.kind:  # the conflicts changed since the page was drawn
        form.add_error(None, "The conflicts of this profile changed since the page was opened: review them again.")
        return False
    cases = _call(
        form,
        data_quality_case_open,
        person=person,
        kind=conflict.kind,
        description=form.cleaned_data["description"],
        records=[record_by_id[i] for i in form.cleaned_data["records"]],
        user=request.user,
    )
    if cases is None:
        return False
    systems = ", ".join(case.source_system_id for case in cases)
    messages.success(request, f"Data-quality case opened for {systems}: {conflict.kind}.")
    return True


def person_read_gate(request: HttpRequest, *, person_id: int) -> HttpResponse | StatedPurpose:
    """As `audit.admin_mixins.PurposeBoundAdminMixin` for a page addressed by person id: a stated
    purpose or a redirect to state one, and an AccessLog row for every view."""
    if not person_access_allowed(request.user):
        raise PermissionDenied
    stated = purpose_stated(session=request.session, person_id=person_id)
    if stated is None:
        return HttpResponseRedirect(purpose_url(person_id=person_id, next_url=request.get_full_path()))
    access_log_record(
        user=request.user,  # type: ignore[arg-type]
        person_id=person_id,
        channel=AccessLog.Channel.ADMIN,
        purpose=stated.purpose,
        reference=stated.reference,
    )
    return stated


# --- Helpers ------------------------------------------------------------------------------


def _call(form: forms.Form, service, **kwargs: Any) -> Any:
    """Call a service; a ValidationError becomes the form's error and None is returned."""
    try:
        return service(**kwargs)
    except ValidationError as error:
        form.add_error(None, error)
        return None


def _form_page(model_admin: ModelAdmin, request: HttpRequest, form: forms.Form, *, title: str, submit: str, **extra):
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
        "form": form,
        "submit_label": submit,
        **extra,
    }
    return TemplateResponse(request, "admin/linkage/form_page.html", context)


def _int_or_404(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("No such object.") from None
