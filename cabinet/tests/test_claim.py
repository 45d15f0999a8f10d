"""Claim your profile: evidence, a code to the contact on file, no enumeration, limits, the officer's way."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from cabinet.claim import CODE_MAX_ATTEMPTS, claim_code_reveal
from cabinet.models import ClaimAttempt, ClaimCode, ClaimOutcome, ClaimRequest, ClaimStatus, ClaimVia
from cabinet.selectors import email_mask, phone_mask
from cabinet.tests.conftest import BIRTH_DATE, PASSPORT, make_claimable_person, sms_outbox
from profiles.models import BorderCrossing, Person
from profiles.services import border_crossing_record
from profiles.tests.factories import make_permit, make_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def submit(client, django_capture_on_commit_callbacks):
    """Post the evidence; the code-sending task enqueued after commit runs (django-q2 is synchronous in tests)."""

    def _submit(*, passport: str = PASSPORT, birth_date: dt.date = BIRTH_DATE, secondary: str = "", **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("cabinet:claim"),
                {"passport_number": passport, "birth_date": birth_date.isoformat(), "secondary_number": secondary},
                **extra,
            )

    return _submit


def enter(client, code: str):
    return client.post(reverse("cabinet:claim_verify"), {"code": code})


def code_from(text: str) -> str:
    return re.search(r"\b(\d{6})\b", text).group(1)


def visible_text(response) -> str:
    """The page without what differs per request (CSRF token, the request's own number), to compare two answers."""
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return re.sub(r'(id="claim-reference">[^<]*?)\d+', r"\1N", text)


# --- The happy path ------------------------------------------------------------------------------


def test_claim_succeeds_with_the_right_evidence_and_the_code_sent_to_the_phone_on_file(client, account, submit):
    person = make_claimable_person(phone="+998901234567")
    client.force_login(account)

    response = submit(passport="fa1234567")  # typed differently from the record: normalized

    assert response.status_code == 302
    assert response["Location"] == reverse("cabinet:claim_verify")
    page = client.get(reverse("cabinet:claim_verify"))
    assert "+998 ** *** 45 67" in page.content.decode()
    [sms] = sms_outbox()
    assert sms["to"] == "+998901234567"
    response = enter(client, code_from(sms["text"]))
    assert response.status_code == 302
    assert response["Location"] == reverse("cabinet:home")
    person.refresh_from_db()
    assert person.user == account
    claim_request = ClaimRequest.objects.get(user=account)
    assert claim_request.status == ClaimStatus.CONFIRMED
    assert claim_request.confirmed_via == ClaimVia.CODE


def test_the_code_goes_to_the_email_on_file_when_there_is_no_phone(client, account, submit):
    make_claimable_person(phone="", email="karimov@mail.example")
    client.force_login(account)

    submit()

    assert sms_outbox() == []
    [message] = mail.outbox
    assert message.to == ["karimov@mail.example"]
    assert "k*****v@mail.example" in client.get(reverse("cabinet:claim_verify")).content.decode()
    enter(client, code_from(message.body))
    assert Person.objects.get(user=account)


def test_a_phone_from_a_linked_agency_record_counts_as_on_file(client, account, submit):
    person = make_claimable_person(phone="")
    make_record(system="MIGREG", person=person, phone="+992 93 555 12 34")
    client.force_login(account)

    submit()

    [sms] = sms_outbox()
    assert sms["to"] == "+992935551234"


def test_the_code_is_in_the_language_the_person_prefers(client, account, submit):
    person = make_claimable_person()
    Person.objects.filter(pk=person.pk).update(preferred_language="en")
    client.force_login(account)

    submit()

    assert "is your code to link your account" in sms_outbox()[0]["text"]


def test_the_language_of_the_claim_becomes_the_profiles_preference(client, account, submit):
    person = make_claimable_person()
    client.force_login(account)
    submit()

    with translation.override("uz"):
        client.post(reverse("cabinet:claim_verify"), {"code": code_from(sms_outbox()[0]["text"])})

    person.refresh_from_db()
    assert person.user == account
    assert person.preferred_language == "uz"


# --- No enumeration ------------------------------------------------------------------------------


def test_a_wrong_passport_and_an_unknown_one_get_the_same_answer(client, account, django_user_model, submit):
    make_claimable_person(passport="FA1234567")
    make_claimable_person(passport="FA7654321", phone="+998901110000")
    client.force_login(account)

    unknown = submit(passport="ZZ0000001")
    unknown_page = client.get(reverse("cabinet:claim_verify"))
    # Right passport of someone, wrong birth date: a "wrong passport" for this evidence.
    wrong = submit(passport="FA7654321", birth_date=dt.date(1991, 1, 1))
    wrong_page = client.get(reverse("cabinet:claim_verify"))

    assert unknown.status_code == wrong.status_code == 302
    assert unknown["Location"] == wrong["Location"]
    assert unknown_page.status_code == wrong_page.status_code == 200
    assert visible_text(unknown_page) == visible_text(wrong_page)
    assert "If the data match our records, we have sent a code" in visible_text(unknown_page) or (
        "Если данные совпадают" in visible_text(unknown_page)
    )
    assert sms_outbox() == []
    # And a code typed for either fails the same way.
    first = enter(client, "123456")
    assert first.status_code == 400


def test_a_profile_without_contact_answers_like_an_unknown_passport_and_waits_for_an_officer(client, account, submit):
    make_claimable_person(phone="", email="")
    client.force_login(account)

    submit()
    no_contact_page = visible_text(client.get(reverse("cabinet:claim_verify")))
    submit(passport="ZZ0000002")
    unknown_page = visible_text(client.get(reverse("cabinet:claim_verify")))

    assert no_contact_page == unknown_page
    statuses = list(ClaimRequest.objects.order_by("id").values_list("status", flat=True))
    assert statuses == [ClaimStatus.SUPERSEDED, ClaimStatus.UNMATCHED]


def test_used_up_tries_close_every_request_alike_including_one_waiting_for_an_officer(client, account, submit):
    make_claimable_person(phone="", email="")
    client.force_login(account)
    answers = {}
    for passport in ("FA1234567", "ZZ7777777"):  # on file without contact; unknown
        submit(passport=passport)
        for _ in range(CODE_MAX_ATTEMPTS):
            last = enter(client, "000000")
        answers[passport] = (
            last.status_code,
            last["Location"],
            client.get(reverse("cabinet:claim_verify")).status_code,
        )

    assert answers["FA1234567"] == answers["ZZ7777777"] == (302, reverse("cabinet:claim"), 302)


def test_an_already_claimed_profile_answers_like_an_unknown_passport(client, owner, account, submit):
    client.force_login(account)

    response = submit()

    assert response.status_code == 302
    assert ClaimRequest.objects.get(user=account).status == ClaimStatus.UNMATCHED
    assert sms_outbox() == []


def test_every_case_does_the_same_writes(client, account, submit):
    make_claimable_person(passport="FA1234567")
    client.force_login(account)

    submit(passport="FA1234567")
    submit(passport="ZZ9999999")

    assert ClaimCode.objects.filter(claim_request__user=account).count() == 2
    assert ClaimAttempt.objects.filter(user=account).count() == 2


def test_the_migration_card_number_must_match_when_the_profile_has_one(client, account, submit):
    person = make_claimable_person()
    border_crossing_record(
        person=person,
        source_record=make_record(system="BORDER", person=person),
        direction=BorderCrossing.Direction.ENTRY,
        crossed_on=dt.date(2026, 1, 10),
        checkpoint="Domodedovo",
        purpose="work",
        migration_card_number="4617 1234567",
    )
    client.force_login(account)

    submit(secondary="")
    assert ClaimRequest.objects.get(user=account, status__in=["unmatched", "code_sent"]).status == "unmatched"
    submit(secondary="4617 0000000")
    assert ClaimRequest.objects.get(user=account, status__in=["unmatched", "code_sent"]).status == "unmatched"
    submit(secondary="46171234567")
    assert ClaimRequest.objects.get(user=account, status__in=["unmatched", "code_sent"]).status == "code_sent"


def test_a_patent_number_is_accepted_as_the_second_document(client, account, submit):
    person = make_claimable_person()
    permit = make_permit(person, valid_from=dt.date(2026, 1, 15))
    client.force_login(account)

    submit(secondary=permit.number.lower())

    assert len(sms_outbox()) == 1


# --- Codes ---------------------------------------------------------------------------------------


def test_a_code_the_sms_provider_refused_is_sent_again_when_the_task_is_retried(client, account, submit):
    from cabinet.claim import claim_code_send
    from notifications.transports import MemorySmsAdapter, TemporaryError

    make_claimable_person(phone="+998901234567")
    MemorySmsAdapter.scripted["+998901234567"] = [TemporaryError("provider down")]
    client.force_login(account)

    with pytest.raises(TemporaryError):
        submit()
    assert sms_outbox() == []
    assert claim_code_send(claim_request_id=ClaimRequest.objects.get(user=account).pk) is True

    assert len(sms_outbox()) == 1


def test_codes_are_stored_only_as_a_keyed_hash(client, account, submit):
    make_claimable_person()
    client.force_login(account)
    submit()

    code = code_from(sms_outbox()[0]["text"])
    row = ClaimCode.objects.get()
    assert code not in (row.salt, row.code_hash)
    assert claim_code_reveal(code=row) == code


def test_a_wrong_code_is_refused_and_the_fifth_wrong_one_closes_the_request(client, account, submit):
    make_claimable_person()
    client.force_login(account)
    submit()
    right = code_from(sms_outbox()[0]["text"])
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    for _ in range(CODE_MAX_ATTEMPTS - 1):
        assert enter(client, wrong).status_code == 400
    last = enter(client, wrong)

    assert last.status_code == 302
    assert last["Location"] == reverse("cabinet:claim")
    assert ClaimRequest.objects.get(user=account).status == ClaimStatus.FAILED
    # The right code no longer helps: the request is closed.
    assert enter(client, right)["Location"] == reverse("cabinet:claim")
    assert not Person.objects.filter(user=account).exists()


def test_a_code_expires_after_ten_minutes(client, account, submit):
    make_claimable_person()
    client.force_login(account)
    submit()
    code = code_from(sms_outbox()[0]["text"])
    sent = timezone.now() - dt.timedelta(minutes=11)
    ClaimCode.objects.update(created_at=sent, expires_at=sent + dt.timedelta(minutes=10))

    response = enter(client, code)

    assert response.status_code == 302
    assert not Person.objects.filter(user=account).exists()


# --- Limits and audit ----------------------------------------------------------------------------


def test_evidence_submissions_are_limited_per_account(client, account, settings, submit):
    settings.CABINET_CLAIM_STARTS_PER_HOUR_PER_ACCOUNT = 3
    client.force_login(account)

    answers = [submit(passport=f"ZZ000000{n}").status_code for n in range(4)]

    assert answers == [302, 302, 302, 429]
    assert ClaimAttempt.objects.filter(user=account, outcome=ClaimOutcome.RATE_LIMITED).count() == 1


def test_evidence_submissions_are_limited_per_address_across_accounts(client, django_user_model, settings, submit):
    settings.CABINET_CLAIM_STARTS_PER_HOUR_PER_IP = 2
    answers = []
    for n in range(3):
        user = django_user_model.objects.create_user(username=f"u{n}", email=f"u{n}@example.org", password="x")
        client.force_login(user)
        answers.append(submit(passport=f"ZZ10000{n}", REMOTE_ADDR="203.0.113.7").status_code)

    assert answers == [302, 302, 429]


def test_code_entries_are_limited_per_account(client, account, settings, submit):
    settings.CABINET_CLAIM_CODES_PER_HOUR_PER_ACCOUNT = 2
    client.force_login(account)
    submit(passport="ZZ0000009")

    answers = [enter(client, "000000").status_code for _ in range(3)]

    assert answers == [400, 400, 429]


def test_each_submission_is_audited_without_storing_the_passport_number_twice(client, account, submit):
    make_claimable_person()
    client.force_login(account)

    submit(REMOTE_ADDR="198.51.100.4")

    attempt = ClaimAttempt.objects.get()
    assert attempt.outcome == ClaimOutcome.CODE_SENT
    assert attempt.ip_address == "198.51.100.4"
    assert "FA1234567" not in attempt.evidence_digest and len(attempt.evidence_digest) == 64


# --- The officer's way ---------------------------------------------------------------------------


def test_an_officer_confirms_in_person_when_no_contact_is_on_file(client, account, officer, submit):
    person = make_claimable_person(phone="", email="")
    client.force_login(account)
    submit()
    claim_request = ClaimRequest.objects.get(user=account)
    assert claim_request.status == ClaimStatus.AWAITING_OFFICER
    officer.groups.add(Group.objects.get(name="Migration officers"))
    officer.user_permissions.add(*_claim_permissions())

    client.force_login(officer)
    response = client.post(
        reverse("admin:cabinet_claimrequest_changelist"),
        {"action": "confirm_in_person", "_selected_action": [claim_request.pk]},
    )

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.user == account
    claim_request.refresh_from_db()
    assert (claim_request.status, claim_request.confirmed_via, claim_request.confirmed_by) == (
        ClaimStatus.CONFIRMED,
        ClaimVia.OFFICER,
        officer,
    )


def test_an_officer_cannot_confirm_an_unmatched_request(client, account, officer, submit):
    client.force_login(account)
    submit(passport="ZZ1212121")
    officer.user_permissions.add(*_claim_permissions())
    client.force_login(officer)

    client.post(
        reverse("admin:cabinet_claimrequest_changelist"),
        {"action": "confirm_in_person", "_selected_action": [ClaimRequest.objects.get().pk]},
    )

    assert ClaimRequest.objects.get().status == ClaimStatus.UNMATCHED


def test_the_officer_queue_finds_a_request_by_the_passport_number_as_printed(client, account, officer, submit):
    make_claimable_person(phone="", email="")
    client.force_login(account)
    submit()
    officer.user_permissions.add(*_claim_permissions())
    client.force_login(officer)

    page = client.get(reverse("admin:cabinet_claimrequest_changelist"), {"q": "FA 123 45 67"})

    assert page.status_code == 200
    assert "FA1234567" in page.content.decode()


def _claim_permissions():
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(
        content_type__app_label="cabinet", codename__in=["view_claimrequest", "change_claimrequest"]
    )


# --- Masks ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("+998901234567", "+998 ** *** 45 67"),
        ("+79161234567", "+7 *** *** 45 67"),
        ("+992935551234", "+992 ** *** 12 34"),
    ],
)
def test_a_phone_is_shown_masked(phone, masked):
    assert phone_mask(phone) == masked


def test_an_email_is_shown_masked():
    assert email_mask("karimov@mail.example") == "k*****v@mail.example"
    assert email_mask("ab@x.example") == "a*@x.example"
