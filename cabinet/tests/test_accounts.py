"""Accounts through allauth and the cabinet's adapter: email or phone, codes, limits, sessions, language."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from cabinet.models import AccountPhone
from cabinet.services import account_phone_set
from cabinet.tests.conftest import PASSWORD, make_claimable_person, sms_outbox, url
from profiles.models import Person

pytestmark = pytest.mark.django_db


def sms_code() -> str:
    return sms_outbox()[-1]["text"].split()[0]


def email_code() -> str:
    return re.search(r"\n\s*([A-Z0-9-]{6,})\s*\n", mail.outbox[-1].body).group(1)


@pytest.fixture
def phone_user(django_user_model):
    user = django_user_model.objects.create_user(username="phoneuser", email="", password=PASSWORD)
    account_phone_set(user=user, phone="+998901234567", verified=True)
    return user


# --- Sign-up ---------------------------------------------------------------------------------------


def test_signing_up_by_email_creates_the_account_and_leads_to_the_claim_page(client, django_user_model):
    response = client.post(
        url("account_signup"), {"email": "new@example.org", "password1": PASSWORD, "password2": PASSWORD}
    )

    assert response.status_code == 302
    user = django_user_model.objects.get(email="new@example.org")
    assert response["Location"] == url("cabinet:home")
    assert client.get(response["Location"])["Location"] == url("cabinet:claim")
    assert int(client.session["_auth_user_id"]) == user.pk
    assert mail.outbox, "a confirmation link is sent to the address"


def test_signing_up_by_phone_confirms_the_phone_with_an_sms_code(client, django_user_model):
    response = client.post(
        url("account_signup"), {"phone": "+998 90 123-45-67", "password1": PASSWORD, "password2": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == url("account_verify_phone")
    [sms] = sms_outbox()
    assert sms["to"] == "+998901234567"
    response = client.post(url("account_verify_phone"), {"code": sms_code()})
    assert response.status_code == 302
    phone = AccountPhone.objects.get(phone="+998901234567")
    assert phone.verified
    assert int(client.session["_auth_user_id"]) == phone.user_id


def test_signing_up_needs_an_email_or_a_phone(client, django_user_model):
    response = client.post(url("account_signup", lang="en"), {"password1": PASSWORD, "password2": PASSWORD})

    assert response.status_code == 200
    assert "Enter an email address or a phone number (or both)." in response.content.decode()
    assert not django_user_model.objects.exists()


# --- Login -----------------------------------------------------------------------------------------


def test_logging_in_by_phone_with_a_code_sent_by_sms(client, phone_user):
    response = client.post(url("account_request_login_code"), {"phone": "+998 (90) 123-45-67"})

    assert response.status_code == 302
    assert sms_outbox()[-1]["to"] == "+998901234567"
    response = client.post(url("account_confirm_login_code"), {"code": sms_code()})
    assert response.status_code == 302
    assert response["Location"] == url("cabinet:home")
    assert int(client.session["_auth_user_id"]) == phone_user.pk


def test_logging_in_by_email_with_a_code(client, account):
    client.post(url("account_request_login_code"), {"email": "migrant@example.org"})

    response = client.post(url("account_confirm_login_code"), {"code": email_code()})

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == account.pk


def test_logging_in_by_phone_with_a_password(client, phone_user):
    response = client.post(url("account_login"), {"login": "+998 90 123 45 67", "password": PASSWORD})

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == phone_user.pk


def test_the_login_field_says_it_takes_an_email_or_a_phone(client):
    page = client.get(url("account_login", lang="en")).content.decode()

    assert '<label for="id_login">Email or phone number:</label>' in page
    assert "+998 90 123 45 67" in page


def test_failed_logins_are_rate_limited(client, account):
    for _ in range(5):
        client.post(url("account_login", lang="en"), {"login": "migrant@example.org", "password": "wrong-password"})

    response = client.post(url("account_login", lang="en"), {"login": "migrant@example.org", "password": PASSWORD})

    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()


def test_code_requests_are_rate_limited_per_phone(client, phone_user):
    for _ in range(3):
        client.cookies.clear()  # a fresh session each time, as a script would do
        client.post(url("account_request_login_code"), {"phone": "+998901234567"})
    sent = len(sms_outbox())
    assert sent == 3

    client.cookies.clear()
    response = client.post(url("account_request_login_code", lang="en"), {"phone": "+998901234567"})

    assert response.status_code == 200
    assert len(sms_outbox()) == sent
    assert "Too many failed login attempts" in response.content.decode()


def test_the_session_cookie_is_http_only_and_same_site_lax(client, account):
    response = client.post(url("account_login"), {"login": "migrant@example.org", "password": PASSWORD})

    cookie = response.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_a_password_reset_link_is_emailed(client, account):
    response = client.post(url("account_reset_password"), {"email": "migrant@example.org"})

    assert response.status_code == 302
    assert "/accounts/password/reset/key/" in mail.outbox[-1].body


def test_the_security_page_offers_an_authenticator_app_and_passkeys(client, account):
    client.force_login(account)

    page = client.get(url("mfa_index", lang="en")).content.decode()

    assert "Authenticator App" in page
    assert "Security Keys" in page or "Passkeys" in page or "passkey" in page.lower()


# --- Language ------------------------------------------------------------------------------------


def test_the_language_chosen_is_remembered_on_the_profile(client, owner):
    client.force_login(owner)

    response = client.post(url("cabinet:language"), {"language": "tg", "next": url("cabinet:home")})

    assert response.status_code == 302
    assert response["Location"] == url("cabinet:home", lang="tg")
    assert response.cookies["django_language"].value == "tg"
    assert Person.objects.get(user=owner).preferred_language == "tg"


def test_on_a_new_device_the_profiles_language_applies_after_login(client, owner):
    Person.objects.filter(user=owner).update(preferred_language="ky")

    response = client.post(url("account_login"), {"login": "owner@example.org", "password": PASSWORD})

    assert response["Location"] == url("cabinet:home", lang="ky")
    assert response.cookies["django_language"].value == "ky"


def test_a_language_chosen_before_login_becomes_the_profiles_preference(client, owner):
    client.cookies["django_language"] = "uz"

    client.post(url("account_login"), {"login": "owner@example.org", "password": PASSWORD})

    assert Person.objects.get(user=owner).preferred_language == "uz"


def test_an_unclaimed_phone_account_can_claim_with_the_registrys_phone(
    client, phone_user, django_capture_on_commit_callbacks
):
    make_claimable_person(phone="+998935550000")
    client.force_login(phone_user)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("cabinet:claim"), {"passport_number": "FA1234567", "birth_date": "1990-05-17"})

    # The code goes to the registry's number, not to the number the account signed up with.
    assert sms_outbox()[-1]["to"] == "+998935550000"
