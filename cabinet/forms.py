"""Forms of the cabinet: allauth's signup with "email or phone", and the two claim steps."""

from __future__ import annotations

import datetime as dt

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from profiles.models import EARLIEST_BIRTH_DATE
from profiles.names import normalize_document_number


class SignupForm(AllauthSignupForm):
    """allauth's signup form (settings.ACCOUNT_FORMS["signup"]): an email or a phone, at least one.

    Both are optional in ACCOUNT_SIGNUP_FIELDS because many people have only one of them.
    """

    def clean(self) -> dict:
        cleaned_data = super().clean()
        given = cleaned_data.get("email") or cleaned_data.get("phone")
        if not given and not (self.has_error("email") or self.has_error("phone")):
            raise forms.ValidationError(_("Enter an email address or a phone number (or both)."), code="email_or_phone")
        return cleaned_data


class LoginForm(AllauthLoginForm):
    """allauth's login form (settings.ACCOUNT_FORMS["login"]), saying plainly what the login field takes."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        login = self.fields["login"]
        login.label = _("Email or phone number")
        login.help_text = _("A phone number with the country code, e.g. +998 90 123 45 67.")
        login.widget.attrs.update({"autocomplete": "username", "placeholder": ""})


class ClaimStartForm(forms.Form):
    passport_number = forms.CharField(
        label=_("Passport number"),
        max_length=40,
        help_text=_("As printed in your national passport, letters and digits, e.g. AA1234567."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    birth_date = forms.DateField(
        label=_("Date of birth"),
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
    )
    secondary_number = forms.CharField(
        label=_("Migration card or patent number"),
        max_length=40,
        required=False,
        help_text=_("If you have a migration card or a patent, enter its number."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )

    def clean_passport_number(self) -> str:
        number = self.cleaned_data["passport_number"]
        if len(normalize_document_number(number)) < 4:
            raise forms.ValidationError(_("Enter the passport number as printed, letters and digits."))
        return number

    def clean_birth_date(self) -> dt.date:
        value = self.cleaned_data["birth_date"]
        if value < dt.date.fromisoformat(EARLIEST_BIRTH_DATE) or value > timezone.localdate():
            raise forms.ValidationError(_("Enter your real date of birth."))
        return value


class ClaimCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        code = "".join(ch for ch in self.cleaned_data["code"] if ch.isdigit())
        if not code:
            raise forms.ValidationError(_("Enter the code from the message, digits only."))
        return code
