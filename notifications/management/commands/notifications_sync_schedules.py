from django.core.management.base import BaseCommand

from notifications.tasks import notifications_sync_schedules


class Command(BaseCommand):
    help = "Create or update the notification pipeline's django-q2 schedules (by name)."

    def handle(self, *args, **options):
        for name in notifications_sync_schedules():
            self.stdout.write(f"schedule {name}: up to date")
