"""Print a new Ed25519 key pair for status certificates: the private key for CERTIFICATE_SIGNING_KEY
(keep it in the deployment's secret store, never in git) and the public key to publish."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Generate a signing key for status certificates (prints it; stores nothing)."

    def handle(self, *args, **options):
        key = Ed25519PrivateKey.generate()
        seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        public = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
        self.stdout.write(f"CERTIFICATE_SIGNING_KEY={base64.b64encode(seed).decode()}\n")
        self.stdout.write(public)
