"""Writes of the cabinet outside the claim (cabinet.claim): account phones and the language preference."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from cabinet.models import AccountPhone
from profiles.models import Language, Person
from profiles.names import normalize_phone
from profiles.services import person_update

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


@transaction.atomic
def account_phone_set(*, user: AbstractBaseUser, phone: str, verified: bool) -> AccountPhone:
    """Store (or replace) the account's phone; allauth calls this at signup and on a phone change."""
    row = AccountPhone.objects.select_for_update().filter(user=user).first() or AccountPhone(user=user)
    row.phone = normalize_phone(phone) or phone.strip()
    row.verified = verified
    row.full_clean(exclude=["user"])
    row.save()
    return row


@transaction.atomic
def account_phone_mark_verified(*, user: AbstractBaseUser, phone: str) -> AccountPhone | None:
    row = AccountPhone.objects.select_for_update().filter(user=user, phone=normalize_phone(phone) or phone).first()
    if row is not None and not row.verified:
        row.verified = True
        row.save(update_fields=["verified", "updated_at"])
    return row


@transaction.atomic
def person_language_set(*, person: Person, language: str) -> Person:
    """Remember the language the person chose in the cabinet (also used for their notifications)."""
    if language not in Language.values or person.preferred_language == language:
        return person
    # person_update saves every column: start from the row as it is now, not from a caller's older copy.
    current = Person.objects.select_for_update().get(pk=person.pk)
    return person_update(person=current, changes={"preferred_language": language})
