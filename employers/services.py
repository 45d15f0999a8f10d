"""Writes to the employers registry. Each validates with `full_clean()` so a mistyped INN or OGRN
comes back as the check-digit message of `employers.validators`, not as a database error."""

from __future__ import annotations

from typing import TypedDict

from django.db import transaction

from employers.models import Organization
from reference.models import Region


@transaction.atomic
def organization_create(
    *,
    kind: str,
    name: str,
    inn: str,
    region: Region,
    ogrn: str = "",
    kpp: str = "",
    address: str = "",
) -> Organization:
    organization = Organization(
        kind=kind,
        name=name.strip(),
        inn=inn.strip(),
        ogrn=ogrn.strip(),
        kpp=kpp.strip(),
        region=region,
        address=address.strip(),
    )
    organization.full_clean()
    organization.save()
    return organization


class OrganizationChanges(TypedDict, total=False):
    kind: str
    name: str
    inn: str
    ogrn: str
    kpp: str
    region: Region
    address: str


@transaction.atomic
def organization_update(*, organization: Organization, changes: OrganizationChanges) -> Organization:
    for name, value in changes.items():
        setattr(organization, name, value.strip() if isinstance(value, str) else value)
    organization.full_clean()
    organization.save()
    return organization
