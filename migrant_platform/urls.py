from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from cabinet import pwa
from legal.status_admin import person_status_view
from migrant_platform import views

admin.site.site_header = "Migration platform — staff"
admin.site.site_title = "Migration platform"
admin.site.index_title = "Registry administration"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # The PWA is served from the root so the service worker's scope covers /cabinet/ in every language.
    path("manifest.webmanifest", pwa.manifest, name="pwa_manifest"),
    path("sw.js", pwa.service_worker, name="pwa_service_worker"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Staff JSON view of a person's legal status (purpose-gated and logged like the admin person page).
    path("staff/persons/<int:person_id>/status/", person_status_view, name="staff_person_status"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("legal.api_urls")),
    path("api/v1/exchange/", include("exchange.api_urls")),
    path("api/v1/notifications/", include("notifications.api_urls")),
]
urlpatterns += i18n_patterns(
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    # allauth inside i18n_patterns: its pages follow the chosen language (/uz/accounts/login/ ...).
    path("accounts/", include("allauth.urls")),
    path("", include("legal.urls")),
    # cabinet first: its inbox views answer; notifications adds the channel preferences page.
    path("cabinet/", include("cabinet.urls")),
    path("cabinet/", include("notifications.urls")),
    path("services/", include("services.urls")),
    prefix_default_language=False,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
