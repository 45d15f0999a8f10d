"""Cabinet pages, inside i18n_patterns: path("cabinet/", include("cabinet.urls")).

The manifest and the service worker are at the root (cabinet.pwa; see .cabinet_wiring.txt).
"""

from django.urls import path

from cabinet import views

app_name = "cabinet"
urlpatterns = [
    path("", views.home, name="home"),
    path("claim/", views.claim_start, name="claim"),
    path("claim/code/", views.claim_verify, name="claim_verify"),
    path("claim/status/", views.claim_status, name="claim_status"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:message_id>/read/", views.inbox_message_read, name="inbox_message_read"),
    path("language/", views.language_set, name="language"),
    path("offline/", views.offline, name="offline"),
]
