"""One transport per channel: `send()` either returns the provider's message id or raises.

`TemporaryError` means "try again later" (a timeout, a 5xx, a throttled provider): the dispatcher
retries with backoff until the attempts run out. `PermanentError` means this channel will never
work for this message (an invalid number, a refused address): the delivery fails at once and the
next channel the person consented to takes over.

Adding a channel: a `Channel` choice, a transport here, its place in the kinds' `channels`
(registry.py), consent defaults (models.DEFAULT_CONSENT) and, if it costs the person attention,
a rate limit (conf.DEFAULT_RATE_LIMITS).
"""

from __future__ import annotations

import json
import logging
import smtplib
import urllib.error
import urllib.request
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone

from notifications import conf
from notifications.models import Channel, InboxMessage

logger = logging.getLogger(__name__)


class TransportError(Exception):
    permanent: ClassVar[bool] = False


class TemporaryError(TransportError):
    """Worth retrying later."""


class PermanentError(TransportError):
    """Never worth retrying on this channel for this message."""

    permanent = True


@dataclass(frozen=True)
class OutgoingMessage:
    delivery_id: int
    notification_id: int
    person_id: int
    idempotency_key: str
    kind: str
    language: str
    subject: str
    body: str
    address: str = ""  # a phone (E.164) for SMS, an email address for email, nothing for the inbox


@dataclass
class SendResult:
    delivery_id: int
    provider_message_id: str = ""
    error: TransportError | None = None


class Transport:
    channel: ClassVar[str]
    # Inbox writes rows in the dispatcher's transaction: the message and the delivery's "sent" commit
    # together, so a killed worker leaves neither. External channels send outside any transaction.
    transactional: ClassVar[bool] = False

    def send(self, message: OutgoingMessage) -> str:
        raise NotImplementedError

    def send_batch(self, messages: Sequence[OutgoingMessage]) -> list[SendResult]:
        results = []
        for message in messages:
            try:
                results.append(SendResult(message.delivery_id, provider_message_id=self.send(message)))
            except TransportError as error:
                results.append(SendResult(message.delivery_id, error=error))
        return results


class InboxTransport(Transport):
    channel = Channel.INBOX
    transactional = True

    def send(self, message: OutgoingMessage) -> str:
        self.send_batch([message])
        return ""

    def send_batch(self, messages: Sequence[OutgoingMessage]) -> list[SendResult]:
        now = timezone.now()
        # One row per delivery (InboxMessage.delivery is unique): a batch re-run after a lost lease
        # inserts nothing twice.
        InboxMessage.objects.bulk_create(
            [
                InboxMessage(
                    person_id=message.person_id,
                    delivery_id=message.delivery_id,
                    notification_id=message.notification_id,
                    kind=message.kind,
                    language=message.language,
                    subject=message.subject[:200],
                    body=message.body,
                    created_at=now,
                )
                for message in messages
            ],
            ignore_conflicts=True,
        )
        return [SendResult(message.delivery_id) for message in messages]


class EmailTransport(Transport):
    channel = Channel.EMAIL

    def send_batch(self, messages: Sequence[OutgoingMessage]) -> list[SendResult]:
        try:
            connection = get_connection(fail_silently=False)
            connection.open()
        except (smtplib.SMTPException, OSError) as error:
            return [SendResult(m.delivery_id, error=TemporaryError(f"mail server: {error}")) for m in messages]
        try:
            results = []
            for message in messages:
                try:
                    results.append(SendResult(message.delivery_id, provider_message_id=self._send(message, connection)))
                except TransportError as error:
                    results.append(SendResult(message.delivery_id, error=error))
            return results
        finally:
            connection.close()

    def send(self, message: OutgoingMessage) -> str:
        return self._send(message, get_connection(fail_silently=False))

    def _send(self, message: OutgoingMessage, connection: Any) -> str:
        if not message.address:
            raise PermanentError("the person has no email address")
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.address],
            headers={"X-Notification-Key": message.idempotency_key},
            connection=connection,
        )
        try:
            email.send()
        except smtplib.SMTPRecipientsRefused as error:
            raise PermanentError(f"recipient refused: {error.recipients}") from error
        except smtplib.SMTPResponseException as error:
            kind = PermanentError if 500 <= error.smtp_code < 600 else TemporaryError
            raise kind(f"SMTP {error.smtp_code}: {error.smtp_error!r}") from error
        except (smtplib.SMTPException, OSError) as error:
            raise TemporaryError(f"mail server: {error}") from error
        return ""


