"""Staff admin of linkage: the review queue, merges, the decision log, re-link runs, data-quality cases.

Nothing here writes a row directly: decisions go through `linkage.review`, merges through
`linkage.merge`, cases through `linkage.provenance`. Pages that show one person's data (a candidate's
comparison, a data-quality case, a provenance) open only with a stated purpose and are logged, as
the person's own page is (`audit.admin_mixins`). Lists select their related rows in the same query
and never count big tables exactly.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Case, QuerySet, Value, When
from django.http import HttpRequest
from django.urls import path, reverse
from django.utils.html import format_html

from audit.admin_mixins import PurposeBoundAdminMixin
from linkage import views
from linkage.models import DataQualityCase, LinkDecision, LinkRun, MatchCandidate, PersonMerge
from linkage.provenance import data_quality_case_mark_resolved, data_quality_case_mark_sent
from profiles.admin import EstimatedCountPaginator, pretty_json


def _person_link(person_id: int | None, label: Any = None) -> str:
    if person_id is None:
        return ""
    url = reverse("admin:profiles_person_change", args=[person_id])
    return format_html('<a href="{}">{}</a>', url, label if label is not None else f"person {person_id}")


def provenance_url(person_id: int) -> str:
    return reverse("admin:linkage_provenance", args=[person_id])


class ReadOnlyAdminMixin:
    """Rows written by services only: listed and viewed here, never added, edited or deleted."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class BigListMixin:
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER


class DecidedByFilter(admin.SimpleListFilter):
    """Staff members only: a related-field filter would list every cabinet account too."""

    title = "decided by"
    parameter_name = "decided_by"

    def lookups(self, request, model_admin):
        users = get_user_model().objects.filter(is_staff=True).order_by("username")
        return [("auto", "the automatic linker"), *users.values_list("pk", "username")]

    def queryset(self, request, queryset):
        if self.value() == "auto":
            return queryset.filter(decided_by__isnull=True)
        return queryset.filter(decided_by_id=self.value()) if self.value() else queryset


# --- Review queue ---------------------------------------------------------------------------


@admin.register(MatchCandidate)
class MatchCandidateAdmin(PurposeBoundAdminMixin, BigListMixin, admin.ModelAdmin):
    """The review queue, pending first and best score first. A candidate's page is the side-by-side
    comparison (`views.candidate_review`), with Accept / Reject."""

    list_display = (
        "candidate",
        "status",
        "score_display",
        "record_column",
        "person_column",
        "created_at",
        "decided_by",
    )
    list_select_related = ("record", "person", "decided_by")
    list_filter = ("status",)
    search_fields = ("=person__id", "=record__source_record_id")
    search_help_text = "A person id or a source record id."

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        pending_first = Case(When(status=MatchCandidate.Status.PENDING, then=Value(0)), default=Value(1))
        return [pending_first.asc(), "-score", "id"]

    @admin.display(description="candidate")
    def candidate(self, obj: MatchCandidate) -> str:
        return f"#{obj.pk}"

    @admin.display(description="score", ordering="score")
    def score_display(self, obj: MatchCandidate) -> str:
        return f"{obj.score:.3f}"

    @admin.display(description="record")
    def record_column(self, obj: MatchCandidate) -> str:
        record = obj.record
        name = " ".join(part for part in (record.surname, record.given_names) if part)
        born = f" {record.birth_date:%d.%m.%Y}" if record.birth_date else ""
        return f"{record} — {name}{born}"

    @admin.display(description="person")
    def person_column(self, obj: MatchCandidate) -> str:
        return f"#{obj.person_id} {obj.person}"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # candidates come from the linker

    def has_delete_permission(self, request: HttpRequest, obj: MatchCandidate | None = None) -> bool:
        return False  # a decided candidate is part of the record's history

    def purpose_person_id(self, request: HttpRequest, object_id: str) -> int | None:
        return MatchCandidate.objects.filter(pk=object_id).values_list("person_id", flat=True).first()

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None):
        return self._gated(self.review_view, request, object_id, extra_context)

    def review_view(self, request: HttpRequest, object_id: str, extra_context: dict | None = None):
        return views.candidate_review(self, request, object_id, extra_context)


# --- Merges ---------------------------------------------------------------------------------


