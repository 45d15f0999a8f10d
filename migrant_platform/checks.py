"""System checks that catch a misconfigured deployment before it serves anyone."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.compatibility)
def check_task_queue_retry(app_configs, **kwargs):
    """django-q2 re-runs a task whose result has not arrived after `retry` seconds.

    If `retry` does not exceed `timeout`, a slow task is started a second time while the first
    still runs; unbounded attempts turn a poison task into an endless loop.
    """
    cluster = settings.Q_CLUSTER
    errors = []
    if cluster.get("retry", 0) <= cluster.get("timeout", 0):
        errors.append(
            Error(
                "Q_CLUSTER['retry'] must exceed Q_CLUSTER['timeout'].",
                hint="Otherwise a slow task is started twice while it still runs.",
                id="platform.E001",
            )
        )
    if not cluster.get("max_attempts"):
        errors.append(
            Error("Q_CLUSTER['max_attempts'] must be bounded.", hint="Set it to a small number.", id="platform.E002")
        )
    return errors


@register(Tags.database, deploy=True)
def check_production_database(app_configs, **kwargs):
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        return [
            Warning(
                "SQLite is the embedded developer database; production runs on PostgreSQL.",
                hint="Set DATABASE_URL=postgres://...",
                id="platform.W001",
            )
        ]
    return []
