"""Provider callbacks (outside i18n_patterns): include("notifications.api_urls") under "api/v1/notifications/"."""

from django.urls import path

from notifications import views

app_name = "notifications_api"
urlpatterns = [path("receipts/sms", views.sms_receipt, name="sms_receipt")]