@admin.register(PersonMerge)
class PersonMergeAdmin(BigListMixin, admin.ModelAdmin):
    """Merges with their history. "Add" is the merge form; a merge's page has an Unmerge button."""

    list_display = ("merge", "absorbed_column", "survivor_column", "merged_by", "merged_at", "undone", "reason")
    list_select_related = ("survivor", "absorbed", "merged_by")
    list_filter = (("unmerged_at", admin.EmptyFieldListFilter),)
    search_fields = ("=survivor__id", "=absorbed__id")
    search_help_text = "A person id (survivor or absorbed)."
    ordering = ("-id",)
    # The absorbed person's snapshot is a person's data: it is not shown; its size is.
    fields = (
        "survivor_column", "absorbed_column", "reason", "merged_by", "merged_at", "moved", "unmerged_by",
        "unmerged_at", "unmerge_reason",
    )  # fmt: skip
    readonly_fields = fields

    @admin.display(description="merge")
    def merge(self, obj: PersonMerge) -> str:
        return f"#{obj.pk}"

    @admin.display(description="survivor")
    def survivor_column(self, obj: PersonMerge) -> str:
        return _person_link(obj.survivor_id, f"#{obj.survivor_id} {obj.survivor}")

    @admin.display(description="absorbed")
    def absorbed_column(self, obj: PersonMerge) -> str:
        return _person_link(obj.absorbed_id, f"#{obj.absorbed_id} {obj.absorbed}")

    @admin.display(boolean=True, description="undone")
    def undone(self, obj: PersonMerge) -> bool:
        return obj.unmerged_at is not None

    @admin.display(description="moved")
    def moved(self, obj: PersonMerge) -> str:
        return f"{len(obj.moved_record_ids)} records, {len(obj.moved_document_ids)} identity documents"

    def has_change_permission(self, request: HttpRequest, obj: PersonMerge | None = None) -> bool:
        # The list's permission to unmerge; a merge's page is read-only (an unmerge has its own form).
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: PersonMerge | None = None) -> bool:
        return False

    def get_urls(self):
        return [
            path(
                "<int:merge_id>/unmerge/",
                self.admin_site.admin_view(self.unmerge_view),
                name="linkage_personmerge_unmerge",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: dict | None = None):
        return views.merge_form(self, request)

    def unmerge_view(self, request: HttpRequest, merge_id: int):
        return views.unmerge_form(self, request, merge_id)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None):
        extra_context = {**(extra_context or {}), "can_unmerge": self.has_change_permission(request)}
        return super().change_view(request, object_id, form_url, extra_context)


# --- Decision log -------------------------------------------------------------------------


@admin.register(LinkDecision)
class LinkDecisionAdmin(ReadOnlyAdminMixin, BigListMixin, admin.ModelAdmin):
    """The append-only log of every linking decision (the database refuses updates and deletes)."""

    list_display = (
        "decided_at",
        "kind",
        "record",
        "person_column",
        "other_person_column",
        "score",
        "decider",
        "reason",
    )
    list_select_related = ("record", "person", "other_person", "decided_by")
    list_filter = ("kind", DecidedByFilter, ("decided_at", admin.DateFieldListFilter))
    search_fields = ("=person__id",)
    search_help_text = "A person id (either side) or a record id."
    ordering = ("-id",)
    list_display_links = None

    @admin.display(description="person")
    def person_column(self, obj: LinkDecision) -> str:
        return _person_link(obj.person_id)

    @admin.display(description="other person")
    def other_person_column(self, obj: LinkDecision) -> str:
        return _person_link(obj.other_person_id)

    @admin.display(description="decided by")
    def decider(self, obj: LinkDecision) -> str:
        return obj.decided_by.get_username() if obj.decided_by_id else "linker"

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[LinkDecision], search_term: str):
        term = search_term.strip()
        if not term:
            return queryset, False
        if not term.isdigit():
            return queryset.none(), False
        by_person = queryset.filter(person_id=term) | queryset.filter(other_person_id=term)
        return by_person | queryset.filter(record_id=term), False


# --- Re-link runs ---------------------------------------------------------------------------


