"""The status certificate: issued at once, signed with Ed25519, verifiable offline and on the verify page."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from django.urls import reverse
from django.utils import timezone

from services import certificates
from services.models import StatusCertificate
from services.services import application_submit
from services.tests.conftest import service
from services.workflow import State

pytestmark = pytest.mark.django_db
VERIFY = reverse("services:certificate_verify")
PUBLIC_KEY = reverse("services:certificate_public_key")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture
def certificate(karimov, applicant) -> StatusCertificate:
    application = application_submit(user=applicant, person=karimov, service=service("status-certificate"),
                                     data={"purpose": "landlord"})  # fmt: skip
    return application.certificate


def test_the_certificate_is_issued_at_once_by_the_platform(certificate, karimov):
    application = certificate.application
    assert application.state == State.APPROVED
    assert list(application.transitions.values_list("from_state", "to_state", "actor", "by")) == [
        ("draft", "submitted", "applicant", karimov.user_id),
        ("submitted", "approved", "system", None),
    ]
    assert certificate.expires_at - certificate.issued_at == dt.timedelta(days=7)


def test_the_statement_says_the_status_from_the_status_engine(certificate, karimov):
    statement = certificate.statement
    assert statement["pid"] == str(karimov.public_id)
    assert statement["name"] == "Каримов Алишер Бахтиёрович" and statement["name_latin"] == "KARIMOV ALISHER"
    assert statement["basis"] == "patent"
    assert statement["until"] == (timezone.localdate() + dt.timedelta(days=20)).isoformat()  # paid until
    assert statement["exp"] - statement["iat"] == 7 * 24 * 3600


def test_the_signature_verifies_offline_with_the_published_public_key(client, certificate):
    pem = client.get(PUBLIC_KEY).content
    key = load_pem_public_key(pem)
    header, payload, signature = certificate.token.split(".")

    key.verify(unb64url(signature), f"{header}.{payload}".encode())  # raises if it does not hold
    statement = json.loads(unb64url(payload))
    assert statement == certificate.statement
    assert statement["kid"] == client.get(PUBLIC_KEY)["X-Key-Id"]


def test_a_tampered_token_fails_offline_and_online(client, certificate):
    header, payload, signature = certificate.token.split(".")
    statement = json.loads(unb64url(payload))
    statement["until"] = "2099-12-31"
    forged = f"{header}.{b64url(json.dumps(statement, separators=(',', ':')).encode())}.{signature}"

    with pytest.raises(InvalidSignature):
        load_pem_public_key(client.get(PUBLIC_KEY).content).verify(
            unb64url(signature), f"{header}.{forged.split('.')[1]}".encode()
        )
    assert certificates.token_verify(forged).status == "invalid"
    response = client.get(VERIFY, {"token": forged})
    assert response.context["verification"].status == "invalid"
    assert 'data-status="invalid"' in response.content.decode()
    assert "2099" not in response.content.decode().split('id="verify-form"')[0]


def test_a_valid_token_shows_valid_with_the_statement(client, certificate):
    page = client.get(VERIFY, {"token": certificate.token}).content.decode()
    assert 'data-status="valid"' in page
    assert "Каримов Алишер" in page


def test_an_expired_token_shows_expired_on_the_verify_page(client, certificate, karimov):
    later = timezone.now() + dt.timedelta(days=8)
    assert certificates.token_verify(certificate.token, now=later).status == "expired"
    # The same certificate, as if issued eight days ago.
    issued, expires = timezone.now() - dt.timedelta(days=8), timezone.now() - dt.timedelta(days=1)
    statement = {**certificate.statement, "iat": int(issued.timestamp()), "exp": int(expires.timestamp())}
    token = certificates.token_sign(statement)
    StatusCertificate.objects.filter(pk=certificate.pk).update(
        token=token, statement=statement, issued_at=issued, expires_at=expires
    )

    response = client.get(VERIFY, {"token": token})
    assert response.context["verification"].status == "expired"
    assert 'data-status="expired"' in response.content.decode()


def test_a_token_signed_with_another_key_is_invalid(certificate):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    other = certificates.token_sign(certificate.statement, key=Ed25519PrivateKey.generate())
    assert certificates.token_verify(other).status == "invalid"


def test_a_signed_token_that_was_never_issued_is_not_shown_as_valid(client, certificate):
    never_issued = certificates.token_sign({**certificate.statement, "cid": "00000000-0000-0000-0000-000000000000"})
    assert certificates.token_verify(never_issued).status == "valid"  # the signature holds offline...
    assert client.get(VERIFY, {"token": never_issued}).context["verification"].status == "invalid"  # ...not here


def test_garbage_is_invalid(client):
    for token in ("", "abc", "MPC1.x.y", "MPC1..", "JWT.a.b"):
        assert certificates.token_verify(token).status == "invalid"
    assert client.get(VERIFY, {"token": "MPC1.%%%.y"}).status_code == 200


def test_the_applicant_downloads_a_one_page_pdf_with_the_qr_code(client, applicant, certificate):
    client.force_login(applicant)
    detail = client.get(reverse("services:application_detail", args=[certificate.application.public_id]))
    assert 'id="certificate-download"' in detail.content.decode()
    response = client.get(reverse("services:certificate_pdf", args=[certificate.application.public_id]))
    body = response.content
    assert response["Content-Type"] == "application/pdf"
    assert body.startswith(b"%PDF-1.4") and body.rstrip().endswith(b"%%EOF")
    assert b"/Count 1" in body
    assert b"KARIMOV ALISHER" in body and b"Patent, paid through the day" in body
    assert body.count(b" re") > 100  # the QR modules, drawn as rectangles


def test_the_pdf_cross_reference_table_points_at_its_objects(client, applicant, certificate):
    client.force_login(applicant)
    body = client.get(reverse("services:certificate_pdf", args=[certificate.application.public_id])).content
    xref_at = int(body.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert body[xref_at:].startswith(b"xref")
    offsets = [int(line[:10]) for line in body[xref_at:].split(b"\n")[3:10]]
    for number, offset in enumerate(offsets, start=1):
        assert body[offset:].startswith(b"%d 0 obj" % number)


def test_another_person_cannot_download_the_certificate(client, outsider, certificate):
    client.force_login(outsider)
    assert client.get(reverse("services:certificate_pdf", args=[certificate.application.public_id])).status_code == 404


def test_without_a_configured_key_a_development_key_is_generated_once_into_var(settings, tmp_path):
    settings.CERTIFICATE_SIGNING_KEY = ""
    settings.VAR_DIR = tmp_path
    first = certificates.public_key_pem()
    assert (tmp_path / "certificate_signing_key").stat().st_mode & 0o777 == 0o600
    assert certificates.public_key_pem() == first


def test_production_without_a_key_fails_the_system_check(settings, monkeypatch):
    from services.checks import check_certificate_signing_key

    monkeypatch.delenv("CERTIFICATE_SIGNING_KEY", raising=False)
    settings.CERTIFICATE_SIGNING_KEY = ""
    settings.DEBUG = False
    settings.TESTING = False
    assert [error.id for error in check_certificate_signing_key(None)] == ["services.E001"]
    settings.CERTIFICATE_SIGNING_KEY = "not base64!"
    assert [error.id for error in check_certificate_signing_key(None)] == ["services.E001"]
