"""Staff admin for rules, their versions and the production calendar.

A version is edited on its own page and saved through `legal.services.rule_version_save`, which
holds the no-overlap invariant; the rule page lists its versions read-only with links.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from legal.models import CalendarDay, CalendarYear, Rule, RuleVersion
from legal.services import check_rule_version_no_overlap, rule_version_save


@admin.display(description=_("Legal status"), ordering="verification")
def verification_badge(rule: Rule) -> str:
    if not rule.needs_legal_confirmation:
        return format_html('<span title="{}">✅ {}</span>', rule.get_verification_display(), _("Verified"))
    return format_html(
        '<strong style="color:#a00" title="{}">⚠ {}</strong> ({})',
        rule.verification_note or rule.get_verification_display(),
        _("Needs legal confirmation"),
        rule.get_verification_display(),
    )


class RuleVersionInline(admin.TabularInline):
    model = RuleVersion
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("valid_from", "valid_to", "summary", "offset_amount", "offset_unit", "limit_days", "window")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Rule | None = None) -> bool:
        return False


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ("key", "title", "duty_holder", verification_badge, "legal_source")
    list_filter = ("verification", "duty_holder")
    search_fields = ("key", "title", "legal_source")
    readonly_fields = ("add_version", "updated_at")
    fieldsets = (
        (None, {"fields": ("key", "title", "description", "duty_holder")}),
        (_("Source"), {"fields": ("legal_source", "source_urls", "verification", "verification_note")}),
        (_("Versions"), {"fields": ("add_version", "updated_at")}),
    )
    inlines = [RuleVersionInline]

    @admin.display(description=_("New version"))
    def add_version(self, rule: Rule) -> str:
        if rule.pk is None:
            return "—"
        url = reverse("admin:legal_ruleversion_add") + f"?rule={rule.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Add a version of this rule"))


class RuleVersionForm(forms.ModelForm):
    class Meta:
        model = RuleVersion
        fields = [
            "rule",
            "valid_from",
            "valid_to",
            "summary",
            "citation",
            "note",
            "anchor",
            "offset_amount",
            "offset_unit",
            "roll_forward",
            "citizenship_group",
            "citizenships",
            "applies_to_status",
            "limit_days",
            "window",
            "continuous_limit_days",
            "extra",
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        if not self.errors:
            # The check the service repeats under a lock, here to show it as a form error.
            check_rule_version_no_overlap(
                version=RuleVersion(
                    pk=self.instance.pk,
                    rule=cleaned["rule"],
                    valid_from=cleaned["valid_from"],
                    valid_to=cleaned.get("valid_to"),
                )
            )
        return cleaned


@admin.register(RuleVersion)
class RuleVersionAdmin(admin.ModelAdmin):
    form = RuleVersionForm
    list_display = ("rule", "valid_from", "valid_to", "summary", "rule_status")
    list_filter = ("rule__verification", "offset_unit", "citizenship_group", "applies_to_status")
    list_select_related = ("rule",)
    search_fields = ("rule__key", "summary", "citation")
    autocomplete_fields = ("rule",)
    date_hierarchy = "valid_from"
    readonly_fields = ("rule_status",)
    fieldsets = (
        (None, {"fields": ("rule", "rule_status", "valid_from", "valid_to", "summary", "citation", "note")}),
        (_("Period"), {"fields": ("anchor", "offset_amount", "offset_unit", "roll_forward")}),
        (_("Applies to"), {"fields": ("citizenship_group", "citizenships", "applies_to_status")}),
        (_("Stay limit"), {"fields": ("limit_days", "window", "continuous_limit_days")}),
        (_("Other parameters"), {"fields": ("extra",)}),
    )

    @admin.display(description=_("Legal status"), ordering="rule__verification")
    def rule_status(self, version: RuleVersion) -> str:
        return verification_badge(version.rule) if version.rule_id else "—"

    def save_model(self, request: HttpRequest, obj: RuleVersion, form: forms.ModelForm, change: bool) -> None:
        rule_version_save(version=obj)


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 0
    fields = ("date", "kind", "note")


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "is_verified", "decree")
    inlines = [CalendarDayInline]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "note", "year")
    list_filter = ("year", "kind")
    date_hierarchy = "date"
    search_fields = ("note",)
