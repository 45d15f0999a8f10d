"""Cabinet pages (inside i18n_patterns): include("notifications.urls") under "cabinet/"."""

from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:message_id>/read/", views.inbox_message_read, name="inbox_message_read"),
    path("notifications/preferences/", views.preferences, name="preferences"),
]
