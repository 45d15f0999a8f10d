"""The project's URLs plus this app's, as the lead wires them (see the app's README)."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

from migrant_platform.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    *project_urlpatterns,
    path("api/v1/notifications/", include("notifications.api_urls")),
    *i18n_patterns(path("cabinet/", include("notifications.urls")), prefix_default_language=False),
]
