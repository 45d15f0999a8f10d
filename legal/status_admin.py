"""Read-only staff view of one person's legal status, as JSON, behind the purpose gate of `audit`.

Not wired yet: the lead adds it to the staff URLs, e.g.
`path("staff/persons/<int:person_id>/status/", person_status_view, name="legal_person_status")`.
"""

from __future__ import annotations

import datetime

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit.admin_mixins import person_access_allowed, purpose_stated, purpose_url
from audit.models import AccessLog
from audit.services import access_log_record
from legal.status import person_status, person_status_as_dict
from profiles.models import Person


@staff_member_required
@require_GET
def person_status_view(request: HttpRequest, person_id: int) -> HttpResponse:
    """The status on `?on=YYYY-MM-DD` (default: today); the read is logged with the stated purpose."""
    if not person_access_allowed(request.user):
        raise PermissionDenied
    person = get_object_or_404(Person, pk=person_id)
    stated = purpose_stated(session=request.session, person_id=person.pk)
    if stated is None:
        return HttpResponseRedirect(purpose_url(person_id=person.pk, next_url=request.get_full_path()))
    try:
        on = datetime.date.fromisoformat(request.GET["on"]) if "on" in request.GET else timezone.localdate()
    except ValueError:
        return JsonResponse({"on": ["Enter a date as YYYY-MM-DD."]}, status=400)
    access_log_record(
        user=request.user,  # type: ignore[arg-type]
        person_id=person.pk,
        channel=AccessLog.Channel.ADMIN,
        purpose=stated.purpose,
        reference=stated.reference,
    )
    return JsonResponse(person_status_as_dict(person_status(person=person, on=on)))
