from django.apps import AppConfig


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = "E-services and applications"

    def ready(self) -> None:
        from services import checks  # noqa: F401 - registers the system checks
