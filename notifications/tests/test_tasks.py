"""Tasks, schedules, the HTTP SMS adapter's error mapping and the system checks."""

from __future__ import annotations

import io
import json
import urllib.error

import pytest
from django.core.management import call_command
from django_q.models import Schedule

from notifications.checks import check_notification_settings
from notifications.models import InboxMessage, Notification
from notifications.tasks import SCHEDULES, dispatch_task, notifications_sync_schedules, reminders_scan_task
from notifications.tests.conftest import patent_paid_until, person_with
from notifications.transports import HttpSmsAdapter, PermanentError, TemporaryError

pytestmark = pytest.mark.django_db


def test_schedules_are_upserted_by_name_and_keep_their_next_run():
    notifications_sync_schedules()
    first = {s.name: s.next_run for s in Schedule.objects.filter(name__startswith="notifications.")}
    Schedule.objects.filter(name="notifications.dispatch").update(minutes=7)
    output = io.StringIO()
    call_command("notifications_sync_schedules", stdout=output)
    schedules = {s.name: s for s in Schedule.objects.filter(name__startswith="notifications.")}
    assert set(schedules) == {spec.name for spec in SCHEDULES}
    assert schedules["notifications.dispatch"].minutes == 1  # the declaration wins
    assert {name: s.next_run for name, s in schedules.items()} == first
    assert schedules["notifications.reminders_scan"].schedule_type == Schedule.DAILY


def test_the_scan_task_and_the_dispatch_task_are_idempotent():
    from django.utils import timezone

    person = person_with()
    patent_paid_until(person, timezone.localdate() + timezone.timedelta(days=3))
    assert reminders_scan_task()["notifications"] == 1
    assert reminders_scan_task()["notifications"] == 0
    assert dispatch_task(budget_seconds=5)["sent"] == 1
    assert dispatch_task(budget_seconds=5)["claimed"] == 0
    assert InboxMessage.objects.count() == Notification.objects.count() == 1


class FakeResponse(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *args):
        return False


def adapter_answering(answer):
    def opener(request, timeout):
        opener.request = request
        if isinstance(answer, Exception):
            raise answer
        return FakeResponse(json.dumps(answer).encode())

    return HttpSmsAdapter(url="https://sms.example/send", token="t", opener=opener), opener


def http_error(code):
    return urllib.error.HTTPError("https://sms.example/send", code, "x", {}, io.BytesIO(b"{}"))


def test_the_http_adapter_sends_the_idempotency_key_and_returns_the_provider_id():
    adapter, opener = adapter_answering({"id": "abc-1"})
    assert adapter.send(phone="+998901234567", text="Привет", reference="reminder:1:sms") == "abc-1"
    assert opener.request.headers["Idempotency-key"] == "reminder:1:sms"
    assert json.loads(opener.request.data)["client_ref"] == "reminder:1:sms"


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (http_error(400), PermanentError),
        (http_error(403), PermanentError),
        (http_error(429), TemporaryError),
        (http_error(503), TemporaryError),
        (urllib.error.URLError("connection refused"), TemporaryError),
        (TimeoutError("timed out"), TemporaryError),
        ({"status": "ok"}, TemporaryError),  # accepted without an id: we cannot track it, try again
    ],
)
def test_the_http_adapter_tells_permanent_from_temporary_errors(answer, error):
    adapter, _opener = adapter_answering(answer)
    with pytest.raises(error):
        adapter.send(phone="+998901234567", text="x", reference="r")


def test_checks_catch_a_lease_shorter_than_a_batch_and_an_unconfigured_provider(settings):
    settings.NOTIFICATIONS_LEASE_SECONDS = 60
    settings.NOTIFICATIONS_SMS_ADAPTER = "http"
    ids = {message.id for message in check_notification_settings(None)}
    assert {"notifications.E002", "notifications.E003"} <= ids
