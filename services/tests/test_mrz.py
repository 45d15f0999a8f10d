"""The passport MRZ fills the document fields after its check digits are verified."""

from __future__ import annotations

import pytest
from django.urls import reverse

from profiles.tests.factories import make_person
from services.forms import ServiceForm
from services.selectors import service_form_initial
from services.tests.conftest import MRZ_BIRTH_DATE, MRZ_LINE_1, MRZ_LINE_2, claim, service

pytestmark = pytest.mark.django_db
MRZ = f"{MRZ_LINE_1}\n{MRZ_LINE_2}"
BAD_NUMBER_DIGIT = MRZ.replace("L898902C36", "L898902C37")


@pytest.fixture
def eriksson(applicant):
    """A profile with no passport on record: the renewal form asks for it."""
    return claim(make_person(latin_surname="ERIKSSON", latin_given_names="ANNA MARIA", birth_date=MRZ_BIRTH_DATE),
                 applicant)  # fmt: skip


def renewal_form(person, data):
    definition = service("patent-reissue")
    return ServiceForm(data, service=definition, prefilled=service_form_initial(person=person, service=definition),
                       birth_date=person.birth_date)  # fmt: skip


def test_the_mrz_fills_the_passport_number_and_expiry(eriksson):
    form = renewal_form(eriksson, {"passport_mrz": MRZ, "reissue_reason": "passport"})
    form.is_valid()
    assert "passport_mrz" not in form.errors
    assert form.cleaned_data["passport_number"] == "L898902C3"
    assert form.cleaned_data["passport_expires_on"].isoformat() == "2012-04-15"
    assert form.mrz_filled == {"passport_number", "passport_expires_on"}


def test_a_bad_check_digit_is_reported_on_the_mrz_field_and_fills_nothing(eriksson):
    form = renewal_form(eriksson, {"passport_mrz": BAD_NUMBER_DIGIT, "reissue_reason": "passport"})
    assert not form.is_valid()
    message = form.errors["passport_mrz"][0]
    assert "Document number" in message or "Номер документа" in message
    assert "check digit" in message or "контрольн" in message
    assert form.data.get("passport_number") is None


def test_an_mrz_of_someone_born_on_another_day_is_refused(applicant):
    person = claim(make_person(latin_surname="ERIKSSON"), applicant)  # born 1990-05-17
    form = renewal_form(person, {"passport_mrz": MRZ, "reissue_reason": "passport"})
    assert not form.is_valid()
    assert "passport_mrz" in form.errors


def test_the_mrz_field_is_hidden_when_the_profile_has_the_passport(karimov):
    form = renewal_form(karimov, {})
    assert form.mrz_field is None
    assert "passport_mrz" not in [row["field"].name for row in form.rows()]


def test_the_mrz_endpoint_answers_the_fields_or_the_errors(client, applicant, eriksson):
    client.force_login(applicant)
    url = reverse("services:mrz_read", args=["patent-reissue"])

    good = client.post(url, {"mrz": MRZ})
    assert good.status_code == 200
    assert good.json()["fields"] == {"passport_number": "L898902C3", "passport_expires_on": "2012-04-15"}

    bad = client.post(url, {"mrz": BAD_NUMBER_DIGIT})
    assert bad.status_code == 400
    assert len(bad.json()["errors"]) == 2  # the number's own digit and the composite digit
    short = client.post(url, {"mrz": MRZ_LINE_1})
    assert short.status_code == 400


def test_the_no_js_fill_button_saves_the_filled_fields_in_the_draft(client, applicant, eriksson):
    client.force_login(applicant)
    response = client.post(reverse("services:service_form", args=["patent-reissue"]),
                           {"passport_mrz": MRZ, "action": "fill_mrz"})  # fmt: skip
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert 'value="L898902C3"' in page.content.decode()


def test_the_no_js_fill_button_shows_the_check_digit_error(client, applicant, eriksson):
    client.force_login(applicant)
    response = client.post(reverse("services:service_form", args=["patent-reissue"]),
                           {"passport_mrz": BAD_NUMBER_DIGIT, "action": "fill_mrz"})  # fmt: skip
    assert response.status_code == 400
    assert 'id="mrz-errors"' in response.content.decode()
    assert response.context["mrz_errors"]
