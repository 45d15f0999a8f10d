"""Organizations and individual entrepreneurs that employ or host foreign citizens."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from employers.validators import validate_inn, validate_ogrn


class Organization(models.Model):
    class Kind(models.TextChoices):
        LEGAL_ENTITY = "legal_entity", "Legal entity (ЮЛ)"
        ENTREPRENEUR = "entrepreneur", "Individual entrepreneur (ИП)"
        INDIVIDUAL = "individual", "Private individual (физлицо)"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=300)
    inn = models.CharField("INN", max_length=12, unique=True, validators=[validate_inn])
    ogrn = models.CharField("OGRN / OGRNIP", max_length=15, blank=True, validators=[validate_ogrn])
    kpp = models.CharField("KPP", max_length=9, blank=True)
    region = models.ForeignKey("reference.Region", on_delete=models.PROTECT, related_name="organizations")
    address = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            # The check digits are verified by the validators; the database guards the shape, which is
            # enough to stop a bulk load or a raw import from writing an impossible number.
            models.CheckConstraint(
                condition=(Q(kind="legal_entity") & Q(inn__regex=r"^[0-9]{10}$"))
                | (~Q(kind="legal_entity") & Q(inn__regex=r"^[0-9]{12}$")),
                name="organization_inn_length_matches_kind",
                violation_error_message="INN must have 10 digits for a legal entity and 12 otherwise.",
            ),
            models.CheckConstraint(
                condition=Q(ogrn="")
                | (Q(kind="legal_entity") & Q(ogrn__regex=r"^[0-9]{13}$"))
                | (Q(kind="entrepreneur") & Q(ogrn__regex=r"^[0-9]{15}$")),
                name="organization_ogrn_length_matches_kind",
                violation_error_message="OGRN has 13 digits for a legal entity, OGRNIP 15 for an entrepreneur.",
            ),
            models.UniqueConstraint(fields=["ogrn"], condition=~Q(ogrn=""), name="organization_ogrn_unique"),
            models.CheckConstraint(condition=Q(name__regex=r"\S"), name="organization_name_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (INN {self.inn})"