# --- SMS: the transport and its provider adapters ----------------------------------------------


class SmsAdapter(Protocol):
    def send(self, *, phone: str, text: str, reference: str) -> str: ...


class ConsoleSmsAdapter:
    """Development: logs the message."""

    def send(self, *, phone: str, text: str, reference: str) -> str:
        logger.info("SMS to %s [%s]: %s", phone, reference, text)
        return f"console-{uuid.uuid4().hex[:12]}"


class FileSmsAdapter:
    """Development: appends one JSON line per message to a file (settings.NOTIFICATIONS_SMS_FILE)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or conf.sms_file_path()

    def send(self, *, phone: str, text: str, reference: str) -> str:
        message_id = f"file-{uuid.uuid4().hex[:12]}"
        line = {"id": message_id, "to": phone, "text": text, "reference": reference, "at": timezone.now().isoformat()}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
        return message_id


@dataclass
class MemorySmsAdapter:
    """Tests and demos: keeps messages in `outbox`; `scripted` maps a phone to errors raised in turn."""

    outbox: ClassVar[list[dict[str, str]]] = []
    scripted: ClassVar[dict[str, list[TransportError]]] = {}

    def send(self, *, phone: str, text: str, reference: str) -> str:
        errors = self.scripted.get(phone)
        if errors:
            raise errors.pop(0)
        message_id = f"mem-{len(self.outbox) + 1}"
        self.outbox.append({"id": message_id, "to": phone, "text": text, "reference": reference})
        return message_id

    @classmethod
    def reset(cls) -> None:
        cls.outbox.clear()
        cls.scripted.clear()


@dataclass
class HttpSmsAdapter:
    """A JSON-over-HTTPS SMS gateway: POST {to, text, sender, client_ref} with a bearer token.

    The delivery's idempotency key goes as `client_ref` and `Idempotency-Key`, so a provider that
    deduplicates never sends twice what a killed worker already handed over. 2xx with {"id"} is
    accepted; 408, 429 and 5xx or a network failure are temporary; any other 4xx is permanent
    (invalid or blocked number, foreign SIM the provider cannot reach).
    """

    url: str
    token: str
    sender: str = "MVD"
    timeout: float = 10
    opener: Any = field(default=None, repr=False)

    def send(self, *, phone: str, text: str, reference: str) -> str:
        body = json.dumps({"to": phone, "text": text, "sender": self.sender, "client_ref": reference}).encode()
        request = urllib.request.Request(  # noqa: S310 - the URL is the configured provider's https endpoint
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self.token}",
                "Idempotency-Key": reference,
            },
        )
        opener = self.opener or urllib.request.urlopen
        try:
            with opener(request, timeout=self.timeout) as response:
                payload = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            detail = f"HTTP {error.code}: {error.read()[:300]!r}"
            if error.code in (408, 429) or error.code >= 500:
                raise TemporaryError(detail) from error
            raise PermanentError(detail) from error
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            raise TemporaryError(f"provider unreachable: {error}") from error
        except ValueError as error:
            raise TemporaryError(f"provider answered with invalid JSON: {error}") from error
        message_id = str(payload.get("id") or payload.get("message_id") or "")
        if not message_id:
            raise TemporaryError(f"provider accepted without a message id: {payload!r}"[:300])
        return message_id


def sms_adapter() -> SmsAdapter:
    name = conf.sms_adapter_name()
    if name == "http":
        http = conf.sms_http()
        return HttpSmsAdapter(url=http["url"], token=http["token"], sender=http["sender"], timeout=http["timeout"])
    adapters: dict[str, type] = {"console": ConsoleSmsAdapter, "file": FileSmsAdapter, "memory": MemorySmsAdapter}
    if name not in adapters:
        raise LookupError(f"Unknown NOTIFICATIONS_SMS_ADAPTER {name!r}; known: http, {', '.join(adapters)}.")
    return adapters[name]()


class SmsTransport(Transport):
    channel = Channel.SMS

    def __init__(self, adapter: SmsAdapter | None = None) -> None:
        self.adapter = adapter or sms_adapter()

    def send(self, message: OutgoingMessage) -> str:
        if not message.address:
            raise PermanentError("the person has no phone number")
        return self.adapter.send(phone=message.address, text=message.body, reference=message.idempotency_key)


def transport_for(channel: str) -> Transport:
    transports: dict[str, type[Transport]] = {
        Channel.INBOX: InboxTransport,
        Channel.EMAIL: EmailTransport,
        Channel.SMS: SmsTransport,
    }
    return transports[channel]()
