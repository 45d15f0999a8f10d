"""System checks for the notification pipeline's settings (ids notifications.E00x / W00x)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from notifications import conf
from notifications.models import MAX_ATTEMPTS_CEILING

SMS_ADAPTERS = ("http", "file", "console", "memory")


@register(Tags.compatibility)
def check_notification_settings(app_configs, **kwargs):
    errors = []
    adapter = conf.sms_adapter_name()
    if adapter not in SMS_ADAPTERS:
        errors.append(
            Error(
                f"NOTIFICATIONS_SMS_ADAPTER {adapter!r} is unknown.",
                hint=f"One of {SMS_ADAPTERS}.",
                id="notifications.E001",
            )
        )
    http = conf.sms_http()
    if adapter == "http" and not (http["url"].startswith("https://") and http["token"]):
        errors.append(
            Error(
                "The HTTP SMS adapter needs NOTIFICATIONS_SMS_HTTP['url'] (https://) and ['token'].",
                hint="Set them from the environment in settings.",
                id="notifications.E002",
            )
        )
    if not settings.DEBUG and adapter in ("file", "console", "memory"):
        errors.append(
            Warning(
                f"SMS go to the {adapter!r} development adapter.",
                hint="Set NOTIFICATIONS_SMS_ADAPTER = 'http' in production.",
                id="notifications.W001",
            )
        )
    # A claimed batch must finish within its lease, or the sweeper hands it to a second worker.
    slowest = conf.batch_size("sms") * float(http["timeout"])
    if conf.lease_seconds() <= slowest:
        errors.append(
            Error(
                f"NOTIFICATIONS_LEASE_SECONDS ({conf.lease_seconds()}) must exceed an SMS batch at its "
                f"timeout ({slowest:.0f} s).",
                hint="Raise the lease or lower NOTIFICATIONS_BATCH_SIZES['sms'].",
                id="notifications.E003",
            )
        )
    if not 1 <= conf.max_attempts() <= MAX_ATTEMPTS_CEILING:
        errors.append(
            Error(f"NOTIFICATIONS_MAX_ATTEMPTS must be between 1 and {MAX_ATTEMPTS_CEILING}.", id="notifications.E004")
        )
    # The dispatch task drains for its budget, plus at most one batch (bounded by the lease) in progress.
    timeout = settings.Q_CLUSTER.get("timeout") or 0
    if timeout and conf.dispatch_budget_seconds() + conf.lease_seconds() >= timeout:
        errors.append(
            Warning(
                "The dispatch task's budget plus one lease reaches Q_CLUSTER['timeout'].",
                hint="Lower NOTIFICATIONS_DISPATCH_BUDGET_SECONDS or NOTIFICATIONS_LEASE_SECONDS.",
                id="notifications.W002",
            )
        )
    return errors
