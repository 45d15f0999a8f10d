"""Staff side of the cabinet: the queue of claims waiting for an officer, and the claim audit trail.

An officer at the counter finds the request by the passport number the person shows (search), checks
the passport, and runs "Confirm in person". A request's page shows whose profile it matched, so it
is purpose-bound and logged like every page with a person's data (audit.admin_mixins).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from audit.admin_mixins import PurposeBoundAdminMixin
from cabinet.claim import ClaimConflict, claim_confirm_in_person
from cabinet.models import AccountPhone, ClaimAttempt, ClaimRequest
from profiles.names import normalize_document_number


@admin.register(ClaimRequest)
class ClaimRequestAdmin(PurposeBoundAdminMixin, admin.ModelAdmin):
    list_display = ("id", "created_at", "status", "passport_number", "birth_date", "channel", "contact_masked")
    list_filter = ("status", "channel", "confirmed_via")
    search_fields = ("=passport_number",)
    ordering = ("created_at",)
    date_hierarchy = "created_at"
    actions = ["confirm_in_person"]
    readonly_fields = (
        "user",
        "person",
        "status",
        "passport_number",
        "birth_date",
        "secondary_number",
        "channel",
        "contact_masked",
        "created_at",
        "updated_at",
        "confirmed_at",
        "confirmed_via",
        "confirmed_by",
    )
    fields = (*readonly_fields, "officer_note")

    def purpose_person_id(self, request: HttpRequest, object_id: str) -> int | None:
        return ClaimRequest.objects.filter(pk=object_id).values_list("person_id", flat=True).first()

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        # The officer types the number as printed; requests store it normalized.
        return super().get_search_results(request, queryset, normalize_document_number(search_term) or search_term)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ClaimRequest | None = None) -> bool:
        return False

    @admin.action(description="Confirm in person (passport checked at the counter)", permissions=["change"])
    def confirm_in_person(self, request: HttpRequest, queryset: QuerySet[ClaimRequest]) -> None:
        confirmed, refused = 0, 0
        for claim_request in queryset:
            try:
                claim_confirm_in_person(officer=request.user, claim_request=claim_request)
                confirmed += 1
            except (ValidationError, ClaimConflict, PermissionDenied):
                refused += 1
        if confirmed:
            self.message_user(request, f"{confirmed} profile(s) linked to their account.", messages.SUCCESS)
        if refused:
            self.message_user(
                request,
                f"{refused} request(s) not confirmed: only a matched, open request whose profile and account "
                "are both still unlinked can be confirmed.",
                messages.WARNING,
            )


@admin.register(ClaimAttempt)
class ClaimAttemptAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "ip_address", "kind", "outcome", "claim_request")
    list_filter = ("kind", "outcome")
    search_fields = ("=ip_address", "=user__email")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ClaimAttempt | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ClaimAttempt | None = None) -> bool:
        return False


@admin.register(AccountPhone)
class AccountPhoneAdmin(admin.ModelAdmin):
    list_display = ("phone", "user", "verified", "created_at")
    list_filter = ("verified",)
    search_fields = ("=phone", "=user__email")
    readonly_fields = ("user", "phone", "created_at", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
