from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from audit.admin_mixins import purpose_state, purpose_stated
from audit.models import AccessLog
from audit.services import access_log_record
from profiles.services import person_create
from reference.models import Country

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    return person_create(
        latin_surname="KARIMOV", birth_date=dt.date(1990, 1, 1), sex="M", citizenship=Country.objects.get(iso3="UZB")
    )


@pytest.fixture
def session(client):
    request = RequestFactory().get("/")
    request.session = client.session
    return request.session


def test_a_read_is_logged_with_its_purpose_and_reference(officer, person):
    entry = access_log_record(
        user=officer, person_id=person.pk, channel="admin", purpose="citizen_request", reference=" REQ-7 "
    )

    assert (entry.user, entry.person_id, entry.purpose, entry.reference) == (
        officer,
        person.pk,
        "citizen_request",
        "REQ-7",
    )


def test_a_purpose_outside_the_list_is_refused(officer, person):
    with pytest.raises(ValidationError) as caught:
        access_log_record(user=officer, person_id=person.pk, channel="admin", purpose="curiosity", reference="-")

    assert "purpose" in caught.value.message_dict


def test_log_entries_cannot_be_rewritten(officer, person):
    entry = access_log_record(user=officer, person_id=person.pk, channel="admin", purpose="application", reference="A")

    with pytest.raises(IntegrityError), transaction.atomic():
        AccessLog.objects.filter(pk=entry.pk).update(purpose="data_quality")


def test_log_entries_cannot_be_deleted_on_postgresql(officer, person):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite guards updates only (see migrant_platform/write_once.py).")
    entry = access_log_record(user=officer, person_id=person.pk, channel="admin", purpose="application", reference="A")

    with pytest.raises(IntegrityError), transaction.atomic():
        AccessLog.objects.filter(pk=entry.pk).delete()


def test_a_stated_purpose_is_remembered_for_that_person_until_it_expires(session, settings, person):
    purpose_state(session=session, person_id=person.pk, purpose="application", reference="APP-1")

    assert purpose_stated(session=session, person_id=person.pk).reference == "APP-1"
    assert purpose_stated(session=session, person_id=person.pk + 1) is None
    settings.AUDIT_PURPOSE_TTL_SECONDS = 0
    assert purpose_stated(session=session, person_id=person.pk) is None


def test_the_log_list_filters_by_user_purpose_and_date(client, officer, superuser, person):
    access_log_record(user=officer, person_id=person.pk, channel="admin", purpose="application", reference="A-1")
    access_log_record(user=superuser, person_id=person.pk, channel="admin", purpose="data_quality", reference="DQ-1")
    client.force_login(officer)
    url = reverse("admin:audit_accesslog_changelist")

    def references(**params) -> set[str]:
        response = client.get(url, params)
        assert response.status_code == 200
        return {entry.reference for entry in response.context["cl"].result_list}

    assert references() == {"A-1", "DQ-1"}
    assert references(user=superuser.pk) == {"DQ-1"}
    assert references(purpose__exact="application") == {"A-1"}
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    assert references(accessed_at__gte=today.isoformat()) == {"A-1", "DQ-1"}
    assert references(accessed_at__lt=today.isoformat()) == set()


def test_the_purpose_form_refuses_a_next_url_on_another_site(client, officer, person):
    client.force_login(officer)

    response = client.post(
        reverse("admin:audit_accesslog_purpose", args=[person.pk]),
        {"purpose": "application", "reference": "APP-1", "next": "https://evil.example/"},
    )

    assert response["Location"] == reverse("admin:profiles_person_change", args=[person.pk])
