"""Cabinet pages: thin views over cabinet.selectors, cabinet.claim and the notifications inbox."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import check_for_language, get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from cabinet import claim
from cabinet.forms import ClaimCodeForm, ClaimStartForm
from cabinet.selectors import (
    cabinet_home_get,
    claim_request_latest_for_user,
    claim_request_open_for_user,
    person_get_for_user,
)
from cabinet.services import person_language_set
from notifications.selectors import inbox_message_get_for_user, inbox_messages, inbox_unread_count
from notifications.services import inbox_message_mark_read

INBOX_PAGE_SIZE = 20


def _client_ip(request: HttpRequest) -> str | None:
    # allauth's adapter reads the address as the deployment's trusted proxies pass it (ALLAUTH_TRUSTED_PROXY_COUNT).
    return get_adapter(request).get_client_ip(request) or None


@never_cache
@login_required
def home(request: HttpRequest) -> HttpResponse:
    home = cabinet_home_get(user=request.user, on=timezone.localdate())
    if home is None:
        return redirect("cabinet:claim")
    return render(request, "cabinet/home.html", {"home": home})


@never_cache
@login_required
def claim_start(request: HttpRequest) -> HttpResponse:
    if person_get_for_user(user=request.user) is not None:
        return redirect("cabinet:home")
    form = ClaimStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        evidence = claim.ClaimEvidence(**form.cleaned_data)
        try:
            claim.claim_start(user=request.user, evidence=evidence, ip=_client_ip(request))
        except claim.ClaimRateLimited:
            return render(request, "cabinet/claim_start.html", {"form": form, "rate_limited": True}, status=429)
        # The same redirect whether or not anything matched (cabinet.claim: no enumeration).
        return redirect("cabinet:claim_verify")
    context = {"form": form, "pending": claim_request_open_for_user(user=request.user)}
    return render(request, "cabinet/claim_start.html", context)


@never_cache
@login_required
def claim_verify(request: HttpRequest) -> HttpResponse:
    if person_get_for_user(user=request.user) is not None:
        return redirect("cabinet:home")
    claim_request = claim_request_open_for_user(user=request.user)
    if claim_request is None:
        return redirect("cabinet:claim")
    form = ClaimCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            result = claim.claim_code_verify(
                user=request.user, claim_request=claim_request, code=form.cleaned_data["code"], ip=_client_ip(request)
            )
        except claim.ClaimRateLimited:
            return render(request, "cabinet/claim_verify.html", {"form": form, "rate_limited": True}, status=429)
        except claim.ClaimConflict:
            messages.error(request, _("This profile is already linked to an account. Visit a migration office."))
            return redirect("cabinet:claim")
        if result.confirmed:
            person_language_set(person=result.claim_request.person, language=get_language())
            messages.success(request, _("Your profile is linked to your account."))
            return redirect("cabinet:home")
        if result.exhausted:
            messages.error(request, _("Too many wrong codes. Enter your details again to get a new code."))
            return redirect("cabinet:claim")
        form.add_error("code", _("The code is wrong or has expired."))
        status = 400
    context = {"form": form, "claim_request": claim_request}
    return render(request, "cabinet/claim_verify.html", context, status=status)


@never_cache
@login_required
def claim_status(request: HttpRequest) -> HttpResponse:
    """Where the account's claim stands (e.g. waiting for an officer); the claim page links here."""
    context = {"claim_request": claim_request_latest_for_user(user=request.user)}
    return render(request, "cabinet/claim_status.html", context)


@never_cache
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    person = person_get_for_user(user=request.user)
    if person is None:
        return redirect("cabinet:claim")
    page = Paginator(inbox_messages(person=person), INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"person": person, "page": page, "unread": inbox_unread_count(person=person)}
    return render(request, "cabinet/inbox.html", context)


@login_required
@require_POST
def inbox_message_read(request: HttpRequest, message_id: int) -> HttpResponse:
    inbox_message_mark_read(message=inbox_message_get_for_user(user=request.user, message_id=message_id))
    return redirect("cabinet:inbox")


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Django's set_language (cookie, redirect to the page in that language), remembered on the profile."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if check_for_language(language) and (person := person_get_for_user(user=request.user)) is not None:
        person_language_set(person=person, language=language)
    return response


def offline(request: HttpRequest) -> HttpResponse:
    """What the service worker shows when a page is neither reachable nor cached."""
    return render(request, "cabinet/offline.html")
