"""Staff admin: templates (with a preview on a real person), reminder schedules, broadcasts (preview,
submit, second approval), and read-only lists of the outbox.

Saves go through `notifications.services`. A notification, a delivery and an inbox message are a
person's data: their pages are purpose-bound and logged like the person's own page, and the lists
show ids, not names. Previewing a template with a real person asks for a purpose as well.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from audit.admin_mixins import PurposeBoundAdminMixin, person_access_allowed, purpose_stated, purpose_url
from audit.models import AccessLog
from audit.services import access_log_record
from notifications.models import (
    Broadcast,
    BroadcastState,
    BroadcastText,
    ChannelPreference,
    Delivery,
    InboxMessage,
    Notification,
    NotificationTemplate,
    ReminderSchedule,
    ScanRun,
)
from notifications.registry import kind_get
from notifications.rendering import message_variables
from notifications.selectors import template_preview_context
from notifications.services import (
    broadcast_approve,
    broadcast_cancel,
    broadcast_preview,
    broadcast_save,
    broadcast_submit,
    notification_template_save,
    reminder_schedule_save,
)
from notifications.templating import render_text
from profiles.models import Person


class ReadOnlyAdmin(admin.ModelAdmin):
    """Outbox rows are written by the pipeline only; large tables: newest first, no full count."""

    show_full_result_count = False
    ordering = ("-id",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class PersonDataAdmin(PurposeBoundAdminMixin, ReadOnlyAdmin):
    def purpose_person_id(self, request: HttpRequest, object_id: str) -> int | None:
        return self.model.objects.filter(pk=object_id).values_list("person_id", flat=True).first()


# --- Templates ----------------------------------------------------------------------------------


class TemplatePreviewForm(forms.Form):
    person = forms.IntegerField(min_value=1, label="Person id", help_text="Preview with this person's data.")


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(admin.ModelAdmin):
    list_display = ("kind", "variant", "language", "channel", "subject", "updated_at", "preview_link")
    list_filter = ("kind", "language", "channel", "variant")
    search_fields = ("subject", "body", "variant")
    readonly_fields = ("allowed_variables", "updated_at", "updated_by")
    fields = (
        "kind",
        "variant",
        "language",
        "channel",
        "allowed_variables",
        "subject",
        "body",
        "updated_at",
        "updated_by",
    )

    @admin.display(description="Variables this kind allows")
    def allowed_variables(self, template: NotificationTemplate) -> str:
        if not template.kind:
            return "Choose a kind and save to see its variables."
        kind = kind_get(template.kind)
        names = sorted(kind.allowed_variables)
        return ", ".join(names) + (" · legally required notice" if kind.legally_required else "")

    @admin.display(description="Preview")
    def preview_link(self, template: NotificationTemplate) -> str:
        url = reverse("admin:notifications_notificationtemplate_preview", args=[template.pk])
        return format_html('<a href="{}">preview</a>', url)

    def save_model(self, request: HttpRequest, obj: NotificationTemplate, form: Any, change: bool) -> None:
        notification_template_save(template=obj, user=request.user)

    def get_urls(self):
        view = self.admin_site.admin_view(self.preview_view)
        return [
            path("<int:template_id>/preview/", view, name="notifications_notificationtemplate_preview"),
            *super().get_urls(),
        ]

    def preview_view(self, request: HttpRequest, template_id: int) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        template = get_object_or_404(NotificationTemplate, pk=template_id)
        form = TemplatePreviewForm(request.GET or None)
        context: dict[str, Any] = {**self.admin_site.each_context(request), "opts": self.opts, "template_row": template,
                                   "form": form, "title": f"Preview: {template}"}  # fmt: skip
        if form.is_valid():
            person = Person.objects.filter(pk=form.cleaned_data["person"]).first()
            if person is None:
                form.add_error("person", "No person has this id.")
            else:
                # A preview shows a real person's data: the same purpose-bound, logged access as their page.
                stated = purpose_stated(session=request.session, person_id=person.pk)
                if stated is None:
                    if not person_access_allowed(request.user):
                        raise PermissionDenied
                    return HttpResponseRedirect(purpose_url(person_id=person.pk, next_url=request.get_full_path()))
                access_log_record(user=request.user, person_id=person.pk, channel=AccessLog.Channel.ADMIN,
                                  purpose=stated.purpose, reference=stated.reference)  # fmt: skip
                today = timezone.localdate()
                values, due_on = template_preview_context(
                    kind_key=template.kind, variant=template.variant, person=person, on=today
                )
                variables = message_variables(kind=kind_get(template.kind), person=person, language=template.language,
                                              context=values, local_today=today, due_on=due_on)  # fmt: skip
                context.update(
                    stated_purpose=stated,
                    person=person,
                    subject=render_text(template.subject, variables) if template.subject else "",
                    body=render_text(template.body, variables),
                    variables=sorted(variables.items()),
                )
        return TemplateResponse(request, "admin/notifications/template_preview.html", context)


# --- Schedules ------------------------------------------------------------------------------------


@admin.register(ReminderSchedule)
class ReminderScheduleAdmin(admin.ModelAdmin):
    list_display = ("key", "source", "rule_key", "offsets", "is_active", "updated_at")
    list_filter = ("source", "is_active")
    fields = ("key", "source", "rule_key", "offsets", "parameters", "is_active", "note", "updated_at")
    readonly_fields = ("updated_at",)

    def save_model(self, request: HttpRequest, obj: ReminderSchedule, form: Any, change: bool) -> None:
        reminder_schedule_save(schedule=obj)


@admin.register(ScanRun)
class ScanRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "on", "started_at", "finished_at", "result")
    date_hierarchy = "started_at"


# --- Broadcasts -----------------------------------------------------------------------------------------


class BroadcastTextInline(admin.StackedInline):
    model = BroadcastText
    extra = 1
    fields = ("language", "subject", "body")

    def has_change_permission(self, request: HttpRequest, obj: Broadcast | None = None) -> bool:
        return (obj is None or obj.state == BroadcastState.DRAFT) and super().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Broadcast | None = None) -> bool:
        return (obj is None or obj.state == BroadcastState.DRAFT) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Broadcast | None = None) -> bool:
        return (obj is None or obj.state == BroadcastState.DRAFT) and super().has_delete_permission(request, obj)


@admin.register(Broadcast)
class BroadcastAdmin(admin.ModelAdmin):
    list_display = ("title", "state", "scheduled_at", "recipient_count", "created_by", "approved_by", "sent_count",
                     "preview_link")  # fmt: skip
    list_filter = ("state",)
    search_fields = ("title",)
    inlines = [BroadcastTextInline]
    actions = ["submit_selected", "approve_selected", "cancel_selected"]
    fieldsets = (
        (None, {"fields": ("title", "scheduled_at", "inbox_only")}),
        ("Segment (empty = any)",
         {"fields": ("citizenships", "regions", "statuses", "languages", "age_min", "age_max")}),
        ("Workflow", {"fields": ("state", "recipient_count", "created_by", "submitted_at", "approved_by",
                                 "approved_at", "sent_at", "sent_count", "cancel_reason")}),
    )  # fmt: skip
    workflow_fields = ("state", "recipient_count", "created_by", "submitted_at", "approved_by", "approved_at",
                       "sent_at", "sent_count", "cancel_reason")  # fmt: skip

    def get_readonly_fields(self, request: HttpRequest, obj: Broadcast | None = None) -> tuple[str, ...]:
        if obj is not None and obj.state != BroadcastState.DRAFT:
            return tuple(field.name for field in Broadcast._meta.fields)
        return self.workflow_fields

    @admin.display(description="Preview")
    def preview_link(self, broadcast: Broadcast) -> str:
        url = reverse("admin:notifications_broadcast_preview", args=[broadcast.pk])
        return format_html('<a href="{}">recipients and texts</a>', url)

    def save_model(self, request: HttpRequest, obj: Broadcast, form: Any, change: bool) -> None:
        if obj.pk is None:
            obj.created_by = request.user
        elif obj.state != BroadcastState.DRAFT:
            return  # every field is read-only once submitted: nothing to save
        broadcast_save(broadcast=obj)

    def get_urls(self):
        view = self.admin_site.admin_view(self.preview_view)
        return [path("<int:broadcast_id>/preview/", view, name="notifications_broadcast_preview"), *super().get_urls()]

    def preview_view(self, request: HttpRequest, broadcast_id: int) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        broadcast = get_object_or_404(Broadcast, pk=broadcast_id)
        preview = broadcast_preview(broadcast=broadcast)
        rows = [(language, preview.by_language.get(language, 0), text) for language, text in preview.texts.items()]
        context = {**self.admin_site.each_context(request), "opts": self.opts, "broadcast": broadcast,
                   "preview": preview, "rows": rows, "title": f"Preview: {broadcast.title}"}  # fmt: skip
        return TemplateResponse(request, "admin/notifications/broadcast_preview.html", context)

    def _each(self, request: HttpRequest, queryset: Any, action: Any, done: str) -> None:
        for broadcast in queryset:
            try:
                action(broadcast)
            except (ValidationError, PermissionDenied) as error:
                text = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
                self.message_user(request, f"{broadcast.title}: {text}", messages.ERROR)
            else:
                self.message_user(request, f"{broadcast.title}: {done}", messages.SUCCESS)

    @admin.action(description="Submit (count recipients; above the threshold it waits for a second officer)")
    def submit_selected(self, request: HttpRequest, queryset: Any) -> None:
        self._each(request, queryset, lambda b: broadcast_submit(broadcast=b, user=request.user), "submitted")

    @admin.action(description="Approve as the second officer")
    def approve_selected(self, request: HttpRequest, queryset: Any) -> None:
        self._each(request, queryset, lambda b: broadcast_approve(broadcast=b, user=request.user), "approved")

    @admin.action(description="Cancel")
    def cancel_selected(self, request: HttpRequest, queryset: Any) -> None:
        reason = f"cancelled by {request.user.get_username()}"
        self._each(request, queryset, lambda b: broadcast_cancel(broadcast=b, reason=reason), "cancelled")


# --- The outbox (read-only) ------------------------------------------------------------------------------


class DeliveryInline(admin.TabularInline):
    model = Delivery
    fk_name = "notification"
    extra = 0
    can_delete = False
    fields = ("channel", "status", "attempts", "next_attempt_at", "sent_at", "language", "provider_message_id",
              "last_error", "cancel_reason", "receipts", "fallback_from")  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(PersonDataAdmin):
    list_display = ("id", "kind", "rule_key", "due_on", "offset_days", "status", "person_id", "created_at")
    list_filter = ("status", "kind")
    search_fields = ("=idempotency_key", "=person__id")
    date_hierarchy = "created_at"
    inlines = [DeliveryInline]
    exclude = ("person",)
    readonly_fields = ("person_id", "kind", "idempotency_key", "rule_key", "due_on", "offset_days", "subject_id",
                       "context", "status", "scheduled_for", "cancelled_at", "cancel_reason", "scan_run", "broadcast",
                       "created_at", "updated_at")  # fmt: skip


@admin.register(Delivery)
class DeliveryAdmin(PersonDataAdmin):
    list_display = ("id", "notification_id", "channel", "status", "attempts", "next_attempt_at", "sent_at", "error")
    list_filter = ("status", "channel")
    search_fields = ("=provider_message_id", "=notification__idempotency_key", "=notification__id")
    exclude = ("person", "notification", "fallback_from")
    readonly_fields = ("notification_id", "person_id", "channel", "idempotency_key", "status", "attempts",
                       "next_attempt_at", "locked_by", "locked_until", "last_error", "provider_message_id", "receipts",
                       "language", "fallback_from_id", "sent_at", "finished_at", "cancel_reason", "created_at",
                       "updated_at")  # fmt: skip

    @admin.display(description="last error")
    def error(self, delivery: Delivery) -> str:
        return (delivery.last_error or delivery.cancel_reason)[:80]


@admin.register(InboxMessage)
class InboxMessageAdmin(PersonDataAdmin):
    list_display = ("id", "person_id", "kind", "language", "created_at", "read_at")
    list_filter = ("kind", "language")
    exclude = ("person", "delivery", "notification")
    readonly_fields = ("person_id", "delivery_id", "kind", "language", "subject", "body", "created_at", "read_at")


@admin.register(ChannelPreference)
class ChannelPreferenceAdmin(PersonDataAdmin):
    list_display = ("person_id", "channel", "enabled", "updated_at")
    list_filter = ("channel", "enabled")
    exclude = ("person",)
    readonly_fields = ("person_id", "channel", "enabled", "updated_at")
