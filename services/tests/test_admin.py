"""Staff processing in the admin: queues by SLA, decisions with reasons, the officer recorded."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog
from profiles.models import Permit, SourceRecord
from profiles.tests.factories import linked_person
from services.models import Application
from services.services import application_submit, application_take_into_review
from services.tests.conftest import service, upload
from services.workflow import State

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:services_application_changelist")


def submitted(person, user, code: str = "patent-reissue", **data) -> Application:
    files = {"patent-reissue": {"medical_certificate": upload()}, "patent-payment": {"receipt": upload()}}.get(code, {})
    return application_submit(user=user, person=person, service=service(code), data=data or {"reissue_reason": "term"},
                              files=files)  # fmt: skip


def decide(client, application: Application, move: str, **data):
    return client.post(reverse("admin:services_application_decide", args=[application.pk, move]), data)


def test_the_officer_approves_through_the_admin_and_is_recorded(client, officer, applicant, karimov):
    application = submitted(karimov, applicant)
    client.force_login(officer)
    page = client.get(reverse("admin:services_application_change", args=[application.pk])).content.decode()
    assert 'id="take-into-review"' in page and 'id="approve-application"' not in page

    decide(client, application, "review")
    page = client.get(reverse("admin:services_application_change", args=[application.pk])).content.decode()
    assert 'id="approve-application"' in page and 'id="reject-application"' in page and 'id="request-info"' in page
    response = decide(client, application, "approve", **{"approve-reason": "Welcome."})

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == State.APPROVED
    assert application.assigned_officer == officer
    assert list(application.transitions.values_list("to_state", "by")) == [
        ("submitted", applicant.pk), ("in_review", officer.pk), ("approved", officer.pk),
    ]  # fmt: skip


def test_a_rejection_in_the_admin_needs_a_reason(client, officer, applicant, karimov):
    application = submitted(karimov, applicant)
    application_take_into_review(officer=officer, application=application)
    client.force_login(officer)

    decide(client, application, "reject", **{"reject-reason": ""})
    application.refresh_from_db()
    assert application.state == State.IN_REVIEW

    decide(client, application, "reject", **{"reject-reason": "The patent was annulled on 01.02."})
    application.refresh_from_db()
    assert application.state == State.REJECTED
    assert application.decision_reason == "The patent was annulled on 01.02."
    assert application.transitions.last().by == officer


def test_asking_for_more_information_needs_a_note(client, officer, applicant, karimov):
    application = submitted(karimov, applicant)
    application_take_into_review(officer=officer, application=application)
    client.force_login(officer)
    decide(client, application, "info", **{"info-note": " "})
    application.refresh_from_db()
    assert application.state == State.IN_REVIEW
    decide(client, application, "info", **{"info-note": "The receipt is unreadable."})
    application.refresh_from_db()
    assert (application.state, application.missing_info_note) == (State.MORE_INFO_NEEDED, "The receipt is unreadable.")


def test_approving_a_patent_with_a_number_records_the_permit_from_a_platform_record(
    client, officer, applicant, karimov
):
    application = submitted(karimov, applicant)
    application_take_into_review(officer=officer, application=application)
    client.force_login(officer)
    valid_to = timezone.localdate() + dt.timedelta(days=365)
    decide(client, application, "approve", **{"approve-permit_number": "77 2500099999",
                                              "approve-permit_valid_to": valid_to.isoformat()})  # fmt: skip

    permit = Permit.objects.get(number="77 2500099999")
    assert (permit.person, permit.kind, permit.region_id, permit.valid_to) == (karimov, "patent", "77", valid_to)
    record = permit.source_record
    assert record.source_system_id == "PLATFORM" and linked_person(record) == karimov
    assert record.payload["application"] == application.reference
    assert SourceRecord.objects.filter(source_system="PLATFORM").count() == 1


def test_an_applicant_cannot_use_the_admin(client, applicant, karimov):
    application = submitted(karimov, applicant)
    client.force_login(applicant)
    assert decide(client, application, "review").status_code == 302  # to the admin login
    application.refresh_from_db()
    assert application.state == State.SUBMITTED


def test_opening_an_application_is_logged_with_its_number_as_the_purpose(client, officer, applicant, karimov):
    application = submitted(karimov, applicant)
    client.force_login(officer)
    client.get(reverse("admin:services_application_change", args=[application.pk]))
    log = AccessLog.objects.get(person=karimov)
    assert (log.user, log.purpose, log.reference) == (officer, "application", application.reference)


def test_the_queue_is_ordered_by_due_date_and_highlights_the_overdue(client, officer, applicant, karimov):
    late = submitted(karimov, applicant)
    Application.objects.filter(pk=late.pk).update(sla_due_on=timezone.localdate() - dt.timedelta(days=3))
    fresh = submitted(karimov, applicant, code="status-certificate", purpose="")  # decided at once: not in a queue
    on_time = submitted(karimov, applicant, code="patent-payment", payment_date="2026-01-10", amount="9000",
                        months="1", receipt_number="UIN1")  # fmt: skip
    draft_only = Application.objects.create(person=karimov, service=service("patent-reissue"))

    client.force_login(officer)
    response = client.get(CHANGELIST, {"queue": "awaiting"})
    rows = list(response.context["cl"].result_list)
    assert rows == [late, on_time]
    assert fresh not in rows and draft_only not in rows
    page = response.content.decode()
    assert re.search(r'class="sla-overdue"[^>]*>[^<]* 3 ', page)  # "overdue by 3 d." in any language
    assert 'id="service-queues"' in page

    overdue = list(client.get(CHANGELIST, {"sla": "overdue"}).context["cl"].result_list)
    assert overdue == [late]
