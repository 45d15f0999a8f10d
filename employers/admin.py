"""Staff admin of employers and hosts. Saves go through `employers.services`; the form shows the
INN/OGRN check-digit messages of `employers.validators` next to the field that fails."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from employers.models import Organization
from employers.services import organization_create, organization_update

ORGANIZATION_EDITABLE_FIELDS = ("kind", "name", "inn", "ogrn", "kpp", "region", "address")


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ORGANIZATION_EDITABLE_FIELDS

    def clean_inn(self) -> str:
        return self.cleaned_data["inn"].strip()

    def clean_ogrn(self) -> str:
        return self.cleaned_data["ogrn"].strip()


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    form = OrganizationForm
    list_display = ("name", "inn", "ogrn", "kind", "region")
    list_select_related = ("region",)
    list_filter = ("kind",)
    # INN and OGRN are exact (unique indexes); the name is a substring match.
    search_fields = ("=inn", "=ogrn", "name")
    readonly_fields = ("created_at",)
    show_facets = admin.ShowFacets.NEVER

    def has_delete_permission(self, request: HttpRequest, obj: Organization | None = None) -> bool:
        return False  # contracts and registrations refer to it

    def save_model(self, request: HttpRequest, obj: Organization, form: OrganizationForm, change: bool) -> None:
        if change:
            changes = {
                name: form.cleaned_data[name] for name in form.changed_data if name in ORGANIZATION_EDITABLE_FIELDS
            }
            organization_update(organization=obj, changes=changes)  # type: ignore[arg-type]
            return
        created = organization_create(**{name: form.cleaned_data[name] for name in ORGANIZATION_EDITABLE_FIELDS})
        # The admin goes on with its own instance (change message, redirect): give it what was written.
        for field in Organization._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))
        obj._state.adding = False
        obj._state.db = created._state.db
