"""The application state machine: allowed and forbidden moves, each timestamped with who made it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications.models import Notification
from services.models import Application, ApplicationTransition
from services.services import (
    application_approve,
    application_draft_save,
    application_reject,
    application_request_info,
    application_respond,
    application_submit,
    application_take_into_review,
    application_withdraw,
)
from services.tests.conftest import service, upload
from services.workflow import State, TransitionNotAllowed

pytestmark = pytest.mark.django_db
RENEWAL_ANSWERS = {"reissue_reason": "term"}


def submit_renewal(person, user) -> Application:
    return application_submit(
        user=user,
        person=person,
        service=service("patent-reissue"),
        data=RENEWAL_ANSWERS,
        files={"medical_certificate": upload()},
    )


def states(application: Application) -> list[tuple[str, str]]:
    return list(application.transitions.values_list("from_state", "to_state"))


def test_submitting_gives_a_reference_a_due_date_and_a_snapshot_of_the_profile(karimov, applicant):
    application = submit_renewal(karimov, applicant)

    assert application.state == State.SUBMITTED
    assert application.reference == f"PRN-{timezone.localdate().year}-{application.pk:06d}"
    assert application.sla_due_on > timezone.localdate()
    assert application.prefilled["patent_number"] == "77 2400012345"
    assert application.prefilled["birth_date"] == "1990-05-17"
    assert application.data == {"reissue_reason": "term"}  # only what the person typed
    (step,) = application.transitions.all()
    assert (step.from_state, step.to_state, step.by, step.actor) == ("draft", "submitted", applicant, "applicant")
    assert abs((timezone.now() - step.at).total_seconds()) < 60


def test_a_submission_without_a_required_file_is_refused(karimov, applicant):
    with pytest.raises(ValidationError) as error:
        application_submit(user=applicant, person=karimov, service=service("patent-reissue"), data=RENEWAL_ANSWERS)
    assert "medical_certificate" in error.value.message_dict


def test_a_file_saved_with_the_draft_counts_at_submission(karimov, applicant):
    application_draft_save(user=applicant, person=karimov, service=service("patent-reissue"),
                           data={"reissue_reason": "term"}, files={"medical_certificate": upload()})  # fmt: skip
    application = application_submit(user=applicant, person=karimov, service=service("patent-reissue"),
                                     data=RENEWAL_ANSWERS)  # fmt: skip
    assert application.state == State.SUBMITTED
    assert application.documents.get().field_name == "medical_certificate"


def test_someone_else_cannot_submit_for_the_person(karimov, outsider):
    with pytest.raises(PermissionDenied):
        submit_renewal(karimov, outsider)


def test_the_officer_path_to_approval_records_each_step_with_the_officer(karimov, applicant, officer):
    application = submit_renewal(karimov, applicant)
    application_take_into_review(officer=officer, application=application)
    application_approve(officer=officer, application=application, reason="All in order.")

    assert application.state == State.APPROVED
    assert application.assigned_officer == officer
    assert application.decided_at is not None
    assert states(application) == [("draft", "submitted"), ("submitted", "in_review"), ("in_review", "approved")]
    steps = list(application.transitions.all())
    assert [s.by for s in steps] == [applicant, officer, officer]
    assert steps[0].at <= steps[1].at <= steps[2].at
    assert steps[2].reason == "All in order."


def test_an_application_cannot_be_approved_before_it_is_taken_into_review(karimov, applicant, officer):
    application = submit_renewal(karimov, applicant)
    with pytest.raises(TransitionNotAllowed):
        application_approve(officer=officer, application=application)
    assert application.transitions.count() == 1


def test_a_rejection_needs_a_reason(karimov, applicant, officer):
    application = submit_renewal(karimov, applicant)
    application_take_into_review(officer=officer, application=application)
    with pytest.raises(ValidationError):
        application_reject(officer=officer, application=application, reason="   ")
    application_reject(officer=officer, application=application, reason="The medical certificate has expired.")
    assert application.state == State.REJECTED
    assert application.decision_reason == "The medical certificate has expired."


def test_a_decided_application_is_final(karimov, applicant, officer):
    application = submit_renewal(karimov, applicant)
    application_take_into_review(officer=officer, application=application)
    application_reject(officer=officer, application=application, reason="No.")
    for move in (
        lambda: application_approve(officer=officer, application=application),
        lambda: application_take_into_review(officer=officer, application=application),
        lambda: application_withdraw(user=applicant, application=application),
    ):
        with pytest.raises(TransitionNotAllowed):
            move()


def test_only_an_officer_decides(karimov, applicant):
    application = submit_renewal(karimov, applicant)
    with pytest.raises(PermissionDenied):
        application_take_into_review(officer=applicant, application=application)


def test_more_information_then_a_response_goes_back_to_the_officer(karimov, applicant, officer):
    application = submit_renewal(karimov, applicant)
    application_take_into_review(officer=officer, application=application)
    with pytest.raises(ValidationError):
        application_request_info(officer=officer, application=application, note="")
    application_request_info(officer=officer, application=application, note="Upload page 2 of the passport.")
    assert application.state == State.MORE_INFO_NEEDED
    assert application.missing_info_note == "Upload page 2 of the passport."

    with pytest.raises(ValidationError):
        application_respond(user=applicant, application=application, note="", files=[])
    application_respond(user=applicant, application=application, note="Here it is.", files=[upload("page2.png")])
    assert application.state == State.RESUBMITTED
    assert application.documents.filter(stage="response").count() == 1
    application_take_into_review(officer=officer, application=application)
    application_approve(officer=officer, application=application)

    assert states(application) == [
        ("draft", "submitted"),
        ("submitted", "in_review"),
        ("in_review", "more_info_needed"),
        ("more_info_needed", "resubmitted"),
        ("resubmitted", "in_review"),
        ("in_review", "approved"),
    ]
    assert application.transitions.get(to_state="resubmitted").by == applicant


def test_the_sla_clock_stops_while_the_applicant_answers(karimov, applicant, officer):
    application = submit_renewal(karimov, applicant)
    application_take_into_review(officer=officer, application=application)
    application_request_info(officer=officer, application=application, note="Page 2, please.")
    assert application.sla_days_left > 0
    application_respond(user=applicant, application=application, note="Sent.")
    assert application.sla_due_on >= timezone.localdate() + dt.timedelta(days=1)
    assert application.sla_days_left is None


@pytest.mark.parametrize("state_before", ["draft", "submitted", "in_review", "more_info_needed"])
def test_the_applicant_may_withdraw_until_the_decision(karimov, applicant, officer, state_before):
    if state_before == "draft":
        application = application_draft_save(user=applicant, person=karimov, service=service("patent-reissue"), data={})
    else:
        application = submit_renewal(karimov, applicant)
    if state_before in {"in_review", "more_info_needed"}:
        application_take_into_review(officer=officer, application=application)
    if state_before == "more_info_needed":
        application_request_info(officer=officer, application=application, note="More, please.")

    application_withdraw(user=applicant, application=application, reason="Changed my mind.")

    assert application.state == State.WITHDRAWN
    last = application.transitions.last()
    assert (last.from_state, last.to_state, last.by, last.reason) == (state_before, "withdrawn", applicant,
                                                                      "Changed my mind.")  # fmt: skip


def test_another_person_cannot_withdraw_the_application(karimov, applicant, outsider):
    application = submit_renewal(karimov, applicant)
    with pytest.raises(PermissionDenied):
        application_withdraw(user=outsider, application=application)


def test_the_database_refuses_a_move_the_state_machine_does_not_list(karimov, applicant):
    application = submit_renewal(karimov, applicant)
    with pytest.raises(IntegrityError), transaction.atomic():
        ApplicationTransition.objects.create(
            application=application, from_state="draft", to_state="approved", at=timezone.now(), actor="applicant"
        )


def test_the_database_refuses_a_rejection_without_a_reason(karimov, applicant):
    application = submit_renewal(karimov, applicant)
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.filter(pk=application.pk).update(state="rejected", decision_reason="")


def test_the_history_is_append_only(karimov, applicant):
    application = submit_renewal(karimov, applicant)
    with pytest.raises(IntegrityError), transaction.atomic():
        ApplicationTransition.objects.filter(application=application).update(reason="rewritten")


def test_each_decision_notifies_the_applicant_once(karimov, applicant, officer):
    application = submit_renewal(karimov, applicant)
    application_take_into_review(officer=officer, application=application)
    application_request_info(officer=officer, application=application, note="Page 2.")
    application_respond(user=applicant, application=application, note="Sent.")
    application_take_into_review(officer=officer, application=application)
    application_reject(officer=officer, application=application, reason="Forged receipt.")

    decisions = Notification.objects.filter(person=karimov, kind="application.decision").order_by("id")
    assert [n.context["decision"] for n in decisions] == ["returned", "refused"]
    assert decisions.last().context["reason"] == "Forged receipt."
    assert decisions.last().context["application_number"] == application.reference
