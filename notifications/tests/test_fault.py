"""Fault test: a dispatcher process killed with SIGKILL in the middle of a batch loses nothing and
duplicates nothing once another one takes over (issue 4, "kill a worker mid-dispatch").

Two ways a batch is held, two scenarios: the inbox, whose rows are locked by the transaction that
writes the messages (killed before its commit: nothing happened, the rows are still queued), and SMS,
leased rows (killed after the claim: the sweeper re-queues them when the lease runs out).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from notifications.models import Broadcast, Delivery, DeliveryStatus, InboxMessage
from notifications.services import broadcast_save, broadcast_send, broadcast_submit
from profiles.models import Person
from reference.models import Country

PERSONS = 400
BATCH = 25


def child_environment() -> dict[str, str]:
    database = connection.settings_dict  # pytest-django's test database, which the children must share
    credentials = f"{database['USER']}:{database['PASSWORD'] or ''}"
    url = f"postgres://{credentials}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "migrant_platform.settings",
    }


def run_worker(*arguments: str) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own interpreter and module, fixed arguments
        [sys.executable, "-m", "notifications.tests.fault_worker", *arguments],
        cwd=settings.BASE_DIR,
        env=child_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def outbox_of(channel: str, django_user_model) -> None:
    """400 recipients of a broadcast: the same outbox rows a scan or an event writes."""
    uzbekistan = Country.objects.get(iso3="UZB")
    Person.objects.bulk_create(
        Person(
            latin_surname=f"FAULT{i}",
            birth_date=dt.date(1990, 1, 1),
            sex="M",
            citizenship=uzbekistan,
            phone=f"+7900{i:07d}",
        )
        for i in range(PERSONS)
    )
    author = django_user_model.objects.create_user(username="author", password="author-pass-123")
    broadcast = broadcast_save(
        broadcast=Broadcast(
            title="fault", scheduled_at=timezone.now(), created_by=author, inbox_only=channel == "inbox"
        ),
        texts={"ru": ("Тема", "Текст")},
    )
    broadcast_submit(broadcast=broadcast, user=author)
    assert broadcast_send(broadcast_id=broadcast.pk) == PERSONS
    Delivery.objects.update(next_attempt_at=timezone.now())  # due now, whatever the hour of the test run


def kill_inside_third_batch(channel: str, tmp_path: Path) -> None:
    marker = tmp_path / "inside"
    victim = run_worker("--channel", channel, "--lease", "2", "--batch", str(BATCH), "--hang-in-batch", "3",
                        "--marker", str(marker), "--sms-file", str(tmp_path / "sms.jsonl"))  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert victim.poll() is None, victim.communicate()
            assert time.monotonic() < deadline, "the worker never reached its third batch"
            time.sleep(0.05)
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(timeout=10)
    finally:
        if victim.poll() is None:
            victim.kill()


def take_over(channel: str, tmp_path: Path) -> None:
    successor = run_worker("--channel", channel, "--lease", "2", "--batch", str(BATCH), "--sweep",
                           "--sms-file", str(tmp_path / "sms.jsonl"))  # fmt: skip
    _output, errors = successor.communicate(timeout=120)
    assert successor.returncode == 0, errors


@pytest.fixture
def postgres_only(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("A second process cannot see pytest-django's in-memory SQLite test database; runs on PostgreSQL.")
    # The child processes are the only workers: no synchronous in-test dispatch after commit.
    monkeypatch.setattr("notifications.tasks.enqueue_dispatch", lambda: None)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_inbox_worker_killed_before_its_commit_loses_and_duplicates_nothing(
    postgres_only, django_user_model, tmp_path
):
    outbox_of("inbox", django_user_model)

    kill_inside_third_batch("inbox", tmp_path)
    # Two batches committed; the third wrote its messages but never committed: no trace, rows still queued.
    assert InboxMessage.objects.count() == 2 * BATCH
    assert Delivery.objects.filter(status=DeliveryStatus.QUEUED).count() == PERSONS - 2 * BATCH
    assert not Delivery.objects.filter(status=DeliveryStatus.SENDING).exists()

    take_over("inbox", tmp_path)

    per_notification = (
        InboxMessage.objects.values("notification_id").annotate(n=Count("id")).values_list("n", flat=True)
    )
    assert InboxMessage.objects.count() == PERSONS
    assert set(per_notification) == {1}  # none lost, none twice
    assert set(Delivery.objects.values_list("status", "attempts").distinct()) == {(DeliveryStatus.SENT, 1)}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_sms_worker_killed_after_its_claim_is_swept_and_sends_each_message_once(
    postgres_only, django_user_model, tmp_path
):
    outbox_of("sms", django_user_model)

    kill_inside_third_batch("sms", tmp_path)
    sent_before = (tmp_path / "sms.jsonl").read_text().splitlines()
    assert len(sent_before) == 2 * BATCH
    assert Delivery.objects.filter(channel="sms", status=DeliveryStatus.SENDING).count() == BATCH  # leased, dead

    take_over("sms", tmp_path)  # waits for the 2-second lease, sweeps, drains

    references = Counter(json.loads(line)["reference"] for line in (tmp_path / "sms.jsonl").read_text().splitlines())
    assert len(references) == PERSONS and set(references.values()) == {1}  # none lost, none twice
    sms = Delivery.objects.filter(channel="sms")
    assert set(sms.values_list("status", flat=True).distinct()) == {DeliveryStatus.SENT}
    assert sms.filter(attempts=2).count() == BATCH  # the killed batch: claimed twice