@admin.register(LinkRun)
class LinkRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Linking runs (full re-links, and one-pass links of large files) and their progress; the list
    has a "Start full re-link" button."""

    list_display = (
        "run", "kind", "status", "progress", "auto_linked", "queued_for_review", "new_persons", "requested_by",
        "created_at", "started_at", "finished_at",
    )  # fmt: skip
    list_select_related = ("requested_by",)
    list_filter = ("kind", "status")
    ordering = ("-id",)
    fields = (
        "kind", "status", "progress", "requested_by", "created_at", "started_at", "finished_at", "auto_linked",
        "queued_for_review", "new_persons", "parameters", "error",
    )  # fmt: skip
    readonly_fields = fields

    @admin.display(description="run")
    def run(self, obj: LinkRun) -> str:
        return f"#{obj.pk}"

    @admin.display(description="progress")
    def progress(self, obj: LinkRun) -> str:
        percent = (
            100 * obj.processed / obj.total if obj.total else (100.0 if obj.status == LinkRun.Status.DONE else 0.0)
        )
        return format_html(
            '<progress value="{}" max="100"></progress> {} / {} ({}%)',
            f"{percent:.0f}",
            obj.processed,
            obj.total,
            f"{percent:.1f}",
        )

    @admin.display(description="model parameters")
    def parameters(self, obj: LinkRun) -> str:
        return pretty_json(obj.model_parameters)

    def get_urls(self):
        return [
            path("relink/", self.admin_site.admin_view(self.relink_view), name="linkage_linkrun_relink"),
            *super().get_urls(),
        ]

    def relink_view(self, request: HttpRequest):
        return views.relink_start(self, request)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {**(extra_context or {}), "can_relink": request.user.has_perm("linkage.add_linkrun")}
        return super().changelist_view(request, extra_context)


# --- Data-quality cases ---------------------------------------------------------------------


@admin.register(DataQualityCase)
class DataQualityCaseAdmin(PurposeBoundAdminMixin, BigListMixin, admin.ModelAdmin):
    """Conflicts sent back to source agencies. Opened from a person's provenance page; moved along by actions."""

    list_display = (
        "case",
        "person_column",
        "source_system",
        "kind",
        "status",
        "created_by",
        "created_at",
        "sent_at",
        "resolved_at",
    )
    list_select_related = ("person", "source_system", "created_by")
    list_filter = ("status", "source_system", "kind")
    search_fields = ("=person__id",)
    search_help_text = "A person id."
    ordering = ("-id",)
    actions = ("mark_sent", "mark_resolved")
    fields = (
        "person_column", "source_system", "kind", "description", "records_list", "status", "created_by", "created_at",
        "sent_at", "resolved_at",
    )  # fmt: skip
    readonly_fields = fields

    @admin.display(description="case")
    def case(self, obj: DataQualityCase) -> str:
        return f"#{obj.pk}"

    @admin.display(description="person")
    def person_column(self, obj: DataQualityCase) -> str:
        return format_html('<a href="{}">#{} {}</a>', provenance_url(obj.person_id), obj.person_id, obj.person)

    @admin.display(description="records")
    def records_list(self, obj: DataQualityCase) -> str:
        return ", ".join(str(record) for record in obj.records.all())

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # opened from the provenance page, against the conflicting records

    def has_change_permission(self, request: HttpRequest, obj: DataQualityCase | None = None) -> bool:
        # The actions need it on the list; a case's page is read-only (its status moves by action).
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: DataQualityCase | None = None) -> bool:
        return False

    def purpose_person_id(self, request: HttpRequest, object_id: str) -> int | None:
        return DataQualityCase.objects.filter(pk=object_id).values_list("person_id", flat=True).first()

    @admin.action(description="Mark as sent to the source agency", permissions=["change"])
    def mark_sent(self, request: HttpRequest, queryset: QuerySet[DataQualityCase]) -> None:
        self._transition(request, queryset, data_quality_case_mark_sent, "sent")

    @admin.action(description="Mark as resolved", permissions=["change"])
    def mark_resolved(self, request: HttpRequest, queryset: QuerySet[DataQualityCase]) -> None:
        self._transition(request, queryset, data_quality_case_mark_resolved, "resolved")

    def _transition(self, request: HttpRequest, queryset: QuerySet[DataQualityCase], service, verb: str) -> None:
        done, refused = 0, []
        for case in queryset.order_by("pk"):
            try:
                service(case=case, user=request.user)
            except ValidationError as error:
                refused.append(" ".join(error.messages))
            else:
                done += 1
        if done:
            self.message_user(request, f"{done} case(s) marked {verb}.", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.WARNING)

    def get_urls(self):
        return [
            path(
                "provenance/<int:person_id>/",
                self.admin_site.admin_view(self.provenance_view),
                name="linkage_provenance",
            ),
            *super().get_urls(),
        ]

    def provenance_view(self, request: HttpRequest, person_id: int):
        return views.provenance(self, request, person_id)
