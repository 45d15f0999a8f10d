from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CabinetConfig(AppConfig):
    name = "cabinet"
    verbose_name = _("Migrant cabinet")

    def ready(self) -> None:
        from cabinet import checks  # noqa: F401 - registers the system checks
