"""The declarative field schema of a service definition, and its validation.

A service's form is a list of fields stored as JSON on `ServiceDefinition.fields`:

    {"name": "passport_number", "type": "text", "label": "Passport number", "required": true,
     "prefill": "document.passport.number"}

* `type`: text, textarea, date, decimal, choice, file or mrz.
* `prefill`: a path in `PREFILL_PATHS` (see `services.selectors`); a field the profile fills is shown
  read-only "as the agency recorded it", and the person types only the others.
* `choices`: a list of [value, label] pairs, or the name of a reference list ("regions", "countries").
* `fills` (mrz only): form field name -> attribute of `profiles.mrz.Mrz` that fills it.

Labels, help texts and choice labels are English gettext msgids: the form translates them at render
time, and the data migration that ships a definition marks them for extraction.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_noop

FIELD_TYPES = frozenset({"text", "textarea", "date", "decimal", "choice", "file", "mrz"})
CHOICE_SOURCES = frozenset({"regions", "countries", "correctable_fields"})
MRZ_ATTRIBUTES = frozenset(
    {"surname", "given_names", "document_number", "nationality", "birth_date", "sex", "expiry_date", "issuing_state"}
)
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")

# Every prefill path a schema may name, with what it means (an English msgid, translated where shown);
# `services.selectors` resolves each one.
PREFILL_PATHS: dict[str, str] = {
    "person.latin_surname": gettext_noop("Surname as in the passport (Latin)"),
    "person.latin_given_names": gettext_noop("Given names as in the passport (Latin)"),
    "person.cyrillic_surname": gettext_noop("Surname in Russian records"),
    "person.cyrillic_given_names": gettext_noop("Given names in Russian records"),
    "person.cyrillic_patronymic": gettext_noop("Patronymic in Russian records"),
    "person.birth_date": gettext_noop("Date of birth"),
    "person.sex": gettext_noop("Sex"),
    "person.citizenship": gettext_noop("Citizenship"),
    "person.phone": gettext_noop("Phone"),
    "person.email": gettext_noop("Email"),
    "document.passport.number": gettext_noop("Passport number"),
    "document.passport.issued_on": gettext_noop("Passport issued on"),
    "document.passport.expires_on": gettext_noop("Passport valid until"),
    "document.passport.issuing_country": gettext_noop("Passport issued by"),
    "document.migration_card.number": gettext_noop("Migration card number"),
    "crossing.last_entry.date": gettext_noop("Date of the last entry to Russia"),
    "crossing.last_entry.migration_card_number": gettext_noop("Migration card number of the last entry"),
    "registration.current.address": gettext_noop("Address of the current registration"),
    "registration.current.region": gettext_noop("Region of the current registration"),
    "registration.current.valid_to": gettext_noop("Current registration valid until"),
    "permit.patent.number": gettext_noop("Patent number"),
    "permit.patent.region": gettext_noop("Patent region"),
    "permit.patent.profession": gettext_noop("Profession in the patent"),
    "permit.patent.issued_on": gettext_noop("Patent issued on"),
    "permit.patent.valid_to": gettext_noop("Patent valid until"),
    "permit.residence.kind": gettext_noop("Residence permit type (RVP or VNZh)"),
    "permit.residence.number": gettext_noop("Residence permit number"),
    "permit.residence.valid_to": gettext_noop("Residence permit valid until"),
    "payment.last.paid_until": gettext_noop("Patent paid until"),
    "payment.last.paid_on": gettext_noop("Date of the last patent payment"),
    "payment.last.receipt_number": gettext_noop("Receipt number of the last patent payment"),
    "contract.current.employer": gettext_noop("Current employer"),
}


class FieldSpec(TypedDict):
    name: str
    type: str
    label: str
    required: NotRequired[bool]
    prefill: NotRequired[str]
    help: NotRequired[str]
    choices: NotRequired[list[list[str]] | str]
    fills: NotRequired[dict[str, str]]
    max_length: NotRequired[int]


def schema_validate(fields: Any) -> list[FieldSpec]:
    """Raise ValidationError listing every problem of a schema; return it typed when it is sound."""
    errors: list[str] = []
    if not isinstance(fields, list) or not fields:
        raise ValidationError("The field schema is a non-empty list of fields.")
    names: set[str] = set()
    for position, spec in enumerate(fields, start=1):
        if not isinstance(spec, dict):
            errors.append(f"Field {position} is not an object.")
            continue
        name = spec.get("name", "")
        where = f"Field {position} ({name or 'no name'})"
        if not name or not set(name) <= _NAME_CHARS or name[0].isdigit():
            errors.append(f"{where}: the name must be lower-case letters, digits and underscores.")
        if name in names:
            errors.append(f"{where}: the name is used twice.")
        names.add(name)
        kind = spec.get("type")
        if kind not in FIELD_TYPES:
            errors.append(f"{where}: type must be one of {', '.join(sorted(FIELD_TYPES))}.")
        if not str(spec.get("label", "")).strip():
            errors.append(f"{where}: a label is required.")
        unknown = set(spec) - set(FieldSpec.__annotations__)
        if unknown:
            errors.append(f"{where}: unknown keys {', '.join(sorted(unknown))}.")
        prefill = spec.get("prefill")
        if prefill is not None and prefill not in PREFILL_PATHS:
            errors.append(f"{where}: unknown prefill path {prefill!r}.")
        if prefill is not None and kind in {"file", "mrz"}:
            errors.append(f"{where}: a {kind} field cannot be prefilled.")
        choices = spec.get("choices")
        if kind == "choice":
            if isinstance(choices, str):
                if choices not in CHOICE_SOURCES:
                    errors.append(f"{where}: unknown choice list {choices!r}.")
            elif not (isinstance(choices, list) and choices and all(len(pair) == 2 for pair in choices)):
                errors.append(f"{where}: choices must be [value, label] pairs or a reference list name.")
        elif choices is not None:
            errors.append(f"{where}: only a choice field has choices.")
        fills = spec.get("fills")
        if kind == "mrz":
            if not isinstance(fills, dict) or not fills:
                errors.append(f"{where}: an mrz field says which fields it fills.")
            else:
                bad = {attr for attr in fills.values() if attr not in MRZ_ATTRIBUTES}
                if bad:
                    errors.append(f"{where}: the MRZ has no {', '.join(sorted(bad))}.")
        elif fills is not None:
            errors.append(f"{where}: only an mrz field fills other fields.")
    for spec in fields:
        if isinstance(spec, dict) and spec.get("type") == "mrz" and isinstance(spec.get("fills"), dict):
            missing = set(spec["fills"]) - names
            if missing:
                errors.append(f"The MRZ field fills fields that do not exist: {', '.join(sorted(missing))}.")
    if errors:
        raise ValidationError(errors)
    return fields


def field_specs(fields: list[FieldSpec], *, types: set[str] | None = None) -> list[FieldSpec]:
    return [spec for spec in fields if types is None or spec["type"] in types]
