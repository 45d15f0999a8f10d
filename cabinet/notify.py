"""The texts the cabinet sends itself (one-time codes), in the recipient's language."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from cabinet.models import ContactChannel
from cabinet.sms import sms_send

if TYPE_CHECKING:
    from cabinet.selectors import ContactOnFile
    from profiles.models import Person


def claim_code_deliver(*, person: Person, contact: ContactOnFile, code: str, reference: str) -> None:
    """Send a claim code to the contact the agency has on file, in the person's preferred language."""
    with translation.override(person.preferred_language or settings.LANGUAGE_CODE):
        text = _(
            "%(code)s is your code to link your account to your migration profile. It is valid for 10 minutes. "
            "Never tell it to anyone, even to a person who says they are an officer."
        ) % {"code": code}
        if contact.channel == ContactChannel.SMS:
            sms_send(phone=contact.address, text=text, reference=reference)
        else:
            send_mail(
                subject=_("Your profile confirmation code"),
                message=text,
                from_email=None,
                recipient_list=[contact.address],
            )
