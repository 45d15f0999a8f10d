"""Writes to the access log. Rows are only ever inserted (a database trigger refuses the rest)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from audit.models import AccessLog

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


@transaction.atomic
def access_log_record(
    *, user: AbstractBaseUser, person_id: int, channel: str, purpose: str, reference: str
) -> AccessLog:
    """Record one read of one person's data by `user`, with the purpose they stated."""
    entry = AccessLog(user=user, person_id=person_id, channel=channel, purpose=purpose, reference=reference.strip())
    # The user is the authenticated requester and the person a row the caller just resolved; the
    # foreign keys stand behind both, so skip the two existence queries full_clean would add on
    # every page view and validate the rest (choices, the non-blank reference).
    entry.full_clean(exclude=["user", "person"])
    entry.save()
    return entry
