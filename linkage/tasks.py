"""Background jobs of the linker. Tasks take ids and fetch what they need; they are enqueued after the
transaction that created their input commits (django-q2 runs them synchronously in tests)."""

from __future__ import annotations

from django.db import transaction
from django_q.tasks import async_task

from linkage.models import LinkRun
from linkage.services import LinkSummary, records_link, relink_all


def link_records_task(record_ids: list[int]) -> LinkSummary:
    return records_link(record_ids=record_ids)


def relink_all_task(run_id: int) -> int:
    return relink_all(run_id=run_id).pk


def link_records_enqueue(*, record_ids: list[int]) -> None:
    """Link these records in the background once the current transaction commits."""
    ids = list(record_ids)
    transaction.on_commit(lambda: async_task("linkage.tasks.link_records_task", ids))


def relink_request(*, user) -> LinkRun:
    """Ask for a full re-link: a queued LinkRun now, the job once this transaction commits."""
    run = LinkRun.objects.create(requested_by=user)
    transaction.on_commit(lambda: async_task("linkage.tasks.relink_all_task", run.pk))
    return run
