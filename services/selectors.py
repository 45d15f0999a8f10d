"""Reads of the services app: the catalog, the autofill of a service form from the profile, and
permission-checked fetches of applications.

Autofill is data: each schema field may name a prefill path (`services.schema.PREFILL_PATHS`);
`service_form_initial` resolves the paths a service uses and nothing else, one query per group of
facts (documents, last entry, registration, permits, payments, contracts), whatever the profile's size.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from profiles.models import (
    BorderCrossing,
    DocumentType,
    EmploymentContract,
    IdentityDocument,
    MigrationRegistration,
    PatentPayment,
    Permit,
    Person,
)
from reference.models import Country, Region
from services.models import Application, ServiceDefinition, StatusCertificate
from services.schema import PREFILL_PATHS, FieldSpec
from services.workflow import State

Value = str | dt.date | None
CORRECTION_SERVICE = "data-correction"
CERTIFICATE_SERVICE = "status-certificate"


class _Profile:
    """What the profile knows, loaded lazily one group at a time (one query each)."""

    def __init__(self, person: Person, today: dt.date) -> None:
        self.person = person
        self.today = today

    def _in_force(self, valid_to: dt.date | None) -> bool:
        return valid_to is None or valid_to >= self.today

    @cached_property
    def documents(self) -> list[IdentityDocument]:
        return list(
            IdentityDocument.objects.filter(person=self.person)
            .select_related("issuing_country")
            .order_by("-issued_on", "-id")
        )

    def document(self, document_type: str) -> IdentityDocument | None:
        """The newest document of the type still in force (a passport that expired is not "current")."""
        of_type = [d for d in self.documents if d.document_type == document_type]
        return next((d for d in of_type if self._in_force(d.expires_on)), None)

    @cached_property
    def last_entry(self) -> BorderCrossing | None:
        return (
            BorderCrossing.objects.filter(person=self.person, direction=BorderCrossing.Direction.ENTRY)
            .order_by("-crossed_on", "-id")
            .first()
        )

    @cached_property
    def registration(self) -> MigrationRegistration | None:
        # registration_one_open_per_person: at most one open row.
        return (
            MigrationRegistration.objects.filter(person=self.person, closed_on__isnull=True)
            .select_related("region")
            .first()
        )

    @cached_property
    def permits(self) -> list[Permit]:
        return list(
            Permit.objects.filter(person=self.person, status=Permit.Status.VALID)
            .select_related("region")
            .order_by("-valid_from", "-id")
        )

    def permit(self, *kinds: str) -> Permit | None:
        return next((p for p in self.permits if p.kind in kinds and self._in_force(p.valid_to)), None)

    @cached_property
    def last_payment(self) -> PatentPayment | None:
        return PatentPayment.objects.filter(person=self.person).order_by("-paid_until", "-id").first()

    @cached_property
    def contract(self) -> EmploymentContract | None:
        return (
            EmploymentContract.objects.filter(
                Q(ends_on__isnull=True) | Q(ends_on__gte=self.today),
                person=self.person,
                status=EmploymentContract.Status.CONCLUDED,
            )
            .select_related("employer")
            .order_by("-starts_on", "-id")
            .first()
        )


def _attr(obj: Any, name: str) -> Value:
    if obj is None:
        return None
    value = getattr(obj, name)
    return value if value not in ("", None) else None


def _document(document_type: str, name: str) -> Callable[[_Profile], Value]:
    return lambda p: _attr(p.document(document_type), name)


def _person(name: str) -> Callable[[_Profile], Value]:
    return lambda p: _attr(p.person, name)


def _patent(name: str) -> Callable[[_Profile], Value]:
    return lambda p: _attr(p.permit(Permit.Kind.PATENT), name)


def _residence(name: str) -> Callable[[_Profile], Value]:
    return lambda p: _attr(p.permit(Permit.Kind.VNZH, Permit.Kind.RVP), name)


def _registration(name: str) -> Callable[[_Profile], Value]:
    return lambda p: _attr(p.registration, name)


def _payment(name: str) -> Callable[[_Profile], Value]:
    return lambda p: _attr(p.last_payment, name)


# Choice values are codes (ISO alpha-3 country, two-digit region); the form shows their names.
RESOLVERS: dict[str, Callable[[_Profile], Value]] = {
    "person.latin_surname": _person("latin_surname"),
    "person.latin_given_names": _person("latin_given_names"),
    "person.cyrillic_surname": _person("cyrillic_surname"),
    "person.cyrillic_given_names": _person("cyrillic_given_names"),
    "person.cyrillic_patronymic": _person("cyrillic_patronymic"),
    "person.birth_date": _person("birth_date"),
    "person.sex": _person("sex"),
    "person.citizenship": lambda p: p.person.citizenship_id,
    "person.phone": _person("phone"),
    "person.email": _person("email"),
    "document.passport.number": _document(DocumentType.FOREIGN_PASSPORT, "number"),
    "document.passport.issued_on": _document(DocumentType.FOREIGN_PASSPORT, "issued_on"),
    "document.passport.expires_on": _document(DocumentType.FOREIGN_PASSPORT, "expires_on"),
    "document.passport.issuing_country": _document(DocumentType.FOREIGN_PASSPORT, "issuing_country_id"),
    "document.migration_card.number": _document(DocumentType.MIGRATION_CARD, "number"),
    "crossing.last_entry.date": lambda p: _attr(p.last_entry, "crossed_on"),
    "crossing.last_entry.migration_card_number": lambda p: _attr(p.last_entry, "migration_card_number"),
    "registration.current.address": _registration("address"),
    "registration.current.region": _registration("region_id"),
    "registration.current.valid_to": _registration("valid_to"),
    "permit.patent.number": _patent("number"),
    "permit.patent.region": _patent("region_id"),
    "permit.patent.profession": _patent("profession"),
    "permit.patent.issued_on": _patent("issued_on"),
    "permit.patent.valid_to": _patent("valid_to"),
    "permit.residence.kind": _residence("kind"),
    "permit.residence.number": _residence("number"),
    "permit.residence.valid_to": _residence("valid_to"),
    "payment.last.paid_until": _payment("paid_until"),
    "payment.last.paid_on": _payment("paid_on"),
    "payment.last.receipt_number": _payment("receipt_number"),
    "contract.current.employer": lambda p: p.contract.employer.name if p.contract else None,
}
assert set(RESOLVERS) == set(PREFILL_PATHS), "every prefill path has a resolver"


def prefill_values(*, person: Person, paths: list[str], today: dt.date | None = None) -> dict[str, Value]:
    """Path -> the value the profile holds (None when it holds none)."""
    profile = _Profile(person, today or timezone.localdate())
    return {path: RESOLVERS[path](profile) for path in dict.fromkeys(paths)}


def service_form_initial(
    *, person: Person, service: ServiceDefinition, today: dt.date | None = None
) -> dict[str, Value]:
    """Field name -> the value the profile knows, for the fields of `service` that name a prefill path.

    Fields whose value the profile does not hold are left out: the person types them.
    """
    fields = [spec for spec in service.schema if spec.get("prefill")]
    values = prefill_values(person=person, paths=[spec["prefill"] for spec in fields], today=today)
    return {spec["name"]: values[spec["prefill"]] for spec in fields if values[spec["prefill"]] is not None}


def correction_initial(*, person: Person, path: str) -> dict[str, Value]:
    """Initial values of the correction request opened from "not right?" next to a prefilled field.

    The recorded value is read from the profile again, never taken from the link.
    """
    if path not in PREFILL_PATHS:
        return {}
    value = prefill_values(person=person, paths=[path])[path]
    recorded = value.isoformat() if isinstance(value, dt.date) else (value or "")
    return {"field_to_correct": path, "recorded_value": recorded}


def choice_options(source: str) -> list[tuple[str, str]]:
    """The options of a reference choice list named in a schema."""
    if source == "regions":
        return [(code, f"{code} {name}") for code, name in Region.objects.values_list("code", "name_ru")]
    if source == "countries":
        return list(Country.objects.order_by("name_en").values_list("iso3", "name_en"))
    if source == "correctable_fields":
        return [(path, gettext(label)) for path, label in PREFILL_PATHS.items()]
    raise LookupError(source)


def service_catalog() -> QuerySet[ServiceDefinition]:
    return ServiceDefinition.objects.filter(active=True)


def service_get_active(*, code: str) -> ServiceDefinition:
    service = ServiceDefinition.objects.filter(code=code, active=True).first()
    if service is None:
        raise Http404("No such service.")
    return service


def application_draft_get(*, person: Person, service: ServiceDefinition) -> Application | None:
    return (
        Application.objects.filter(person=person, service=service, state=State.DRAFT)
        .prefetch_related("documents")
        .first()
    )


def application_list_for_person(*, person: Person) -> QuerySet[Application]:
    return Application.objects.filter(person=person).select_related("service").order_by("-created_at", "-id")


def application_get_for_user(*, user: Any, application_id: Any) -> Application:
    """The application if it belongs to the person `user` claimed; 404 otherwise (never 403, which
    would confirm that the number exists)."""
    person = getattr(user, "person", None) if getattr(user, "is_authenticated", False) else None
    application = (
        Application.objects.filter(public_id=application_id, person=person).select_related("service", "person").first()
        if person is not None
        else None
    )
    if application is None:
        raise Http404("No such application.")
    return application


def application_timeline(*, application: Application) -> list[Any]:
    return list(application.transitions.order_by("at", "id"))


def certificate_get(*, certificate_id: Any) -> StatusCertificate | None:
    try:
        return StatusCertificate.objects.select_related("application").filter(certificate_id=certificate_id).first()
    except (ValueError, TypeError, ValidationError):
        return None


def _choice_label(spec: FieldSpec, value: Any) -> str:
    choices = spec.get("choices")
    if isinstance(choices, str):
        return dict(choice_options(choices)).get(str(value), str(value))
    if isinstance(choices, list):
        return next((gettext(label) for v, label in choices if v == value), str(value))
    return str(value)


def application_answers(*, application: Application) -> list[dict[str, Any]]:
    """Each non-file field of the application's form with its answer and where it came from."""
    rows = []
    for spec in application.service.schema:
        if spec["type"] in {"file", "mrz"}:
            continue
        name = spec["name"]
        from_profile = name in application.prefilled
        value = application.prefilled.get(name) if from_profile else application.data.get(name)
        if value in (None, ""):
            continue
        if spec["type"] == "date":
            with contextlib.suppress(ValueError):
                value = dt.date.fromisoformat(str(value))
        elif spec["type"] == "choice":
            value = _choice_label(spec, value)
        rows.append({"name": name, "label": gettext(spec["label"]), "value": value, "from_profile": from_profile})
    return rows
