"""Staff processing of applications in the admin: queues per service ordered by SLA due date, and the
decision buttons (take into review, approve, reject with a reason, ask for more information).

Every decision goes through `services.services`, which records the officer and the reason in the
application's history. Opening an application is a read of the applicant's data with the purpose
"processing an application" and its number as the reference, so it is logged in `audit.AccessLog`
without asking the officer to state what the page itself states.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import AccessLog, AccessPurpose
from audit.services import access_log_record
from services.forms import ApproveForm, MoreInfoForm, ReasonForm
from services.models import Application, ApplicationTransition, ServiceDefinition, StatusCertificate
from services.selectors import application_answers
from services.services import (
    application_approve,
    application_reject,
    application_request_info,
    application_take_into_review,
    service_definition_save,
)
from services.views import document_response
from services.workflow import OPEN_STATES, WITH_OFFICER, Actor, State, TransitionNotAllowed, targets_for


@admin.register(ServiceDefinition)
class ServiceDefinitionAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "reference_prefix", "sla_working_days", "decided_automatically", "active"]
    list_filter = ["active"]
    ordering = ["position", "code"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The form schema is reviewed configuration, not casework: superusers only.
        return request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ServiceDefinition, form: Any, change: bool) -> None:
        service_definition_save(definition=obj)


class QueueFilter(admin.SimpleListFilter):
    title = gettext_lazy("queue")
    parameter_name = "queue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("awaiting", _("Awaiting an officer")),
            ("in_review", _("In review")),
            ("applicant", _("Waiting for the applicant")),
            ("closed", _("Decided or withdrawn")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        states = {
            "awaiting": [State.SUBMITTED, State.RESUBMITTED],
            "in_review": [State.IN_REVIEW],
            "applicant": [State.MORE_INFO_NEEDED],
            "closed": [State.APPROVED, State.REJECTED, State.WITHDRAWN],
        }.get(self.value() or "")
        return queryset.filter(state__in=states) if states else queryset


class SlaFilter(admin.SimpleListFilter):
    title = gettext_lazy("SLA")
    parameter_name = "sla"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("overdue", _("Overdue")), ("today", _("Due today")), ("later", _("Due later"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        today = timezone.localdate()
        running = queryset.filter(state__in=WITH_OFFICER)
        if self.value() == "overdue":
            return running.filter(sla_due_on__lt=today)
        if self.value() == "today":
            return running.filter(sla_due_on=today)
        if self.value() == "later":
            return running.filter(sla_due_on__gt=today)
        return queryset


class TransitionInline(admin.TabularInline):
    model = ApplicationTransition
    extra = 0
    can_delete = False
    fields = ["at", "from_state", "to_state", "actor", "by", "reason"]
    readonly_fields = fields
    ordering = ["at", "id"]
    verbose_name_plural = gettext_lazy("history (shown to the applicant)")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["reference", "service", "applicant", "state", "submitted_at", "sla", "assigned_officer"]
    list_filter = [QueueFilter, "service", "state", SlaFilter]
    list_select_related = ["service", "person", "assigned_officer"]
    search_fields = ["=reference"]
    show_facets = admin.ShowFacets.NEVER
    view_on_site = False  # the applicant's page answers 404 to anyone but the applicant
    actions = ["take_into_review"]
    inlines = [TransitionInline]
    change_form_template = "services/admin/application_change_form.html"
    change_list_template = "services/admin/application_change_list.html"
    readonly_fields = [
        "reference", "service", "applicant_link", "state", "submitted_at", "sla_due_on", "sla_days_left",
        "assigned_officer", "decided_at", "decision_reason", "missing_info_note",
    ]  # fmt: skip
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Application]:
        # Drafts are the person's own until submitted; the queue is ordered by due date, oldest first.
        return (
            super()
            .get_queryset(request)
            .exclude(submitted_at__isnull=True)
            .order_by(F("sla_due_on").asc(nulls_last=True), "submitted_at")
        )

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        return [F("sla_due_on").asc(nulls_last=True), "submitted_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("applicant"), ordering="person__latin_surname")
    def applicant(self, obj: Application) -> str:
        person = obj.person
        return f"{person.latin_surname} {person.latin_given_names}".strip() or person.cyrillic_surname

    @admin.display(description=gettext_lazy("applicant"))
    def applicant_link(self, obj: Application) -> str:
        url = reverse("admin:profiles_person_change", args=[obj.person_id])
        return format_html('<a href="{}">{}</a>', url, self.applicant(obj))

    @admin.display(description=gettext_lazy("due"), ordering="sla_due_on")
    def sla(self, obj: Application) -> str:
        if obj.sla_due_on is None:
            return "—"
        if obj.state not in WITH_OFFICER:
            return format_html('<span class="sla-paused">{}</span>', obj.sla_due_on.strftime("%d.%m.%Y"))
        late = (timezone.localdate() - obj.sla_due_on).days
        if late > 0:
            return format_html(
                '<strong class="sla-overdue" style="color:#b00020">{} · {}</strong>',
                obj.sla_due_on.strftime("%d.%m.%Y"),
                _("overdue by %(days)d d.") % {"days": late},
            )
        return obj.sla_due_on.strftime("%d.%m.%Y")

    @admin.action(description=gettext_lazy("Take the selected applications into review"))
    def take_into_review(self, request: HttpRequest, queryset: QuerySet[Application]) -> None:
        taken = 0
        for application in queryset.filter(state__in=[State.SUBMITTED, State.RESUBMITTED]):
            application_take_into_review(officer=request.user, application=application)
            taken += 1
        self.message_user(request, _("%(count)d applications taken into review.") % {"count": taken})

    # --- The change page: the file, the answers, the decision panel ---------------------------

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        if request.method == "POST":
            raise PermissionDenied  # nothing here is edited in place: decisions post to decide_view
        application = self.get_queryset(request).select_related("service", "person").filter(pk=object_id).first()
        if application is None or not self.has_view_or_change_permission(request, application):
            raise Http404
        access_log_record(
            user=request.user,
            person_id=application.person_id,
            channel=AccessLog.Channel.ADMIN,
            purpose=AccessPurpose.APPLICATION,
            reference=application.reference,
        )
        can_decide = self.has_change_permission(request, application)
        officer_moves = targets_for(source=application.state, actor=Actor.OFFICER) if can_decide else []
        extra_context = {
            **(extra_context or {}),
            "application": application,
            "answers": application_answers(application=application),
            "documents": list(application.documents.all()),
            "certificate": StatusCertificate.objects.filter(application=application).first(),
            "moves": officer_moves,
            "approve_form": ApproveForm(prefix="approve"),
            "reject_form": ReasonForm(prefix="reject"),
            "info_form": MoreInfoForm(prefix="info"),
            "issues_permit": bool(application.service.issues_permit_kind),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("<int:object_id>/decide/<str:move>/", wrap(self.decide_view), name="services_application_decide"),
            path(
                "<int:object_id>/documents/<int:document_id>/",
                wrap(self.document_view),
                name="services_application_document",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request: HttpRequest, object_id: int, move: str) -> HttpResponse:
        if request.method != "POST":
            raise Http404
        application = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_change_permission(request, application):
            raise PermissionDenied
        back = reverse("admin:services_application_change", args=[application.pk])
        try:
            self._decide(request, application, move)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        except TransitionNotAllowed:
            messages.error(request, _("The application is no longer in a state that allows this; reload the page."))
        return HttpResponseRedirect(back)

    def _decide(self, request: HttpRequest, application: Application, move: str) -> None:
        officer = request.user
        if move == "review":
            application_take_into_review(officer=officer, application=application)
            messages.success(request, _("%(ref)s is in review; you are its officer.") % {"ref": application.reference})
        elif move == "approve":
            form = ApproveForm(request.POST, prefix="approve")
            if not form.is_valid():
                raise ValidationError(form.errors.as_text())
            application_approve(
                officer=officer,
                application=application,
                reason=form.cleaned_data["reason"],
                permit_number=form.cleaned_data["permit_number"],
                permit_valid_to=form.cleaned_data["permit_valid_to"],
            )
            messages.success(request, _("%(ref)s is approved.") % {"ref": application.reference})
        elif move == "reject":
            form = ReasonForm(request.POST, prefix="reject")
            if not form.is_valid():
                raise ValidationError(_("A rejection needs a reason: the applicant reads it."))
            application_reject(officer=officer, application=application, reason=form.cleaned_data["reason"])
            messages.success(request, _("%(ref)s is rejected.") % {"ref": application.reference})
        elif move == "info":
            form = MoreInfoForm(request.POST, prefix="info")
            if not form.is_valid():
                raise ValidationError(_("Say what is missing: the applicant reads it."))
            application_request_info(officer=officer, application=application, note=form.cleaned_data["note"])
            messages.success(request, _("The applicant is asked for more information."))
        else:
            raise Http404

    def document_view(self, request: HttpRequest, object_id: int, document_id: int) -> HttpResponse:
        application = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_view_or_change_permission(request, application):
            raise PermissionDenied
        document = get_object_or_404(application.documents, pk=document_id)
        access_log_record(
            user=request.user,
            person_id=application.person_id,
            channel=AccessLog.Channel.ADMIN,
            purpose=AccessPurpose.APPLICATION,
            reference=application.reference,
        )
        return document_response(document)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> TemplateResponse:
        """Above the list: one row per service with its open, awaiting and overdue counts (one query)."""
        today = timezone.localdate()
        queues = (
            ServiceDefinition.objects.annotate(
                open_count=Count("applications", filter=Q(applications__state__in=OPEN_STATES)),
                awaiting=Count("applications", filter=Q(applications__state__in=[State.SUBMITTED, State.RESUBMITTED])),
                overdue=Count(
                    "applications",
                    filter=Q(applications__state__in=WITH_OFFICER, applications__sla_due_on__lt=today),
                ),
            )
            .filter(open_count__gt=0)
            .order_by("position")
        )
        extra_context = {**(extra_context or {}), "queues": queues}
        return super().changelist_view(request, extra_context)
