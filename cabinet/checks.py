"""System checks: the account settings the cabinet's signup and phone login depend on."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.utils.module_loading import import_string


@register(Tags.compatibility)
def check_signup_requires_a_contact(app_configs, **kwargs):
    """Email and phone are both optional signup fields (allauth warns: account.W001, silenced in settings);
    the cabinet's signup form is what requires one of them, so it must be the form in use."""
    fields = getattr(settings, "ACCOUNT_SIGNUP_FIELDS", [])
    if "email*" in fields or "phone*" in fields:
        return []
    form_path = getattr(settings, "ACCOUNT_FORMS", {}).get("signup", "")
    from cabinet.forms import SignupForm

    try:
        form = import_string(form_path) if form_path else None
    except ImportError:
        form = None
    if form is None or not issubclass(form, SignupForm):
        return [
            Error(
                "Signup has neither email nor phone required, and ACCOUNT_FORMS['signup'] is not "
                "cabinet.forms.SignupForm (which requires one of them).",
                hint='Set ACCOUNT_FORMS = {"signup": "cabinet.forms.SignupForm"}.',
                id="cabinet.E001",
            )
        ]
    return []


@register(Tags.compatibility)
def check_phone_adapter(app_configs, **kwargs):
    if "phone" not in getattr(settings, "ACCOUNT_LOGIN_METHODS", set()):
        return []
    from allauth.account.adapter import get_adapter

    from cabinet.adapter import CabinetAccountAdapter

    if not isinstance(get_adapter(), CabinetAccountAdapter):
        return [
            Error(
                "Phone login needs an adapter that stores phones and sends SMS.",
                hint='Set ACCOUNT_ADAPTER = "cabinet.adapter.CabinetAccountAdapter".',
                id="cabinet.E002",
            )
        ]
    return []
