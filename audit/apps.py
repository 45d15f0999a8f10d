from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Access audit"

    def ready(self) -> None:
        from audit.roles import roles_sync

        # Permissions are created app by app after migrate; syncing after each app's turn means the
        # last call sees them all. It is a handful of queries per app, once per migrate.
        post_migrate.connect(roles_sync, dispatch_uid="audit.roles_sync")
