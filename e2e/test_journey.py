"""The migrant's whole journey in a real browser, against the live server and the real pipeline:

sign up → confirm the phone → claim the profile with the code sent to the phone on file → see the status
→ open the patent renewal, find it filled from the profile, add what is missing, submit → an officer
takes it into review and approves it in the admin → the migrant sees the decision and the message in
the inbox.

Codes are read where a phone would receive them (the SMS file adapter's outbox under VAR_DIR); nothing
is bypassed: every step is a page a person uses. With E2E_SCREENSHOTS_DIR set (`make screenshots`),
the pages the README shows are saved at a phone's width and a desktop's.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.contrib.auth.models import Group
from django.utils import formats, timezone, translation

from audit.roles import OFFICERS
from e2e.screenshots import screenshot_take
from legal.status import BasisKind, person_status
from notifications.dispatch import deliveries_dispatch
from notifications.models import InboxMessage
from profiles.models import Permit, Person
from services.tests.conftest import full_profile

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import BrowserContext, Page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = "+998901234567"  # the migrant's phone, the one the agencies have on file too
PASSPORT = "FA 1234567"
PATENT_NUMBER = "77 2400012345"
# A small file that is a PDF by its magic bytes, as services.uploads checks.
MEDICAL_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def sms_code(outbox: Path, *, reference: str, timeout: float = 10.0) -> str:
    """The code of the newest SMS whose reference starts with `reference` (the code is the text's first word)."""
    deadline = time.monotonic() + timeout
    while True:
        lines = outbox.read_text(encoding="utf-8").splitlines() if outbox.exists() else []
        messages = [json.loads(line) for line in lines if line.strip()]
        sent = [m for m in messages if m["reference"].startswith(reference) and m["to"] == PHONE]
        if sent:
            return sent[-1]["text"].split()[0]
        if time.monotonic() > deadline:
            raise AssertionError(f"no SMS {reference!r} to {PHONE} in {outbox}: {messages}")
        time.sleep(0.1)


def ru_date(value: dt.date) -> str:
    with translation.override("ru"):
        return formats.date_format(value, "DATE_FORMAT")


def submit(page: Page, form: str) -> None:
    """Press the form's own submit button (not one that belongs to another form by its form= attribute)."""
    page.locator(f"{form} button[type=submit]:not([form])").first.click()


@pytest.fixture
def karimov(browser_state: Path) -> Person:
    """A patent worker in Moscow with every fact the renewal form reads, the phone on file, no account yet."""
    person = full_profile(preferred_language="ru")
    assert person.phone == PHONE
    return person


@pytest.fixture
def officer_login(django_user_model: Any) -> tuple[str, str]:
    password = secrets.token_urlsafe(16)
    officer = django_user_model.objects.create_user(
        username="e2e-officer", email="e2e-officer@example.org", password=password, is_staff=True
    )
    officer.groups.add(Group.objects.get(name=OFFICERS))
    return officer.username, password


def test_a_migrant_signs_up_claims_the_profile_renews_the_patent_and_reads_the_decision(
    new_context: Callable[..., BrowserContext], browser_state: Path, karimov: Person, officer_login: tuple[str, str]
) -> None:
    from playwright.sync_api import expect  # here: the browser fixture has skipped or failed without Playwright

    outbox = browser_state / "sms-outbox.jsonl"
    today = timezone.localdate()
    status = person_status(person=karimov, on=today)
    assert status.legal_basis.kind == BasisKind.PATENT and status.permitted_until is not None
    with translation.override("ru"):
        basis_label = str(BasisKind.PATENT.label)
    patent = Permit.objects.get(person=karimov, kind=Permit.Kind.PATENT)
    payment = patent.payments.order_by("-paid_until").first()
    password = secrets.token_urlsafe(12)

    page = new_context().new_page()

    # --- Sign up with an email and the phone, then confirm the phone with the SMS code ----------------
    page.goto("/accounts/signup/")
    page.fill("#id_email", "karimov.e2e@example.org")
    page.fill("#id_phone", "+998 90 123-45-67")
    page.fill("#id_password1", password)
    page.fill("#id_password2", password)
    submit(page, "form:has(#id_password1)")
    page.wait_for_url(re.compile(r"/accounts/phone/verify/"))
    page.fill("#id_code", sms_code(outbox, reference="account-code-"))
    submit(page, "form:has(#id_code)")

    # --- Claim the profile: passport, birth date, the patent number; then the code sent to the phone ---
    page.wait_for_url(re.compile(r"/cabinet/claim/$"))
    page.fill("#id_passport_number", PASSPORT)
    page.fill("#id_birth_date", karimov.birth_date.isoformat())
    page.fill("#id_secondary_number", PATENT_NUMBER)
    page.click("#claim-submit")
    page.wait_for_url(re.compile(r"/cabinet/claim/code/$"))
    expect(page.locator("#claim-contact")).to_contain_text("+998 ** *** 45 67")
    page.fill("#id_code", sms_code(outbox, reference="claim-"))
    page.click("#claim-code-submit")

    # --- The status at a glance ------------------------------------------------------------------------
    page.wait_for_url(re.compile(r"/cabinet/$"))
    expect(page.locator("#status-card")).to_be_visible()
    expect(page.locator("#status-card")).to_have_class(re.compile(r"status-card--ok"))
    expect(page.locator("#status-basis")).to_contain_text(basis_label)
    expect(page.locator("#status-until")).to_contain_text(ru_date(status.permitted_until))
    expect(page.locator("#next-steps")).to_be_visible()
    expect(page.locator("#next-steps li.deadline[data-rule]").first).to_be_visible()
    screenshot_take(page, name="cabinet-home", full_page=False)

    # --- The patent renewal, filled from the profile ---------------------------------------------------
    page.click("#nav-services")
    expect(page.locator("#service-catalog")).to_be_visible()
    page.click("a#service-patent-reissue")
    page.wait_for_url(re.compile(r"/services/patent-reissue/$"))
    recorded = {
        "latin_surname": "KARIMOV",
        "latin_given_names": "ALISHER",
        "birth_date": karimov.birth_date.isoformat(),
        "passport_number": PASSPORT,
        "patent_number": PATENT_NUMBER,
        "patent_region": "77",
        "patent_valid_to": patent.valid_to.isoformat(),
        "paid_until": payment.paid_until.isoformat(),
        "profession": "Builder",
        "address": "Moscow, Tverskaya 1",
        "phone": PHONE,
    }
    for name, value in recorded.items():
        expect(page.locator(f"#field-{name}[data-prefilled=true]")).to_be_visible()
        expect(page.locator(f"#id_{name}")).to_be_disabled()
        expect(page.locator(f"#id_{name}")).to_have_value(value)

    # --- What the profile cannot know: the reason, and a medical certificate (a PDF by its first bytes) ---
    expect(page.locator("#id_reissue_reason")).to_be_enabled()
    page.select_option("#id_reissue_reason", "term")
    page.set_input_files(
        "#id_medical_certificate",
        files=[{"name": "medical.pdf", "mimeType": "application/pdf", "buffer": MEDICAL_PDF}],
    )
    screenshot_take(page, name="patent-renewal-form")
    page.click("#submit-application")
    page.wait_for_url(re.compile(r"/services/applications/[0-9a-f-]+/$"))
    expect(page.locator("#application-reference")).to_have_text(re.compile(r"^PRN-"))
    expect(page.locator("#application-state")).to_have_attribute("data-state", "submitted")
    reference = page.locator("#application-reference").inner_text().strip()
    application_url = page.url

    # --- The officer, in the admin (Russian, unprefixed URLs) ------------------------------------------
    username, officer_password = officer_login
    admin = new_context().new_page()
    admin.goto("/admin/")
    expect(admin.locator("html")).to_have_attribute("lang", "ru")
    admin.fill("#id_username", username)
    admin.fill("#id_password", officer_password)
    admin.click("#login-form [type=submit]")
    admin.goto("/admin/services/application/?queue=awaiting")
    admin.get_by_role("link", name=reference, exact=True).click()
    expect(admin.locator("#admin-application-state")).to_have_attribute("data-state", "submitted")
    admin.click("#take-into-review")
    expect(admin.locator("#admin-application-state")).to_have_attribute("data-state", "in_review")
    admin.fill("#id_approve-reason", "Документы в порядке, патент переоформлен.")
    admin.click("#approve-application")
    expect(admin.locator("#admin-application-state")).to_have_attribute("data-state", "approved")

    # The decision's notification is written with the move and sent by a task enqueued after commit, which
    # django-q2 runs inline in tests (Q_CLUSTER["sync"]). Whatever is left is what the minutely dispatch
    # schedule would send: no cluster runs here, so the test drains the inbox outbox the same way.
    while deliveries_dispatch(now=timezone.now(), channel="inbox").claimed:
        pass
    decision = InboxMessage.objects.get(person=karimov, kind="application.decision")
    assert reference in decision.subject

    # --- The migrant sees the decision and the message ---------------------------------------------------
    page.goto(application_url)
    expect(page.locator("#application-state")).to_have_attribute("data-state", "approved")
    expect(page.locator("#decision-reason")).to_contain_text("Документы в порядке")
    screenshot_take(page, name="application-approved")
    page.click("#nav-inbox")
    message = page.locator(f"#inbox-list #message-{decision.pk}")
    expect(message).to_contain_text(decision.subject)
    expect(message).to_have_class(re.compile(r"\bunread\b"))
