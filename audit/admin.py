"""Staff admin of the access log: a read-only list, and the form where staff state their purpose."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from audit.admin_mixins import person_access_allowed, purpose_state
from audit.models import AccessLog, AccessPurpose
from audit.services import access_log_record
from profiles.admin import EstimatedCountPaginator
from profiles.selectors import person_get


class PurposeForm(forms.Form):
    purpose = forms.ChoiceField(choices=AccessPurpose.choices, widget=forms.RadioSelect)
    reference = forms.CharField(
        max_length=AccessLog._meta.get_field("reference").max_length,
        help_text="Application number, request reference or the legal basis.",
    )


class StaffUserFilter(admin.SimpleListFilter):
    """Staff members only: a related-field filter would list every cabinet account too."""

    title = "user"
    parameter_name = "user"

    def lookups(self, request, model_admin):
        return get_user_model().objects.filter(is_staff=True).order_by("username").values_list("pk", "username")

    def queryset(self, request, queryset):
        return queryset.filter(user_id=self.value()) if self.value() else queryset


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ("accessed_at", "user", "person", "channel", "purpose", "reference")
    list_filter = (StaffUserFilter, "purpose", "channel", ("accessed_at", admin.DateFieldListFilter))
    list_select_related = ("user", "person")
    search_fields = ("=reference",)
    # Newest first through the primary key; the log grows without bound, so no exact counts.
    ordering = ("-id",)
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AccessLog | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AccessLog | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[AccessLog]:
        return super().get_queryset(request).select_related("user", "person")

    def get_urls(self):
        return [
            path(
                "purpose/<int:person_id>/",
                self.admin_site.admin_view(self.purpose_view),
                name="audit_accesslog_purpose",
            ),
            *super().get_urls(),
        ]

    def purpose_view(self, request: HttpRequest, person_id: int) -> HttpResponse:
        """Ask why the staff member opens this person's data; log and remember the answer."""
        if not person_access_allowed(request.user):
            raise PermissionDenied
        person = person_get(person_id=person_id)
        if person is None:
            raise Http404("No such person.")
        next_url = request.POST.get("next") or request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = reverse("admin:profiles_person_change", args=[person.pk])
        form = PurposeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            stated = purpose_state(
                session=request.session,
                person_id=person.pk,
                purpose=form.cleaned_data["purpose"],
                reference=form.cleaned_data["reference"],
            )
            access_log_record(
                user=request.user,
                person_id=person.pk,
                channel=AccessLog.Channel.ADMIN,
                purpose=stated.purpose,
                reference=stated.reference,
            )
            return HttpResponseRedirect(next_url)
        context = {
            **self.admin_site.each_context(request),
            "title": "State the purpose of access",
            "opts": self.model._meta,
            "person": person,
            "form": form,
            "next_url": next_url,
            "ttl_minutes": _ttl_minutes(),
        }
        return TemplateResponse(request, "admin/audit/purpose_form.html", context)


def _ttl_minutes() -> int:
    return max(1, settings.AUDIT_PURPOSE_TTL_SECONDS // 60)
