"""Forms of the services app. A service's form is built from its field schema (`services.schema`).

Fields the profile fills (`services.selectors.service_form_initial`) are `disabled`: shown as the
agency recorded them, and whatever a browser posts for them is ignored. A passport MRZ, when the
service asks for one, fills the document fields it names after its check digits are verified.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from profiles.mrz import Mrz, MrzError, mrz_parse
from services.models import ApplicationDocument, ServiceDefinition
from services.schema import PREFILL_PATHS, FieldSpec
from services.selectors import choice_options
from services.uploads import upload_check

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]
MRZ_PARTS = {
    "mrz": _("The MRZ"),
    "line_1": _("Line 1"),
    "line_2": _("Line 2"),
    "characters": _("The MRZ"),
    "document_type": _("Document type"),
    "surname": _("Surname"),
    "document_number": _("Document number"),
    "birth_date": _("Date of birth"),
    "expiry_date": _("Expiry date"),
    "personal_number": _("Personal number"),
    "composite": _("Overall check digit (last character of line 2)"),
    "sex": _("Sex"),
    "profile": _("Date of birth"),
}


class CheckedFileField(forms.FileField):
    """A file field whose type is read from the content (PDF, JPEG, PNG) and whose size is at most 10 MB."""

    def clean(self, data: Any, initial: Any = None) -> Any:
        upload = super().clean(data, initial)
        if upload and hasattr(upload, "read"):
            upload_check(upload)
        return upload


def mrz_messages(error: MrzError) -> list[str]:
    """One readable message per failing part of the MRZ."""
    messages = []
    for part, detail in error.errors.items():
        label = MRZ_PARTS.get(part, part)
        if "check digit" in detail and "does not match" in detail:
            messages.append(
                gettext(
                    "%(part)s: the check digit does not match. The line was misread or mistyped: "
                    "compare it with the passport."
                )
                % {"part": label}
            )
        else:
            messages.append(f"{label}: {detail}")
    return messages


def _mrz_value(mrz: Mrz, attribute: str) -> str:
    value = getattr(mrz, attribute)
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def mrz_answers(
    *, service: ServiceDefinition, text: str, locked: set[str], birth_date: dt.date | None = None
) -> dict[str, str]:
    """Field name -> value read from the MRZ, for the fields the MRZ field fills and the profile does not.

    Raises MrzError (check digits, format, or a birth date that is not the profile's).
    """
    spec = next((s for s in service.schema if s["type"] == "mrz"), None)
    if spec is None:
        return {}
    mrz = mrz_parse(text)
    if birth_date is not None and mrz.birth_date != birth_date:
        raise MrzError({"profile": gettext("the passport's date of birth is not the one in your profile.")})
    return {target: _mrz_value(mrz, attr) for target, attr in spec["fills"].items() if target not in locked}


def _field(spec: FieldSpec, *, required: bool) -> forms.Field:
    label = gettext(spec["label"])
    help_text = gettext(spec["help"]) if spec.get("help") else ""
    kind = spec["type"]
    common: dict[str, Any] = {"label": label, "help_text": help_text, "required": required}
    if kind == "text":
        return forms.CharField(max_length=spec.get("max_length", 200), **common)
    if kind == "textarea":
        return forms.CharField(
            max_length=spec.get("max_length", 2000), widget=forms.Textarea(attrs={"rows": 4}), **common
        )
    if kind == "date":
        return forms.DateField(
            input_formats=DATE_INPUT_FORMATS,
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            **common,
        )
    if kind == "decimal":
        return forms.DecimalField(max_digits=12, decimal_places=2, min_value=0, **common)
    if kind == "choice":
        choices = spec["choices"]
        options = choice_options(choices) if isinstance(choices, str) else [(v, gettext(lbl)) for v, lbl in choices]
        return forms.ChoiceField(choices=[("", "—"), *options], **common)
    if kind == "file":
        return CheckedFileField(
            widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}), **common
        )
    if kind == "mrz":
        common["required"] = False
        return forms.CharField(
            max_length=200,
            widget=forms.Textarea(
                attrs={"rows": 2, "spellcheck": "false", "autocapitalize": "characters", "class": "mrz-input"}
            ),
            **common,
        )
    raise ValueError(kind)


class ServiceForm(forms.Form):
    """The form of one service for one person: prefilled fields locked, the rest to type."""

    def __init__(
        self,
        *args: Any,
        service: ServiceDefinition,
        prefilled: dict[str, Any],
        attached: dict[str, ApplicationDocument] | None = None,
        birth_date: dt.date | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.service = service
        self.prefilled = prefilled
        self.attached = attached or {}
        self.birth_date = birth_date
        self.mrz_errors: list[str] = []
        self.mrz_filled: set[str] = set()
        for spec in service.schema:
            name = spec["name"]
            required = bool(spec.get("required")) and not (spec["type"] == "file" and name in self.attached)
            field = _field(spec, required=required)
            if name in prefilled:
                field.disabled = True
                field.initial = prefilled[name]
                # A draft may hold an old typed value under this name: the profile's value wins.
                self.initial[name] = prefilled[name]
                field.widget.attrs.update({"readonly": True, "aria-describedby": f"{name}-recorded"})
            self.fields[name] = field
        if self.is_bound:
            self._fill_from_mrz()

    @property
    def mrz_field(self) -> FieldSpec | None:
        spec = next((s for s in self.service.schema if s["type"] == "mrz"), None)
        # Only worth showing while the profile leaves one of its fields to type.
        if spec is None or set(spec["fills"]) <= set(self.prefilled):
            return None
        return spec

    def _fill_from_mrz(self) -> None:
        spec = self.mrz_field
        text = str(self.data.get(spec["name"], "")).strip() if spec else ""
        if not spec or not text:
            return
        try:
            answers = mrz_answers(
                service=self.service, text=text, locked=set(self.prefilled), birth_date=self.birth_date
            )
        except MrzError as error:
            self.mrz_errors = mrz_messages(error)
            return
        data = self.data.copy()
        for name, value in answers.items():
            data[name] = value
        self.data = data
        self.mrz_filled = set(answers)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        spec = self.mrz_field
        for message in self.mrz_errors:
            self.add_error(spec["name"] if spec else None, message)
        return cleaned

    def typed_data(self) -> dict[str, Any]:
        """The values the person typed (prefilled, file and MRZ fields left out)."""
        skip = {s["name"] for s in self.service.schema if s["type"] in {"file", "mrz"}} | set(self.prefilled)
        return {name: value for name, value in self.cleaned_data.items() if name not in skip}

    def uploads(self) -> dict[str, Any]:
        names = [s["name"] for s in self.service.schema if s["type"] == "file"]
        return {name: self.files[name] for name in names if name in self.files}

    def rows(self) -> list[dict[str, Any]]:
        """What the template renders: each bound field with whether it came from the profile."""
        rows = []
        for spec in self.service.schema:
            if spec["type"] == "mrz" and self.mrz_field is None:
                continue
            rows.append(
                {
                    "field": self[spec["name"]],
                    "spec": spec,
                    "prefilled": spec["name"] in self.prefilled,
                    "prefill_path": spec.get("prefill", ""),
                    "attached": self.attached.get(spec["name"]),
                    "is_mrz": spec["type"] == "mrz",
                }
            )
        return rows


def draft_data(*, service: ServiceDefinition, data: Any) -> dict[str, str]:
    """The raw typed values of a POST, for a draft: every non-file field the schema has."""
    names = {s["name"] for s in service.schema if s["type"] != "file"}
    return {name: data.get(name, "") for name in names if name in data}


class RespondForm(forms.Form):
    note = forms.CharField(
        label=_("Your answer to the officer"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    document_1 = CheckedFileField(label=_("Document"), required=False)
    document_2 = CheckedFileField(label=_("Another document"), required=False)
    document_3 = CheckedFileField(label=_("Another document"), required=False)

    def uploads(self) -> list[Any]:
        return [
            self.cleaned_data[name]
            for name in ("document_1", "document_2", "document_3")
            if self.cleaned_data.get(name)
        ]


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why (optional)"), required=False, max_length=1000)


# --- Officer decisions (admin) ------------------------------------------------------------------


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the applicant reads it)"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class MoreInfoForm(forms.Form):
    note = forms.CharField(
        label=_("What is missing (the applicant reads it)"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ApproveForm(forms.Form):
    reason = forms.CharField(label=_("Comment to the applicant (optional)"), required=False, max_length=4000)
    permit_number = forms.CharField(label=_("Number of the permit issued (records it in the profile)"), required=False,
                                    max_length=40)  # fmt: skip
    permit_valid_to = forms.DateField(label=_("Permit valid until"), required=False, input_formats=DATE_INPUT_FORMATS,
                                      widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip


def correctable_label(path: str) -> str:
    return gettext(PREFILL_PATHS.get(path, path))
