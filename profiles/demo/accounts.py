"""Development logins for the demo: one account per role, created once, passwords printed.

Never for production: `seed_demo --with-accounts` refuses when DEBUG is off (unless --force), because
the passwords are public in the README.
"""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from audit.roles import ANALYSTS, EMPLOYERS, OFFICERS, roles_sync
from profiles.demo import generator, world
from profiles.models import Person, RecordLink

DEMO_EMAIL_DOMAIN = "demo.migrant.local"


@dataclass(frozen=True)
class DemoAccount:
    role: str
    username: str
    is_staff: bool
    is_superuser: bool
    group: str | None
    where: str

    @property
    def email(self) -> str:
        return f"{self.username}@{DEMO_EMAIL_DOMAIN}"

    @property
    def password(self) -> str:
        return f"demo-{self.username}-2026"


DEMO_ACCOUNTS = (
    DemoAccount("superuser", "admin", is_staff=True, is_superuser=True, group=None, where="/admin/"),
    DemoAccount("ministry officer", "officer", is_staff=True, is_superuser=False, group=OFFICERS, where="/admin/"),
    DemoAccount("analyst", "analyst", is_staff=True, is_superuser=False, group=ANALYSTS, where="/admin/"),
    DemoAccount("employer", "employer", is_staff=False, is_superuser=False, group=EMPLOYERS, where="/accounts/login/"),
    DemoAccount("migrant", "migrant", is_staff=False, is_superuser=False, group=None, where="/accounts/login/"),
)


@dataclass(frozen=True)
class AccountOutcome:
    account: DemoAccount
    created: bool
    person_id: int | None = None


@transaction.atomic
def demo_accounts_ensure(*, seed: int, people: int) -> list[AccountOutcome]:
    """Create the missing demo accounts (existing ones keep their password); link the migrant to a person."""
    if Group.objects.filter(name__in=[OFFICERS, ANALYSTS, EMPLOYERS]).count() != 3:
        # The groups come from audit.roles after every migrate; a database migrated without the
        # post_migrate hook (or flushed since) gets them here.
        roles_sync()
    user_model = get_user_model()
    outcomes = []
    for account in DEMO_ACCOUNTS:
        user = user_model.objects.filter(username=account.username).first()
        created = user is None
        if user is None:
            user = user_model(
                username=account.username,
                email=account.email,
                is_staff=account.is_staff,
                is_superuser=account.is_superuser,
            )
            user.set_password(account.password)
            user.save()
        if account.group:
            user.groups.add(Group.objects.get(name=account.group))
        address, _ = EmailAddress.objects.get_or_create(
            user=user, email=account.email, defaults={"verified": True, "primary": True}
        )
        if not (address.verified and address.primary):
            address.verified = address.primary = True
            address.save(update_fields=["verified", "primary"])
        person_id = _link_migrant(user, seed=seed, people=people) if account.username == "migrant" else None
        outcomes.append(AccountOutcome(account, created, person_id))
    return outcomes


def _link_migrant(user, *, seed: int, people: int) -> int | None:
    """Give the migrant account a demo person: a patent worker in Russia now, with one clean profile."""
    existing = Person.objects.filter(user=user).values_list("id", flat=True).first()
    if existing is not None:
        return existing
    for index in range(min(people, 2_000)):
        bundle = generator.generate_person(seed, index)
        person = bundle.person
        if (
            person.category != "patent"
            or len(bundle.profiles) != 1
            or any(record.profile is None for record in bundle.records)
            or not any(stay.exited_on is None for stay in bundle.stays)
        ):
            continue
        link = (
            RecordLink.objects.filter(
                record__source_system_id=world.ANCHOR_SYSTEM,
                record__source_record_id=world.anchor_record_id(seed, index),
            )
            .select_related("person")
            .first()
        )
        if link is None or link.person.user_id is not None:
            continue
        Person.objects.filter(pk=link.person_id).update(user=user)
        return link.person_id
    return None
