"""django-q2 tasks and the periodic schedules of the notification pipeline.

Every task takes ids (never model instances), is enqueued after commit and is idempotent: django-q2
may run it twice (a killed worker's task is retried after Q_CLUSTER['retry']), and the outbox rows
decide what is left to do. Each task stays far below Q_CLUSTER['timeout'] (600 s): the dispatcher
drains for at most `conf.dispatch_budget_seconds()` (50 s) and the next minute's run continues.

The schedules are declared in `SCHEDULES` and upserted by name by `notifications_sync_schedules`
(management command `notifications_sync_schedules`; the project's `setup_schedules` calls it).
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task

from notifications import conf
from notifications.dispatch import DispatchResult, deliveries_dispatch, deliveries_sweep, pending_channels, worker_name
from notifications.models import Broadcast, BroadcastState
from notifications.reminders import reminders_scan
from notifications.services import broadcast_send

logger = logging.getLogger(__name__)
TASK_GROUP = "notifications"


# --- Enqueueing (called from transaction.on_commit) -----------------------------------------------


def enqueue_send(delivery_ids: Sequence[int]) -> None:
    if delivery_ids:
        async_task("notifications.tasks.deliveries_send_task", list(delivery_ids), group=TASK_GROUP)


def enqueue_dispatch() -> None:
    async_task("notifications.tasks.dispatch_task", group=TASK_GROUP)


# --- Tasks -------------------------------------------------------------------------------------------------


def reminders_scan_task(on: str | None = None) -> dict:
    """The daily scan for today in Moscow (or the ISO date given). Run twice, it creates nothing new."""
    day = datetime.date.fromisoformat(on) if on else timezone.localdate()
    return reminders_scan(on=day).as_json()


def deliveries_send_task(delivery_ids: list[int]) -> dict:
    """Send these deliveries now if they are still queued and due (an event's first attempt)."""
    total = DispatchResult()
    worker = worker_name()
    for channel in pending_channels(ids=delivery_ids):
        total.add(deliveries_dispatch(channel=channel, ids=delivery_ids, worker=worker))
    return asdict(total)


def dispatch_task(budget_seconds: int | None = None) -> dict:
    """Drain the outbox, channel by channel, batch by batch, for at most the budget."""
    deadline = time.monotonic() + (budget_seconds or conf.dispatch_budget_seconds())
    worker = worker_name()
    total = DispatchResult()
    while time.monotonic() < deadline:
        result = deliveries_dispatch(worker=worker)
        total.add(result)
        if result.claimed == 0:
            break
    return asdict(total)


def sweep_task() -> int:
    return deliveries_sweep()


def broadcasts_due_task() -> int:
    """Fan out every approved broadcast whose time has come."""
    now = timezone.now()
    due = Broadcast.objects.filter(state=BroadcastState.APPROVED, scheduled_at__lte=now).values_list("pk", flat=True)
    return sum(broadcast_send(broadcast_id=pk, now=now) for pk in due)  # broadcast_due_idx


# --- Schedules -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    func: str
    schedule_type: str
    minutes: int | None = None
    first_run_at: datetime.time | None = None  # Moscow time of the first run, for daily jobs


SCHEDULES = (
    # 00:10 in Moscow is already 09:10 in Kamchatka; external deliveries wait for each zone's window.
    ScheduleSpec(
        "notifications.reminders_scan",
        "notifications.tasks.reminders_scan_task",
        Schedule.DAILY,
        first_run_at=datetime.time(0, 10),
    ),
    ScheduleSpec("notifications.dispatch", "notifications.tasks.dispatch_task", Schedule.MINUTES, minutes=1),
    ScheduleSpec("notifications.sweep", "notifications.tasks.sweep_task", Schedule.MINUTES, minutes=5),
    ScheduleSpec("notifications.broadcasts", "notifications.tasks.broadcasts_due_task", Schedule.MINUTES, minutes=1),
)


def notifications_sync_schedules() -> list[str]:
    """Create or update the django-q2 schedules by name; a schedule's next run is kept when it exists."""
    names = []
    for spec in SCHEDULES:
        defaults = {"func": spec.func, "schedule_type": spec.schedule_type, "minutes": spec.minutes, "repeats": -1}
        schedule, created = Schedule.objects.update_or_create(name=spec.name, defaults=defaults)
        if created:
            now = timezone.localtime()
            next_run = now
            if spec.first_run_at is not None:
                next_run = now.replace(
                    hour=spec.first_run_at.hour, minute=spec.first_run_at.minute, second=0, microsecond=0
                )
                if next_run <= now:
                    next_run += datetime.timedelta(days=1)
            schedule.next_run = next_run
            schedule.save(update_fields=["next_run"])
        names.append(spec.name)
    return names
