"""Fixtures of the cabinet tests: the personas (an owner with a claimed profile, an outsider), the
in-memory SMS adapter, a clean cache (rate limits), and the wired URLs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import NoReverseMatch, clear_url_caches, reverse
from django.utils import translation

from cabinet.claim import person_claim_link
from notifications.transports import MemorySmsAdapter
from profiles.models import Person
from profiles.services import identity_document_add
from profiles.tests.factories import country, make_person

PASSWORD = "Cabinet-pass-2026!"
PASSPORT = "FA 123 45 67"
BIRTH_DATE = dt.date(1990, 5, 17)


def _project_urls_wired() -> bool:
    try:
        reverse("cabinet:home")
        reverse("pwa_manifest")
        with translation.override("en"):
            # allauth's pages are translated only inside i18n_patterns (.cabinet_wiring.txt, update 1).
            return reverse("account_login").startswith("/en/")
    except NoReverseMatch:
        return False


@pytest.fixture(autouse=True)
def _wired_urls(settings):
    """Until the project's URLs are wired as .cabinet_wiring.txt asks, test with that wiring."""
    if not _project_urls_wired():
        settings.ROOT_URLCONF = "cabinet.tests.urls"
        clear_url_caches()
    yield
    clear_url_caches()


def url(name: str, *args: object, lang: str = "ru") -> str:
    """The URL of a page in a language (Russian, the default, has no prefix)."""
    with translation.override(lang):
        return reverse(name, args=args)


@pytest.fixture(autouse=True)
def _fresh_state(settings):
    # A request activates its language for the rest of the thread: start every test in the default one.
    translation.activate(settings.LANGUAGE_CODE)
    # The account forms as .cabinet_wiring.txt asks (update 2), whether or not settings.py has them yet.
    settings.ACCOUNT_FORMS = {"signup": "cabinet.forms.SignupForm", "login": "cabinet.forms.LoginForm"}
    settings.NOTIFICATIONS_SMS_ADAPTER = "memory"
    settings.ACCOUNT_EMAIL_VERIFICATION = "optional"
    MemorySmsAdapter.reset()
    cache.clear()
    yield
    MemorySmsAdapter.reset()
    cache.clear()
    # Requests to /en/... leave English active in this thread; do not hand it to the next test.
    translation.activate(settings.LANGUAGE_CODE)


def sms_outbox() -> list[dict[str, str]]:
    return MemorySmsAdapter.outbox


def inbox_message_send(person: Person, *, key: str = "1") -> None:
    """A message in the person's inbox, through the notifications pipeline (event, outbox, inbox transport)."""
    from django.utils import timezone

    from notifications.dispatch import deliveries_dispatch
    from notifications.services import notify_event

    notify_event(
        person_id=person.pk,
        kind="status.changed",
        context={"status_label": "Patent holder", "effective_on": "2026-02-10"},
        dedupe_key=key,
    )
    while deliveries_dispatch(now=timezone.now(), channel="inbox").claimed:
        pass


def make_claimable_person(*, phone: str = "+998901234567", email: str = "", passport: str = PASSPORT) -> Person:
    person = make_person(birth_date=BIRTH_DATE, phone=phone, email=email, preferred_language="ru")
    identity_document_add(person=person, document_type="passport", issuing_country=country("UZB"), number=passport)
    return person


@pytest.fixture
def account(django_user_model):
    """A signed-up account with no profile yet."""
    return django_user_model.objects.create_user(username="migrant", email="migrant@example.org", password=PASSWORD)


@pytest.fixture
def owner(django_user_model):
    """An account with its claimed profile."""
    user = django_user_model.objects.create_user(username="owner", email="owner@example.org", password=PASSWORD)
    person_claim_link(person=make_claimable_person(), user=user)
    return user


@pytest.fixture
def outsider(django_user_model):
    """Another account with another claimed profile."""
    user = django_user_model.objects.create_user(username="outsider", email="outsider@example.org", password=PASSWORD)
    person = make_person(latin_surname="OTHEROV", birth_date=dt.date(1985, 1, 2), phone="+992901112233")
    person_claim_link(person=person, user=user)
    return user
