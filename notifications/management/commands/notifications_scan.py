import datetime
import json

from django.core.management.base import BaseCommand
from django.utils import timezone

from notifications.reminders import reminders_scan


class Command(BaseCommand):
    help = "Run the daily reminder scan now (idempotent: a second run creates nothing new)."

    def add_arguments(self, parser):
        parser.add_argument("--on", type=datetime.date.fromisoformat, help="Scan for this day (default: today).")

    def handle(self, *args, **options):
        result = reminders_scan(on=options["on"] or timezone.localdate())
        self.stdout.write(json.dumps(result.as_json(), indent=2))
