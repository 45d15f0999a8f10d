"""Staff admin of the digital profile.

Facts (crossings, registrations, permits, payments, contracts, documents, stays) and agency records
are read-only here: they are what an agency said, and staff cannot edit that. Staff may correct a
person's canonical values; the save goes through `profiles.services`. Every page that shows one
person's data opens only with a stated purpose and is logged (`audit.admin_mixins`).

Lists are built for a registry of a million persons on PostgreSQL: no exact counts of big tables,
no facet counts, filters that list choices without counting them, and a fixed number of queries
per page whatever the number of rows.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join

from audit.admin_mixins import PurposeBoundAdminMixin
from profiles.models import (
    BorderCrossing,
    EmploymentContract,
    IdentityDocument,
    MigrationRegistration,
    PatentPayment,
    Permit,
    Person,
    RecordLink,
    SourceRecord,
    Stay,
)
from profiles.names import normalize_document_number, normalize_phone
from profiles.selectors import (
    person_ids_with_open_registration,
    person_ids_with_valid_permit,
    person_search,
    record_link_of,
    source_record_person_id,
)
from profiles.services import person_create, person_update
from reference.models import Region, SourceSystem


class EstimatedCountPaginator(Paginator):
    """Exact counts up to `exact_count_limit` rows; above that, PostgreSQL's planner estimate.

    `COUNT(*)` over a million rows reads them all; counting at most limit+1 rows costs a short index
    scan, and past the limit nobody needs the exact figure to page through a list.
    """

    exact_count_limit = 10_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return super().count
        capped = queryset.order_by()[: self.exact_count_limit + 1].count()
        if capped <= self.exact_count_limit:
            return capped
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            return queryset.count()  # the embedded developer database is small
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        return max(capped, int(plan[0]["Plan"]["Plan Rows"]))


class LargeTableAdminMixin:
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    # Newest first through the primary key index: the models' date orderings have no index of their own.
    ordering = ("-id",)


def pretty_json(value: Any) -> str:
    return format_html(
        '<pre style="white-space: pre-wrap; margin: 0">{}</pre>',
        json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True),
    )


def person_link(person: Person) -> str:
    """A link to the person's page (which asks for a purpose before showing anything)."""
    return format_html('<a href="{}">{}</a>', reverse("admin:profiles_person_change", args=[person.pk]), person)


# --- List filters -------------------------------------------------------------------------


class RegionFilter(admin.SimpleListFilter):
    """Region of the person's current (open) registration. Lists the regions without counting each."""

    title = "region of current registration"
    parameter_name = "region"

    def lookups(self, request, model_admin):
        return [(code, f"{code} {name}") for code, name in Region.objects.values_list("code", "name_ru")]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(pk__in=person_ids_with_open_registration(region_code=self.value()))


class PermitKindFilter(admin.SimpleListFilter):
    title = "valid permit"
    parameter_name = "permit_kind"

    def lookups(self, request, model_admin):
        return Permit.Kind.choices

    def queryset(self, request, queryset):
        if self.value() not in Permit.Kind.values:
            return queryset
        return queryset.filter(pk__in=person_ids_with_valid_permit(kind=self.value()))


