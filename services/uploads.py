"""What an upload is, read from its content: PDF, JPEG or PNG, at most 10 MB.

The name and the browser's Content-Type are the sender's claims; the first bytes are the file's. A
PNG named `receipt.pdf` is accepted as the PNG it is (and stored and served as one); an executable
named `scan.pdf` is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png"}
# Magic numbers: PDF "%PDF-" (within the first 1024 bytes, as readers allow), JPEG SOI + marker, PNG signature.
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SIGNATURE = b"\xff\xd8\xff"
_PDF_SIGNATURE = b"%PDF-"
_SNIFF_BYTES = 1024


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    size: int


def sniff_content_type(head: bytes) -> str | None:
    if head.startswith(_PNG_SIGNATURE):
        return PNG
    if head.startswith(_JPEG_SIGNATURE):
        return JPEG
    if _PDF_SIGNATURE in head[:_SNIFF_BYTES]:
        return PDF
    return None


def upload_check(upload: UploadedFile) -> CheckedUpload:
    """Raise ValidationError unless the upload is a PDF, JPEG or PNG of 1 byte to 10 MB."""
    size = upload.size or 0
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(MAX_UPLOAD_BYTES)},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(_SNIFF_BYTES)
    upload.seek(0)
    content_type = sniff_content_type(head)
    if content_type is None:
        raise ValidationError(
            _("This file is not a PDF, JPEG or PNG (whatever its name says). Scan or photograph the document again."),
            code="type",
        )
    return CheckedUpload(content_type=content_type, size=size)
