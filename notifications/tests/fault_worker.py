"""A dispatcher in its own process, for the fault test (`test_fault.py`); not collected by pytest.

    python -m notifications.tests.fault_worker --channel inbox --lease 2 --batch 25 [--hang-in-batch 3 --marker PATH]
    python -m notifications.tests.fault_worker --channel sms --sms-file PATH --sweep

With --hang-in-batch N the worker stops inside its N-th batch and touches the marker file, so that the
test can SIGKILL it exactly there: for the inbox after writing the messages and before the commit, for
SMS after the claim and before calling the provider. With --sweep it re-queues the leases of dead
workers and drains the channel until nothing is queued or in flight.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import asdict
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--channel", choices=["inbox", "sms"], default="inbox")
    parser.add_argument("--lease", type=int, default=2)
    parser.add_argument("--batch", type=int, default=25)
    parser.add_argument("--hang-in-batch", type=int, default=0)
    parser.add_argument("--marker", type=Path)
    parser.add_argument("--sms-file", type=Path)
    parser.add_argument("--sweep", action="store_true")
    parser.add_argument("--max-seconds", type=float, default=60)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migrant_platform.settings")
    import django

    django.setup()
    from django.conf import settings

    from notifications import transports
    from notifications.dispatch import DispatchResult, deliveries_dispatch, deliveries_sweep, worker_name
    from notifications.models import Delivery

    settings.NOTIFICATIONS_SMS_ADAPTER = "file"
    settings.NOTIFICATIONS_SMS_FILE = args.sms_file
    settings.NOTIFICATIONS_SEND_WINDOWS = {"working_day": ("00:00", "23:59"), "day_off": ("00:00", "23:59")}

    if args.hang_in_batch:
        transport = transports.InboxTransport if args.channel == "inbox" else transports.SmsTransport
        original = transport.send_batch
        calls = {"n": 0}

        def hang_in_batch(self, messages):
            calls["n"] += 1
            hang = calls["n"] == args.hang_in_batch
            if hang and args.channel == "sms":
                args.marker.write_text("claimed, nothing sent")
                time.sleep(3600)  # the test kills us here
            results = original(self, messages)
            if hang:
                args.marker.write_text("inbox rows written, not committed")
                time.sleep(3600)
            return results

        transport.send_batch = hang_in_batch

    worker, total = worker_name(), DispatchResult()
    started = time.monotonic()
    while time.monotonic() - started < args.max_seconds:
        if args.sweep:
            deliveries_sweep()
        result = deliveries_dispatch(
            channel=args.channel, batch_size=args.batch, worker=worker, lease_seconds=args.lease
        )
        total.add(result)
        if result.claimed:
            continue
        pending = Delivery.objects.filter(channel=args.channel, status__in=["queued", "sending"])
        if not args.sweep or not pending.exists():
            break
        time.sleep(0.5)  # a dead worker's lease has not run out yet
    print(json.dumps(asdict(total)))


if __name__ == "__main__":
    main()
