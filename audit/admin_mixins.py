"""Purpose-bound staff reads in the admin.

A staff member opens a page with one person's data (the person, one of their agency records or
facts) only after stating why: a purpose (`AccessPurpose`) and a reference such as an application
number. The statement lives in the session for `settings.AUDIT_PURPOSE_TTL_SECONDS` and covers
that person only; stating it and every view of such a page write an AccessLog row. Superusers
are no exception.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog, AccessPurpose
from audit.services import access_log_record

if TYPE_CHECKING:
    from django.contrib.sessions.backends.base import SessionBase

SESSION_KEY = "audit_purposes"


@dataclass(frozen=True)
class StatedPurpose:
    purpose: str
    reference: str
    stated_at: float

    @property
    def purpose_label(self) -> str:
        return str(AccessPurpose(self.purpose).label)

    @property
    def expires_at(self) -> float:
        return self.stated_at + settings.AUDIT_PURPOSE_TTL_SECONDS


def purpose_state(*, session: SessionBase, person_id: int, purpose: str, reference: str) -> StatedPurpose:
    """Remember in the session that this user stated `purpose` for this person, now."""
    now = timezone.now().timestamp()
    stated = {
        key: value
        for key, value in session.get(SESSION_KEY, {}).items()
        if value["stated_at"] + settings.AUDIT_PURPOSE_TTL_SECONDS > now  # drop the expired ones
    }
    stated[str(person_id)] = {"purpose": purpose, "reference": reference, "stated_at": now}
    session[SESSION_KEY] = stated
    return StatedPurpose(purpose=purpose, reference=reference, stated_at=now)


def purpose_stated(*, session: SessionBase, person_id: int) -> StatedPurpose | None:
    """The purpose stated for this person in this session, if it has not expired."""
    value = session.get(SESSION_KEY, {}).get(str(person_id))
    if value is None:
        return None
    stated = StatedPurpose(**value)
    return stated if stated.expires_at > timezone.now().timestamp() else None


def purpose_url(*, person_id: int, next_url: str) -> str:
    return reverse("admin:audit_accesslog_purpose", args=[person_id]) + "?" + urlencode({"next": next_url})


def person_access_allowed(user: Any) -> bool:
    """Only roles that may see a person's record (officers, superusers) may state a purpose for one."""
    return (
        user.is_active
        and user.is_staff
        and (user.has_perm("profiles.view_person") or user.has_perm("profiles.change_person"))
    )


class PurposeBoundAdminMixin:
    """For a ModelAdmin whose objects belong to a person: gate and log the change and history pages.

    Subclasses say whose data an object is with `purpose_person_id`.
    """

    def purpose_person_id(self, request: HttpRequest, object_id: str) -> int | None:
        """The id of the person the object belongs to; None if there is none (or no such object)."""
        raise NotImplementedError

    def _purpose_gate(self, request: HttpRequest, object_id: str) -> HttpResponse | StatedPurpose | None:
        # Roles that may not see the object at all get a 403 before anything else, not a purpose form.
        if not self.has_view_or_change_permission(request):  # type: ignore[attr-defined]
            raise PermissionDenied
        try:
            person_id = self.purpose_person_id(request, unquote(object_id))
        except (ValueError, ValidationError):
            person_id = None
        if person_id is None:
            return None
        stated = purpose_stated(session=request.session, person_id=person_id)
        if stated is None:
            if not person_access_allowed(request.user):
                raise PermissionDenied
            return HttpResponseRedirect(purpose_url(person_id=person_id, next_url=request.get_full_path()))
        access_log_record(
            user=request.user,  # type: ignore[arg-type]
            person_id=person_id,
            channel=AccessLog.Channel.ADMIN,
            purpose=stated.purpose,
            reference=stated.reference,
        )
        return stated

    def _gated(self, view: Any, request: HttpRequest, object_id: str, extra_context: dict | None, **kwargs: Any):
        gate = self._purpose_gate(request, object_id)
        if isinstance(gate, HttpResponse):
            return gate
        if gate is not None:
            extra_context = {**(extra_context or {}), "stated_purpose": gate}
        return view(request, object_id, extra_context=extra_context, **kwargs)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None):
        return self._gated(super().change_view, request, object_id, extra_context, form_url=form_url)  # type: ignore[misc]

    def history_view(self, request: HttpRequest, object_id: str, extra_context: dict | None = None):
        return self._gated(super().history_view, request, object_id, extra_context)  # type: ignore[misc]
