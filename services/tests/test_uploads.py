"""Uploads are checked by content and size, never by the name or the browser's claim."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from services.services import application_document_attach, application_draft_save
from services.tests.conftest import JPEG, PDF, PNG, service, upload
from services.uploads import MAX_UPLOAD_BYTES, upload_check

pytestmark = pytest.mark.django_db
WINDOWS_EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [("scan.pdf", PDF, "application/pdf"), ("photo.jpg", JPEG, "image/jpeg"), ("photo.png", PNG, "image/png")],
)
def test_a_pdf_jpeg_or_png_is_accepted_as_what_its_content_is(name, content, expected):
    assert upload_check(upload(name, content)).content_type == expected


def test_a_png_named_pdf_is_accepted_as_the_png_it_is(karimov, applicant, settings):
    draft = application_draft_save(user=applicant, person=karimov, service=service("patent-payment"), data={})
    document = application_document_attach(
        application=draft, field_name="receipt", upload=upload("receipt.pdf", PNG, content_type="application/pdf")
    )
    assert document.content_type == "image/png"
    assert document.original_name == "receipt.pdf"
    assert document.file.read() == PNG
    # Stored under VAR_DIR/private, outside MEDIA_ROOT (which DEBUG serves to anyone), without the person's name.
    assert document.file.path.startswith(str(settings.VAR_DIR / "private" / "services"))
    assert "receipt" not in document.file.name


def test_an_executable_renamed_pdf_is_refused(karimov, applicant):
    draft = application_draft_save(user=applicant, person=karimov, service=service("patent-payment"), data={})
    with pytest.raises(ValidationError) as error:
        application_document_attach(
            application=draft, field_name="receipt", upload=upload("receipt.pdf", WINDOWS_EXECUTABLE)
        )
    assert error.value.code == "type"
    assert draft.documents.count() == 0


def test_a_file_over_10_mb_is_refused_whatever_it_is():
    too_big = upload("big.pdf", PDF + b"0" * (MAX_UPLOAD_BYTES - len(PDF) + 1))
    with pytest.raises(ValidationError) as error:
        upload_check(too_big)
    assert error.value.code == "too_large"


def test_a_file_of_exactly_10_mb_is_accepted():
    assert upload_check(upload("max.pdf", PDF + b"0" * (MAX_UPLOAD_BYTES - len(PDF)))).size == MAX_UPLOAD_BYTES


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError):
        upload_check(upload("empty.pdf", b""))


def test_html_pretending_to_be_an_image_is_refused():
    with pytest.raises(ValidationError, match="PDF, JPEG"):
        upload_check(upload("x.png", b"<html><script>alert(1)</script></html>", content_type="image/png"))


def test_a_new_file_replaces_the_old_one_in_a_draft(karimov, applicant):
    draft = application_draft_save(user=applicant, person=karimov, service=service("patent-payment"), data={},
                                   files={"receipt": upload("first.pdf")})  # fmt: skip
    application_draft_save(user=applicant, person=karimov, service=service("patent-payment"), data={},
                           files={"receipt": upload("second.jpg", JPEG)})  # fmt: skip
    assert list(draft.documents.values_list("original_name", "content_type")) == [("second.jpg", "image/jpeg")]