class LinkedFilter(admin.SimpleListFilter):
    title = "linked to a person"
    parameter_name = "linked"

    def lookups(self, request, model_admin):
        return [("yes", "Linked"), ("no", "Unlinked")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(link__isnull=self.value() == "no")
        return queryset


# --- Person -------------------------------------------------------------------------------


class FactInline(admin.TabularInline):
    """A read-only inline: rows are shown as the agency stated them, never edited or added here."""

    extra = 0
    can_delete = False
    show_change_link = False
    select_related: tuple[str, ...] = ()

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        # `select_related()` with no names would follow every foreign key: only name them when there are some.
        return queryset.select_related(*self.select_related) if self.select_related else queryset

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> tuple[str, ...]:
        return tuple(self.fields or ())

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class RecordLinkInline(FactInline):
    """The person's agency records, through their links."""

    model = RecordLink
    verbose_name_plural = "agency records"
    fields = ("agency_record", "received_at", "supersedes", "payload_pretty", "score", "linked_at")
    select_related = ("record__supersedes",)
    ordering = ("record__received_at", "record")

    @admin.display(description="record")
    def agency_record(self, obj: RecordLink) -> str:
        url = reverse("admin:profiles_sourcerecord_change", args=[obj.record_id])
        return format_html('<a href="{}">{}</a>', url, obj.record)

    @admin.display(description="received at")
    def received_at(self, obj: RecordLink) -> Any:
        return obj.record.received_at

    @admin.display(description="supersedes")
    def supersedes(self, obj: RecordLink) -> Any:
        return obj.record.supersedes or "—"

    @admin.display(description="payload")
    def payload_pretty(self, obj: RecordLink) -> str:
        return pretty_json(obj.record.payload)


class IdentityDocumentInline(FactInline):
    model = IdentityDocument
    fields = ("document_type", "issuing_country", "number", "issued_on", "expires_on", "source_record")
    select_related = ("issuing_country", "source_record")


class StayInline(FactInline):
    model = Stay
    fields = ("entered_on", "exited_on", "days")
    select_related = ()

    @admin.display(description="days (open stays: until today)")
    def days(self, obj: Stay) -> int:
        return ((obj.exited_on or timezone.localdate()) - obj.entered_on).days + 1


class BorderCrossingInline(FactInline):
    model = BorderCrossing
    fields = ("direction", "crossed_on", "checkpoint", "purpose", "migration_card_number", "source_record")
    select_related = ("source_record",)


class MigrationRegistrationInline(FactInline):
    model = MigrationRegistration
    verbose_name_plural = "migration registrations"
    fields = (
        "region", "address", "host", "purpose", "arrived_on", "valid_from", "valid_to", "closed_on", "source_record",
    )  # fmt: skip
    select_related = ("region", "host_organization", "source_record")

    @admin.display(description="host")
    def host(self, obj: MigrationRegistration) -> str:
        return str(obj.host_organization) if obj.host_organization_id else obj.host_person_name


class PermitInline(FactInline):
    model = Permit
    fields = (
        "kind", "number", "region", "profession", "issued_on", "valid_from", "valid_to", "status", "source_record",
    )  # fmt: skip
    select_related = ("region", "source_record")


class PatentPaymentInline(FactInline):
    model = PatentPayment
    fields = (
        "permit", "paid_on", "amount", "months", "period_from", "paid_until", "receipt_number", "source_record",
    )  # fmt: skip
    select_related = ("permit", "source_record")


class EmploymentContractInline(FactInline):
    model = EmploymentContract
    fields = (
        "employer", "kind", "position", "work_region", "concluded_on", "starts_on", "ends_on", "terminated_on",
        "status", "source_record",
    )  # fmt: skip
    select_related = ("employer", "work_region", "source_record")


PERSON_EDITABLE_FIELDS = (
    "latin_surname",
    "latin_given_names",
    "cyrillic_surname",
    "cyrillic_given_names",
    "cyrillic_patronymic",
    "birth_date",
    "sex",
    "citizenship",
    "preferred_language",
    "phone",
    "email",
)


class PersonForm(forms.ModelForm):
    # Wider than the E.164 column: staff type phones with spaces and brackets, clean_phone folds them.
    phone = forms.CharField(max_length=32, required=False, help_text="Any format; stored as E.164, e.g. +998901234567.")

    class Meta:
        model = Person
        fields = PERSON_EDITABLE_FIELDS

    def clean_phone(self) -> str:
        # Staff type phones as they hear them (8 916 ...); the model holds E.164.
        phone = self.cleaned_data["phone"].strip()
        return (normalize_phone(phone) or phone) if phone else ""


@admin.register(Person)
class PersonAdmin(PurposeBoundAdminMixin, LargeTableAdminMixin, admin.ModelAdmin):
    form = PersonForm
    list_display = ("latin_name", "cyrillic_name", "birth_date", "citizenship", "phone_masked")
    list_select_related = ("citizenship",)
    list_filter = ("citizenship", RegionFilter, PermitKindFilter)
    # The search itself is `get_search_results`; this only turns the search box on.
    search_fields = ("name_keys__key",)
    search_help_text = "A name in Latin or Cyrillic, a document number, or a phone number."
    fieldsets = (
        ("Name", {"fields": PERSON_EDITABLE_FIELDS[:5]}),
        ("Identity", {"fields": ("birth_date", "sex", "citizenship")}),
        ("Contact", {"fields": ("preferred_language", "phone", "email")}),
        ("Record", {"fields": ("public_id", "user", "merged_into", "created_at", "updated_at")}),
    )
    # `user` and `merged_into` as selects would list every account and every person.
    readonly_fields = ("public_id", "user", "merged_into", "created_at", "updated_at")
    inlines = (
        RecordLinkInline,
        IdentityDocumentInline,
        StayInline,
        BorderCrossingInline,
        MigrationRegistrationInline,
        PermitInline,
        PatentPaymentInline,
        EmploymentContractInline,
    )

    @admin.display(description="name (Latin)", ordering="latin_surname")
    def latin_name(self, obj: Person) -> str:
        return f"{obj.latin_surname} {obj.latin_given_names}".strip()

    @admin.display(description="name (Cyrillic)", ordering="cyrillic_surname")
    def cyrillic_name(self, obj: Person) -> str:
        return " ".join(
            part for part in (obj.cyrillic_surname, obj.cyrillic_given_names, obj.cyrillic_patronymic) if part
        )

    @admin.display(description="phone")
    def phone_masked(self, obj: Person) -> str:
        # Lists are not purpose-bound: enough to tell people apart, the number itself on the person's page.
        return f"{obj.phone[:2]}{'•' * (len(obj.phone) - 6)}{obj.phone[-4:]}" if obj.phone else ""

    def get_inlines(self, request: HttpRequest, obj: Person | None):
        return self.inlines if obj is not None else ()  # a person being added has no records yet

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Person], search_term: str):
        return person_search(queryset=queryset, term=search_term), False

    def has_delete_permission(self, request: HttpRequest, obj: Person | None = None) -> bool:
        return False  # a person is merged, never deleted

    def purpose_person_id(self, request: HttpRequest, object_id: str) -> int | None:
        return self.get_queryset(request).filter(pk=object_id).values_list("pk", flat=True).first()

    def save_model(self, request: HttpRequest, obj: Person, form: PersonForm, change: bool) -> None:
        if change:
            changes = {name: form.cleaned_data[name] for name in form.changed_data if name in PERSON_EDITABLE_FIELDS}
            person_update(person=obj, changes=changes)  # type: ignore[arg-type]
            return
        created = person_create(**{name: form.cleaned_data[name] for name in PERSON_EDITABLE_FIELDS})
        # The admin goes on with its own instance (change message, redirect): give it what was written.
        for field in Person._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))
        obj._state.adding = False
        obj._state.db = created._state.db


