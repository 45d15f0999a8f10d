"""Sending a short text to a phone: through the notifications app's SMS provider adapter when that app is
installed (settings.NOTIFICATIONS_SMS_ADAPTER: file, console, memory or http), else to the log.

Verification codes go straight to the provider, not through the notification outbox: a code is
useful for minutes and must not be stored in clear in a Notification's context.
"""

from __future__ import annotations

import logging

from django.apps import apps

logger = logging.getLogger(__name__)


def sms_send(*, phone: str, text: str, reference: str) -> str:
    """Hand one text to the SMS provider; returns the provider's message id ('' when only logged)."""
    if apps.is_installed("notifications"):
        from notifications.transports import sms_adapter

        return sms_adapter().send(phone=phone, text=text, reference=reference)
    # Development without the notifications app: the code is in the log.
    logger.warning("SMS to %s [%s]: %s", phone, reference, text)
    return ""
