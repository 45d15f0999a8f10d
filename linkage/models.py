"""Record linkage: the review queue, merges and unmerges, the decision log, re-link runs and
data-quality cases sent back to source agencies.

Linking itself writes `profiles.RecordLink` (a record's person, score and reason); this app keeps everything a
reviewer and an auditor need to see why and by whom.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class MatchCandidate(models.Model):
    """A record whose best match scored between the thresholds: a person must decide."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending review"
        ACCEPTED = "accepted", "Accepted (same person)"
        REJECTED = "rejected", "Rejected (different people)"

    record = models.ForeignKey("profiles.SourceRecord", on_delete=models.PROTECT, related_name="match_candidates")
    person = models.ForeignKey("profiles.Person", on_delete=models.PROTECT, related_name="match_candidates")
    score = models.FloatField(help_text="Match probability from the model.")
    explanation = models.JSONField(default=dict, help_text="Per-field agreement and its weight.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-score", "id"]
        indexes = [models.Index(fields=["created_at"], name="candidate_pending_idx", condition=Q(status="pending"))]
        constraints = [
            models.UniqueConstraint(fields=["record", "person"], name="candidate_unique_pair"),
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=1), name="candidate_score_probability"),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False) & Q(decided_by__isnull=False)),
                name="candidate_decision_has_who_and_when",
            ),
        ]

    def __str__(self) -> str:
        return f"record {self.record_id} ~ person {self.person_id} ({self.score:.3f})"


class PersonMerge(models.Model):
    """Two profiles found to be one person. Nothing is deleted: the absorbed profile stays with
    `merged_into` set, and `moved_record_ids` / `moved_document_ids` say exactly what moved, so an
    unmerge restores the state before the merge.
    """

    survivor = models.ForeignKey("profiles.Person", on_delete=models.PROTECT, related_name="merges_survived")
    absorbed = models.ForeignKey("profiles.Person", on_delete=models.PROTECT, related_name="merges_absorbed")
    reason = models.TextField()
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField(auto_now_add=True)
    moved_record_ids = models.JSONField(default=list, blank=True)
    moved_document_ids = models.JSONField(default=list, blank=True)
    absorbed_snapshot = models.JSONField(default=dict, help_text="The absorbed profile's fields before the merge.")
    unmerged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unmerged_at = models.DateTimeField(null=True, blank=True)
    unmerge_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-merged_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(survivor=F("absorbed")), name="merge_two_different_people"),
            models.CheckConstraint(condition=Q(reason__regex=r"\S"), name="merge_reason_required"),
            models.UniqueConstraint(
                fields=["absorbed"], condition=Q(unmerged_at__isnull=True), name="merge_absorbed_once_while_active"
            ),
            models.CheckConstraint(
                condition=Q(unmerged_at__isnull=True, unmerged_by__isnull=True)
                | Q(unmerged_at__isnull=False, unmerged_by__isnull=False),
                name="merge_unmerge_has_who_and_when",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.absorbed_id} → {self.survivor_id}"


class LinkDecision(models.Model):
    """Append-only log of every linking decision, automatic or human: who, when, why."""

    class Kind(models.TextChoices):
        AUTO_LINK = "auto_link", "Linked automatically"
        NEW_PERSON = "new_person", "New person created"
        QUEUED = "queued", "Sent to review"
        ACCEPT = "accept", "Review accepted"
        REJECT = "reject", "Review rejected"
        MERGE = "merge", "Profiles merged"
        UNMERGE = "unmerge", "Merge undone"
        RELINK = "relink", "Record moved by staff"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    record = models.ForeignKey(
        "profiles.SourceRecord", null=True, blank=True, on_delete=models.PROTECT, related_name="link_decisions"
    )
    person = models.ForeignKey(
        "profiles.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # decision_person_idx starts with it; a linking run writes a decision per record
    )
    other_person = models.ForeignKey(
        "profiles.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # decision_other_person_idx: only the decisions that name one
    )
    score = models.FloatField(null=True, blank=True)
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty for the automatic linker.",
        db_index=False,  # decision_decided_by_idx: only staff decisions
    )
    decided_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [
            models.Index(fields=["person", "decided_at"], name="decision_person_idx"),
            # A linking run writes a decision per record with neither an other person nor a staff
            # member: partial indexes leave those rows out (two index entries fewer per record).
            models.Index(
                fields=["other_person"], name="decision_other_person_idx", condition=Q(other_person__isnull=False)
            ),
            models.Index(fields=["decided_by"], name="decision_decided_by_idx", condition=Q(decided_by__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.kind} record={self.record_id} person={self.person_id}"


class LinkRun(models.Model):
    """A linking job with progress in the admin: a full re-link, or one pass over the pending records
    of a large delivery."""

    class Kind(models.TextChoices):
        RELINK = "relink", "Full re-link"
        PENDING = "pending", "Pending records in one pass"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.RELINK)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    auto_linked = models.PositiveIntegerField(default=0)
    queued_for_review = models.PositiveIntegerField(default=0)
    new_persons = models.PositiveIntegerField(default=0)
    model_parameters = models.JSONField(default=dict, help_text="Estimated m/u probabilities and thresholds.")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(processed__lte=F("total")), name="link_run_processed_within_total"),
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="running"), name="link_run_one_running_at_a_time"
            ),
        ]

    def __str__(self) -> str:
        return f"Link run {self.pk} {self.status} {self.processed}/{self.total}"


class DataQualityCase(models.Model):
    """A conflict between sources sent back to the agency that can fix it."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        SENT = "sent", "Sent to the source agency"
        RESOLVED = "resolved", "Resolved"

    person = models.ForeignKey("profiles.Person", on_delete=models.PROTECT, related_name="data_quality_cases")
    source_system = models.ForeignKey("reference.SourceSystem", on_delete=models.PROTECT, related_name="+")
    records = models.ManyToManyField("profiles.SourceRecord", related_name="data_quality_cases")
    kind = models.CharField(max_length=40, help_text="e.g. birth_date_conflict, exit_with_open_registration")
    description = models.TextField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} ({self.source_system_id}) for person {self.person_id}"