# --- Agency records -----------------------------------------------------------------------


@admin.register(SourceRecord)
class SourceRecordAdmin(PurposeBoundAdminMixin, LargeTableAdminMixin, admin.ModelAdmin):
    list_display = (
        "source_system_id",
        "source_record_id",
        "received_at",
        "surname",
        "given_names",
        "birth_date",
        "linked",
    )
    list_filter = ("source_system", LinkedFilter)
    list_select_related = ("link",)
    list_display_links = ("source_record_id",)
    search_fields = ("=source_record_id",)
    search_help_text = "A record id (optionally SYSTEM:id) or a document number."
    fields = (
        "source_system", "source_record_id", "received_at", "supersedes", "payload_pretty",
        "surname", "given_names", "patronymic", "birth_date", "sex", "citizenship", "document_type",
        "document_number", "phone", "tax_id", "link_details", "link_explanation",
    )  # fmt: skip
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[SourceRecord]:
        return super().get_queryset(request).select_related("link__person")

    @admin.display(boolean=True, description="linked")
    def linked(self, obj: SourceRecord) -> bool:
        return record_link_of(obj) is not None

    @admin.display(description="link to a person")
    def link_details(self, obj: SourceRecord) -> str:
        link = record_link_of(obj)
        if link is None:
            return "— (not linked yet)"
        score = "—" if link.score is None else f"{link.score:.4f}"
        return format_html(
            "{} · score {} · linked {}<br>{}",
            link.person,
            score,
            localize(timezone.localtime(link.linked_at)),
            pretty_json(link.reason),
        )

    @admin.display(description="payload")
    def payload_pretty(self, obj: SourceRecord) -> str:
        return pretty_json(obj.payload)

    @admin.display(description="link explanation")
    def link_explanation(self, obj: SourceRecord) -> str:
        # linkage depends on profiles, not the other way: its reader is imported where it is shown.
        from linkage.review import link_reason_rows

        rows = link_reason_rows(record=obj)
        if not rows:
            return "—"
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((row.field, row.level, "" if row.weight is None else f"{row.weight:+.1f}", row.detail) for row in rows),
        )
        return format_html(
            "<table><thead><tr><th>field</th><th>level</th><th>weight</th><th>this record ↔ matched record</th>"
            "</tr></thead><tbody>{}</tbody></table>",
            body,
        )

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[SourceRecord], search_term: str):
        term = search_term.strip()
        if not term:
            return queryset, False
        system, _, record_id = term.rpartition(":")
        if system:
            return queryset.filter(source_system_id=system.strip().upper(), source_record_id=record_id.strip()), False
        # Every system listed, so PostgreSQL can use the (source_system, source_record_id) unique index.
        systems = list(SourceSystem.objects.values_list("code", flat=True))
        by_id = queryset.filter(source_system_id__in=systems, source_record_id=term)
        number = normalize_document_number(term)
        if len(number) < 4:
            return by_id, False
        return by_id | queryset.filter(document_number=number), False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SourceRecord | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SourceRecord | None = None) -> bool:
        return False

    def purpose_person_id(self, request: HttpRequest, object_id: str) -> int | None:
        # An unlinked record belongs to no person yet: there is no one to log the read against
        # (AccessLog.person is required), and linking work needs to see it.
        return source_record_person_id(record_id=object_id)


