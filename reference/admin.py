"""Staff edit reference rows here when the law or the map changes; shipped values come from data migrations."""

from __future__ import annotations

from django.contrib import admin

from reference.models import Country, Region, SourceSystem


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["iso3", "iso2", "name_en", "name_ru", "regime"]
    list_filter = ["regime"]
    search_fields = ["iso3", "iso2", "numeric", "name_en", "name_ru"]
    ordering = ["name_en"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ru", "name_en", "federal_district", "timezone"]
    list_filter = ["federal_district", "timezone"]
    search_fields = ["code", "iso_code", "name_ru", "name_en"]
    ordering = ["code"]


@admin.register(SourceSystem)
class SourceSystemAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "agency", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "agency"]
    ordering = ["code"]
