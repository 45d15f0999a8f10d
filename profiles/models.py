"""The digital profile: one Person per real individual, the agency records behind it, and the
facts those records state (crossings, registrations, permits, payments, contracts).

Every fact points to the SourceRecord it came from, so a profile can always say who said what
and when, and an unmerge can move facts back with their records.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from migrant_platform.indexes import EqualityIndex

PHONE_E164 = r"^\+[1-9][0-9]{6,14}$"
EARLIEST_BIRTH_DATE = "1900-01-01"


class Sex(models.TextChoices):
    MALE = "M", "Male"
    FEMALE = "F", "Female"


class Language(models.TextChoices):
    RUSSIAN = "ru", "Русский"
    UZBEK = "uz", "Oʻzbekcha"
    TAJIK = "tg", "Тоҷикӣ"
    KYRGYZ = "ky", "Кыргызча"
    ENGLISH = "en", "English"


class Person(models.Model):
    """One real individual. Canonical values are chosen from the linked source records."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    latin_surname = models.CharField(max_length=100, blank=True, help_text="As in the current passport.")
    latin_given_names = models.CharField(max_length=150, blank=True)
    cyrillic_surname = models.CharField(max_length=100, blank=True, help_text="As in Russian records.")
    cyrillic_given_names = models.CharField(max_length=150, blank=True)
    cyrillic_patronymic = models.CharField(max_length=150, blank=True)
    birth_date = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices)
    citizenship = models.ForeignKey(
        "reference.Country", on_delete=models.PROTECT, related_name="citizens", db_column="citizenship"
    )
    preferred_language = models.CharField(max_length=2, choices=Language.choices, default=Language.RUSSIAN)
    phone = models.CharField(max_length=16, blank=True, help_text="E.164, e.g. +998901234567")
    email = models.EmailField(blank=True)
    # The cabinet account that claimed this profile (claiming is a separate, evidence-based step).
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="person"
    )
    # A merge never deletes: the absorbed profile points at the survivor and stays for unmerge.
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="absorbed")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["birth_date"], name="person_birth_date_idx"),
            models.Index(fields=["phone"], name="person_phone_idx", condition=~Q(phone="")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(latin_surname="") | ~Q(cyrillic_surname=""),
                name="person_has_a_surname",
                violation_error_message="A person needs a surname in Latin or Cyrillic script.",
            ),
            models.CheckConstraint(
                condition=Q(birth_date__gte=EARLIEST_BIRTH_DATE),
                name="person_birth_date_plausible",
                violation_error_message="Birth date is before 1900: it is a data-entry error.",
            ),
            models.CheckConstraint(condition=Q(sex__in=Sex.values), name="person_sex_valid"),
            models.CheckConstraint(condition=Q(preferred_language__in=Language.values), name="person_language_valid"),
            models.CheckConstraint(
                condition=Q(phone="") | Q(phone__regex=PHONE_E164),
                name="person_phone_e164",
                violation_error_message="Phone must be in E.164 form, e.g. +998901234567.",
            ),
            models.CheckConstraint(condition=~Q(merged_into=F("id")), name="person_not_merged_into_itself"),
        ]

    def __str__(self) -> str:
        latin = f"{self.latin_surname} {self.latin_given_names}".strip()
        cyrillic = f"{self.cyrillic_surname} {self.cyrillic_given_names}".strip()
        return " / ".join(part for part in (latin, cyrillic) if part) + f" ({self.birth_date:%d.%m.%Y})"


