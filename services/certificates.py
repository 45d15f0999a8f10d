"""Signed statements of status: the platform's Ed25519 key, the token the QR code carries, and the PDF.

The token is `MPC1.<payload>.<signature>`: the payload is compact JSON in base64url (no padding),
the signature is Ed25519 over the ASCII bytes `MPC1.<payload>`, in base64url. Anyone holding the
public key (published at `services:certificate_public_key`) verifies it offline:

    from cryptography.hazmat.primitives.serialization import load_pem_public_key
    header, payload, signature = token.split(".")
    load_pem_public_key(pem).verify(b64url_decode(signature), f"{header}.{payload}".encode())
    statement = json.loads(b64url_decode(payload)); assert statement["exp"] > time.time()

The statement is short-lived (`CERTIFICATE_TTL`): it says what the registry knew on the day it was
issued, and a person asks for a fresh one in a minute. The key: `CERTIFICATE_SIGNING_KEY` (setting
or environment variable), the 32-byte Ed25519 private key in base64; in DEBUG and tests a key is
generated once into VAR_DIR/certificate_signing_key (var/ is never committed). A deployment without
the key fails the system check `services.E001`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import qrcode
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone, translation
from django.utils.html import escape

from services import pdf

TOKEN_HEADER = "MPC1"  # noqa: S105 - the token format's name and version, not a secret
CERTIFICATE_TTL = dt.timedelta(days=7)
KEY_FILE_NAME = "certificate_signing_key"


# --- Keys ---------------------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _configured_key() -> str:
    return str(getattr(settings, "CERTIFICATE_SIGNING_KEY", "") or os.environ.get("CERTIFICATE_SIGNING_KEY", ""))


def key_source_problem() -> str | None:
    """Why no signing key can be had (for the system check), or None."""
    raw = _configured_key()
    if raw:
        try:
            _private_key_from(raw)
        except (ValueError, binascii.Error) as error:
            return f"CERTIFICATE_SIGNING_KEY is not a base64 32-byte Ed25519 key: {error}"
        return None
    if settings.DEBUG or getattr(settings, "TESTING", False):
        return None
    return "CERTIFICATE_SIGNING_KEY must be set when DJANGO_DEBUG is off (status certificates are signed with it)."


def _private_key_from(raw: str) -> Ed25519PrivateKey:
    seed = base64.b64decode(raw.strip(), validate=True)
    if len(seed) != 32:
        raise ValueError(f"expected 32 bytes, got {len(seed)}")
    return Ed25519PrivateKey.from_private_bytes(seed)


def _development_key(path: Path) -> str:
    """Generate the development key once; O_EXCL so that two processes starting together agree."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        seed = base64.b64encode(os.urandom(32))
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "wb") as file:
                file.write(seed)
    return path.read_text().strip()


def signing_key() -> Ed25519PrivateKey:
    raw = _configured_key()
    if not raw:
        if not (settings.DEBUG or getattr(settings, "TESTING", False)):
            raise ImproperlyConfigured(key_source_problem())
        raw = _development_key(Path(settings.VAR_DIR) / KEY_FILE_NAME)
    return _private_key_from(raw)


def public_key() -> Ed25519PublicKey:
    return signing_key().public_key()


def public_key_pem() -> str:
    return public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def key_id(key: Ed25519PublicKey | None = None) -> str:
    raw = (key or public_key()).public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


# --- Tokens -------------------------------------------------------------------------------------


def token_sign(statement: dict[str, Any], *, key: Ed25519PrivateKey | None = None) -> str:
    key = key or signing_key()
    payload = _b64url(json.dumps(statement, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode())
    signed = f"{TOKEN_HEADER}.{payload}"
    return f"{signed}.{_b64url(key.sign(signed.encode('ascii')))}"


VALID, EXPIRED, INVALID = "valid", "expired", "invalid"


@dataclass(frozen=True)
class Verification:
    status: str  # valid / expired / invalid
    statement: dict[str, Any] | None = None
    problem: str = ""


def token_verify(token: str, *, key: Ed25519PublicKey | None = None, now: dt.datetime | None = None) -> Verification:
    """Check the signature, then the expiry. A statement is shown only when its signature holds."""
    parts = (token or "").strip().split(".")
    if len(parts) != 3 or parts[0] != TOKEN_HEADER:
        return Verification(INVALID, problem="not a certificate token")
    try:
        signature = b64url_decode(parts[2])
        (key or public_key()).verify(signature, f"{parts[0]}.{parts[1]}".encode("ascii"))
        statement = json.loads(b64url_decode(parts[1]))
    except (InvalidSignature, ValueError, binascii.Error, UnicodeError):
        return Verification(INVALID, problem="the signature does not match: altered, or not issued by this platform")
    if not isinstance(statement, dict) or not isinstance(statement.get("exp"), int):
        return Verification(INVALID, problem="the statement has no expiry")
    now = now or timezone.now()
    if statement["exp"] <= int(now.timestamp()):
        return Verification(EXPIRED, statement=statement, problem="the statement has expired")
    return Verification(VALID, statement=statement)


def statement_dates(statement: dict[str, Any]) -> dict[str, Any]:
    """Datetimes and dates of a statement, for display."""

    def moment(seconds: Any) -> dt.datetime | None:
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC) if isinstance(seconds, int) else None

    def day(value: Any) -> dt.date | None:
        try:
            return dt.date.fromisoformat(value) if value else None
        except (TypeError, ValueError):
            return None

    return {
        "issued_at": moment(statement.get("iat")),
        "expires_at": moment(statement.get("exp")),
        "permitted_until": day(statement.get("until")),
        "on": day(statement.get("on")),
        "birth_date": day(statement.get("dob")),
    }


