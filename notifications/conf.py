"""Settings of the notification pipeline, each read with its default at the moment of use.

Nothing here is a secret; the SMS provider's token comes from the environment through
`settings.NOTIFICATIONS_SMS_HTTP` (see `checks.py`). Read on every call so that a test's `settings`
fixture or a deployment's override takes effect without a restart of anything but the process.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.conf import settings

DEFAULT_TIMEZONE = "Europe/Moscow"
DEFAULT_SEND_WINDOWS = {"working_day": ("09:00", "20:00"), "day_off": ("10:00", "19:00")}
# DOMAIN.md §6: the 230-FZ ceilings for debt collectors, taken as a conservative limit for SMS.
DEFAULT_RATE_LIMITS = {"sms": {"day": 2, "week": 4, "month": 16}}
RATE_WINDOWS = {
    "day": datetime.timedelta(days=1),
    "week": datetime.timedelta(days=7),
    "month": datetime.timedelta(days=30),
}
DEFAULT_BATCH_SIZES = {"inbox": 500, "email": 20, "sms": 20}


def _get(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def broadcast_approval_threshold() -> int:
    return int(_get("NOTIFICATIONS_BROADCAST_APPROVAL_THRESHOLD", 10_000))


def max_attempts() -> int:
    """Attempts per delivery before it is a technical failure (the database caps it at 25)."""
    return int(_get("NOTIFICATIONS_MAX_ATTEMPTS", 6))


def backoff(attempts: int) -> datetime.timedelta:
    """Wait after the n-th failed attempt: 1, 2, 4, 8 ... minutes, at most 6 hours."""
    base = int(_get("NOTIFICATIONS_BACKOFF_BASE_SECONDS", 60))
    ceiling = int(_get("NOTIFICATIONS_BACKOFF_MAX_SECONDS", 6 * 3600))
    return datetime.timedelta(seconds=min(ceiling, base * 2 ** max(0, attempts - 1)))


def lease_seconds() -> int:
    """How long a claimed batch is a worker's; the sweeper re-queues it afterwards. It must exceed the
    slowest batch: batch size x transport timeout for SMS and email (checked in checks.py)."""
    return int(_get("NOTIFICATIONS_LEASE_SECONDS", 300))


def batch_size(channel: str) -> int:
    return int(_get("NOTIFICATIONS_BATCH_SIZES", DEFAULT_BATCH_SIZES).get(channel, 50))


def send_windows() -> dict[str, tuple[datetime.time, datetime.time]]:
    windows = _get("NOTIFICATIONS_SEND_WINDOWS", DEFAULT_SEND_WINDOWS)
    return {
        day: (datetime.time.fromisoformat(start), datetime.time.fromisoformat(end))
        for day, (start, end) in windows.items()
    }


def quiet_hours_channels() -> frozenset[str]:
    """Channels that wait for the person's local sending window; the inbox is read when they choose."""
    return frozenset(_get("NOTIFICATIONS_QUIET_HOURS_CHANNELS", ("sms", "email")))


def rate_limits() -> dict[str, dict[str, int]]:
    return _get("NOTIFICATIONS_RATE_LIMITS", DEFAULT_RATE_LIMITS)


def default_timezone() -> str:
    return _get("NOTIFICATIONS_DEFAULT_TIMEZONE", DEFAULT_TIMEZONE)


def sms_adapter_name() -> str:
    return _get("NOTIFICATIONS_SMS_ADAPTER", "file")


def sms_file_path() -> Path:
    return Path(_get("NOTIFICATIONS_SMS_FILE", Path(settings.VAR_DIR) / "sms-outbox.jsonl"))


def sms_http() -> dict[str, Any]:
    """{"url", "token", "sender", "timeout"} of the HTTP SMS provider."""
    return {"url": "", "token": "", "sender": "MVD", "timeout": 10, **_get("NOTIFICATIONS_SMS_HTTP", {})}


def sms_receipt_token() -> str:
    return _get("NOTIFICATIONS_SMS_RECEIPT_TOKEN", "")


def dispatch_budget_seconds() -> int:
    """How long one dispatch task drains the outbox; well under Q_CLUSTER['timeout']."""
    return int(_get("NOTIFICATIONS_DISPATCH_BUDGET_SECONDS", 50))