class PersonNameKey(models.Model):
    """Script-independent keys of every spelling known for a person, for search and blocking.

    `profiles.names.name_key` folds Cyrillic and the Latin transliteration systems to one key, so
    `Каримов`, `KARIMOV` and `QARIMOV` meet on one indexed row.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="name_keys")
    key = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "key"], name="person_name_key_unique")]
        indexes = [
            # Prefix search (`key LIKE 'KARIM%'`) uses this index on PostgreSQL.
            models.Index(fields=["key"], name="person_name_key_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.key


class DocumentType(models.TextChoices):
    FOREIGN_PASSPORT = "passport", "National passport of a foreign state"
    RVP = "rvp", "Temporary residence permit (РВП)"
    VNZH = "vnzh", "Residence permit (ВНЖ)"
    MIGRATION_CARD = "migration_card", "Migration card"
    BIRTH_CERTIFICATE = "birth_cert", "Birth certificate"
    STATELESS_ID = "stateless_id", "Stateless person's document"
    OTHER = "other", "Other"


class IdentityDocument(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="documents")
    source_record = models.ForeignKey(
        "SourceRecord", null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    document_type = models.CharField(max_length=16, choices=DocumentType.choices)
    issuing_country = models.ForeignKey(
        "reference.Country", on_delete=models.PROTECT, related_name="+", db_column="issuing_country"
    )
    number = models.CharField(max_length=40, help_text="As written on the document.")
    number_normalized = models.CharField(
        max_length=40, editable=False, help_text="Upper case, no spaces or dashes, Cyrillic look-alikes as Latin."
    )
    issued_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Every column but the id, by attname: what bulk writers (the linker's facts, the demo seed) insert.
    INSERT_COLUMNS = (
        "person_id",
        "source_record_id",
        "document_type",
        "issuing_country_id",
        "number",
        "number_normalized",
        "issued_on",
        "expires_on",
        "created_at",
    )

    class Meta:
        ordering = ["-issued_on", "id"]
        indexes = [models.Index(fields=["number_normalized"], name="document_number_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["document_type", "issuing_country", "number_normalized"],
                name="document_unique_per_type_country_number",
                violation_error_message="This document (type, country, number) is already registered.",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(issued_on__isnull=True) | Q(expires_on__gte=F("issued_on")),
                name="document_expires_after_issue",
                violation_error_message="A document cannot expire before it was issued.",
            ),
            models.CheckConstraint(
                condition=Q(number_normalized__regex=r"^[A-Z0-9]+$"),
                name="document_number_normalized_form",
                violation_error_message="Document number must contain letters or digits.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_document_type_display()} {self.issuing_country_id} {self.number}"


class SourceRecord(models.Model):
    """One record exactly as an agency system sent it, with its normalized identity fields.

    The verbatim columns are write-once (a database trigger refuses updates and deletes); a
    correction from the agency arrives as a new record that `supersedes` the old one.
    """

    # The largest table: every index is written by every insert, so foreign keys carry no index of
    # their own where a composite one starts with them, or where nothing looks records up by them
    # (citizenship). Its link to a person is a row of RecordLink, beside it.
    source_system = models.ForeignKey(
        "reference.SourceSystem",
        on_delete=models.PROTECT,
        related_name="records",
        db_column="source_system",
        db_index=False,  # source_record_unique_per_system starts with it
    )
    source_record_id = models.CharField(max_length=100)
    received_at = models.DateTimeField()
    payload = models.JSONField(help_text="The record verbatim, as received.")
    supersedes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by", db_index=False
    )
    # Normalized identity fields: what linking compares.
    surname = models.CharField(max_length=100, blank=True)
    given_names = models.CharField(max_length=150, blank=True)
    patronymic = models.CharField(max_length=150, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, blank=True)
    citizenship = models.ForeignKey(
        "reference.Country",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_column="citizenship",
        db_index=False,
    )
    document_type = models.CharField(max_length=16, blank=True, choices=DocumentType.choices)
    document_number = models.CharField(max_length=40, blank=True, help_text="Normalized.")
    phone = models.CharField(max_length=16, blank=True)
    tax_id = models.CharField(max_length=12, blank=True)
    # The normalized identity columns (attnames), in one order for every bulk read and write.
    IDENTITY_FIELDS = (
        "surname",
        "given_names",
        "patronymic",
        "birth_date",
        "sex",
        "citizenship_id",
        "document_type",
        "document_number",
        "phone",
        "tax_id",
    )

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [
            # Looked up by equality only; a hash index takes a link's second entry cheaper.
            EqualityIndex(fields=["document_number"], name="source_record_document_idx"),
            # Corrections are few: the index holds only them.
            models.Index(
                fields=["supersedes"], name="source_record_supersedes_idx", condition=Q(supersedes__isnull=False)
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source_system", "source_record_id"],
                name="source_record_unique_per_system",
                violation_error_message="This source system already sent a record with this id.",
            ),
            models.CheckConstraint(condition=~Q(supersedes=F("id")), name="source_record_not_superseding_itself"),
        ]

    def __str__(self) -> str:
        return f"{self.source_system_id}:{self.source_record_id}"


class RecordLink(models.Model):
    """The person an agency record belongs to, and why: written by the linker or by staff.

    Beside the write-once record rather than in it. A record is written once when it arrives and
    linked later; as columns of the record, a link rewrote the whole record (its verbatim payload
    too) with a new entry in every index of the largest table. A million links were 65 s of server
    time as that UPDATE and 9 s as these INSERTs (BENCHMARKS.md, session 20). A record with no row
    here is not linked yet.
    """

    record = models.OneToOneField(SourceRecord, primary_key=True, on_delete=models.PROTECT, related_name="link")
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="record_links",
        db_index=False,  # record_link_person_idx starts with it
    )
    score = models.FloatField(null=True, blank=True)
    reason = models.JSONField(default=dict, blank=True)
    linked_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["person", "record"], name="record_link_person_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=1)),
                name="record_link_score_is_probability",
            ),
        ]

    def __str__(self) -> str:
        return f"record {self.record_id} -> person {self.person_id}"


class Fact(models.Model):
    """Common columns of every fact: whose it is and which agency record stated it."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="%(class)ss")
    source_record = models.ForeignKey(SourceRecord, on_delete=models.PROTECT, related_name="%(class)ss")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class VisitPurpose(models.TextChoices):
    """Purpose of the visit as stated on the migration card."""

    WORK = "work", "Work"
    STUDY = "study", "Study"
    PRIVATE = "private", "Private"
    TOURISM = "tourism", "Tourism"
    BUSINESS = "business", "Business (служебная)"
    TRANSIT = "transit", "Transit"
    OTHER = "other", "Other"


