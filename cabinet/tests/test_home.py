"""The cabinet home ("am I legal, until when, what must I do next"), the inbox, and who may see what."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from cabinet.claim import person_claim_link
from cabinet.labels import deadline_title
from cabinet.selectors import cabinet_home_get
from cabinet.tests.conftest import inbox_message_send, make_claimable_person, url
from legal.models import RuleVersion
from legal.selectors import rule_version_in_force
from legal.status import person_status
from notifications.models import InboxMessage
from profiles.models import BorderCrossing, Permit, Person
from profiles.services import (
    border_crossing_record,
    employment_contract_record,
    identity_document_add,
    patent_payment_record,
    person_rebuild_stays,
)
from profiles.tests.factories import country, make_organization, make_permit, make_record, make_registration, region

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    return timezone.localdate()


def entered(person: Person, *, days_ago: int, purpose: str = "work") -> Person:
    border_crossing_record(
        person=person,
        source_record=make_record(system="BORDER", person=person),
        direction=BorderCrossing.Direction.ENTRY,
        crossed_on=today() - dt.timedelta(days=days_ago),
        checkpoint="Sheremetyevo",
        purpose=purpose,
        migration_card_number="4617 0000001",
    )
    person_rebuild_stays(person=person)
    return person


def with_many_facts(person: Person, *, count: int) -> Person:
    """`count` documents, registrations, permits with payments, and contracts, all through the services."""
    employer = make_organization()
    start = today() - dt.timedelta(days=40 * count + 60)
    for n in range(count):
        day = start + dt.timedelta(days=40 * n)
        identity_document_add(
            person=person, document_type="passport", issuing_country=country("UZB"), number=f"FB{person.pk:03d}{n:04d}",
            issued_on=day, expires_on=day + dt.timedelta(days=3650),
        )  # fmt: skip
        registration = make_registration(person, valid_from=day, valid_to=day + dt.timedelta(days=30))
        registration.closed_on = day + dt.timedelta(days=30)
        registration.save(update_fields=["closed_on"])
        permit = make_permit(person, valid_from=day, valid_to=day + dt.timedelta(days=30))
        patent_payment_record(
            permit=permit, source_record=make_record(system="FNS", person=person), paid_on=day,
            amount=Decimal("7500.00"), months=1, period_from=day, paid_until=day + dt.timedelta(days=29),
            receipt_number=f"R-{person.pk}-{n}",
        )  # fmt: skip
        employment_contract_record(
            person=person, source_record=make_record(system="MIGREG", person=person), employer=employer,
            position=f"Builder {n}", work_region=region("77"), concluded_on=day, starts_on=day,
            ends_on=day + dt.timedelta(days=30),
        )  # fmt: skip
    return person


# --- Access ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["cabinet:home", "cabinet:inbox", "cabinet:claim", "cabinet:claim_verify"])
def test_the_cabinet_requires_login(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_an_account_without_a_profile_is_sent_to_the_claim_page(client, account):
    client.force_login(account)

    response = client.get(reverse("cabinet:home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("cabinet:claim")
    assert client.get(reverse("cabinet:inbox"))["Location"] == reverse("cabinet:claim")


def test_a_claimed_account_is_not_asked_to_claim_again(client, owner):
    client.force_login(owner)

    assert client.get(reverse("cabinet:claim"))["Location"] == reverse("cabinet:home")


def test_a_user_sees_only_their_own_profile(client, owner, outsider):
    client.force_login(owner)

    page = client.get(reverse("cabinet:home")).content.decode()

    assert "TESTOV" in page
    assert "OTHEROV" not in page


def test_a_user_cannot_mark_another_persons_message_as_read(client, owner, outsider):
    other = Person.objects.get(user=outsider)
    inbox_message_send(other)
    message = InboxMessage.objects.get(person=other)
    client.force_login(owner)

    response = client.post(reverse("cabinet:inbox_message_read", args=[message.pk]))

    assert response.status_code == 404
    message.refresh_from_db()
    assert message.read_at is None
    assert message.subject not in client.get(reverse("cabinet:inbox")).content.decode()


# --- The status card -------------------------------------------------------------------------------


def test_the_home_shows_the_legal_basis_the_permitted_until_date_with_days_left_and_the_deadlines(client, account):
    person = entered(make_claimable_person(), days_ago=20)
    person_claim_link(person=person, user=account)
    with translation.override("en"):
        status = person_status(person=person, on=today())
    client.force_login(account)

    page = client.get(url("cabinet:home", lang="en")).content.decode()

    assert "Visa-free temporary stay" in page
    days_left = (status.permitted_until - today()).days
    with translation.override("en"):
        until = date_format(status.permitted_until, "DATE_FORMAT")
    assert f"You may stay until {until} — {days_left} days left" in page
    assert f"{days_left} days left" in page
    assert f"Days of stay used: {status.days_used} of 90" in page
    assert status.deadlines, "a work entry without a patent has deadlines"
    first = min((d for d in status.deadlines if d.due_on >= today()), key=lambda d: d.due_on)
    assert deadline_title(first.rule_key, fallback=str(first.title)) in page
    assert str(first.action).split(";")[0].split(",")[0] in page


def test_the_home_in_russian_says_until_when_with_the_date_in_words_and_the_right_plural(client, account):
    person = entered(make_claimable_person(), days_ago=20)
    person_claim_link(person=person, user=account)
    client.force_login(account)

    page = client.get(reverse("cabinet:home")).content.decode()

    home = cabinet_home_get(user=account, on=today())
    assert "Вы можете находиться в России до" in page
    assert _ru_days(home.days_left) in page


def _ru_days(days: int) -> str:
    if days % 10 == 1 and days % 100 != 11:
        word = "день"
    elif 2 <= days % 10 <= 4 and not 12 <= days % 100 <= 14:
        word = "дня"
    else:
        word = "дней"
    return f"осталось {days} {word}" if word != "день" else f"остался {days} {word}"


def test_the_home_lists_documents_registrations_permits_payments_contracts_and_messages(client, owner):
    person = with_many_facts(Person.objects.get(user=owner), count=2)
    inbox_message_send(person)
    client.force_login(owner)

    page = client.get(url("cabinet:home", lang="en")).content.decode()

    for section in ("documents", "registrations", "permits", "payments", "contracts", "applications", "home-inbox"):
        assert f'id="{section}"' in page
    assert f"FB{person.pk:03d}0001" in page
    assert "Builder 1" in page
    assert "7,500.00 ₽" in page
    assert "1 unread message." in page


def test_the_home_lists_the_persons_applications_from_the_services_app(client, owner):
    from services.models import ServiceDefinition
    from services.services import application_draft_save

    person = Person.objects.get(user=owner)
    service = ServiceDefinition.objects.get(code="patent-reissue")
    application_draft_save(user=owner, person=person, service=service, data={})
    client.force_login(owner)

    page = client.get(url("cabinet:home", lang="en")).content.decode()

    assert 'id="applications"' in page
    assert service.title in page
    assert "You have not applied for anything yet." not in page


# --- Query budget --------------------------------------------------------------------------------


def test_the_home_query_count_is_bounded_and_does_not_grow_with_the_number_of_facts(
    account, django_user_model, django_assert_max_num_queries, django_assert_num_queries
):
    few = with_many_facts(entered(make_claimable_person(passport="FA0000001"), days_ago=10), count=1)
    person_claim_link(person=few, user=account)
    other = django_user_model.objects.create_user(username="many", email="many@example.org", password="x")
    many = with_many_facts(entered(make_claimable_person(passport="FA0000002", phone=""), days_ago=10), count=12)
    person_claim_link(person=many, user=other)
    cabinet_home_get(user=account, on=today() - dt.timedelta(days=1))  # the process has read the law

    with django_assert_max_num_queries(17) as few_queries:
        cabinet_home_get(user=account, on=today())
    with django_assert_num_queries(len(few_queries.captured_queries)):
        home = cabinet_home_get(user=other, on=today())
    assert len(home.permits) == 10  # listed up to the limit, in the same queries


def test_a_second_visit_reads_the_computed_home_from_the_cache_in_five_queries(account, django_assert_num_queries):
    person = with_many_facts(entered(make_claimable_person(), days_ago=10), count=3)
    person_claim_link(person=person, user=account)
    first = cabinet_home_get(user=account, on=today())

    # The person, the fingerprints (one query), the applications, the inbox and its unread count.
    with django_assert_num_queries(5):
        again = cabinet_home_get(user=account, on=today())
    assert again.status == first.status
    assert [p.pk for p in again.permits] == [p.pk for p in first.permits]


def test_with_the_cache_off_every_visit_computes_the_home(account, settings, django_assert_max_num_queries):
    settings.CABINET_HOME_CACHE_SECONDS = 0
    person = entered(make_claimable_person(), days_ago=10)
    person_claim_link(person=person, user=account)
    cabinet_home_get(user=account, on=today())

    with django_assert_max_num_queries(17) as second_visit:
        cabinet_home_get(user=account, on=today())
    assert len(second_visit.captured_queries) > 5


def test_a_new_fact_shows_on_the_next_visit_although_the_home_was_cached(account):
    person = entered(make_claimable_person(), days_ago=10)
    person_claim_link(person=person, user=account)
    before = cabinet_home_get(user=account, on=today())
    assert before.basis_kind == "visa_free" and not before.permits

    # Written straight to the table, as a bulk load would: no service, no signal.
    make_permit(person, valid_from=today() - dt.timedelta(days=2), valid_to=today() + dt.timedelta(days=60))
    after = cabinet_home_get(user=account, on=today())

    assert len(after.permits) == 1
    assert after.status != before.status


def test_a_fact_changed_in_place_shows_on_the_next_visit(account):
    person = entered(make_claimable_person(), days_ago=10)
    permit = make_permit(person, valid_from=today() - dt.timedelta(days=2), valid_to=today() + dt.timedelta(days=60))
    person_claim_link(person=person, user=account)
    patent_payment_record(
        permit=permit, source_record=make_record(system="FNS", person=person), paid_on=today(),
        amount=Decimal("7500.00"), months=1, period_from=today(), paid_until=today() + dt.timedelta(days=29),
        receipt_number="R-in-place",
    )  # fmt: skip
    assert cabinet_home_get(user=account, on=today()).basis_kind == "patent"

    Permit.objects.filter(pk=permit.pk).update(status=Permit.Status.ANNULLED)  # same row count, new content

    assert cabinet_home_get(user=account, on=today()).basis_kind != "patent"


def test_a_change_of_the_law_counts_on_the_next_visit(account):
    person = entered(make_claimable_person(), days_ago=10)
    person_claim_link(person=person, user=account)
    assert cabinet_home_get(user=account, on=today()).days_limit == 90
    version = rule_version_in_force(key="stay.visa_free", on=today())

    RuleVersion.objects.filter(pk=version.pk).update(limit_days=60)

    assert cabinet_home_get(user=account, on=today()).days_limit == 60


def test_the_cached_home_is_kept_per_language(account):
    person = entered(make_claimable_person(), days_ago=10)
    person_claim_link(person=person, user=account)
    with translation.override("en"):
        english = cabinet_home_get(user=account, on=today())
    with translation.override("ru"):
        russian = cabinet_home_get(user=account, on=today())

    assert english.basis_label == "Visa-free temporary stay"
    assert russian.basis_label != english.basis_label


def test_the_home_page_view_stays_within_its_query_budget(client, owner, django_assert_max_num_queries):
    with_many_facts(Person.objects.get(user=owner), count=8)
    client.force_login(owner)

    with django_assert_max_num_queries(25):
        assert client.get(reverse("cabinet:home")).status_code == 200
    with django_assert_max_num_queries(8):  # the session, the user, and the cached home's five
        assert client.get(reverse("cabinet:home")).status_code == 200


# --- Inbox ---------------------------------------------------------------------------------------


def test_the_inbox_lists_the_persons_messages_and_marks_one_read(client, owner):
    person = Person.objects.get(user=owner)
    inbox_message_send(person)
    message = InboxMessage.objects.get(person=person)
    client.force_login(owner)

    page = client.get(reverse("cabinet:inbox")).content.decode()
    assert message.subject in page
    assert f'id="message-{message.pk}-read"' in page

    response = client.post(reverse("cabinet:inbox_message_read", args=[message.pk]))

    assert response["Location"] == reverse("cabinet:inbox")
    message.refresh_from_db()
    assert message.read_at is not None
