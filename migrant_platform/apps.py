from django.apps import AppConfig


class PlatformConfig(AppConfig):
    """Project-wide pieces: system checks and setup commands (no models)."""

    name = "migrant_platform"
    verbose_name = "Platform"

    def ready(self) -> None:
        from migrant_platform import checks  # noqa: F401  (registers the system checks)
