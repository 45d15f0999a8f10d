"""The cabinet inbox, channel preferences, and the SMS provider's receipt callback."""

from __future__ import annotations

import hmac
import json

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from notifications import conf
from notifications.dispatch import consents_for, delivery_receipt_record
from notifications.forms import ChannelPreferencesForm
from notifications.models import DEFAULT_CONSENT, Channel
from notifications.selectors import inbox_message_get_for_user, inbox_messages, inbox_unread_count, person_for_user
from notifications.services import channel_preference_set, inbox_message_mark_read

EXTERNAL = (Channel.SMS, Channel.EMAIL)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    person = person_for_user(user=request.user)
    if person is None:
        return render(request, "notifications/inbox.html", {"person": None})
    page = Paginator(inbox_messages(person=person), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {"person": person, "page": page, "unread": inbox_unread_count(person=person)},
    )


@login_required
@require_POST
def inbox_message_read(request: HttpRequest, message_id: int) -> HttpResponse:
    inbox_message_mark_read(message=inbox_message_get_for_user(user=request.user, message_id=message_id))
    return redirect("notifications:inbox")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    person = person_for_user(user=request.user)
    if person is None:
        return redirect("notifications:inbox")
    consents = consents_for([person.pk])
    initial = {channel: consents.get((person.pk, channel), DEFAULT_CONSENT[channel]) for channel in EXTERNAL}
    form = ChannelPreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        for channel in EXTERNAL:
            channel_preference_set(person=person, channel=channel, enabled=form.cleaned_data[channel])
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form, "person": person})


@csrf_exempt
@require_POST
def sms_receipt(request: HttpRequest) -> HttpResponse:
    """The SMS provider reports a delivery: {"id": "<provider message id>", "status": "delivered" | "failed"}.

    Authenticated by a shared token (settings.NOTIFICATIONS_SMS_RECEIPT_TOKEN) in the Authorization header.
    """
    token = conf.sms_receipt_token()
    supplied = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if not token or not hmac.compare_digest(supplied.encode(), token.encode()):
        return HttpResponseForbidden()
    try:
        payload = json.loads(request.body)
        message_id, status = str(payload["id"]), str(payload["status"])
    except (ValueError, KeyError, TypeError):
        return HttpResponseBadRequest("expected JSON with id and status")
    delivery = delivery_receipt_record(
        channel=Channel.SMS, provider_message_id=message_id, delivered=status == "delivered", payload=payload
    )
    return JsonResponse({"known": delivery is not None})
