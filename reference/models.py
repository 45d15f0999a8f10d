"""Reference data shared by every app: countries, Russia's federal subjects, agency source systems.

Rows ship in data migrations and are edited by staff in the admin when the law or the map changes.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Country(models.Model):
    """A country of citizenship or document issue (ISO 3166-1)."""

    class MigrationRegime(models.TextChoices):
        EAEU = "eaeu", "EAEU member (Treaty of 29.05.2014, art. 97)"
        VISA_FREE = "visa_free", "Visa-free entry"
        VISA = "visa", "Visa required"
        DOMESTIC = "domestic", "Russian Federation"

    iso3 = models.CharField("ISO alpha-3", max_length=3, primary_key=True)
    iso2 = models.CharField("ISO alpha-2", max_length=2, unique=True)
    numeric = models.CharField("ISO numeric", max_length=3, blank=True)
    name_en = models.CharField(max_length=100)
    name_ru = models.CharField(max_length=100)
    regime = models.CharField(max_length=12, choices=MigrationRegime.choices, default=MigrationRegime.VISA)
    source_note = models.CharField(max_length=300, blank=True, help_text="Legal source of the regime.")

    class Meta:
        ordering = ["name_en"]
        verbose_name_plural = "countries"
        constraints = [
            models.CheckConstraint(condition=Q(iso3__regex=r"^[A-Z]{3}$"), name="country_iso3_format"),
            models.CheckConstraint(condition=Q(iso2__regex=r"^[A-Z]{2}$"), name="country_iso2_format"),
        ]

    def __str__(self) -> str:
        return f"{self.name_en} ({self.iso3})"

    @property
    def is_eaeu(self) -> bool:
        return self.regime == self.MigrationRegime.EAEU

    @property
    def is_visa_free(self) -> bool:
        return self.regime in {self.MigrationRegime.EAEU, self.MigrationRegime.VISA_FREE}


class FederalDistrict(models.TextChoices):
    CENTRAL = "CFD", "Central"
    NORTHWESTERN = "NWFD", "Northwestern"
    SOUTHERN = "SFD", "Southern"
    NORTH_CAUCASIAN = "NCFD", "North Caucasian"
    VOLGA = "VFD", "Volga"
    URAL = "UFD", "Ural"
    SIBERIAN = "SibFD", "Siberian"
    FAR_EASTERN = "FEFD", "Far Eastern"


class Region(models.Model):
    """A federal subject of the Russian Federation.

    `code` is the two-digit region code of the official subject list (FNS, passport offices: 77 Moscow, 50 Moscow
    Oblast); `timezone` is the IANA zone that quiet hours and local deadlines use.
    """

    code = models.CharField(max_length=2, primary_key=True)
    iso_code = models.CharField("ISO 3166-2", max_length=6, unique=True)
    name_ru = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)
    federal_district = models.CharField(max_length=5, choices=FederalDistrict.choices)
    timezone = models.CharField(max_length=40, help_text="IANA time zone, e.g. Europe/Moscow")

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{2}$"), name="region_code_two_digits"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_ru}"


class SourceSystem(models.Model):
    """An agency information system that sends records about foreign citizens."""

    code = models.CharField(max_length=20, primary_key=True)
    name = models.CharField(max_length=200)
    agency = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[A-Z][A-Z0-9_]*$"), name="source_system_code_format"),
        ]

    def __str__(self) -> str:
        return self.code
