from __future__ import annotations

import base64

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from exchange.tests.rows import crossing_row, person_row
from profiles.models import SourceRecord

pytestmark = pytest.mark.django_db
URL = "/api/v1/exchange/records"


def basic_auth(username, password):
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


@pytest.fixture
def client(importer):
    api = APIClient()
    api.force_login(importer)  # session authentication; HTTP Basic is tested once (it hashes per request)
    return api


def test_the_endpoint_is_mounted_under_api_v1_exchange():
    assert reverse("exchange_records_ingest") == URL


def test_it_requires_authentication():
    response = APIClient().post(URL, {"records": [person_row()]}, format="json")

    assert response.status_code in (401, 403)
    assert not SourceRecord.objects.exists()


def test_an_agency_system_may_authenticate_with_http_basic(importer):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=basic_auth("border-feed", "feed-pass-12345"))

    response = api.post(URL, {"records": [person_row()]}, format="json")

    assert response.status_code == 201


def test_it_requires_the_import_permission(django_user_model):
    django_user_model.objects.create_user(username="officer", password="officer-pass-123", is_staff=True)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=basic_auth("officer", "officer-pass-123"))

    response = api.post(URL, {"records": [person_row()]}, format="json")

    assert response.status_code == 403


def test_it_answers_201_with_counts_and_the_errors_of_each_bad_row(client):
    records = [person_row("B-1"), person_row("B-2", birth_date="2099-01-01"), crossing_row("B-3")]

    response = client.post(URL, {"records": records}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert {key: body[key] for key in ("received", "accepted", "duplicate", "quarantined")} == {
        "received": 3,
        "accepted": 2,
        "duplicate": 0,
        "quarantined": 1,
    }
    assert body["errors"] == [
        {
            "index": 1,
            "source_system": "BORDER",
            "source_record_id": "B-2",
            "errors": {"birth_date": ["impossible birth date: 2099-01-01 is in the future."]},
        }
    ]


def test_posting_the_same_batch_again_is_idempotent(client):
    records = [person_row("B-1"), crossing_row("B-2")]
    client.post(URL, {"records": records}, format="json")
    stored = list(SourceRecord.objects.values("pk", "payload"))

    response = client.post(URL, {"records": records}, format="json")

    assert response.status_code == 201
    assert (response.json()["accepted"], response.json()["duplicate"]) == (0, 2)
    assert list(SourceRecord.objects.values("pk", "payload")) == stored


def test_the_batch_default_source_system_applies_to_records_without_one(client):
    response = client.post(URL, {"source_system": "MIGREG", "records": [person_row(source_system=None)]}, format="json")

    assert response.status_code == 201
    assert SourceRecord.objects.get().source_system_id == "MIGREG"


@pytest.mark.parametrize(
    "body",
    [{}, {"records": []}, {"records": ["not an object"]}, {"source_system": "NOPE", "records": [person_row()]}],
)
def test_a_malformed_request_is_refused_whole_with_400(client, body):
    response = client.post(URL, body, format="json")

    assert response.status_code == 400
    assert not SourceRecord.objects.exists()


def test_more_than_ten_thousand_records_are_refused(client):
    response = client.post(URL, {"records": [{}] * 10_001}, format="json")

    assert response.status_code == 400
    assert "records" in response.json()
