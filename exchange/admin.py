"""Admin: upload exchange files (import-export, feeding `batch_ingest`), follow batches, fix quarantined rows.

Batches are read-only. A quarantined row is corrected as JSON in its change form; saving resubmits
it through `quarantined_row_resubmit`, and list actions resubmit (unchanged, e.g. after reference
data was fixed) or discard rows. Nothing here writes a model directly.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from import_export.admin import ImportMixin
from import_export.formats.base_formats import XLSX
from import_export.forms import ConfirmImportForm, ImportForm

from exchange.models import ImportBatch, QuarantinedRow
from exchange.resources import SniffedCSV, SourceRecordImportResource
from exchange.services import (
    quarantined_row_check_resubmission,
    quarantined_row_discard,
    quarantined_row_resubmit,
)
from reference.models import SourceSystem

# --- Import ------------------------------------------------------------------------------------


class RecordImportForm(ImportForm):
    source_system = forms.ModelChoiceField(
        queryset=SourceSystem.objects.filter(is_active=True),
        required=False,
        help_text="For rows without a source_system column.",
    )


class RecordConfirmImportForm(ConfirmImportForm):
    source_system = forms.CharField(required=False, widget=forms.HiddenInput())


def _source_system_code(form: forms.Form | None) -> str | None:
    if form is None or not hasattr(form, "cleaned_data"):
        return None
    value = form.cleaned_data.get("source_system")
    if isinstance(value, SourceSystem):
        return value.pk
    return value or None


@admin.register(ImportBatch)
class ImportBatchAdmin(ImportMixin, admin.ModelAdmin):
    resource_classes = [SourceRecordImportResource]
    formats = [SniffedCSV, XLSX]
    from_encoding = "utf-8-sig"
    import_form_class = RecordImportForm
    confirm_form_class = RecordConfirmImportForm
    import_template_name = "admin/exchange/importbatch/import.html"
    # The batch row is the log of an import: who, when, which file, what came of it.
    skip_admin_log = True

    list_display = [
        "id",
        "started_at",
        "origin",
        "file_name",
        "source_system",
        "status",
        "received_count",
        "accepted_count",
        "duplicate_count",
        "quarantined_link",
        "created_by",
    ]
    list_filter = ["status", "origin", "source_system"]
    search_fields = ["file_name", "checksum"]
    list_select_related = ["created_by"]
    date_hierarchy = "started_at"

    def get_readonly_fields(self, request: HttpRequest, obj: ImportBatch | None = None) -> list[str]:
        return [field.name for field in ImportBatch._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ImportBatch | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ImportBatch | None = None) -> bool:
        return False

    def has_import_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("exchange.add_importbatch")

    @admin.display(description="quarantined", ordering="quarantined_count")
    def quarantined_link(self, batch: ImportBatch) -> str:
        if not batch.quarantined_count:
            return "0"
        url = reverse("admin:exchange_quarantinedrow_changelist") + f"?batch__id__exact={batch.pk}"
        return format_html('<a href="{}">{}</a>', url, batch.quarantined_count)

    def get_confirm_form_initial(self, request: HttpRequest, import_form: forms.Form | None) -> dict[str, Any]:
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["source_system"] = _source_system_code(import_form) or ""
        return initial

    def get_import_data_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        source_system = _source_system_code(kwargs.get("form"))
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs["source_system"] = source_system
        return kwargs

    def import_action(self, request: HttpRequest, **kwargs: Any):
        """As import-export's, but rows with errors do not block the import: they go to quarantine."""
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        result = context.get("result")
        if result is not None and not result.has_errors() and "confirm_form" not in context:
            context["confirm_form"] = self.create_confirm_form(request, import_form=context["form"])
        return response

    def add_success_message(self, result, request: HttpRequest) -> None:
        batch = getattr(result, "batch", None)
        if batch is None:
            messages.error(request, " ".join(str(error.error) for error in result.base_errors))
            return
        messages.success(
            request,
            f"Batch {batch.pk}: received {batch.received_count}, accepted {batch.accepted_count}, "
            f"duplicate {batch.duplicate_count}, quarantined {batch.quarantined_count}.",
        )


# --- Quarantine ----------------------------------------------------------------------------------


