"""allauth, customised through its adapter only (settings.ACCOUNT_ADAPTER).

* Phone numbers live on `cabinet.AccountPhone` (the default user model has no phone column); codes
  go out through the notifications app's SMS provider (`cabinet.sms`).
* Phone input is forgiving: `+998 90 123-45-67` and the Russian trunk form `8 916 123 45 67` are
  read as E.164 (`profiles.names.normalize_phone`), as the registry stores phones.
* After login the language follows the person: a language chosen on this device (the cookie) is saved
  as the profile's preference; on a new device the saved preference is applied.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.fields import PhoneField
from django.conf import settings
from django.urls import translate_url
from django.utils import translation
from django.utils.translation import gettext as _

from cabinet import selectors, services
from cabinet.sms import sms_send
from profiles.models import Language
from profiles.names import normalize_phone

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.http import HttpRequest, HttpResponse


class NormalizingPhoneField(PhoneField):
    """allauth's phone field, reading the spellings people type before its E.164 check."""

    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        return normalize_phone(value) or value


class CabinetAccountAdapter(DefaultAccountAdapter):
    # --- Phone storage and SMS (allauth's phone login) ---

    def phone_form_field(self, **kwargs: Any) -> Any:
        return NormalizingPhoneField(**kwargs)

    def set_phone(self, user: AbstractBaseUser, phone: str, verified: bool) -> None:
        services.account_phone_set(user=user, phone=phone, verified=verified)

    def get_phone(self, user: AbstractBaseUser) -> tuple[str, bool] | None:
        row = selectors.account_phone_get(user=user)
        return (row.phone, row.verified) if row else None

    def set_phone_verified(self, user: AbstractBaseUser, phone: str) -> None:
        services.account_phone_mark_verified(user=user, phone=phone)

    def get_user_by_phone(self, phone: str) -> AbstractBaseUser | None:
        return selectors.user_get_by_phone(phone=normalize_phone(phone) or phone)

    def send_verification_code_sms(self, user: AbstractBaseUser, phone: str, code: str, **kwargs: Any) -> None:
        # The same words for a sign-in code and a phone confirmation code: allauth does not say which this is.
        text = _("%(code)s is your code for the migration cabinet. Never tell it to anyone.") % {"code": code}
        sms_send(phone=phone, text=text, reference=f"account-code-{user.pk}")

    # send_unknown_account_sms stays a no-op: texting every number typed into the form would let anyone
    # make the platform send SMS to strangers at its expense (SMS pumping).

    # --- Language after login ---

    def post_login(self, request: HttpRequest, user: AbstractBaseUser, **kwargs: Any) -> HttpResponse:
        response = super().post_login(request, user, **kwargs)
        person = selectors.person_get_for_user(user=user)
        if person is None:
            return response
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen in Language.values:
            services.person_language_set(person=person, language=chosen)
        elif person.preferred_language != translation.get_language() and response.status_code in (301, 302):
            location = translate_url(response["Location"], person.preferred_language)
            response["Location"] = location
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                person.preferred_language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            )
        return response