# --- QR and PDF ---------------------------------------------------------------------------------


def qr_matrix(text: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(text)
    code.make(fit=True)
    return code.get_matrix()


def qr_svg(text: str, *, module: int = 4, label: str = "") -> str:
    """An inline SVG of the QR code (for the HTML pages), one path of unit squares."""
    matrix = qr_matrix(text)
    size = len(matrix)
    squares = "".join(f"M{x},{y}h1v1h-1z" for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="{size * module}" '
        f'height="{size * module}" role="img" aria-label="{escape(label)}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/><path d="{squares}" fill="#000"/></svg>'
    )


BASIS_LABELS_EN = {
    "vnzh": "Residence permit (VNZh)",
    "rvp": "Temporary residence permit (RVP)",
    "patent": "Patent, paid through the day",
    "eaeu_worker": "EAEU worker under a contract",
    "student": "Full-time study",
    "work_permit": "Work permit",
    "visa": "Visa",
    "visa_free": "Visa-free temporary stay",
    "overstay": "No legal basis: overstay",
    "none": "No stay, or no basis recorded",
}


def certificate_pdf(*, statement: dict[str, Any], reference: str, verify_url: str, public_key_url: str) -> bytes:
    """The one-page certificate: the statement in words and the QR code carrying the signed token."""
    dates = statement_dates(statement)
    page = pdf.Page()
    left, top = 56, page.height - 64
    with translation.override("en"):
        page.rect(0, page.height - 8, page.width, 8, gray=0.2)
        page.text(left, top, "Statement of migration status", size=20, bold=True)
        page.text(left, top - 22, "Migration registry of the Russian Federation - e-services platform", size=10)
        page.line(left, top - 34, page.width - left, top - 34)

        until = dates["permitted_until"]
        rows = [
            ("Name", statement.get("name_latin") or statement.get("name", "")),
            ("Date of birth", dates["birth_date"].strftime("%d.%m.%Y") if dates["birth_date"] else "-"),
            ("Citizenship", statement.get("cit", "")),
            ("Person ID", statement.get("pid", "")),
            ("Status on", dates["on"].strftime("%d.%m.%Y") if dates["on"] else "-"),
            ("Legal basis of stay", BASIS_LABELS_EN.get(statement.get("basis", ""), statement.get("basis", ""))),
            (
                "Permitted to stay until",
                until.strftime("%d.%m.%Y") if until else ("no end date" if statement.get("basis") == "vnzh" else "-"),
            ),
            ("Application", reference),
            ("Certificate", statement.get("cid", "")),
            ("Issued", dates["issued_at"].strftime("%d.%m.%Y %H:%M UTC") if dates["issued_at"] else "-"),
            ("Valid until", dates["expires_at"].strftime("%d.%m.%Y %H:%M UTC") if dates["expires_at"] else "-"),
        ]
        y = top - 62
        for label, value in rows:
            page.text(left, y, label, size=10, bold=True)
            page.text(left + 150, y, str(value), size=11)
            y -= 20

        matrix = qr_matrix(verify_url)
        side = 200
        qr_top = y - 10
        page.matrix(left, qr_top, matrix, module=side / len(matrix))
        notes = [
            "Scan the QR code to check this statement online, or verify it offline: the code carries the statement "
            "signed with the platform's Ed25519 key (key id " + str(statement.get("kid", "")) + ").",
            "Public key: " + public_key_url,
            "The statement shows what the registry recorded when it was issued and is valid for 7 days. "
            "It is not an identity document: check it against the holder's passport.",
        ]
        y = qr_top - side - 24
        for note in notes:
            for line in pdf.wrap(note, width=95):
                page.text(left, y, line, size=9)
                y -= 13
            y -= 4
    return page.render(title=f"Statement of migration status {reference}")