class QuarantinedRowForm(forms.ModelForm):
    corrected_row = forms.JSONField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 16, "cols": 90, "style": "font-family: monospace"}),
        help_text="The row as column: value. Fix the values named in the errors and save to resubmit it.",
    )

    class Meta:
        model = QuarantinedRow
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and "corrected_row" not in self.initial:
            self.initial["corrected_row"] = self.instance.corrected or self.instance.raw

    def clean_corrected_row(self) -> Any:
        corrected = self.cleaned_data["corrected_row"]
        # Read-only check with the service's own rules; the write happens in save_model.
        try:
            quarantined_row_check_resubmission(row=self.instance, corrected=corrected)
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                raise
            raise ValidationError(
                [f"{column}: {' '.join(texts)}" for column, texts in error.message_dict.items()]
            ) from error
        return corrected


@admin.register(QuarantinedRow)
class QuarantinedRowAdmin(admin.ModelAdmin):
    form = QuarantinedRowForm
    list_display = ["id", "batch", "row_number", "source_system", "source_record_id", "reason", "status", "created_at"]
    list_filter = ["status", "source_system", "batch__origin"]
    search_fields = ["source_record_id"]
    list_select_related = ["batch"]
    raw_id_fields = ["batch"]
    actions = ["resubmit", "discard"]
    readonly_fields = [
        "batch",
        "row_number",
        "source_system",
        "source_record_id",
        "status",
        "errors_display",
        "raw_display",
        "record",
        "resolved_by",
        "resolved_at",
    ]
    fieldsets = [
        (None, {"fields": ["batch", "row_number", "source_system", "source_record_id", "status"]}),
        ("Why it was quarantined", {"fields": ["errors_display", "raw_display"]}),
        ("Correction", {"fields": ["corrected_row"]}),
        ("Resolution", {"fields": ["record", "resolved_by", "resolved_at"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[QuarantinedRow]:
        return super().get_queryset(request).select_related("batch", "record", "resolved_by")

    def get_fieldsets(self, request: HttpRequest, obj: QuarantinedRow | None = None):
        if obj is not None and obj.status != QuarantinedRow.Status.OPEN:
            return [fieldset for fieldset in self.fieldsets if fieldset[0] != "Correction"]
        return self.fieldsets

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: QuarantinedRow | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: QuarantinedRow | None = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.status == QuarantinedRow.Status.OPEN)

    @admin.display(description="errors")
    def errors_display(self, row: QuarantinedRow) -> str:
        return format_html(
            "<ul>{}</ul>",
            format_html_join("", "<li><b>{}</b>: {}</li>", ((f, " ".join(m)) for f, m in (row.errors or {}).items())),
        )

    @admin.display(description="row as received")
    def raw_display(self, row: QuarantinedRow) -> str:
        return format_html("<pre>{}</pre>", json.dumps(row.raw, ensure_ascii=False, indent=2))

    def save_model(self, request: HttpRequest, obj: QuarantinedRow, form: forms.Form, change: bool) -> None:
        record = quarantined_row_resubmit(row=obj, corrected=form.cleaned_data["corrected_row"], user=request.user)
        obj.refresh_from_db()
        messages.info(request, f"Resubmitted as record {record} (id {record.pk}).")

    def log_change(self, request, obj, message):
        return super().log_change(request, obj, "Resubmitted through the quarantine form.")

    @admin.action(description="Resubmit the selected rows (as they are, or as last corrected)", permissions=["change"])
    def resubmit(self, request: HttpRequest, queryset: QuerySet[QuarantinedRow]) -> None:
        done, failed = 0, []
        for row in queryset.filter(status=QuarantinedRow.Status.OPEN):
            try:
                quarantined_row_resubmit(row=row, corrected=row.corrected or row.raw, user=request.user)
                done += 1
            except ValidationError as error:
                failed.append(f"row {row.row_number} of batch {row.batch_id}: {'; '.join(error.messages)}")
        if done:
            messages.success(request, f"{done} row(s) resubmitted.")
        for failure in failed:
            messages.error(request, failure)

    @admin.action(description="Discard the selected rows", permissions=["change"])
    def discard(self, request: HttpRequest, queryset: QuerySet[QuarantinedRow]) -> None:
        count = 0
        for row in queryset.filter(status=QuarantinedRow.Status.OPEN):
            quarantined_row_discard(row=row, user=request.user)
            count += 1
        messages.success(request, f"{count} row(s) discarded.")
