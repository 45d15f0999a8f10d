import json
import time
from dataclasses import asdict

from django.core.management.base import BaseCommand

from notifications.dispatch import DispatchResult, deliveries_dispatch, deliveries_sweep, worker_name


class Command(BaseCommand):
    help = "Drain the outbox in this process (operations, benchmarks); the cluster runs dispatch_task."

    def add_arguments(self, parser):
        parser.add_argument("--channel", choices=["inbox", "sms", "email"])
        parser.add_argument("--batch", type=int, help="Deliveries per claim (default: per channel setting).")
        parser.add_argument("--lease", type=int, help="Lease in seconds (default: NOTIFICATIONS_LEASE_SECONDS).")
        parser.add_argument("--sweep", action="store_true", help="Re-queue deliveries of dead workers first.")
        parser.add_argument("--max-seconds", type=float, default=0, help="Stop after this long (0: when empty).")

    def handle(self, *args, **options):
        if options["sweep"]:
            self.stdout.write(f"swept {deliveries_sweep()} deliveries")
        worker, total = worker_name(), DispatchResult()
        started = time.monotonic()
        while not options["max_seconds"] or time.monotonic() - started < options["max_seconds"]:
            result = deliveries_dispatch(
                channel=options["channel"], batch_size=options["batch"], worker=worker, lease_seconds=options["lease"]
            )
            total.add(result)
            if result.claimed == 0:
                break
        self.stdout.write(json.dumps(asdict(total)))