class BorderCrossing(Fact):
    class Direction(models.TextChoices):
        ENTRY = "entry", "Entry"
        EXIT = "exit", "Exit"

    direction = models.CharField(max_length=5, choices=Direction.choices)
    crossed_on = models.DateField()
    checkpoint = models.CharField(max_length=120)
    purpose = models.CharField(max_length=10, choices=VisitPurpose.choices, blank=True)
    migration_card_number = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["crossed_on", "id"]
        indexes = [models.Index(fields=["person", "crossed_on"], name="crossing_person_date_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(direction__in=["entry", "exit"]), name="crossing_direction_valid"),
            models.CheckConstraint(
                condition=Q(purpose="") | Q(direction="entry"), name="crossing_purpose_only_on_entry"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.crossed_on} at {self.checkpoint}"


class Stay(models.Model):
    """A continuous stay in Russia: an entry and, once it happened, the matching exit.

    Derived from BorderCrossing facts by `profiles.services.person_rebuild_stays`; the stay
    calculator and the status engine count days on these rows.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="stays")
    entry = models.OneToOneField(BorderCrossing, on_delete=models.CASCADE, related_name="stay_as_entry")
    exit = models.OneToOneField(
        BorderCrossing, null=True, blank=True, on_delete=models.CASCADE, related_name="stay_as_exit"
    )
    entered_on = models.DateField()
    exited_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["entered_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(exited_on__isnull=True) | Q(exited_on__gte=F("entered_on")),
                name="stay_exit_not_before_entry",
                violation_error_message="The exit cannot be before the entry.",
            ),
            models.CheckConstraint(
                condition=Q(exited_on__isnull=True, exit__isnull=True) | Q(exited_on__isnull=False, exit__isnull=False),
                name="stay_exit_date_matches_exit_crossing",
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(exited_on__isnull=True),
                name="stay_one_open_per_person",
                violation_error_message="This person already has an open stay (no exit recorded).",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entered_on} – {self.exited_on or '…'}"


class MigrationRegistration(Fact):
    """Registration at the place of stay (109-FZ), filed by the host."""

    region = models.ForeignKey("reference.Region", on_delete=models.PROTECT, related_name="registrations")
    address = models.CharField(max_length=500)
    host_organization = models.ForeignKey(
        "employers.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="hosted_registrations"
    )
    host_person_name = models.CharField(max_length=200, blank=True, help_text="A private host (a citizen).")
    purpose = models.CharField(max_length=10, choices=VisitPurpose.choices, blank=True)
    arrived_on = models.DateField(help_text="Arrival at the place of stay.")
    valid_from = models.DateField()
    valid_to = models.DateField(help_text="Registered until (the declared end of stay).")
    closed_on = models.DateField(null=True, blank=True, help_text="Departure or replacement by a new registration.")

    class Meta:
        ordering = ["valid_from", "id"]
        indexes = [
            models.Index(fields=["region"], name="registration_open_region_idx", condition=Q(closed_on__isnull=True)),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__gte=F("valid_from")),
                name="registration_valid_to_not_before_from",
                violation_error_message="Registration cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("valid_from")),
                name="registration_closed_not_before_from",
                violation_error_message="Registration cannot be closed before it starts.",
            ),
            models.CheckConstraint(
                condition=(Q(host_organization__isnull=False) & Q(host_person_name=""))
                | (Q(host_organization__isnull=True) & ~Q(host_person_name="")),
                name="registration_exactly_one_host",
                violation_error_message="A registration has exactly one host: an organization or a person.",
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(closed_on__isnull=True),
                name="registration_one_open_per_person",
                violation_error_message="This person already has an open registration; close it first.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.address} ({self.valid_from} – {self.valid_to})"


class Permit(Fact):
    class Kind(models.TextChoices):
        PATENT = "patent", "Patent"
        WORK_PERMIT = "work_permit", "Work permit"
        RVP = "rvp", "Temporary residence permit (РВП)"
        VNZH = "vnzh", "Residence permit (ВНЖ)"
        VISA = "visa", "Visa"
        EAEU_WORKER = "eaeu_worker", "EAEU worker (contract)"
        STUDENT = "student", "Full-time study"

    class Status(models.TextChoices):
        VALID = "valid", "Valid"
        TERMINATED = "terminated", "Terminated"
        ANNULLED = "annulled", "Annulled"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    number = models.CharField(max_length=40, blank=True)
    region = models.ForeignKey(
        "reference.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="permits",
        help_text="Region of issue; a patent is valid only there.",
    )
    profession = models.CharField(max_length=200, blank=True)
    issued_on = models.DateField()
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True, help_text="Empty for an indefinite residence permit.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.VALID)

    class Meta:
        ordering = ["valid_from", "id"]
        indexes = [models.Index(fields=["kind", "valid_to"], name="permit_kind_valid_to_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="permit_valid_to_not_before_from",
                violation_error_message="A permit cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__gte=F("issued_on")),
                name="permit_valid_from_not_before_issue",
                violation_error_message="A permit cannot be valid before it is issued.",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=False) | Q(kind="vnzh"),
                name="permit_only_vnzh_is_indefinite",
                violation_error_message="Only a residence permit (ВНЖ) may be indefinite.",
            ),
            models.CheckConstraint(
                condition=~Q(kind="patent") | Q(region__isnull=False),
                name="permit_patent_has_region",
                violation_error_message="A patent is issued for a region.",
            ),
            models.UniqueConstraint(
                fields=["kind", "number"],
                condition=~Q(number=""),
                name="permit_number_unique_per_kind",
                violation_error_message="A permit of this kind with this number already exists.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number} ({self.valid_from} – {self.valid_to or '∞'})"


class PatentPayment(Fact):
    """A fixed advance personal income tax payment (НК 227.1) that extends a patent."""

    permit = models.ForeignKey(Permit, on_delete=models.PROTECT, related_name="payments")
    paid_on = models.DateField()
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    months = models.PositiveSmallIntegerField()
    period_from = models.DateField()
    paid_until = models.DateField(help_text="The last day of the paid period.")
    receipt_number = models.CharField(max_length=40, help_text="Payment document id (УИН / receipt).")

    class Meta:
        ordering = ["period_from", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(paid_until__gte=F("period_from")),
                name="payment_period_not_reversed",
                violation_error_message="The paid period cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=Q(months__gte=1) & Q(months__lte=12),
                name="payment_months_between_1_and_12",
                violation_error_message="A payment covers 1 to 12 months.",
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="payment_amount_positive",
                violation_error_message="A payment amount must be positive.",
            ),
            models.UniqueConstraint(fields=["receipt_number"], name="payment_receipt_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} ₽ for {self.months} mo., paid until {self.paid_until}"


class EmploymentContract(Fact):
    class Kind(models.TextChoices):
        LABOR = "labor", "Labor contract"
        CIVIL = "civil", "Civil-law contract (ГПХ)"

    class Status(models.TextChoices):
        CONCLUDED = "concluded", "Concluded"
        TERMINATED = "terminated", "Terminated"

    employer = models.ForeignKey("employers.Organization", on_delete=models.PROTECT, related_name="contracts")
    kind = models.CharField(max_length=5, choices=Kind.choices, default=Kind.LABOR)
    position = models.CharField(max_length=200)
    work_region = models.ForeignKey("reference.Region", on_delete=models.PROTECT, related_name="contracts")
    concluded_on = models.DateField()
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text="Empty for an open-ended contract.")
    terminated_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CONCLUDED)

    class Meta:
        ordering = ["starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="contract_ends_not_before_start",
                violation_error_message="A contract cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=Q(terminated_on__isnull=True) | Q(terminated_on__gte=F("concluded_on")),
                name="contract_terminated_not_before_concluded",
                violation_error_message="A contract cannot be terminated before it was concluded.",
            ),
            models.CheckConstraint(
                condition=(Q(status="terminated") & Q(terminated_on__isnull=False))
                | (Q(status="concluded") & Q(terminated_on__isnull=True)),
                name="contract_status_matches_termination",
                violation_error_message="A terminated contract needs a termination date, and only it.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position} at {self.employer_id} from {self.starts_on}"