# --- Facts: browsable, read-only lists ------------------------------------------------------


class ReadOnlyFactAdmin(PurposeBoundAdminMixin, LargeTableAdminMixin, admin.ModelAdmin):
    """A list of one kind of fact across persons. Rows are not links: a person's facts are read
    on the person's page, under a stated purpose; a direct URL to a row asks for one too."""

    list_display_links = None

    @admin.display(description="person")
    def person_column(self, obj: Any) -> str:
        return person_link(obj.person)

    def purpose_person_id(self, request: HttpRequest, object_id: str) -> int | None:
        return self.get_queryset(request).filter(pk=object_id).values_list("person_id", flat=True).first()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(IdentityDocument)
class IdentityDocumentAdmin(ReadOnlyFactAdmin):
    list_display = ("person_column", "document_type", "issuing_country_id", "number", "issued_on", "expires_on")
    list_select_related = ("person",)
    list_filter = ("document_type",)
    search_fields = ("=number_normalized",)
    search_help_text = "A document number, with or without spaces and dashes."

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[IdentityDocument], search_term: str):
        if not search_term.strip():
            return queryset, False
        return queryset.filter(number_normalized=normalize_document_number(search_term)), False


@admin.register(Stay)
class StayAdmin(ReadOnlyFactAdmin):
    list_display = ("person_column", "entered_on", "exited_on")
    list_select_related = ("person",)
    list_filter = (("exited_on", admin.EmptyFieldListFilter),)


@admin.register(BorderCrossing)
class BorderCrossingAdmin(ReadOnlyFactAdmin):
    list_display = ("person_column", "direction", "crossed_on", "checkpoint", "purpose", "source_record")
    list_select_related = ("person", "source_record")
    list_filter = ("direction", "purpose")


@admin.register(MigrationRegistration)
class MigrationRegistrationAdmin(ReadOnlyFactAdmin):
    # No address here: where a person lives is read on their page, under a purpose.
    list_display = ("person_column", "region", "valid_from", "valid_to", "closed_on")
    list_select_related = ("person", "region")
    list_filter = (("closed_on", admin.EmptyFieldListFilter), "region")


@admin.register(Permit)
class PermitAdmin(ReadOnlyFactAdmin):
    list_display = ("person_column", "kind", "number", "region", "valid_from", "valid_to", "status")
    list_select_related = ("person", "region")
    list_filter = ("kind", "status")
    search_fields = ("=number",)


@admin.register(PatentPayment)
class PatentPaymentAdmin(ReadOnlyFactAdmin):
    list_display = ("person_column", "permit", "paid_on", "amount", "months", "paid_until", "receipt_number")
    list_select_related = ("person", "permit")
    search_fields = ("=receipt_number",)


@admin.register(EmploymentContract)
class EmploymentContractAdmin(ReadOnlyFactAdmin):
    list_display = ("person_column", "employer", "position", "work_region", "starts_on", "ends_on", "status")
    list_select_related = ("person", "employer", "work_region")
    list_filter = ("kind", "status")
