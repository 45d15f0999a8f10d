"""Purpose-bound, append-only log of staff reads of a person's data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class AccessPurpose(models.TextChoices):
    APPLICATION = "application", "Processing an application (state its number)"
    CITIZEN_REQUEST = "citizen_request", "Request of the person themself"
    DATA_QUALITY = "data_quality", "Data-quality case (linking, merge, correction)"
    AGENCY_REQUEST = "agency_request", "Inter-agency request (state its reference)"
    LEGAL_CHECK = "legal_check", "Check ordered under law (state the legal basis)"


class AccessLog(models.Model):
    """One read of one person's record by one staff member or agency credential, with its purpose.

    Rows are only ever inserted; a database trigger refuses updates and deletes.
    """

    class Channel(models.TextChoices):
        ADMIN = "admin", "Staff admin"
        API = "api", "Inter-agency API"
        EXPORT = "export", "Export"

    accessed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("profiles.Person", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    purpose = models.CharField(max_length=20, choices=AccessPurpose.choices)
    reference = models.CharField(max_length=200, help_text="Application number, request reference or basis.")

    class Meta:
        ordering = ["-accessed_at"]
        indexes = [models.Index(fields=["person", "accessed_at"], name="access_log_person_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(reference__regex=r"\S"), name="access_log_reference_required"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read person {self.person_id} ({self.purpose}: {self.reference})"
