"""Template context of every page (settings.TEMPLATES context_processors): no queries."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from django.utils.functional import SimpleLazyObject


def _user_token(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    return salted_hmac("cabinet.device-user", str(user.pk), algorithm="sha256").hexdigest()[:20]


def cabinet(request: HttpRequest) -> dict:
    """`cabinet_user_token`: an opaque token of the signed-in account (empty when signed out).

    base.html puts it on <body data-user>; static/cabinet/app.js compares it with the last one seen on
    this device and deletes the pages the service worker saved for offline reading when it changed,
    so one person's status card is never shown to the next person on a shared phone.
    """
    return {"cabinet_user_token": SimpleLazyObject(lambda: _user_token(request))}
