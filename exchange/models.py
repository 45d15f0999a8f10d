"""Ingestion bookkeeping: one ImportBatch per file or API call, and the rows it could not accept.

The records themselves are `profiles.SourceRecord` rows; this app only keeps what is needed to
resume an interrupted file (the cursor) and to fix and resubmit bad rows (the quarantine), so
that nothing an agency sent is lost.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class ImportBatch(models.Model):
    class Origin(models.TextChoices):
        ADMIN = "admin", "Admin upload"
        CLI = "cli", "Command line"
        API = "api", "REST API"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        FAILED = "failed", "Failed (resumable)"
        FINISHED = "finished", "Finished"

    # Files are resumed by checksum; an API call is one request and is never resumed.
    FILE_ORIGINS = (Origin.ADMIN, Origin.CLI)

    origin = models.CharField(max_length=5, choices=Origin.choices)
    source_system = models.ForeignKey(
        "reference.SourceSystem",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="import_batches",
        db_column="source_system",
        help_text="The default system for rows without a source_system column; empty when every row names its own.",
    )
    file_name = models.CharField(max_length=255, blank=True, help_text="The uploaded or imported file, if any.")
    checksum = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the input.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="import_batches",
        help_text="The staff member or the API client account.",
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.RUNNING)
    received_count = models.PositiveIntegerField(default=0)
    accepted_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    quarantined_count = models.PositiveIntegerField(default=0)
    cursor = models.PositiveIntegerField(
        default=0, help_text="Number of the last row whose chunk is committed; a resumed import starts after it."
    )
    error = models.TextField(blank=True, help_text="Why the last run stopped, when it failed.")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name_plural = "import batches"
        constraints = [
            models.CheckConstraint(condition=Q(origin__in=["admin", "cli", "api"]), name="import_batch_origin_valid"),
            models.CheckConstraint(
                condition=Q(status__in=["running", "failed", "finished"]), name="import_batch_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(received_count=F("accepted_count") + F("duplicate_count") + F("quarantined_count")),
                name="import_batch_counts_add_up",
                violation_error_message="Every received row is accepted, a duplicate, or quarantined.",
            ),
            models.CheckConstraint(
                condition=Q(cursor=F("received_count")),
                name="import_batch_cursor_is_received_count",
                violation_error_message="Rows are committed in order: the cursor is the number of rows received.",
            ),
            models.CheckConstraint(
                condition=(Q(status="finished") & Q(finished_at__isnull=False))
                | (~Q(status="finished") & Q(finished_at__isnull=True)),
                name="import_batch_finished_at_iff_finished",
            ),
            # `batch_ingest` finds the batch to resume by checksum: one batch per file content.
            models.UniqueConstraint(
                fields=["checksum"],
                condition=Q(origin__in=["admin", "cli"]) & ~Q(checksum=""),
                name="import_batch_one_per_file_checksum",
                violation_error_message="This file was already imported; re-running it resumes that batch.",
            ),
        ]

    def __str__(self) -> str:
        return f"Batch {self.pk} ({self.get_origin_display()}, {self.file_name or self.created_by or '-'})"


class QuarantinedRow(models.Model):
    """A row that failed validation, kept verbatim with its errors until staff resubmit or discard it."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESUBMITTED = "resubmitted", "Resubmitted"
        DISCARDED = "discarded", "Discarded"

    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="quarantined_rows")
    row_number = models.PositiveIntegerField(help_text="1-based position in the input (file data row, API index + 1).")
    # As given by the agency, possibly blank or unknown: a bad row may name a system that does not exist.
    source_system = models.CharField(max_length=20, blank=True)
    source_record_id = models.CharField(max_length=100, blank=True)
    raw = models.JSONField(help_text="The row verbatim, as received.")
    errors = models.JSONField(help_text="{field: [messages]}")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    corrected = models.JSONField(null=True, blank=True, help_text="The corrected row that was resubmitted.")
    record = models.ForeignKey(
        "profiles.SourceRecord",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="quarantined_rows",
        help_text="The record the resubmitted row became.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["batch", "row_number"]
        indexes = [
            # The admin's default list: open rows, newest batch first.
            models.Index(fields=["batch", "row_number"], name="quarantine_open_idx", condition=Q(status="open")),
            models.Index(fields=["source_system", "source_record_id"], name="quarantine_source_key_idx"),
        ]
        constraints = [
            # A resumed chunk re-quarantines the same row numbers; the constraint makes that impossible to double.
            models.UniqueConstraint(fields=["batch", "row_number"], name="quarantine_row_once_per_batch"),
            models.CheckConstraint(condition=Q(row_number__gte=1), name="quarantine_row_number_positive"),
            models.CheckConstraint(
                condition=Q(status__in=["open", "resubmitted", "discarded"]), name="quarantine_status_valid"
            ),
            models.CheckConstraint(
                condition=(Q(status="open") & Q(resolved_at__isnull=True))
                | (~Q(status="open") & Q(resolved_at__isnull=False)),
                name="quarantine_resolved_at_iff_resolved",
            ),
            models.CheckConstraint(
                condition=(Q(status="resubmitted") & Q(record__isnull=False))
                | (~Q(status="resubmitted") & Q(record__isnull=True)),
                name="quarantine_resubmitted_has_record",
                violation_error_message="A resubmitted row points to the record it became, and only it does.",
            ),
        ]

    def __str__(self) -> str:
        return f"Batch {self.batch_id} row {self.row_number}"

    @property
    def reason(self) -> str:
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in (self.errors or {}).items())
