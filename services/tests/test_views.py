"""The applicant's pages: catalog, the autofilled form, drafts, submission, the application and its history."""

from __future__ import annotations

import pytest
from django.urls import reverse

from services.models import Application
from services.services import (
    application_reject,
    application_request_info,
    application_submit,
    application_take_into_review,
)
from services.tests.conftest import JPEG, PNG, service, upload
from services.workflow import NEXT_STEP, State

pytestmark = pytest.mark.django_db
RENEWAL = reverse("services:service_form", args=["patent-reissue"])


def detail_url(application: Application) -> str:
    return reverse("services:application_detail", args=[application.public_id])


def submitted_renewal(person, user) -> Application:
    return application_submit(user=user, person=person, service=service("patent-reissue"),
                              data={"reissue_reason": "term"}, files={"medical_certificate": upload()})  # fmt: skip


def test_the_pages_need_a_signed_in_account(client):
    response = client.get(reverse("services:catalog"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_an_account_without_a_claimed_profile_is_sent_to_claim_it(client, applicant):
    client.force_login(applicant)
    response = client.get(reverse("services:catalog"))
    assert response.status_code == 403
    assert "Claim your profile" in response.content.decode() or response.templates[0].name == "services/no_profile.html"


def test_the_catalog_lists_the_active_services(client, applicant, karimov):
    client.force_login(applicant)
    page = client.get(reverse("services:catalog")).content.decode()
    for code in ("patent-application", "patent-reissue", "patent-payment", "annual-notification", "address-change",
                 "data-correction", "status-certificate"):  # fmt: skip
        assert f'id="service-{code}"' in page


def test_the_renewal_form_shows_the_profile_values_read_only_with_a_correction_link(client, applicant, karimov):
    client.force_login(applicant)
    response = client.get(RENEWAL)
    page = response.content.decode()
    assert response.status_code == 200
    form = response.context["form"]
    assert form.fields["patent_number"].disabled and form["patent_number"].value() == "77 2400012345"
    assert not form.fields["reissue_reason"].disabled
    assert 'id="field-patent_number"' in page and 'data-prefilled="true"' in page
    assert 'value="77 2400012345"' in page
    assert 'id="correct-patent_number"' in page
    assert "data-correction/?field=permit.patent.number" in page


def test_a_value_posted_for_a_prefilled_field_is_ignored(client, applicant, karimov):
    client.force_login(applicant)
    response = client.post(RENEWAL, {"action": "submit", "reissue_reason": "term", "patent_number": "FORGED",
                                     "medical_certificate": upload()})  # fmt: skip
    application = Application.objects.get(person=karimov)
    assert response.status_code == 302 and response["Location"] == detail_url(application)
    assert application.prefilled["patent_number"] == "77 2400012345"
    assert "patent_number" not in application.data


def test_the_correction_link_opens_the_correction_form_with_the_recorded_value(client, applicant, karimov):
    client.force_login(applicant)
    url = reverse("services:service_form", args=["data-correction"]) + "?field=document.passport.number"
    form = client.get(url).context["form"]
    assert form["field_to_correct"].value() == "document.passport.number"
    assert form["recorded_value"].value() == "FA 1234567"


def test_the_autosave_endpoint_keeps_the_typed_values_in_the_draft(client, applicant, karimov):
    client.force_login(applicant)
    response = client.post(reverse("services:draft_save", args=["patent-reissue"]),
                           {"reissue_reason": "passport", "patent_number": "FORGED", "unknown": "x"})  # fmt: skip
    assert response.status_code == 200 and "saved_at" in response.json()
    draft = Application.objects.get(person=karimov, state=State.DRAFT)
    assert draft.data == {"reissue_reason": "passport", "patent_number": "FORGED"}  # raw; never used for prefilled
    form = client.get(RENEWAL).context["form"]
    assert form["reissue_reason"].value() == "passport"
    assert form["patent_number"].value() == "77 2400012345"  # the recorded value, not the posted one


def test_the_save_draft_button_works_without_javascript_and_keeps_the_file(client, applicant, karimov):
    client.force_login(applicant)
    response = client.post(RENEWAL, {"action": "save_draft", "reissue_reason": "name",
                                     "medical_certificate": upload("med.jpg", JPEG)})  # fmt: skip
    assert response.status_code == 302
    page = client.get(RENEWAL).content.decode()
    assert 'id="medical_certificate-attached"' in page and "med.jpg" in page
    # The file saved with the draft satisfies the required field at submission.
    response = client.post(RENEWAL, {"action": "submit", "reissue_reason": "name"})
    assert response.status_code == 302
    assert Application.objects.get(person=karimov).state == State.SUBMITTED


def test_a_failed_submission_shows_the_errors_and_keeps_what_was_typed(client, applicant, karimov):
    client.force_login(applicant)
    response = client.post(RENEWAL, {"action": "submit", "reissue_reason": "term",
                                     "medical_certificate": upload("virus.pdf", b"MZ\x90\x00" * 10)})  # fmt: skip
    assert response.status_code == 400
    assert "medical_certificate" in response.context["form"].errors
    assert Application.objects.get(person=karimov, state=State.DRAFT).data["reissue_reason"] == "term"


def test_the_applicant_sees_the_reason_and_the_next_step_of_a_rejection(client, applicant, karimov, officer):
    application = submitted_renewal(karimov, applicant)
    application_take_into_review(officer=officer, application=application)
    application_reject(officer=officer, application=application, reason="The medical certificate is not valid.")
    client.force_login(applicant)
    response = client.get(detail_url(application))
    page = response.content.decode()
    assert 'data-state="rejected"' in page
    assert 'id="decision-reason"' in page and "The medical certificate is not valid." in page
    assert 'id="next-step"' in page and str(response.context["next_step"]) in page
    assert response.context["next_step"] == NEXT_STEP[State.REJECTED]  # the one that mentions an appeal
    assert page.count('class="transition"') == 3


def test_the_applicant_sees_what_is_missing_and_answers_it(client, applicant, karimov, officer):
    application = submitted_renewal(karimov, applicant)
    application_take_into_review(officer=officer, application=application)
    application_request_info(officer=officer, application=application, note="Upload the receipt for March.")
    client.force_login(applicant)
    page = client.get(detail_url(application)).content.decode()
    assert 'id="missing-info"' in page and "Upload the receipt for March." in page
    assert 'id="respond-link"' in page

    respond = reverse("services:application_respond", args=[application.public_id])
    response = client.post(respond, {"note": "Attached.", "document_1": upload("march.png", PNG)})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == State.RESUBMITTED
    assert application.transitions.last().reason == "Attached."


def test_the_applicant_withdraws_from_the_page(client, applicant, karimov):
    application = submitted_renewal(karimov, applicant)
    client.force_login(applicant)
    assert 'id="withdraw-button"' in client.get(detail_url(application)).content.decode()
    client.post(reverse("services:application_withdraw", args=[application.public_id]), {"reason": ""})
    application.refresh_from_db()
    assert application.state == State.WITHDRAWN
    assert 'id="withdraw-button"' not in client.get(detail_url(application)).content.decode()


def test_an_applicant_cannot_open_another_persons_application(client, applicant, karimov, outsider):
    application = submitted_renewal(karimov, applicant)
    document = application.documents.get()
    client.force_login(outsider)
    assert client.get(detail_url(application)).status_code == 404
    assert (
        client.get(reverse("services:application_document", args=[application.public_id, document.pk])).status_code
        == 404
    )
    assert client.post(reverse("services:application_withdraw", args=[application.public_id])).status_code == 404
    assert client.get(reverse("services:application_respond", args=[application.public_id])).status_code == 404
    application.refresh_from_db()
    assert application.state == State.SUBMITTED


def test_the_applicant_downloads_a_document_with_the_type_read_from_its_content(client, applicant, karimov):
    application = application_submit(user=applicant, person=karimov, service=service("patent-reissue"),
                                     data={"reissue_reason": "term"},
                                     files={"medical_certificate": upload("med.pdf", PNG)})  # fmt: skip
    client.force_login(applicant)
    document = application.documents.get()
    response = client.get(reverse("services:application_document", args=[application.public_id, document.pk]))
    assert response["Content-Type"] == "image/png"
    assert 'filename="med.png"' in response["Content-Disposition"]


def test_the_application_list_costs_a_fixed_number_of_queries(
    client, applicant, karimov, django_assert_max_num_queries
):
    for _ in range(3):
        submitted_renewal(karimov, applicant)
    client.force_login(applicant)
    with django_assert_max_num_queries(6):
        page = client.get(reverse("services:application_list")).content.decode()
    assert page.count("data-reference=") == 3
