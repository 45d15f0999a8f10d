"""E-services and applications (issue: personal cabinet and e-services).

* `ServiceDefinition`: one e-service of the catalog, with its form as a declarative field schema
  (`services.schema`) whose fields name where the profile already knows the answer.
* `Application`: what a person filed, with what they typed (`data`) kept apart from what the profile
  said at the time (`prefilled`), moved through the state machine of `services.workflow`.
* `ApplicationTransition`: the append-only history of every move, shown to the applicant.
* `ApplicationDocument`: an upload, stored under a private path, whose type was read from its content.
* `StatusCertificate`: a signed, short-lived statement of status issued on a certificate request.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from services.schema import FieldSpec, schema_validate
from services.workflow import State, allowed_pairs_condition

REFERENCE_PREFIX = r"^[A-Z]{3}$"


class PrivateStorage(FileSystemStorage):
    """Uploads live outside MEDIA_ROOT (which DEBUG serves to anyone): only the permission-checked
    download views read them. The location is read from VAR_DIR on every use, so tests that move
    VAR_DIR move the files with it."""

    @property  # type: ignore[override]
    def base_location(self) -> str:
        return str(Path(settings.VAR_DIR) / "private" / "services")

    @property  # type: ignore[override]
    def location(self) -> str:
        return os.path.abspath(self.base_location)


private_storage = PrivateStorage()


def _upload_path(instance: ApplicationDocument, filename: str) -> str:
    # The person's file name is kept in `original_name`; the stored name reveals nothing.
    return f"applications/{instance.application.public_id}/{uuid.uuid4().hex}"


class ServiceDefinition(models.Model):
    """One e-service: its form, its working-day SLA and whether it is offered now."""

    code = models.SlugField(max_length=40, unique=True)
    reference_prefix = models.CharField(
        max_length=3, unique=True, help_text="Three capital letters that start its application numbers (PAT)."
    )
    title = models.CharField(max_length=200, help_text="English; shown translated where the catalog has it.")
    description = models.TextField(blank=True)
    sla_working_days = models.PositiveSmallIntegerField(help_text="Working days from submission to the decision.")
    fields = models.JSONField(help_text="The form: a list of fields (see services/schema.py).")
    # The platform decides at submission (a statement of facts); no officer review.
    decided_automatically = models.BooleanField(default=False)
    # On approval, record a Permit of this kind stated by a PLATFORM source record ("" = none).
    issues_permit_kind = models.CharField(max_length=12, blank=True)
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in the catalog.")

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("e-service")
        verbose_name_plural = _("e-services")
        constraints = [
            models.CheckConstraint(condition=Q(reference_prefix__regex=REFERENCE_PREFIX), name="service_prefix_form"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        schema_validate(self.fields)

    @property
    def display_title(self) -> str:
        return gettext(self.title)

    @property
    def display_description(self) -> str:
        return gettext(self.description) if self.description else ""

    @property
    def schema(self) -> list[FieldSpec]:
        return self.fields


class Application(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey("profiles.Person", on_delete=models.PROTECT, related_name="applications")
    service = models.ForeignKey(ServiceDefinition, on_delete=models.PROTECT, related_name="applications")
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    # What the person typed (raw strings in a draft, cleaned values once submitted) ...
    data = models.JSONField(default=dict, blank=True)
    # ... and, apart from it, what the profile said when they submitted: read-only evidence.
    prefilled = models.JSONField(default=dict, blank=True)
    reference = models.CharField(max_length=20, blank=True, help_text="PAT-2026-000123; given at submission.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    sla_due_on = models.DateField(null=True, blank=True)
    # Working days left on the SLA when the officer asked for more information (the clock stops).
    sla_days_left = models.SmallIntegerField(null=True, blank=True)
    assigned_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = models.TextField(blank=True)
    missing_info_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [
            # The officer queues: open applications of a service by due date.
            models.Index(fields=["service", "state", "sla_due_on"], name="application_queue_idx"),
            models.Index(fields=["person", "-created_at"], name="application_person_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=State.values), name="application_state_valid"),
            models.UniqueConstraint(
                fields=["reference"], condition=~Q(reference=""), name="application_reference_unique"
            ),
            models.UniqueConstraint(
                fields=["person", "service"],
                condition=Q(state=State.DRAFT),
                name="application_one_draft_per_service",
                violation_error_message="There is already a draft of this service.",
            ),
            models.CheckConstraint(
                condition=Q(state=State.DRAFT, submitted_at__isnull=True, reference="")
                | (~Q(state=State.DRAFT) & Q(submitted_at__isnull=False) & ~Q(reference=""))
                | Q(state=State.WITHDRAWN, submitted_at__isnull=True, reference=""),
                name="application_submitted_has_reference",
                violation_error_message="A submitted application has a submission time and a reference.",
            ),
            models.CheckConstraint(
                condition=~Q(state=State.REJECTED) | Q(decision_reason__regex=r"\S"),
                name="application_rejection_has_reason",
                violation_error_message="A rejection states its reason.",
            ),
            models.CheckConstraint(
                condition=~Q(state=State.MORE_INFO_NEEDED) | Q(missing_info_note__regex=r"\S"),
                name="application_more_info_has_note",
                violation_error_message="A request for more information says what is missing.",
            ),
            models.CheckConstraint(
                condition=Q(decided_at__isnull=True) | Q(state__in=[State.APPROVED, State.REJECTED]),
                name="application_decided_only_when_final",
            ),
        ]

    def __str__(self) -> str:
        # Lists select_related("service") (services.selectors.application_list_for_person, the admin).
        return f"{self.reference or gettext('Draft')} · {gettext(self.service.title)}"

    def get_absolute_url(self) -> str:
        if self.state == State.DRAFT:
            return reverse("services:service_form", args=[self.service.code])
        return reverse("services:application_detail", args=[self.public_id])

    def get_status_display(self) -> str:
        """The state in words (the cabinet's home page calls it the status)."""
        return str(self.get_state_display())

    @property
    def is_draft(self) -> bool:
        return self.state == State.DRAFT


class ApplicationTransition(models.Model):
    """One move of the state machine. Rows are only inserted: a database trigger refuses the rest."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="transitions")
    from_state = models.CharField(max_length=20, choices=State.choices)
    to_state = models.CharField(max_length=20, choices=State.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Empty for a move made by the platform itself.",
    )  # fmt: skip
    actor = models.CharField(max_length=10)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("application step")
        verbose_name_plural = _("application steps")
        indexes = [models.Index(fields=["application", "at"], name="application_transition_idx")]
        constraints = [
            models.CheckConstraint(
                condition=allowed_pairs_condition(source_field="from_state", target_field="to_state"),
                name="application_transition_allowed",
                violation_error_message="This move is not allowed by the application state machine.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state} at {self.at:%Y-%m-%d %H:%M}"


class DocumentStage(models.TextChoices):
    APPLICATION = "application", _("Filed with the application")
    RESPONSE = "response", _("Sent in answer to a request for information")


class ApplicationDocument(models.Model):
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="documents")
    field_name = models.CharField(
        max_length=60, blank=True, help_text="The schema field it answers; empty for a response."
    )
    stage = models.CharField(max_length=12, choices=DocumentStage.choices, default=DocumentStage.APPLICATION)
    file = models.FileField(upload_to=_upload_path, storage=private_storage, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40, help_text="Read from the content, not from the name.")
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("application document")
        verbose_name_plural = _("application documents")
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=["application/pdf", "image/jpeg", "image/png"]),
                name="application_document_allowed_type",
            ),
            models.CheckConstraint(
                condition=Q(size__gt=0) & Q(size__lte=10 * 1024 * 1024), name="application_document_size"
            ),
        ]

    def __str__(self) -> str:
        return self.original_name


class StatusCertificate(models.Model):
    """A statement of status as issued: the signed token is what the QR code carries."""

    certificate_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="certificate")
    person = models.ForeignKey("profiles.Person", on_delete=models.PROTECT, related_name="+")
    statement: Any = models.JSONField(help_text="The signed payload.")
    token = models.TextField()
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("status certificate")
        verbose_name_plural = _("status certificates")
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("issued_at")), name="certificate_expires_later")
        ]

    def __str__(self) -> str:
        return f"{self.certificate_id} ({self.issued_at:%Y-%m-%d})"
